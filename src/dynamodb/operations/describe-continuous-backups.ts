import { ResourceNotFoundException } from "../errors.js";
import { defineOperation } from "../operation.js";
import type { TableRecord } from "../tables/table.js";

/** Reported as set; no backup is ever taken (the README says so). */
export const describeContinuousBackups = defineOperation("DescribeContinuousBackups", async (input, ctx) => {
  const table = await ctx.tables.describe<TableRecord>(input.TableName);
  if (!table) throw new ResourceNotFoundException(`Table not found: ${input.TableName}`);
  return {
    ContinuousBackupsDescription: {
      ContinuousBackupsStatus: "ENABLED",
      PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: table.pointInTimeRecovery ? "ENABLED" : "DISABLED" },
    },
  };
});

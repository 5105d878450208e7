import { ResourceNotFoundException } from "../errors.js";
import { defineOperation } from "../operation.js";
import type { TableRecord } from "../tables/table.js";

/** Accepted and reported by DescribeContinuousBackups; no backup is ever taken (the README says so). */
export const updateContinuousBackups = defineOperation("UpdateContinuousBackups", async (input, ctx) => {
  const enabled = input.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled;
  const table = await ctx.tables.update<TableRecord>(input.TableName, (t) => ({ ...t, pointInTimeRecovery: enabled }));
  if (!table) throw new ResourceNotFoundException(`Table not found: ${input.TableName}`);
  return {
    ContinuousBackupsDescription: {
      ContinuousBackupsStatus: "ENABLED",
      PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: enabled ? "ENABLED" : "DISABLED" },
    },
  };
});

import { defineOperation } from "../operation.js";
import { findTable } from "../tables/table-ref.js";

export const describeTimeToLive = defineOperation("DescribeTimeToLive", async (input, ctx) => {
  const { timeToLive } = await findTable(ctx, input.TableName);
  if (!timeToLive?.enabled) return { TimeToLiveDescription: { TimeToLiveStatus: "DISABLED" } };
  return { TimeToLiveDescription: { TimeToLiveStatus: "ENABLED", AttributeName: timeToLive.attribute } };
});

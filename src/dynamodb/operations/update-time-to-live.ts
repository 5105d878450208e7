import { ResourceNotFoundException } from "../errors.js";
import * as messages from "../messages.js";
import { defineOperation } from "../operation.js";
import type { TableRecord } from "../tables/table.js";

/** Accepted and reported by DescribeTimeToLive; expired items are not deleted (the README says so). */
export const updateTimeToLive = defineOperation("UpdateTimeToLive", async (input, ctx) => {
  const { AttributeName: attribute, Enabled: enabled } = input.TimeToLiveSpecification;
  const table = await ctx.tables.update<TableRecord>(input.TableName, (t) => ({ ...t, timeToLive: { attribute, enabled } }));
  if (!table) throw new ResourceNotFoundException(messages.requestedResourceNotFound());
  return { TimeToLiveSpecification: { AttributeName: attribute, Enabled: enabled } };
});

import { ResourceNotFoundException } from "../errors.js";
import * as messages from "../messages.js";
import { defineOperation } from "../operation.js";
import { tableDescription } from "../tables/table-ref.js";
import type { TableRecord } from "../tables/table.js";

export const describeTable = defineOperation("DescribeTable", async (input, ctx) => {
  const table = await ctx.tables.describe<TableRecord>(input.TableName);
  if (!table) throw new ResourceNotFoundException(messages.tableNotFound(input.TableName));
  return { Table: await tableDescription(ctx, table) };
});

import { defineOperation } from "../operation.js";
import type { TableRecord } from "../tables/table.js";

export const listTables = defineOperation("ListTables", async (input, ctx) => {
  const names = (await ctx.tables.list<TableRecord>()).map((t) => t.name).sort();
  const start = input.ExclusiveStartTableName;
  const after = start === undefined ? names : names.filter((n) => n > start);
  const limit = input.Limit ?? 100;
  const page = after.slice(0, limit);
  return { TableNames: page, ...(after.length > page.length && { LastEvaluatedTableName: page[page.length - 1] }) };
});

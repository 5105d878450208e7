import { defineOperation } from "../operation.js";
import { missingTableOfArn, tableNameOfArn } from "../tables/tag-target.js";
import type { TableRecord } from "../tables/table.js";

export const listTagsOfResource = defineOperation("ListTagsOfResource", async (input, ctx) => {
  const table = await ctx.tables.describe<TableRecord>(tableNameOfArn(input.ResourceArn));
  if (!table) throw missingTableOfArn(input.ResourceArn);
  return { Tags: Object.entries(table.tags).map(([Key, Value]) => ({ Key, Value })) };
});

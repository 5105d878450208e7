import { defineOperation } from "../operation.js";
import { missingTableOfArn, tableNameOfArn } from "../tables/tag-target.js";
import type { TableRecord } from "../tables/table.js";

export const untagResource = defineOperation("UntagResource", async (input, ctx) => {
  const table = await ctx.tables.update<TableRecord>(tableNameOfArn(input.ResourceArn), (t) => ({
    ...t,
    tags: Object.fromEntries(Object.entries(t.tags).filter(([key]) => !input.TagKeys.includes(key))),
  }));
  if (!table) throw missingTableOfArn(input.ResourceArn);
  return {} as never;
});

import { defineOperation } from "../operation.js";
import { missingTableOfArn, tableNameOfArn } from "../tables/tag-target.js";
import type { TableRecord } from "../tables/table.js";

export const tagResource = defineOperation("TagResource", async (input, ctx) => {
  const added = Object.fromEntries(input.Tags.map((t) => [t.Key, t.Value]));
  const table = await ctx.tables.update<TableRecord>(tableNameOfArn(input.ResourceArn), (t) => ({ ...t, tags: { ...t.tags, ...added } }));
  if (!table) throw missingTableOfArn(input.ResourceArn);
  return {} as never;
});

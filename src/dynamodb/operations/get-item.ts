import { parseProjection, project } from "../expressions/index.js";
import type { Item } from "../items/attribute-value.js";
import { defineOperation } from "../operation.js";
import { placeholdersOf, refuseMixed, type ExpressionInput } from "../tables/request-expressions.js";
import { findTable, readItem } from "../tables/table-ref.js";
import { checkKey } from "../tables/table.js";

export const getItem = defineOperation("GetItem", async (input, ctx) => {
  refuseMixed(input as never, ["AttributesToGet"], ["ProjectionExpression"]);
  const table = await findTable(ctx, input.TableName);
  const key = checkKey(table, input.Key as Item);
  const placeholders = placeholdersOf(input as ExpressionInput);
  const projection =
    input.ProjectionExpression !== undefined ? parseProjection(input.ProjectionExpression, placeholders) : input.AttributesToGet?.map((name) => [name]);
  placeholders.checkAllUsed();
  // Every read is strongly consistent (one KV get): ConsistentRead false may be, and here is, the same.
  const found = await readItem(await ctx.tables.items(table.name), table, key, true);
  // A miss has no Item member at all (KCL tells "absent" by its absence).
  if (!found) return {};
  return { Item: (projection ? project(found.item, projection) : found.item) as never };
});

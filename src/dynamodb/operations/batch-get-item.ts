import { parseProjection, project } from "../expressions/index.js";
import type { Item } from "../items/attribute-value.js";
import { defineOperation } from "../operation.js";
import { placeholdersOf } from "../tables/request-expressions.js";
import { findTable, readItem } from "../tables/table-ref.js";
import { checkKey } from "../tables/table.js";

export const batchGetItem = defineOperation("BatchGetItem", async (input, ctx) => {
  const responses: Record<string, Item[]> = {};
  for (const [name, request] of Object.entries(input.RequestItems)) {
    const table = await findTable(ctx, name);
    const items = await ctx.tables.items(name);
    const placeholders = placeholdersOf(request as never);
    const projection =
      request.ProjectionExpression !== undefined ? parseProjection(request.ProjectionExpression, placeholders) : request.AttributesToGet?.map((n) => [n]);
    placeholders.checkAllUsed();
    const found: Item[] = [];
    for (const key of request.Keys) {
      const read = await readItem(items, table, checkKey(table, key as Item), true);
      if (read) found.push(projection ? project(read.item, projection) : read.item);
    }
    responses[name] = found;
  }
  return { Responses: responses as never, UnprocessedKeys: {} };
});

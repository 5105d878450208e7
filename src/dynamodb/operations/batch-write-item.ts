import { checkedItem, type Item } from "../items/attribute-value.js";
import { defineOperation } from "../operation.js";
import { findTable, writeItem } from "../tables/table-ref.js";
import { checkItemKey, checkKey, keyOf } from "../tables/table.js";

export const batchWriteItem = defineOperation("BatchWriteItem", async (input, ctx) => {
  for (const [name, requests] of Object.entries(input.RequestItems)) {
    const table = await findTable(ctx, name);
    for (const request of requests) {
      if (request.PutRequest) {
        const item = checkedItem(request.PutRequest.Item as Item);
        checkItemKey(table, item);
        await writeItem(ctx, table, keyOf(table.key, item), () => item);
      } else if (request.DeleteRequest) {
        await writeItem(ctx, table, checkKey(table, request.DeleteRequest.Key as Item), () => null);
      }
    }
  }
  // Every request is written before the answer: nothing is ever left unprocessed.
  return { UnprocessedItems: {} };
});

import { evaluateCondition } from "../expressions/index.js";
import { checkedItem, type Item } from "../items/attribute-value.js";
import { defineOperation } from "../operation.js";
import { placeholdersOf, refuseMixed, type ExpressionInput, writeCondition } from "../tables/request-expressions.js";
import { conditionFailed, findTable, writeItem } from "../tables/table-ref.js";
import { checkItemKey, keyOf } from "../tables/table.js";

export const putItem = defineOperation("PutItem", async (input, ctx) => {
  refuseMixed(input as never, ["Expected", "ConditionalOperator"], ["ConditionExpression"]);
  const table = await findTable(ctx, input.TableName);
  const item = checkedItem(input.Item as Item);
  checkItemKey(table, item);
  const placeholders = placeholdersOf(input as ExpressionInput);
  const condition = writeCondition(input as ExpressionInput, placeholders);
  placeholders.checkAllUsed();
  const returnOld = input.ReturnValuesOnConditionCheckFailure === "ALL_OLD";
  const { before } = await writeItem(ctx, table, keyOf(table.key, item), (current) => {
    if (condition && !evaluateCondition(condition, current)) throw conditionFailed(current, returnOld);
    return item;
  });
  return input.ReturnValues === "ALL_OLD" && before ? { Attributes: before as never } : {};
});

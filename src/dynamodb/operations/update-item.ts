import { applyUpdate, evaluateCondition, legacyUpdate, parseUpdate, updatedAttributes, type UpdatePlan } from "../expressions/index.js";
import type { Item } from "../items/attribute-value.js";
import { defineOperation } from "../operation.js";
import { placeholdersOf, refuseMixed, type ExpressionInput, writeCondition } from "../tables/request-expressions.js";
import { conditionFailed, findTable, keyAttributesOf, writeItem } from "../tables/table-ref.js";
import { checkKey } from "../tables/table.js";

const NO_CHANGE: UpdatePlan = { set: [], remove: [], add: [], delete: [] };

/** UPDATED_OLD / UPDATED_NEW: only the attributes the update named. */
const only = (item: Item | undefined, names: readonly string[]): Item | undefined => {
  if (!item) return undefined;
  const kept = Object.fromEntries(names.filter((n) => item[n] !== undefined).map((n) => [n, item[n]!]));
  return Object.keys(kept).length > 0 ? kept : undefined;
};

export const updateItem = defineOperation("UpdateItem", async (input, ctx) => {
  refuseMixed(input as never, ["Expected", "ConditionalOperator", "AttributeUpdates"], ["ConditionExpression", "UpdateExpression"]);
  const table = await findTable(ctx, input.TableName);
  const key = checkKey(table, input.Key as Item);
  const placeholders = placeholdersOf(input as ExpressionInput);
  const plan = input.UpdateExpression !== undefined ? parseUpdate(input.UpdateExpression, placeholders) : legacyUpdate((input.AttributeUpdates ?? {}) as never);
  const condition = writeCondition(input as ExpressionInput, placeholders);
  placeholders.checkAllUsed();
  const returnOld = input.ReturnValuesOnConditionCheckFailure === "ALL_OLD";
  const keyAttributes = keyAttributesOf(table);
  // UpdateItem is an upsert: an item that is not there starts as its key.
  const { before, after } = await writeItem(ctx, table, key, (current) => {
    if (condition && !evaluateCondition(condition, current)) throw conditionFailed(current, returnOld);
    return applyUpdate(plan ?? NO_CHANGE, current ?? key, keyAttributes);
  });
  const names = updatedAttributes(plan);
  const attributes = (() => {
    switch (input.ReturnValues) {
      case "ALL_OLD":
        return before;
      case "ALL_NEW":
        return after;
      case "UPDATED_OLD":
        return only(before, names);
      case "UPDATED_NEW":
        return only(after, names);
      default:
        return undefined;
    }
  })();
  return attributes ? { Attributes: attributes as never } : {};
});

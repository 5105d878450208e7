import { TransactionCanceledException, ValidationException } from "../errors.js";
import { applyUpdate, evaluateCondition, parseCondition, parseUpdate, type Condition } from "../expressions/index.js";
import { checkedItem, type Item } from "../items/attribute-value.js";
import * as messages from "../messages.js";
import { defineOperation } from "../operation.js";
import { placeholdersOf } from "../tables/request-expressions.js";
import { findTable, keyAttributesOf, readItem, writeItem } from "../tables/table-ref.js";
import { checkItemKey, checkKey, keyOf, type TableRecord } from "../tables/table.js";

interface Step {
  readonly table: TableRecord;
  readonly key: Item;
  readonly condition?: Condition;
  readonly returnOld: boolean;
  /** The item to store (null: delete it; undefined: a ConditionCheck, nothing written). */
  readonly next?: (current: Item | undefined) => Item | null;
}

/**
 * TransactWriteItems (KCL 3.5 uses it to move its coordinator state). Every condition is
 * checked first, against the items as they are; if any fails nothing is written and the
 * answer gives a reason per item, as DynamoDB's does. The writes then go one by one, each
 * conditional again: JetStream has no multi-key transaction, so another writer may see a part
 * of the transaction before the rest (the README says so).
 */
export const transactWriteItems = defineOperation("TransactWriteItems", async (input, ctx) => {
  const steps: Step[] = [];
  for (const entry of input.TransactItems) {
    const action = entry.Put ?? entry.Delete ?? entry.Update ?? entry.ConditionCheck;
    if (!action) throw new ValidationException("TransactItems can only contain one of Check, Put, Update or Delete");
    const table = await findTable(ctx, action.TableName);
    const placeholders = placeholdersOf(action as never);
    const condition = action.ConditionExpression !== undefined ? parseCondition(action.ConditionExpression, placeholders) : undefined;
    const returnOld = action.ReturnValuesOnConditionCheckFailure === "ALL_OLD";
    if (entry.Put) {
      const item = checkedItem(entry.Put.Item as Item);
      checkItemKey(table, item);
      steps.push({ table, key: keyOf(table.key, item), condition, returnOld, next: () => item });
    } else if (entry.Update) {
      const key = checkKey(table, entry.Update.Key as Item);
      const plan = parseUpdate(entry.Update.UpdateExpression, placeholders);
      steps.push({ table, key, condition, returnOld, next: (current) => applyUpdate(plan, current ?? key, keyAttributesOf(table)) });
    } else if (entry.Delete) steps.push({ table, key: checkKey(table, entry.Delete.Key as Item), condition, returnOld, next: () => null });
    else steps.push({ table, key: checkKey(table, entry.ConditionCheck!.Key as Item), condition, returnOld });
    placeholders.checkAllUsed();
  }
  const reasons = await Promise.all(
    steps.map(async (step) => {
      const current = (await readItem(await ctx.tables.items(step.table.name), step.table, step.key, true))?.item;
      if (!step.condition || evaluateCondition(step.condition, current)) return { Code: "None" };
      return { Code: "ConditionalCheckFailed", Message: messages.conditionalRequestFailed(), ...(step.returnOld && current && { Item: current }) };
    }),
  );
  if (reasons.some((r) => r.Code !== "None")) {
    throw new TransactionCanceledException(messages.transactionCanceled(reasons.map((r) => r.Code)), { CancellationReasons: reasons });
  }
  for (const step of steps) {
    if (!step.next) continue;
    await writeItem(ctx, step.table, step.key, (current) => {
      if (step.condition && !evaluateCondition(step.condition, current)) {
        throw new TransactionCanceledException(messages.transactionCanceled(["TransactionConflict"]), {
          CancellationReasons: [{ Code: "TransactionConflict", Message: "Transaction is ongoing for the item" }],
        });
      }
      return step.next!(current);
    });
  }
  return {};
});

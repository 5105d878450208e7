import { ValidationException } from "../errors.js";
import { evaluateCondition, legacyCondition, legacyFilter, parseCondition, parseKeyCondition, parseProjection, type Condition } from "../expressions/index.js";
import { valuesEqual, type Item } from "../items/attribute-value.js";
import { defineOperation } from "../operation.js";
import { indexOf } from "../tables/indexes.js";
import { readPage } from "../tables/item-pages.js";
import { placeholdersOf, refuseMixed, type ExpressionInput } from "../tables/request-expressions.js";
import { findTable } from "../tables/table-ref.js";

export const query = defineOperation("Query", async (input, ctx) => {
  refuseMixed(
    input as never,
    ["KeyConditions", "QueryFilter", "ConditionalOperator", "AttributesToGet"],
    ["KeyConditionExpression", "FilterExpression", "ProjectionExpression"],
  );
  const table = await findTable(ctx, input.TableName);
  const index = input.IndexName === undefined ? undefined : indexOf(table, input.IndexName);
  const key = index?.key ?? table.key;
  const placeholders = placeholdersOf(input as ExpressionInput);
  let matchesKey: (item: Item) => boolean;
  if (input.KeyConditionExpression !== undefined) {
    const condition = parseKeyCondition(input.KeyConditionExpression, placeholders, { hash: key.hash.name, range: key.range?.name });
    matchesKey = (item) => {
      const hash = item[condition.hash.name];
      return hash !== undefined && valuesEqual(hash, condition.hash.value) && (!condition.range || evaluateCondition(condition.range, item));
    };
  } else if (input.KeyConditions) {
    const condition = legacyCondition(input.KeyConditions as never)!;
    matchesKey = (item) => evaluateCondition(condition, item);
  } else throw new ValidationException("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
  const filter: Condition | undefined =
    input.FilterExpression !== undefined
      ? parseCondition(input.FilterExpression, placeholders, "FilterExpression")
      : input.QueryFilter && legacyFilter(input.QueryFilter as never, input.ConditionalOperator);
  const projection =
    input.ProjectionExpression !== undefined
      ? parseProjection(input.ProjectionExpression, placeholders)
      : (input.AttributesToGet?.map((name) => [name]) ?? index?.projection);
  placeholders.checkAllUsed();
  const page = await readPage(ctx, {
    table,
    order: key,
    includes: (item) => (index ? index.includes(item) : true) && matchesKey(item),
    descending: input.ScanIndexForward === false,
    exclusiveStartKey: input.ExclusiveStartKey as Item | undefined,
    limit: input.Limit,
    ...(filter && { filter }),
    ...(projection && { projection }),
    count: input.Select === "COUNT",
  });
  return page as never;
});

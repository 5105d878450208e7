import { ValidationException } from "../errors.js";
import * as messages from "../messages.js";
import { legacyCondition, parseCondition, Placeholders, type Condition, type ExpectedAttribute } from "../expressions/index.js";
import type { AttributeValue } from "../items/attribute-value.js";

/** The expression-related members a write or read request may carry. */
export interface ExpressionInput {
  readonly ConditionExpression?: string;
  readonly Expected?: Readonly<Record<string, ExpectedAttribute>>;
  readonly ConditionalOperator?: string;
  readonly ExpressionAttributeNames?: Readonly<Record<string, string>>;
  readonly ExpressionAttributeValues?: Readonly<Record<string, unknown>>;
}

/** The placeholders of a request, so each expression parsed from it records what it used. */
export const placeholdersOf = (input: ExpressionInput): Placeholders =>
  new Placeholders(input.ExpressionAttributeNames, input.ExpressionAttributeValues as Record<string, AttributeValue> | undefined);

/**
 * DynamoDB refuses a request that mixes the legacy parameters with expressions, naming both
 * sides; `legacy` and `expressions` are the members of each kind the request carries.
 */
export function refuseMixed(input: Readonly<Record<string, unknown>>, legacy: readonly string[], expressions: readonly string[]): void {
  const usedLegacy = legacy.filter((name) => input[name] !== undefined);
  const usedExpressions = expressions.filter((name) => input[name] !== undefined);
  if (usedLegacy.length > 0 && usedExpressions.length > 0) throw new ValidationException(messages.mixedParameters(usedLegacy, usedExpressions));
}

/** The condition of a write: its ConditionExpression, or its Expected entries. */
export function writeCondition(input: ExpressionInput, placeholders: Placeholders): Condition | undefined {
  if (input.ConditionExpression !== undefined) return parseCondition(input.ConditionExpression, placeholders);
  return input.Expected ? legacyCondition(input.Expected, input.ConditionalOperator) : undefined;
}

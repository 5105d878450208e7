/** The expression language and the legacy parameters, as conditions and update plans. */
export { evaluateCondition, valueAt } from "./evaluate.js";
export { legacyCondition, legacyFilter, legacyUpdate, type AttributeUpdate, type ExpectedAttribute } from "./legacy.js";
export { parseKeyCondition, type KeyCondition } from "./key-condition.js";
export { parseProjection, project } from "./projection.js";
export { ExpressionParser, Placeholders, type Condition, type Path } from "./syntax.js";
export { applyUpdate, parseUpdate, updatedAttributes, type UpdatePlan } from "./update.js";

import { ExpressionParser, type Condition, type Placeholders } from "./syntax.js";

/** A condition or filter expression. */
export function parseCondition(text: string, placeholders: Placeholders, expression = "ConditionExpression"): Condition {
  const parser = new ExpressionParser(text, expression, placeholders);
  const condition = parser.condition();
  parser.end();
  return condition;
}

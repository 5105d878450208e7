import { ValidationException } from "../errors.js";
import type { AttributeValue } from "../items/attribute-value.js";
import { ExpressionParser, type Condition, type Placeholders } from "./syntax.js";

/** A Query's key condition: the partition key's value, and optionally a condition on the sort key. */
export interface KeyCondition {
  readonly hash: { readonly name: string; readonly value: AttributeValue };
  readonly range?: Condition;
}

const EXPRESSION = "KeyConditionExpression";

/** Parses `pk = :v [AND sk <op> :w | sk BETWEEN :a AND :b | begins_with(sk, :p)]` against the key's names. */
export function parseKeyCondition(text: string, placeholders: Placeholders, key: { readonly hash: string; readonly range?: string }): KeyCondition {
  const parser = new ExpressionParser(text, EXPRESSION, placeholders);
  const condition = parser.condition();
  parser.end();
  const parts = condition.kind === "and" ? [condition.left, condition.right] : [condition];
  if (parts.some((p) => p.kind === "and" || p.kind === "or" || p.kind === "not" || p.kind === "in")) {
    throw new ValidationException(`Invalid ${EXPRESSION}: Only AND is allowed between the key conditions`);
  }
  let hash: KeyCondition["hash"] | undefined;
  let range: Condition | undefined;
  for (const part of parts) {
    const name = nameOf(part);
    if (name === key.hash && part.kind === "compare" && part.op === "=" && part.right.kind === "value") hash = { name, value: part.right.value };
    else if (name !== undefined && name === key.range) range = part;
    else throw new ValidationException(`Query condition missed key schema element: ${key.hash}`);
  }
  if (!hash) throw new ValidationException(`Query condition missed key schema element: ${key.hash}`);
  return { hash, ...(range && { range }) };
}

function nameOf(part: Condition): string | undefined {
  if (part.kind === "compare" && part.left.kind === "path" && part.left.path.length === 1) return part.left.path[0] as string;
  if (part.kind === "between" && part.operand.kind === "path" && part.operand.path.length === 1) return part.operand.path[0] as string;
  if (part.kind === "function" && part.name === "begins_with" && part.path.length === 1) return part.path[0] as string;
  return undefined;
}

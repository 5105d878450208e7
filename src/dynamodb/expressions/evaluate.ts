import { ValidationException } from "../errors.js";
import { compareValues, typeOf, valuesEqual, type AttributeValue, type Item } from "../items/attribute-value.js";
import type { Condition, Operand, Path } from "./syntax.js";

/** The value at a document path of an item, if there is one. */
export function valueAt(item: Item | undefined, path: Path): AttributeValue | undefined {
  let current: AttributeValue | undefined = item ? { M: item } : undefined;
  for (const step of path) {
    if (current === undefined) return undefined;
    if (typeof step === "number") current = "L" in current ? (current.L as readonly AttributeValue[])[step] : undefined;
    else current = "M" in current ? (current.M as Item)[step] : undefined;
  }
  return current;
}

function sizeOf(value: AttributeValue): number | undefined {
  if ("S" in value) return Buffer.byteLength(value.S);
  if ("B" in value) return value.B.byteLength;
  if ("SS" in value) return value.SS.length;
  if ("NS" in value) return value.NS.length;
  if ("BS" in value) return value.BS.length;
  if ("L" in value) return value.L.length;
  if ("M" in value) return Object.keys(value.M).length;
  return undefined;
}

function operandValue(operand: Operand, item: Item | undefined): AttributeValue | undefined {
  if (operand.kind === "value") return operand.value;
  const found = valueAt(item, operand.path);
  if (operand.kind === "path" || found === undefined) return found;
  const size = sizeOf(found);
  return size === undefined ? undefined : { N: String(size) };
}

const TYPE_NAMES: readonly string[] = ["S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"];

function contains(container: AttributeValue, wanted: AttributeValue): boolean {
  if ("S" in container) return "S" in wanted && container.S.includes(wanted.S);
  if ("SS" in container) return "S" in wanted && container.SS.includes(wanted.S);
  if ("NS" in container) return "N" in wanted && container.NS.some((n) => valuesEqual({ N: n }, wanted));
  if ("BS" in container) return "B" in wanted && container.BS.some((b) => valuesEqual({ B: b }, wanted));
  if ("B" in container) return "B" in wanted && Buffer.from(container.B).includes(Buffer.from(wanted.B));
  if ("L" in container) return container.L.some((v) => valuesEqual(v, wanted));
  return false;
}

function beginsWith(value: AttributeValue, prefix: AttributeValue): boolean {
  if ("S" in value && "S" in prefix) return value.S.startsWith(prefix.S);
  if ("B" in value && "B" in prefix) return Buffer.from(value.B).subarray(0, prefix.B.byteLength).equals(Buffer.from(prefix.B));
  return false;
}

/** Whether the item (undefined: none) satisfies the condition. */
export function evaluateCondition(condition: Condition, item: Item | undefined): boolean {
  switch (condition.kind) {
    case "and":
      return evaluateCondition(condition.left, item) && evaluateCondition(condition.right, item);
    case "or":
      return evaluateCondition(condition.left, item) || evaluateCondition(condition.right, item);
    case "not":
      return !evaluateCondition(condition.condition, item);
    case "function": {
      const found = valueAt(item, condition.path);
      if (condition.name === "attribute_exists") return found !== undefined;
      if (condition.name === "attribute_not_exists") return found === undefined;
      const argument = operandValue(condition.argument!, item);
      if (found === undefined || argument === undefined) return false;
      if (condition.name === "attribute_type") {
        if (!("S" in argument) || !TYPE_NAMES.includes(argument.S)) {
          throw new ValidationException(
            `Invalid ConditionExpression: Invalid attribute type name found; type: ${"S" in argument ? argument.S : typeOf(argument)}, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}`,
          );
        }
        return typeOf(found) === argument.S;
      }
      if (condition.name === "begins_with") return beginsWith(found, argument);
      return contains(found, argument);
    }
    case "compare": {
      const [left, right] = [operandValue(condition.left, item), operandValue(condition.right, item)];
      if (left === undefined || right === undefined) return false;
      if (condition.op === "=") return valuesEqual(left, right);
      if (condition.op === "<>") return !valuesEqual(left, right);
      const order = compareValues(left, right);
      if (order === undefined) return false;
      return condition.op === "<" ? order < 0 : condition.op === "<=" ? order <= 0 : condition.op === ">" ? order > 0 : order >= 0;
    }
    case "between": {
      const [value, low, high] = [condition.operand, condition.low, condition.high].map((o) => operandValue(o, item));
      if (!value || !low || !high) return false;
      const [fromLow, toHigh] = [compareValues(value, low), compareValues(value, high)];
      return fromLow !== undefined && toHigh !== undefined && fromLow >= 0 && toHigh <= 0;
    }
    case "in": {
      const value = operandValue(condition.operand, item);
      return (
        value !== undefined &&
        condition.candidates.some((c) => {
          const candidate = operandValue(c, item);
          return candidate !== undefined && valuesEqual(value, candidate);
        })
      );
    }
  }
}

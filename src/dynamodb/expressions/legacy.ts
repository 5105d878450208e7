import { ValidationException } from "../errors.js";
import type { AttributeValue } from "../items/attribute-value.js";
import type { Condition, Operand } from "./syntax.js";
import type { UpdatePlan } from "./update.js";

/**
 * The parameters DynamoDB had before expressions (Expected, AttributeUpdates, ScanFilter,
 * QueryFilter, KeyConditions), which KCL 2.x still sends, as the same conditions and plans the
 * expressions make.
 */

export interface ExpectedAttribute {
  readonly Value?: AttributeValue;
  readonly Exists?: boolean;
  readonly ComparisonOperator?: string;
  readonly AttributeValueList?: readonly AttributeValue[];
}

export interface AttributeUpdate {
  readonly Value?: AttributeValue;
  readonly Action?: "ADD" | "PUT" | "DELETE";
}

const path = (name: string): Operand => ({ kind: "path", path: [name] });
const value = (v: AttributeValue): Operand => ({ kind: "value", value: v });

function comparison(name: string, operator: string, values: readonly AttributeValue[]): Condition {
  const needs = (count: number): void => {
    if (values.length !== count) {
      throw new ValidationException(`One or more parameter values were invalid: Invalid number of argument(s) for the ${operator} ComparisonOperator`);
    }
  };
  const compare = (op: "=" | "<>" | "<" | "<=" | ">" | ">="): Condition => (needs(1), { kind: "compare", op, left: path(name), right: value(values[0]!) });
  switch (operator) {
    case "EQ":
      return compare("=");
    case "NE":
      return compare("<>");
    case "LT":
      return compare("<");
    case "LE":
      return compare("<=");
    case "GT":
      return compare(">");
    case "GE":
      return compare(">=");
    case "NOT_NULL":
      return (needs(0), { kind: "function", name: "attribute_exists", path: [name] });
    case "NULL":
      return (needs(0), { kind: "function", name: "attribute_not_exists", path: [name] });
    case "CONTAINS":
      return (needs(1), { kind: "function", name: "contains", path: [name], argument: value(values[0]!) });
    case "NOT_CONTAINS":
      return (needs(1), { kind: "not", condition: { kind: "function", name: "contains", path: [name], argument: value(values[0]!) } });
    case "BEGINS_WITH":
      return (needs(1), { kind: "function", name: "begins_with", path: [name], argument: value(values[0]!) });
    case "IN":
      if (values.length === 0) needs(1);
      return { kind: "in", operand: path(name), candidates: values.map(value) };
    case "BETWEEN":
      return (needs(2), { kind: "between", operand: path(name), low: value(values[0]!), high: value(values[1]!) });
    default:
      throw new ValidationException(
        `1 validation error detected: Value '${operator}' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set`,
      );
  }
}

function expectation(name: string, expected: ExpectedAttribute): Condition {
  if (expected.ComparisonOperator !== undefined) {
    if (expected.Value !== undefined) {
      throw new ValidationException(`One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: ${name}`);
    }
    return comparison(name, expected.ComparisonOperator, expected.AttributeValueList ?? []);
  }
  if (expected.Exists === false) {
    if (expected.Value !== undefined) {
      throw new ValidationException(`One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: ${name}`);
    }
    return { kind: "function", name: "attribute_not_exists", path: [name] };
  }
  if (expected.Value === undefined) {
    throw new ValidationException(
      `One or more parameter values were invalid: Value must be provided when Exists is ${expected.Exists === undefined ? "null" : "true"} for Attribute: ${name}`,
    );
  }
  return { kind: "compare", op: "=", left: path(name), right: value(expected.Value) };
}

/** Expected (or ScanFilter/QueryFilter) entries joined by ConditionalOperator (AND by default). */
export function legacyCondition(expected: Readonly<Record<string, ExpectedAttribute>>, operator: string = "AND"): Condition | undefined {
  const parts = Object.entries(expected).map(([name, e]) => expectation(name, e));
  return parts.reduce<Condition | undefined>(
    (joined, part) => (joined ? { kind: operator === "OR" ? "or" : "and", left: joined, right: part } : part),
    undefined,
  );
}

/** A filter entry has no Exists/Value, only ComparisonOperator and AttributeValueList. */
export function legacyFilter(
  filter: Readonly<Record<string, { readonly ComparisonOperator: string; readonly AttributeValueList?: readonly AttributeValue[] }>>,
  operator = "AND",
): Condition | undefined {
  return legacyCondition(filter, operator);
}

/** AttributeUpdates: PUT (the default) sets, ADD adds numbers or set members, DELETE removes an attribute or set members. */
export function legacyUpdate(updates: Readonly<Record<string, AttributeUpdate>>): UpdatePlan {
  const plan = {
    set: [] as UpdatePlan["set"][number][],
    remove: [] as UpdatePlan["remove"][number][],
    add: [] as UpdatePlan["add"][number][],
    delete: [] as UpdatePlan["delete"][number][],
  };
  for (const [name, update] of Object.entries(updates)) {
    const action = update.Action ?? "PUT";
    if (action === "PUT") {
      if (update.Value === undefined)
        throw new ValidationException(`One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified`);
      plan.set.push({ path: [name], value: { kind: "operand", operand: value(update.Value) } });
    } else if (action === "ADD") {
      if (update.Value === undefined)
        throw new ValidationException(`One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified`);
      plan.add.push({ path: [name], value: update.Value });
    } else if (update.Value === undefined) plan.remove.push([name]);
    else plan.delete.push({ path: [name], value: update.Value });
  }
  return plan;
}

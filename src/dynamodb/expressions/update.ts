import { ValidationException } from "../errors.js";
import * as messages from "../messages.js";
import { canonicalNumber, checkedValue, typeOf, valuesEqual, type AttributeValue, type Item } from "../items/attribute-value.js";
import { valueAt } from "./evaluate.js";
import { ExpressionParser, pathText, type Operand, type Path, type Placeholders } from "./syntax.js";

/** What one UpdateItem does to an item, however it was asked (UpdateExpression or AttributeUpdates). */
export interface UpdatePlan {
  readonly set: readonly { readonly path: Path; readonly value: SetValue }[];
  readonly remove: readonly Path[];
  readonly add: readonly { readonly path: Path; readonly value: AttributeValue }[];
  readonly delete: readonly { readonly path: Path; readonly value?: AttributeValue }[];
}

export type SetValue =
  | { readonly kind: "operand"; readonly operand: Operand }
  | { readonly kind: "if_not_exists"; readonly path: Path; readonly fallback: SetValue }
  | { readonly kind: "list_append"; readonly first: SetValue; readonly second: SetValue }
  | { readonly kind: "+" | "-"; readonly left: SetValue; readonly right: SetValue };

const EXPRESSION = "UpdateExpression";
const invalidPath = (): ValidationException => new ValidationException(`The document path provided in the update expression is invalid for update`);

/** Parses `SET a = :v, b = b + :n REMOVE c ADD d :one DELETE e :subset`, clauses in any order, each once. */
export function parseUpdate(text: string, placeholders: Placeholders): UpdatePlan {
  const parser = new ExpressionParser(text, EXPRESSION, placeholders);
  const plan = {
    set: [] as UpdatePlan["set"][number][],
    remove: [] as Path[],
    add: [] as UpdatePlan["add"][number][],
    delete: [] as UpdatePlan["delete"][number][],
  };
  const seen = new Set<string>();
  while (!parser.done) {
    const clause = parser.peek()!.text.toUpperCase();
    if (!["SET", "REMOVE", "ADD", "DELETE"].includes(clause)) parser.syntaxError();
    if (seen.has(clause)) {
      throw new ValidationException(`Invalid ${EXPRESSION}: The "${clause}" section can only be used once in an update expression;`);
    }
    seen.add(clause);
    parser.accept(clause);
    do {
      const path = parser.path();
      if (clause === "SET") {
        parser.expect("=");
        plan.set.push({ path, value: setValue(parser) });
      } else if (clause === "REMOVE") plan.remove.push(path);
      else if (clause === "ADD") plan.add.push({ path, value: parser.value() });
      else plan.delete.push({ path, value: parser.value() });
    } while (parser.accept(","));
  }
  checkNoOverlap(plan);
  return plan;
}

function setValue(parser: ExpressionParser): SetValue {
  const left = setTerm(parser);
  if (parser.accept("+")) return { kind: "+", left, right: setTerm(parser) };
  if (parser.accept("-")) return { kind: "-", left, right: setTerm(parser) };
  return left;
}

function setTerm(parser: ExpressionParser): SetValue {
  const token = parser.peek();
  const name = token?.kind === "name" ? token.text.toLowerCase() : "";
  if ((name === "if_not_exists" || name === "list_append") && parser.peek(1)?.text === "(") {
    parser.accept(token!.text);
    parser.expect("(");
    if (name === "if_not_exists") {
      const path = parser.path();
      parser.expect(",");
      const fallback = setValue(parser);
      parser.expect(")");
      return { kind: "if_not_exists", path, fallback };
    }
    const first = setValue(parser);
    parser.expect(",");
    const second = setValue(parser);
    parser.expect(")");
    return { kind: "list_append", first, second };
  }
  return { kind: "operand", operand: parser.operand() };
}

function checkNoOverlap(plan: UpdatePlan): void {
  const paths = [...plan.set.map((s) => s.path), ...plan.remove, ...plan.add.map((a) => a.path), ...plan.delete.map((d) => d.path)];
  for (let i = 0; i < paths.length; i++) {
    for (let j = i + 1; j < paths.length; j++) {
      const [a, b] = [paths[i]!, paths[j]!];
      const shorter = Math.min(a.length, b.length);
      if (a.slice(0, shorter).every((step, k) => step === b[k])) {
        throw new ValidationException(
          `Invalid ${EXPRESSION}: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ${pathText(a)}, path two: ${pathText(b)}`,
        );
      }
    }
  }
}

function resolve(value: SetValue, item: Item | undefined): AttributeValue {
  switch (value.kind) {
    case "operand": {
      const { operand } = value;
      if (operand.kind === "value") return operand.value;
      const found = valueAt(item, operand.path);
      if (found === undefined || operand.kind === "size") {
        throw new ValidationException(`The provided expression refers to an attribute that does not exist in the item`);
      }
      return found;
    }
    case "if_not_exists":
      return valueAt(item, value.path) ?? resolve(value.fallback, item);
    case "list_append": {
      const [first, second] = [resolve(value.first, item), resolve(value.second, item)];
      if (!("L" in first) || !("L" in second))
        throw new ValidationException(
          `Invalid ${EXPRESSION}: Incorrect operand type for operator or function; operator or function: list_append, operand type: ${"L" in first ? typeOf(second) : typeOf(first)}`,
        );
      return { L: [...first.L, ...second.L] };
    }
    case "+":
    case "-": {
      const [left, right] = [resolve(value.left, item), resolve(value.right, item)];
      if (!("N" in left) || !("N" in right)) {
        throw new ValidationException(
          `Invalid ${EXPRESSION}: Incorrect operand type for operator or function; operator: ${value.kind}, operand type: ${"N" in left ? typeOf(right) : typeOf(left)}`,
        );
      }
      return { N: addNumbers(left.N, value.kind === "+" ? right.N : negate(right.N)) };
    }
  }
}

const negate = (n: string): string => (n.startsWith("-") ? n.slice(1) : `-${n}`);

/** Exact decimal addition (DynamoDB's numbers are decimals of up to 38 digits, not doubles). */
function addNumbers(a: string, b: string): string {
  const [x, y] = [canonicalNumber(a), canonicalNumber(b)];
  const scale = Math.max(decimals(x), decimals(y));
  const toInt = (n: string): bigint => {
    const [whole, fraction = ""] = n.replace("-", "").split(".");
    const digits = BigInt(whole! + fraction.padEnd(scale, "0"));
    return n.startsWith("-") ? -digits : digits;
  };
  const sum = toInt(x) + toInt(y);
  const negative = sum < 0n;
  const digits = (negative ? -sum : sum).toString().padStart(scale + 1, "0");
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return canonicalNumber(negative ? `-${text}` : text);
}

const decimals = (n: string): number => (n.includes(".") ? n.split(".")[1]!.length : 0);

/** Sets (or with undefined, removes) the value at a path, copying what it changes; a missing parent is DynamoDB's error. */
function withValueAt(item: Record<string, AttributeValue>, path: Path, value: AttributeValue | undefined): Record<string, AttributeValue> {
  const [first, ...rest] = path;
  if (typeof first !== "string") throw invalidPath();
  if (rest.length === 0) {
    const copy = { ...item };
    if (value === undefined) delete copy[first];
    else copy[first] = value;
    return copy;
  }
  const child = item[first];
  if (child === undefined) {
    if (value === undefined) return item;
    throw invalidPath();
  }
  return { ...item, [first]: withChild(child, rest, value) };
}

function withChild(container: AttributeValue, path: Path, value: AttributeValue | undefined): AttributeValue {
  const [step, ...rest] = path;
  if (typeof step === "number") {
    if (!("L" in container)) throw invalidPath();
    const list = [...container.L];
    if (rest.length === 0) {
      if (value === undefined) list.splice(step, 1);
      else if (step >= list.length) list.push(value);
      else list[step] = value;
      return { L: list };
    }
    if (list[step] === undefined) {
      if (value === undefined) return container;
      throw invalidPath();
    }
    list[step] = withChild(list[step]!, rest, value);
    return { L: list };
  }
  if (!("M" in container)) throw invalidPath();
  return { M: withValueAt({ ...container.M }, path, value) };
}

const setMembers = (value: AttributeValue, type: "SS" | "NS" | "BS"): unknown[] => (value as unknown as Record<string, unknown[]>)[type]!;
const setOf = (type: "SS" | "NS" | "BS", members: unknown[]): AttributeValue => ({ [type]: members }) as unknown as AttributeValue;

function addTo(existing: AttributeValue | undefined, value: AttributeValue): AttributeValue {
  if ("N" in value) {
    if (existing === undefined) return value;
    if (!("N" in existing)) throw new ValidationException(`An operand in the update expression has an incorrect data type`);
    return { N: addNumbers(existing.N, value.N) };
  }
  for (const type of ["SS", "NS", "BS"] as const) {
    if (type in value) {
      if (existing === undefined) return value;
      if (!(type in existing)) throw new ValidationException(`An operand in the update expression has an incorrect data type`);
      const members = [...setMembers(existing, type)];
      for (const member of setMembers(value, type)) {
        const element = (m: unknown): AttributeValue => ({ [type.slice(0, 1)]: m }) as AttributeValue;
        if (!members.some((m) => valuesEqual(element(m), element(member)))) members.push(member);
      }
      return setOf(type, members);
    }
  }
  throw new ValidationException(`Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: ${typeOf(value)}`);
}

function deleteFrom(existing: AttributeValue | undefined, value: AttributeValue): AttributeValue | undefined {
  if (existing === undefined) return undefined;
  for (const type of ["SS", "NS", "BS"] as const) {
    if (type in value) {
      if (!(type in existing)) throw new ValidationException(`An operand in the update expression has an incorrect data type`);
      const element = (m: unknown): AttributeValue => ({ [type.slice(0, 1)]: m }) as AttributeValue;
      const doomed = setMembers(value, type);
      const kept = setMembers(existing, type).filter((m) => !doomed.some((d) => valuesEqual(element(m), element(d))));
      return kept.length === 0 ? undefined : setOf(type, kept);
    }
  }
  throw new ValidationException(`Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: ${typeOf(value)}`);
}

/** The item after the update (`item` undefined: none yet, UpdateItem creates it from the key). */
export function applyUpdate(plan: UpdatePlan, item: Item, keyAttributes: readonly string[]): Item {
  for (const path of [...plan.set.map((s) => s.path), ...plan.remove, ...plan.add.map((a) => a.path), ...plan.delete.map((d) => d.path)]) {
    if (path.length === 1 && keyAttributes.includes(path[0] as string)) throw new ValidationException(messages.cannotUpdateKey(path[0] as string));
  }
  const before = item;
  let next: Record<string, AttributeValue> = { ...item };
  // Every right-hand side reads the item as it was before the update.
  for (const { path, value } of plan.set) next = withValueAt(next, path, checkedValue(resolve(value, before)));
  for (const path of plan.remove) next = withValueAt(next, path, undefined);
  for (const { path, value } of plan.add) next = withValueAt(next, path, addTo(valueAt(before, path), checkedValue(value)));
  for (const { path, value } of plan.delete) {
    next = value === undefined ? withValueAt(next, path, undefined) : withValueAt(next, path, deleteFrom(valueAt(next, path), checkedValue(value)));
  }
  return next;
}

/** The top-level attributes an update names: what UPDATED_OLD and UPDATED_NEW return. */
export function updatedAttributes(plan: UpdatePlan): string[] {
  const paths = [...plan.set.map((s) => s.path), ...plan.remove, ...plan.add.map((a) => a.path), ...plan.delete.map((d) => d.path)];
  return [...new Set(paths.map((p) => p[0] as string))];
}

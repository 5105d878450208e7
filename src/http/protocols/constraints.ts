import { ValidationException } from "../errors.js";
import { lowerCamel, type Member, type ServiceModel, type ShapeDef } from "./service-model.js";

/** Limits known only at run time, which override the model's for this request. */
export interface RuntimeLimits {
  /** Largest blob in bytes (for Kinesis, the stream's maximum record size). */
  readonly maxBlobBytes?: number;
}

const MAX_ERRORS = 10;

/** Checks an input against the model's constraints; throws the ValidationException AWS would. */
export function checkConstraints(model: ServiceModel, shapeName: string, input: Record<string, unknown>, limits: RuntimeLimits = {}): void {
  const errors: string[] = [];
  checkStructure(model, shapeName, input, "", errors, limits);
  if (errors.length === 0) return;
  const count = errors.length === 1 ? "1 validation error" : `${errors.length} validation errors`;
  throw new ValidationException(`${count} detected: ${errors.join("; ")}`);
}

interface CheckedMember extends Member {
  /** How validation messages name it. */
  readonly path: string;
}

const checkOrders = new WeakMap<ShapeDef, readonly CheckedMember[]>();

/** A structure's members in the order the service reports them; computed once per shape. */
function orderedMembers(model: ServiceModel, shapeName: string): readonly CheckedMember[] {
  const shape = model.shape(shapeName);
  let ordered = checkOrders.get(shape);
  if (!ordered) {
    const members = model.members(shape);
    const preferred = model.overlay.memberOrder?.[shapeName] ?? [];
    const rank = (m: Member) => (preferred.includes(m.name) ? preferred.indexOf(m.name) : preferred.length + members.indexOf(m));
    ordered = [...members].sort((a, b) => rank(a) - rank(b)).map((m) => ({ ...m, path: lowerCamel(m.name) }));
    checkOrders.set(shape, ordered);
  }
  return ordered;
}

function checkStructure(model: ServiceModel, shapeName: string, value: Record<string, unknown>, path: string, errors: string[], limits: RuntimeLimits): void {
  for (const member of orderedMembers(model, shapeName)) {
    if (errors.length >= MAX_ERRORS) return;
    const memberValue = value[member.name];
    if (memberValue === undefined) {
      if (member.required) errors.push(`Value null at '${path}${member.path}' failed to satisfy constraint: Member must not be null`);
      continue;
    }
    checkValue(model, member.shapeName, memberValue, path + member.path, errors, limits);
  }
}

function checkValue(model: ServiceModel, shapeName: string, value: unknown, path: string, errors: string[], limits: RuntimeLimits): void {
  const shape = model.shape(shapeName);
  const fail = (constraint: string): void => {
    if (errors.length < MAX_ERRORS) errors.push(`Value ${render(model, shapeName, value)} at '${path}' failed to satisfy constraint: ${constraint}`);
  };
  switch (shape.type) {
    case "structure":
      checkStructure(model, shapeName, value as Record<string, unknown>, `${path}.`, errors, limits);
      return;
    case "list": {
      const items = value as unknown[];
      checkLength(items.length, shape, fail);
      const member = model.shape(shape.member!);
      if (member.type === "string") checkStringElements(model, items as string[], member, "Member must satisfy constraint", fail, shape.member!);
      else items.forEach((item, i) => (item === undefined ? undefined : checkValue(model, shape.member!, item, `${path}.${i + 1}.member`, errors, limits)));
      return;
    }
    case "map": {
      const entries = value as Record<string, string>;
      checkLength(Object.keys(entries).length, shape, fail);
      checkStringElements(model, Object.keys(entries), model.shape(shape.key!), "Map keys must satisfy constraint", fail);
      checkStringElements(model, Object.values(entries), model.shape(shape.value!), "Map value must satisfy constraint", fail);
      return;
    }
    case "string":
      checkString(model, shapeName, shape, value as string, fail);
      return;
    case "blob": {
      const length = (value as Uint8Array).length;
      const max = limits.maxBlobBytes ?? shape.max;
      if (shape.min !== undefined && length < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
      if (max !== undefined && length > max) fail(`Member must have length less than or equal to ${max}`);
      return;
    }
    case "integer":
    case "long":
      if (shape.min !== undefined && (value as number) < shape.min) fail(`Member must have value greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && (value as number) > shape.max) fail(`Member must have value less than or equal to ${shape.max}`);
      return;
    default:
      return;
  }
}

const patterns = new Map<string, RegExp>();
function fullMatch(pattern: string, text: string): boolean {
  let regex = patterns.get(pattern);
  if (!regex) patterns.set(pattern, (regex = new RegExp(`^(?:${pattern})$`)));
  return regex.test(text);
}

function checkString(model: ServiceModel, shapeName: string, shape: ShapeDef, text: string, fail: (constraint: string) => void): void {
  if (shape.enum && !shape.enum.includes(text)) {
    fail(`Member must satisfy enum value set: [${(model.overlay.enumOrder?.[shapeName] ?? shape.enum).join(", ")}]`);
    return;
  }
  if (shape.pattern && !fullMatch(shape.pattern, text)) fail(`Member must satisfy regular expression pattern: ${shape.pattern}`);
  checkLength(text.length, shape, fail);
}

function checkLength(length: number, shape: Pick<ShapeDef, "min" | "max">, fail: (constraint: string) => void): void {
  if (shape.min !== undefined && length < shape.min) fail(`Member must have length greater than or equal to ${shape.min}`);
  if (shape.max !== undefined && length > shape.max) fail(`Member must have length less than or equal to ${shape.max}`);
}

/** Element rules of string lists and maps are reported once, on the whole collection. */
function checkStringElements(
  model: ServiceModel,
  items: readonly string[],
  element: ShapeDef,
  label: string,
  fail: (constraint: string) => void,
  elementName?: string,
): void {
  if (element.enum) {
    if (items.every((s) => element.enum!.includes(s))) return;
    fail(`${label}: [Member must satisfy enum value set: [${(model.overlay.enumOrder?.[elementName ?? ""] ?? element.enum).join(", ")}]]`);
    return;
  }
  const tooLong = element.max !== undefined && items.some((s) => s.length > element.max!);
  const tooShort = element.min !== undefined && items.some((s) => s.length < element.min!);
  const badPattern = element.pattern !== undefined && items.some((s) => !fullMatch(element.pattern!, s));
  if (!tooLong && !tooShort && !badPattern) return;
  const rules = [
    ...(element.pattern !== undefined ? [`Member must satisfy regular expression pattern: ${element.pattern}`] : []),
    ...(element.max !== undefined ? [`Member must have length less than or equal to ${element.max}`] : []),
    ...(element.min !== undefined ? [`Member must have length greater than or equal to ${element.min}`] : []),
  ];
  fail(`${label}: [${rules.join(", ")}]`);
}

/** How the service prints a value in a validation message (Java's toString of it). */
function render(model: ServiceModel, shapeName: string, value: unknown): string {
  const shape = model.shape(shapeName);
  switch (shape.type) {
    case "blob": {
      const size = (value as Uint8Array).length;
      return `'java.nio.HeapByteBuffer[pos=0 lim=${size} cap=${size}]'`;
    }
    case "list": {
      const items = value as unknown[];
      const member = shape.member!;
      const texts = model.shape(member).type === "structure" ? items.map((item) => javaObjectName(model, member, item)) : items.map(String);
      return `'[${texts.join(", ")}]'`;
    }
    case "map":
      return `'{${Object.entries(value as Record<string, string>)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")}}'`;
    case "structure":
      return `'${javaObjectName(model, shapeName, value)}'`;
    default:
      return `'${String(value)}'`;
  }
}

/**
 * Java's default toString of an object, `<class>@<hash>`, as the service prints a structure it
 * refuses. The hash is of the object's content, member by member in the model's order, so equal
 * entries print alike whatever order their members came in, JSON or CBOR (Java's hashCode of a
 * value class is too).
 */
function javaObjectName(model: ServiceModel, shapeName: string, value: unknown): string {
  let hash = 0x811c9dc5;
  const fields = value as Record<string, unknown>;
  const content = Object.keys(model.shape(shapeName).members ?? {}).map((member) => [member, fields[member]]);
  const text = JSON.stringify(content, (_key, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v)) ?? "";
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return `${model.overlay.javaPackage}.${shapeName}@${hash.toString(16)}`;
}

import { ValidationException } from "../../kinesis/errors.js";
import { lowerCamel, membersOf, shapeOf, type Member, type ShapeDef } from "./shape.js";

/** Limits known only at run time, which override the model's for this request. */
export interface RuntimeLimits {
  /** Largest record data in bytes (the stream's maximum record size). */
  readonly maxDataBytes?: number;
}

/** Member orders the real service reports in, where they differ from the model's (see the error notes). */
const MEMBER_ORDER: Readonly<Record<string, readonly string[]>> = {
  PutRecordInput: ["SequenceNumberForOrdering", "PartitionKey", "ExplicitHashKey", "Data", "StreamName"],
  PutRecordsInput: ["Records", "StreamName"],
  PutRecordsRequestEntry: ["PartitionKey", "ExplicitHashKey", "Data"],
  GetShardIteratorInput: ["ShardId", "ShardIteratorType", "StartingSequenceNumber", "StreamName"],
  CreateStreamInput: ["ShardCount", "StreamName"],
  DescribeStreamInput: ["Limit", "ExclusiveStartShardId", "StreamName"],
  GetRecordsInput: ["Limit", "ShardIterator"],
  ListStreamsInput: ["Limit", "ExclusiveStartStreamName"],
  ListShardsInput: ["MaxResults", "ExclusiveStartShardId", "StreamName", "NextToken"],
};

/** Enum orders as the service prints them (a Java set), where known. */
const ENUM_ORDER: Readonly<Record<string, readonly string[]>> = {
  ShardIteratorType: ["AFTER_SEQUENCE_NUMBER", "LATEST", "AT_TIMESTAMP", "AT_SEQUENCE_NUMBER", "TRIM_HORIZON"],
};

const MAX_ERRORS = 10;

/** Checks an input against the model's constraints; throws the ValidationException AWS would. */
export function checkConstraints(shapeName: string, input: Record<string, unknown>, limits: RuntimeLimits = {}): void {
  const errors: string[] = [];
  checkStructure(shapeName, input, "", errors, limits);
  if (errors.length === 0) return;
  const count = errors.length === 1 ? "1 validation error" : `${errors.length} validation errors`;
  throw new ValidationException(`${count} detected: ${errors.join("; ")}`);
}

interface CheckedMember extends Member {
  /** How validation messages name it. */
  readonly path: string;
}

const checkOrders = new Map<string, readonly CheckedMember[]>();

/** A structure's members in the order the service reports them; computed once per shape. */
function orderedMembers(shapeName: string): readonly CheckedMember[] {
  let ordered = checkOrders.get(shapeName);
  if (!ordered) {
    const members = membersOf(shapeOf(shapeName));
    const preferred = MEMBER_ORDER[shapeName] ?? [];
    const rank = (m: Member) => (preferred.includes(m.name) ? preferred.indexOf(m.name) : preferred.length + members.indexOf(m));
    ordered = [...members].sort((a, b) => rank(a) - rank(b)).map((m) => ({ ...m, path: lowerCamel(m.name) }));
    checkOrders.set(shapeName, ordered);
  }
  return ordered;
}

function checkStructure(shapeName: string, value: Record<string, unknown>, path: string, errors: string[], limits: RuntimeLimits): void {
  for (const member of orderedMembers(shapeName)) {
    if (errors.length >= MAX_ERRORS) return;
    const memberValue = value[member.name];
    if (memberValue === undefined) {
      if (member.required) errors.push(`Value null at '${path}${member.path}' failed to satisfy constraint: Member must not be null`);
      continue;
    }
    checkValue(member.shapeName, memberValue, path + member.path, errors, limits);
  }
}

function checkValue(shapeName: string, value: unknown, path: string, errors: string[], limits: RuntimeLimits): void {
  const shape = shapeOf(shapeName);
  const fail = (constraint: string): void => {
    if (errors.length < MAX_ERRORS) errors.push(`Value ${render(shapeName, value)} at '${path}' failed to satisfy constraint: ${constraint}`);
  };
  switch (shape.type) {
    case "structure":
      checkStructure(shapeName, value as Record<string, unknown>, `${path}.`, errors, limits);
      return;
    case "list": {
      const items = value as unknown[];
      checkLength(items.length, shape, fail);
      const member = shapeOf(shape.member!);
      if (member.type === "string") checkStringElements(items as string[], member, "Member must satisfy constraint", fail, shape.member!);
      else items.forEach((item, i) => (item === undefined ? undefined : checkValue(shape.member!, item, `${path}.${i + 1}.member`, errors, limits)));
      return;
    }
    case "map": {
      const entries = value as Record<string, string>;
      checkLength(Object.keys(entries).length, shape, fail);
      checkStringElements(Object.keys(entries), shapeOf(shape.key!), "Map keys must satisfy constraint", fail);
      checkStringElements(Object.values(entries), shapeOf(shape.value!), "Map value must satisfy constraint", fail);
      return;
    }
    case "string":
      checkString(shapeName, shape, value as string, fail);
      return;
    case "blob": {
      const length = (value as Uint8Array).length;
      const max = limits.maxDataBytes ?? shape.max;
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

function checkString(shapeName: string, shape: ShapeDef, text: string, fail: (constraint: string) => void): void {
  if (shape.enum && !shape.enum.includes(text)) {
    fail(`Member must satisfy enum value set: [${(ENUM_ORDER[shapeName] ?? shape.enum).join(", ")}]`);
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
function checkStringElements(items: readonly string[], element: ShapeDef, label: string, fail: (constraint: string) => void, elementName?: string): void {
  if (element.enum) {
    if (items.every((s) => element.enum!.includes(s))) return;
    fail(`${label}: [Member must satisfy enum value set: [${(ENUM_ORDER[elementName ?? ""] ?? element.enum).join(", ")}]]`);
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
function render(shapeName: string, value: unknown): string {
  const shape = shapeOf(shapeName);
  switch (shape.type) {
    case "blob": {
      const size = (value as Uint8Array).length;
      return `'java.nio.HeapByteBuffer[pos=0 lim=${size} cap=${size}]'`;
    }
    case "list": {
      const items = value as unknown[];
      const member = shape.member!;
      const texts = shapeOf(member).type === "structure" ? items.map((_, i) => javaObjectName(member, i)) : items.map(String);
      return `'[${texts.join(", ")}]'`;
    }
    case "map":
      return `'{${Object.entries(value as Record<string, string>)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")}}'`;
    case "structure":
      return `'${javaObjectName(shapeName, 0)}'`;
    default:
      return `'${String(value)}'`;
  }
}

const javaObjectName = (shapeName: string, i: number): string => `com.amazonaws.kinesis.v20131202.${shapeName}@${(0x1f3a5c7 * (i + 1)).toString(16)}`;

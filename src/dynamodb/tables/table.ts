import { base64Blobs } from "../../http/protocols/json.js";
import { ValidationException } from "../errors.js";
import * as messages from "../messages.js";
import { canonicalNumber, compareValues, typeOf, type AttributeValue, type Item } from "../items/attribute-value.js";

/**
 * A table as the service keeps it (the engine stores it as an opaque document): its key
 * schema, the attributes it declared, its indexes and the settings it reports.
 */
export interface KeyAttribute {
  readonly name: string;
  readonly type: "S" | "N" | "B";
}

export interface KeySchema {
  readonly hash: KeyAttribute;
  readonly range?: KeyAttribute;
}

export interface GlobalIndex {
  readonly name: string;
  readonly key: KeySchema;
  readonly projection: { readonly ProjectionType: "ALL" | "KEYS_ONLY" | "INCLUDE"; readonly NonKeyAttributes?: readonly string[] };
  readonly provisioned?: { readonly read: number; readonly write: number };
}

export interface TableRecord {
  readonly name: string;
  readonly key: KeySchema;
  readonly attributeDefinitions: readonly { readonly AttributeName: string; readonly AttributeType: string }[];
  readonly createdAt: number;
  readonly billingMode: "PAY_PER_REQUEST" | "PROVISIONED";
  readonly provisioned?: { readonly read: number; readonly write: number };
  readonly indexes: readonly GlobalIndex[];
  readonly deletionProtection: boolean;
  readonly pointInTimeRecovery: boolean;
  readonly timeToLive?: { readonly attribute: string; readonly enabled: boolean };
  readonly sse: boolean;
  readonly tags: Readonly<Record<string, string>>;
  /** Unique per incarnation: DescribeTable's TableId. */
  readonly id: string;
}

export const keyNames = (key: KeySchema): string[] => (key.range ? [key.hash.name, key.range.name] : [key.hash.name]);

/** Checks a Key parameter: exactly the key's attributes, of the key's types. */
export function checkKey(table: TableRecord, key: Item): Item {
  const names = Object.keys(key);
  const wanted = keyNames(table.key);
  if (names.length !== wanted.length || !wanted.every((n) => key[n] !== undefined)) throw new ValidationException(messages.keyDoesNotMatchSchema());
  for (const attribute of [table.key.hash, table.key.range]) {
    if (attribute && typeOf(key[attribute.name]!) !== attribute.type) throw new ValidationException(messages.keyDoesNotMatchSchema());
  }
  return normalKey(table.key, key);
}

/** Checks that an item to store carries its key, of the right types, and not empty. */
export function checkItemKey(table: TableRecord, item: Item): void {
  for (const attribute of [table.key.hash, table.key.range]) {
    if (!attribute) continue;
    const value = item[attribute.name];
    if (value === undefined) throw new ValidationException(messages.missingKeyInItem(attribute.name));
    const type = typeOf(value);
    if (type !== attribute.type) throw new ValidationException(messages.keyTypeMismatch(attribute.name, attribute.type, type));
    if (("S" in value && value.S === "") || ("B" in value && value.B.byteLength === 0)) throw new ValidationException(messages.emptyKeyValue(attribute.name));
  }
}

/** The key attributes of an item. */
export function keyOf(key: KeySchema, item: Item): Item {
  return normalKey(key, item);
}

function normalKey(key: KeySchema, item: Item): Item {
  const result: Record<string, AttributeValue> = { [key.hash.name]: normalValue(item[key.hash.name]!) };
  if (key.range) result[key.range.name] = normalValue(item[key.range.name]!);
  return result;
}

const normalValue = (value: AttributeValue): AttributeValue => ("N" in value ? { N: canonicalNumber(value.N) } : value);

/** One key value as bytes, the same for every spelling of a number. */
function keyBytes(value: AttributeValue): Buffer {
  if ("S" in value) return Buffer.from(`s${value.S}`);
  if ("N" in value) return Buffer.from(`n${canonicalNumber(value.N)}`);
  if ("B" in value) return Buffer.concat([Buffer.from("b"), Buffer.from(value.B)]);
  throw new ValidationException(messages.keyDoesNotMatchSchema());
}

/** The engine's key of an item: its key values, each base64url, joined by a dot (both safe in a KV key). */
export function storageKey(key: KeySchema, item: Item): string {
  const hash = keyBytes(item[key.hash.name]!).toString("base64url");
  return key.range ? `${hash}.${keyBytes(item[key.range.name]!).toString("base64url")}` : hash;
}

/** DynamoDB's order of items in a Query and a Scan page: by hash key bytes, then by the sort key. */
export function compareKeys(key: KeySchema, a: Item, b: Item): number {
  const hash = Buffer.compare(keyBytes(a[key.hash.name]!), keyBytes(b[key.hash.name]!));
  if (hash !== 0 || !key.range) return hash;
  return compareValues(a[key.range.name]!, b[key.range.name]!) ?? 0;
}

/** Items as the engine stores them: JSON with binary values in base64, as on the wire. */
export function encodeItem(item: Item): Uint8Array {
  return Buffer.from(JSON.stringify(item, base64Blobs));
}

export function decodeItem(bytes: Uint8Array): Item {
  return revive(JSON.parse(Buffer.from(bytes).toString("utf8")) as Record<string, unknown>) as Item;
}

function revive(item: Record<string, unknown>): Record<string, AttributeValue> {
  const result: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(item)) result[name] = reviveValue(value as Record<string, unknown>);
  return result;
}

function reviveValue(value: Record<string, unknown>): AttributeValue {
  if (typeof value.B === "string") return { B: Buffer.from(value.B, "base64") };
  if (Array.isArray(value.BS)) return { BS: (value.BS as string[]).map((b) => Buffer.from(b, "base64")) };
  if (value.M) return { M: revive(value.M as Record<string, unknown>) };
  if (Array.isArray(value.L)) return { L: (value.L as Record<string, unknown>[]).map(reviveValue) };
  return value as unknown as AttributeValue;
}

import { ValidationException } from "../errors.js";
import * as messages from "../messages.js";

/**
 * DynamoDB's attribute values as the model decodes them (B and BS as bytes), and what the
 * service does with them: check them, compare them, measure them, name them in keys.
 */
export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly B: Uint8Array }
  | { readonly SS: readonly string[] }
  | { readonly NS: readonly string[] }
  | { readonly BS: readonly Uint8Array[] }
  | { readonly M: Readonly<Record<string, AttributeValue>> }
  | { readonly L: readonly AttributeValue[] }
  | { readonly NULL: boolean }
  | { readonly BOOL: boolean };

export type Item = Readonly<Record<string, AttributeValue>>;

export type AttributeType = "S" | "N" | "B" | "SS" | "NS" | "BS" | "M" | "L" | "NULL" | "BOOL";

const TYPES: readonly AttributeType[] = ["S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"];

/** The one type an attribute value holds; a value with none or several is DynamoDB's ValidationException. */
export function typeOf(value: AttributeValue): AttributeType {
  const present = TYPES.filter((type) => (value as Record<string, unknown>)[type] !== undefined);
  if (present.length !== 1) throw new ValidationException(messages.oneTypePerValue(present.length));
  return present[0]!;
}

/** DynamoDB numbers: up to 38 significant digits, magnitudes from 1E-130 to below 1E+126. */
const NUMBER = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;

/** A number as sign, significant digits and exponent (value = 0.digits × 10^exponent); zero has no digits. */
interface Decimal {
  readonly negative: boolean;
  readonly digits: string;
  readonly exponent: number;
}

function parseNumber(text: string): Decimal {
  const match = NUMBER.exec(text);
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) throw new ValidationException(messages.numberNotValid(text));
  const [, sign, whole = "", fraction = "", exponentText = "0"] = match;
  const all = whole + fraction;
  const leading = all.length - all.replace(/^0+/, "").length;
  const digits = all.slice(leading).replace(/0+$/, "");
  if (digits === "") return { negative: false, digits: "", exponent: 0 };
  const exponent = whole.length - leading + Number(exponentText);
  if (digits.length > 38) throw new ValidationException(messages.numberPrecision());
  if (exponent > 126) throw new ValidationException(messages.numberMagnitude("larger"));
  if (exponent < -129) throw new ValidationException(messages.numberMagnitude("smaller"));
  return { negative: sign === "-", digits, exponent };
}

/** A number as DynamoDB gives it back: no exponent, no needless zeros ("1.0E-4" is "0.0001"). */
export function canonicalNumber(text: string): string {
  const { negative, digits, exponent } = parseNumber(text);
  if (digits === "") return "0";
  let body: string;
  if (exponent <= 0) body = `0.${"0".repeat(-exponent)}${digits}`;
  else if (exponent >= digits.length) body = digits + "0".repeat(exponent - digits.length);
  else body = `${digits.slice(0, exponent)}.${digits.slice(exponent)}`;
  return negative ? `-${body}` : body;
}

function compareDecimals(a: Decimal, b: Decimal): number {
  const signOf = (d: Decimal): number => (d.digits === "" ? 0 : d.negative ? -1 : 1);
  const [sa, sb] = [signOf(a), signOf(b)];
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  let magnitude = a.exponent !== b.exponent ? (a.exponent < b.exponent ? -1 : 1) : 0;
  if (magnitude === 0) {
    const width = Math.max(a.digits.length, b.digits.length);
    const [da, db] = [a.digits.padEnd(width, "0"), b.digits.padEnd(width, "0")];
    magnitude = da === db ? 0 : da < db ? -1 : 1;
  }
  return sa * magnitude;
}

export const compareNumbers = (a: string, b: string): number => compareDecimals(parseNumber(a), parseNumber(b));

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Order of two scalars of one type (S by UTF-8 bytes, N by value, B by bytes); undefined for other types or a mismatch. */
export function compareValues(a: AttributeValue, b: AttributeValue): number | undefined {
  const type = typeOf(a);
  if (type !== typeOf(b)) return undefined;
  if (type === "S") return Buffer.compare(Buffer.from((a as { S: string }).S), Buffer.from((b as { S: string }).S));
  if (type === "N") return compareNumbers((a as { N: string }).N, (b as { N: string }).N);
  if (type === "B") return compareBytes((a as { B: Uint8Array }).B, (b as { B: Uint8Array }).B);
  return undefined;
}

/** Equality as conditions see it: numbers by value, sets whatever their order, maps and lists member by member. */
export function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  const type = typeOf(a);
  if (type !== typeOf(b)) return false;
  const [x, y] = [(a as Record<string, unknown>)[type], (b as Record<string, unknown>)[type]];
  switch (type) {
    case "S":
    case "BOOL":
    case "NULL":
      return x === y;
    case "N":
      return compareNumbers(x as string, y as string) === 0;
    case "B":
      return compareBytes(x as Uint8Array, y as Uint8Array) === 0;
    case "SS":
    case "NS":
    case "BS": {
      const [xs, ys] = [x as unknown[], y as unknown[]];
      const element = (v: unknown): AttributeValue => ({ [type.slice(0, 1)]: v }) as AttributeValue;
      return xs.length === ys.length && xs.every((v) => ys.some((w) => valuesEqual(element(v), element(w))));
    }
    case "L": {
      const [xs, ys] = [x as AttributeValue[], y as AttributeValue[]];
      return xs.length === ys.length && xs.every((v, i) => valuesEqual(v, ys[i]!));
    }
    case "M": {
      const [xm, ym] = [x as Record<string, AttributeValue>, y as Record<string, AttributeValue>];
      const keys = Object.keys(xm);
      return keys.length === Object.keys(ym).length && keys.every((k) => ym[k] !== undefined && valuesEqual(xm[k]!, ym[k]!));
    }
  }
}

/**
 * Checks a value as DynamoDB does before storing it: one type, numbers that are numbers, sets
 * that are neither empty nor hold duplicates. Returns it with numbers in their canonical form.
 */
export function checkedValue(value: AttributeValue): AttributeValue {
  const type = typeOf(value);
  const raw = (value as Record<string, unknown>)[type];
  switch (type) {
    case "N":
      return { N: canonicalNumber(raw as string) };
    case "SS":
    case "NS":
    case "BS": {
      const members = raw as (string | Uint8Array)[];
      if (members.length === 0) throw new ValidationException(messages.emptySet(type));
      const normal = type === "NS" ? (members as string[]).map(canonicalNumber) : members;
      const keys = normal.map((m) => (typeof m === "string" ? m : Buffer.from(m).toString("base64")));
      if (new Set(keys).size !== keys.length) throw new ValidationException(messages.duplicateInSet(keys));
      return { [type]: normal } as unknown as AttributeValue;
    }
    case "M":
      return { M: Object.fromEntries(Object.entries(raw as Record<string, AttributeValue>).map(([k, v]) => [k, checkedValue(v)])) };
    case "L":
      return { L: (raw as AttributeValue[]).map(checkedValue) };
    case "NULL":
      if (raw !== true) throw new ValidationException(messages.nullMustBeTrue());
      return value;
    default:
      return value;
  }
}

export const checkedItem = (item: Item): Item => Object.fromEntries(Object.entries(item).map(([name, value]) => [name, checkedValue(value)]));

/** DynamoDB's item size: names and values in bytes (numbers by their digits), the figure its 400 KB limit is about. */
export function valueSize(value: AttributeValue): number {
  const type = typeOf(value);
  const raw = (value as Record<string, unknown>)[type];
  switch (type) {
    case "S":
      return Buffer.byteLength(raw as string);
    case "N":
      return numberSize(raw as string);
    case "B":
      return (raw as Uint8Array).byteLength;
    case "SS":
      return (raw as string[]).reduce((sum, s) => sum + Buffer.byteLength(s), 0);
    case "NS":
      return (raw as string[]).reduce((sum, n) => sum + numberSize(n), 0);
    case "BS":
      return (raw as Uint8Array[]).reduce((sum, b) => sum + b.byteLength, 0);
    case "M":
      return 3 + Object.entries(raw as Record<string, AttributeValue>).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + valueSize(v) + 1, 0);
    case "L":
      return 3 + (raw as AttributeValue[]).reduce((sum, v) => sum + valueSize(v) + 1, 0);
    default:
      return 1;
  }
}

const numberSize = (text: string): number => Math.ceil(parseNumber(text).digits.length / 2) + 1;

export const itemSize = (item: Item): number => Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);

/** The largest item DynamoDB stores. */
export const MAX_ITEM_BYTES = 400 * 1024;

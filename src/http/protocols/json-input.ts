import { SerializationException } from "../errors.js";
import { decodeWireInput, type ScalarReader } from "./input-decoder.js";
import { LongJsonString } from "./json-pieces.js";
import type { ServiceModel } from "./service-model.js";

/**
 * Turns a parsed JSON body into the operation's input: blobs decoded from base64, timestamps
 * (epoch seconds) into Dates, unknown members and nulls dropped. A value of the wrong JSON type
 * fails the whole request with the SerializationException text the real service gives.
 */
export function decodeJsonInput(model: ServiceModel, shapeName: string, body: unknown): Record<string, unknown> {
  return decodeWireInput(model, shapeName, body, jsonScalars);
}

export const NUMBER_CLASS = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber";

/** The Java class the service names when a JSON scalar has the wrong type. */
export function javaClassOf(value: unknown): string {
  if (typeof value === "boolean") return "class java.lang.Boolean";
  if (typeof value === "number") return NUMBER_CLASS;
  return "class java.lang.String";
}

/** A long string's text; one JSON.parse would have refused makes the body unreadable, as at parse time. */
function longText(value: LongJsonString): string {
  try {
    return value.text();
  } catch {
    throw new SerializationException("");
  }
}

const jsonScalars: ScalarReader = {
  string(value) {
    if (value instanceof LongJsonString) return longText(value);
    if (typeof value !== "string") throw new SerializationException(`${javaClassOf(value)} can not be converted to an String`);
    return value;
  },
  integer: decodeInteger,
  double: decodeDouble,
  boolean: decodeBoolean,
  blob(value) {
    if (value instanceof LongJsonString) return decodeBase64Bytes(value.utf8()) ?? decodeBase64(longText(value));
    if (typeof value !== "string") throw new SerializationException(`${javaClassOf(value)} can not be converted to a Blob`);
    return decodeBase64(value);
  },
  timestamp(value) {
    if (typeof value !== "number") throw new SerializationException(`${javaClassOf(value)} can not be converted to milliseconds since epoch`);
    return new Date(Math.round(value * 1000));
  },
};

export function decodeInteger(value: unknown, javaType: "Integer" | "Long"): number {
  if (typeof value !== "number") throw new SerializationException(`${javaClassOf(value)} can not be converted to an ${javaType}`);
  // The service truncates fractions and clamps to the Java type's range rather than refusing.
  const truncated = Math.trunc(value);
  if (javaType === "Integer") return Math.max(-2147483648, Math.min(2147483647, truncated));
  return truncated;
}

/** JSON has no NaN or infinities: AWS JSON protocols write them as these strings. */
const NON_FINITE: Readonly<Record<string, number>> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, "-Infinity": Number.NEGATIVE_INFINITY };

export function decodeDouble(value: unknown): number {
  if (typeof value === "number") return value;
  if (typeof value === "string" && Object.hasOwn(NON_FINITE, value)) return NON_FINITE[value]!;
  throw new SerializationException(`${javaClassOf(value)} can not be converted to an Double`);
}

export function decodeBoolean(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") throw new SerializationException(`${NUMBER_CLASS} can not be converted to an Boolean`);
  const given = value instanceof LongJsonString ? longText(value) : String(value);
  const text = given.toLowerCase();
  if (text === "true" || text === "false") return text === "true";
  throw new SerializationException(`'${given.toUpperCase()}' can not be converted to an Boolean`);
}

const BASE64_CHAR = /[A-Za-z0-9+/]/;
const BASE64_INDEX = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/**
 * Strict base64, as the service decodes it. Node's decoder silently skips bad characters and
 * accepts base64url, so check cheaply first (length, the two url characters, the decoded size)
 * and only scan character by character to word the error.
 */
export function decodeBase64(text: string): Buffer {
  if (text.length % 4 !== 0) {
    throw new SerializationException(
      `'${text}' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: ${text.length}`,
    );
  }
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const bytes = Buffer.from(text, "base64");
  const clean = text.indexOf("-") === -1 && text.indexOf("_") === -1 && bytes.length === (text.length / 4) * 3 - padding;
  if (!clean)
    throw new SerializationException(`'${text}' can not be converted to a Blob: Invalid Base64 character: '${firstInvalidBase64Char(text, padding)}'`);
  if (hasStrayBits(text.charAt(text.length - padding - 1), padding)) {
    throw new SerializationException(`'${text}' can not be converted to a Blob: Invalid last non-pad Base64 character dectected`);
  }
  return bytes;
}

// Whole base64 quanta: each piece decodes alone, and from a string short enough to be cheap garbage.
const BASE64_PIECE_CHARS = 64 * 1024;
const EQUALS = 0x3d;

/**
 * Strict base64 decoded from the bytes of its text, in pieces, without the text as one string
 * (a 100 KiB record's would be a 136 KB one, in V8's large-object space). Undefined when the
 * text is not clean base64 of the service's alphabet: decodeBase64 then words the error.
 */
export function decodeBase64Bytes(text: Buffer): Buffer | undefined {
  const length = text.length;
  if (length % 4 !== 0 || text.indexOf(0x2d) >= 0 || text.indexOf(0x5f) >= 0) return undefined;
  const padding = text[length - 1] === EQUALS ? (text[length - 2] === EQUALS ? 2 : 1) : 0;
  const expected = (length / 4) * 3 - padding;
  const bytes = Buffer.allocUnsafe(expected);
  let written = 0;
  for (let at = 0; at < length; at += BASE64_PIECE_CHARS) {
    written += bytes.write(text.toString("latin1", at, Math.min(length, at + BASE64_PIECE_CHARS)), written, "base64");
  }
  // Node's decoder skips what is not base64 (and stops at a "=" inside): then fewer bytes came.
  if (written !== expected) return undefined;
  return hasStrayBits(String.fromCharCode(text[length - padding - 1]!), padding) ? undefined : bytes;
}

/** Whether the bits after the last full byte are not zero: then the text has two spellings, and the service refuses it. */
function hasStrayBits(lastChar: string, padding: number): boolean {
  return padding > 0 && (BASE64_INDEX.indexOf(lastChar) & (padding === 1 ? 0b11 : 0b1111)) !== 0;
}

function firstInvalidBase64Char(text: string, padding: number): string {
  const body = text.length - padding;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (i < body ? !BASE64_CHAR.test(c) : c !== "=") return c;
  }
  return "=";
}

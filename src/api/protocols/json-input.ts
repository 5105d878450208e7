import { SerializationException } from "../../translate/errors.js";
import { shapeOf, type ShapeDef } from "../../translate/shape.js";

/**
 * Turns a parsed JSON body into the operation's input: blobs decoded from base64, timestamps
 * (epoch seconds) into Dates, unknown members and nulls dropped. A value of the wrong JSON type
 * fails the whole request with the SerializationException text the real service gives.
 */
export function decodeJsonInput(shapeName: string, body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new SerializationException("");
  return decodeStructure(shapeOf(shapeName), body as Record<string, unknown>);
}

const NUMBER_CLASS = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber";

function javaClassOf(value: unknown): string {
  if (typeof value === "boolean") return "class java.lang.Boolean";
  if (typeof value === "number") return NUMBER_CLASS;
  return "class java.lang.String";
}

/** The errors for objects and arrays met where a scalar (or another container) was expected. */
function containerMismatch(value: unknown): SerializationException | undefined {
  if (Array.isArray(value)) return new SerializationException("Start of list found where not expected");
  if (typeof value === "object" && value !== null) return new SerializationException("Start of structure or map found where not expected.");
  return undefined;
}

function decodeValue(shape: ShapeDef, value: unknown): unknown {
  switch (shape.type) {
    case "structure":
      if (Array.isArray(value) || typeof value !== "object") throw containerMismatch(value) ?? new SerializationException("Expected null");
      return decodeStructure(shape, value as Record<string, unknown>);
    case "list":
      if (!Array.isArray(value)) throw containerMismatch(value) ?? new SerializationException("Expected list or null");
      return value.map((item) => (item === null ? undefined : decodeMember(shapeOf(shape.member!), item)));
    case "map":
      if (Array.isArray(value) || typeof value !== "object") throw containerMismatch(value) ?? new SerializationException("Expected map or null");
      return decodeMap(shape, value as Record<string, unknown>);
    default:
      throw containerMismatch(value) ?? new Error("unreachable");
  }
}

function decodeStructure(shape: ShapeDef, object: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, memberShape] of Object.entries(shape.members ?? {})) {
    const value = object[name];
    if (value === null || value === undefined) continue;
    result[name] = decodeMember(shapeOf(memberShape), value);
  }
  return result;
}

function decodeMap(shape: ShapeDef, object: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const valueShape = shapeOf(shape.value!);
  for (const [key, value] of Object.entries(object)) {
    if (value !== null) result[key] = decodeMember(valueShape, value);
  }
  return result;
}

function decodeMember(shape: ShapeDef, value: unknown): unknown {
  if (typeof value === "object") return decodeValue(shape, value);
  switch (shape.type) {
    case "string":
      if (typeof value !== "string") throw new SerializationException(`${javaClassOf(value)} can not be converted to an String`);
      return value;
    case "integer":
    case "long":
      return decodeInteger(value, shape.type === "integer" ? "Integer" : "Long");
    case "boolean":
      return decodeBoolean(value);
    case "blob":
      if (typeof value !== "string") throw new SerializationException(`${javaClassOf(value)} can not be converted to a Blob`);
      return decodeBase64(value);
    case "timestamp":
      if (typeof value !== "number") throw new SerializationException(`${javaClassOf(value)} can not be converted to milliseconds since epoch`);
      return new Date(Math.round(value * 1000));
    default:
      return decodeValue(shape, value);
  }
}

function decodeInteger(value: unknown, javaType: "Integer" | "Long"): number {
  if (typeof value !== "number") throw new SerializationException(`${javaClassOf(value)} can not be converted to an ${javaType}`);
  // The service truncates fractions and clamps to the Java type's range rather than refusing.
  const truncated = Math.trunc(value);
  if (javaType === "Integer") return Math.max(-2147483648, Math.min(2147483647, truncated));
  return truncated;
}

function decodeBoolean(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "number") throw new SerializationException(`${NUMBER_CLASS} can not be converted to an Boolean`);
  const text = String(value).toLowerCase();
  if (text === "true" || text === "false") return text === "true";
  throw new SerializationException(`'${String(value).toUpperCase()}' can not be converted to an Boolean`);
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
    throw new SerializationException(`'${text}' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: ${text.length}`);
  }
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const bytes = Buffer.from(text, "base64");
  const clean = text.indexOf("-") === -1 && text.indexOf("_") === -1 && bytes.length === (text.length / 4) * 3 - padding;
  if (!clean) throw new SerializationException(`'${text}' can not be converted to a Blob: Invalid Base64 character: '${firstInvalidBase64Char(text, padding)}'`);
  if (padding > 0) {
    // The bits after the last full byte must be zero, or the text has two spellings.
    const last = BASE64_INDEX.indexOf(text.charAt(text.length - padding - 1));
    if ((last & (padding === 1 ? 0b11 : 0b1111)) !== 0) {
      throw new SerializationException(`'${text}' can not be converted to a Blob: Invalid last non-pad Base64 character dectected`);
    }
  }
  return bytes;
}

function firstInvalidBase64Char(text: string, padding: number): string {
  const body = text.length - padding;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (i < body ? !BASE64_CHAR.test(c) : c !== "=") return c;
  }
  return "=";
}

import { SerializationException } from "../errors.js";
import type { ServiceModel, ShapeDef } from "./service-model.js";

/**
 * How one wire format reads the scalars of a request: each takes the value as the format's
 * parser produced it and returns the domain value (string, number, boolean, Uint8Array, Date),
 * or throws the SerializationException the service gives for a value of the wrong type.
 */
export interface ScalarReader {
  string(value: unknown): string;
  integer(value: unknown, javaType: "Integer" | "Long"): number;
  /** A double or float member (CloudWatch's data points). */
  double(value: unknown): number;
  boolean(value: unknown): boolean;
  blob(value: unknown): Uint8Array;
  timestamp(value: unknown): Date;
}

/**
 * Turns a parsed body into the operation's input, led by the model shape: unknown members and
 * nulls dropped, the first value of the wrong type failing the whole request. Lists and maps
 * (plain objects) are walked here; everything else is a scalar of the wire format.
 */
export function decodeWireInput(model: ServiceModel, shapeName: string, body: unknown, scalars: ScalarReader): Record<string, unknown> {
  if (!isPlainObject(body)) throw new SerializationException("");
  return decodeStructure(model, model.shape(shapeName), body, scalars);
}

/** A JSON object or a CBOR map: not an array, a byte string or a tagged value. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/** The errors for lists and maps met where a scalar (or another container) was expected. */
function containerMismatch(value: unknown): SerializationException | undefined {
  if (Array.isArray(value)) return new SerializationException("Start of list found where not expected");
  if (isPlainObject(value)) return new SerializationException("Start of structure or map found where not expected.");
  return undefined;
}

function decodeStructure(model: ServiceModel, shape: ShapeDef, object: Record<string, unknown>, scalars: ScalarReader): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const member of model.members(shape)) {
    const value = object[member.name];
    if (value === null || value === undefined) continue;
    result[member.name] = decodeMember(model, member.shape, value, scalars);
  }
  return result;
}

function decodeMember(model: ServiceModel, shape: ShapeDef, value: unknown, scalars: ScalarReader): unknown {
  switch (shape.type) {
    case "structure":
      if (!isPlainObject(value)) throw containerMismatch(value) ?? new SerializationException("Expected null");
      return decodeStructure(model, shape, value, scalars);
    case "list":
      if (!Array.isArray(value)) throw containerMismatch(value) ?? new SerializationException("Expected list or null");
      const itemShape = model.shape(shape.member!);
      return value.map((item) => (item === null || item === undefined ? undefined : decodeMember(model, itemShape, item, scalars)));
    case "map": {
      if (!isPlainObject(value)) throw containerMismatch(value) ?? new SerializationException("Expected map or null");
      const result: Record<string, unknown> = {};
      const valueShape = model.shape(shape.value!);
      for (const [key, item] of Object.entries(value)) {
        if (item !== null && item !== undefined) result[unicodeText(key)] = decodeMember(model, valueShape, item, scalars);
      }
      return result;
    }
  }
  const mismatch = containerMismatch(value);
  if (mismatch) throw mismatch;
  switch (shape.type) {
    case "string":
      return unicodeText(scalars.string(value));
    case "integer":
    case "long":
      return scalars.integer(value, shape.type === "integer" ? "Integer" : "Long");
    case "boolean":
      return scalars.boolean(value);
    case "blob":
      return scalars.blob(value);
    case "timestamp":
      return scalars.timestamp(value);
    case "double":
    case "float":
      return scalars.double(value);
    default:
      throw new Error(`no input member of the model has type ${shape.type}`);
  }
}

/**
 * Text that is Unicode: JSON's `\\ud800` escape can name half a surrogate pair, which has no
 * UTF-8 form, so no partition key, name or tag made of it can be hashed, stored or given back
 * as sent. Refused as the malformed input it is (400, not retried), never a 500.
 */
// With the `u` flag a pair reads as one code point, so only a lone half is a Surrogate.
const UNPAIRED_SURROGATE = /\p{Surrogate}/u;

function unicodeText(text: string): string {
  if (UNPAIRED_SURROGATE.test(text)) throw new SerializationException("Invalid text: an unpaired UTF-16 surrogate has no UTF-8 form");
  return text;
}

import { SerializationException } from "../errors.js";
import type { ServiceModel } from "./service-model.js";
import { checkCborBounds } from "./body-bounds.js";
import { CborEpochMillis, decodeCbor, encodeCbor } from "./cbor-values.js";
import { decodeWireInput, type ScalarReader } from "./input-decoder.js";
import { decodeBase64, decodeBoolean, decodeDouble, decodeInteger, javaClassOf } from "./json-input.js";
import type { WireProtocol } from "./protocol.js";

const EMPTY = Buffer.alloc(0);

/**
 * What the service names when a CBOR scalar has the wrong type. Its CBOR texts were never
 * captured; these follow its JSON ones, with the Java types a CBOR parser yields.
 */
function cborClassOf(value: unknown): string {
  if (value instanceof Uint8Array) return "class [B";
  if (value instanceof CborEpochMillis) return "class java.util.Date";
  if (typeof value === "bigint") return "class java.math.BigInteger";
  return javaClassOf(value);
}

const toNumber = (value: unknown): unknown => (typeof value === "bigint" ? Number(value) : value);

/** CBOR scalars as the Java SDK writes them: byte strings for blobs, tag 1 of epoch ms for timestamps. */
export const cborScalars: ScalarReader = {
  string(value) {
    if (typeof value !== "string") throw new SerializationException(`${cborClassOf(value)} can not be converted to an String`);
    return value;
  },
  integer(value, javaType) {
    if (typeof value !== "number" && typeof value !== "bigint") {
      throw new SerializationException(`${cborClassOf(value)} can not be converted to an ${javaType}`);
    }
    return decodeInteger(toNumber(value), javaType);
  },
  double(value) {
    if (typeof value === "bigint") return Number(value);
    if (typeof value !== "number") throw new SerializationException(`${cborClassOf(value)} can not be converted to an Double`);
    return decodeDouble(value);
  },
  boolean(value) {
    if (typeof value === "string" || typeof value === "boolean") return decodeBoolean(value);
    throw new SerializationException(`${cborClassOf(value)} can not be converted to an Boolean`);
  },
  blob(value) {
    if (value instanceof Uint8Array) return value;
    // A text string where bytes belong is read as base64, as Jackson's binary reader does.
    if (typeof value === "string") return decodeBase64(value);
    throw new SerializationException(`${cborClassOf(value)} can not be converted to a Blob`);
  },
  timestamp(value) {
    const millis = toNumber(value instanceof CborEpochMillis ? value.value : value);
    if (typeof millis !== "number") throw new SerializationException(`${cborClassOf(millis)} can not be converted to milliseconds since epoch`);
    return new Date(Math.round(millis));
  },
};

const INT32_MIN = -(2 ** 31);
const UINT32_MAX = 2 ** 32 - 1;

/**
 * An output value as the CBOR encoder should see it, led by its shape: only the members that
 * are set, byte strings for blobs, tag 1 with integer ms for timestamps, and integers that
 * cbor-x would write as float64 (beyond 32 bits) as BigInts so they stay CBOR integers.
 */
function toCborValue(model: ServiceModel, shapeName: string, value: unknown): unknown {
  const shape = model.shape(shapeName);
  switch (shape.type) {
    case "structure": {
      const result: Record<string, unknown> = {};
      for (const [member, memberShape] of Object.entries(shape.members ?? {})) {
        const memberValue = (value as Record<string, unknown>)[member];
        if (memberValue !== undefined) result[member] = toCborValue(model, memberShape, memberValue);
      }
      return result;
    }
    case "list":
      return (value as unknown[]).map((item) => toCborValue(model, shape.member!, item));
    case "map": {
      const result: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) result[key] = toCborValue(model, shape.value!, item);
      return result;
    }
    case "timestamp":
      return new CborEpochMillis((value as Date).getTime());
    case "integer":
    case "long": {
      const n = value as number;
      return n >= INT32_MIN && n <= UINT32_MAX ? n : BigInt(n);
    }
    default:
      return value;
  }
}

/** A CBOR text string: major type 3, its UTF-8 length in the shortest head. */
function cborText(text: string): Buffer {
  const bytes = Buffer.from(text, "utf8");
  const n = bytes.length;
  const head =
    n < 24 ? Buffer.from([0x60 + n]) : n < 0x100 ? Buffer.from([0x78, n]) : n < 0x10000 ? Buffer.from([0x79, n >> 8, n & 0xff]) : Buffer.alloc(5, 0x7a);
  if (n >= 0x10000) head.writeUInt32BE(n, 1);
  return Buffer.concat([head, bytes]);
}

/**
 * A map of text to text as Kinesis writes its CBOR errors (Jackson's generator, as captured):
 * indefinite length, `bf ... ff`, where cbor-x would write a definite-length one.
 */
function indefiniteTextMap(members: readonly (readonly [string, string])[]): Buffer {
  return Buffer.concat([Buffer.from([0xbf]), ...members.flatMap(([key, value]) => [cborText(key), cborText(value)]), Buffer.from([0xff])]);
}

/** AWS CBOR 1.1, led by a service's model: the Java SDKs' default for Kinesis, and so KCL's. */
export function cborProtocol(model: ServiceModel): WireProtocol {
  return {
    contentType: "application/x-amz-cbor-1.1",

    parseBody(body) {
      if (body.length === 0) return undefined;
      checkCborBounds(body);
      let value: unknown;
      try {
        value = decodeCbor(body);
      } catch {
        throw new SerializationException("");
      }
      if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Uint8Array || value instanceof CborEpochMillis) {
        throw new SerializationException("");
      }
      return value;
    },

    decodeInput(shapeName, body) {
      return decodeWireInput(model, shapeName, body, cborScalars);
    },

    encodeOutput(shapeName, output) {
      if (shapeName === null) return EMPTY;
      return encodeCbor(toCborValue(model, shapeName, output));
    },

    encodeError(error) {
      // The same members as the JSON error body, as the service writes them.
      const members: [string, string][] = [["__type", error.type]];
      if (error.message && error.statusCode !== 500) members.push([error instanceof SerializationException ? "Message" : "message", error.message]);
      return indefiniteTextMap(members);
    },
  };
}

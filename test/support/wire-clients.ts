import { cbor, tag } from "@smithy/core/cbor";
import type { RunningServer } from "../../src/server.js";
import { signedHeaders } from "./signing.js";

/**
 * Raw Kinesis calls in either wire format, written and read by implementations other than the
 * server's: JSON.stringify/parse, and the CBOR serde the AWS SDK for JavaScript ships
 * (@smithy/core/cbor). Inputs are given in domain form (Uint8Array blobs, Date timestamps) and
 * encoded the way each protocol's clients do; answers come back in the JSON form (base64
 * blobs, epoch-second timestamps) so the two can be compared.
 */
export type WireFormat = "json" | "cbor";

export const CONTENT_TYPES: Record<WireFormat, string> = {
  json: "application/x-amz-json-1.1",
  cbor: "application/x-amz-cbor-1.1",
};

export interface WireAnswer {
  readonly status: number;
  readonly contentType: string | null;
  readonly raw: Buffer;
  /** The body in JSON form; undefined when empty. */
  readonly body: any;
}

/** Domain value → what JSON.stringify should see: blobs as base64, dates as epoch seconds. */
function toJsonForm(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(toJsonForm);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonForm(v)]));
  return value;
}

/** Domain value → what the Java SDK writes in CBOR: byte strings, tag 1 holding integer epoch ms. */
function toCborForm(value: unknown): unknown {
  if (value instanceof Uint8Array) return value;
  if (value instanceof Date) return tag({ tag: 1, value: value.getTime() });
  if (Array.isArray(value)) return value.map(toCborForm);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCborForm(v)]));
  return value;
}

/** A CBOR answer as smithy decodes it → the JSON form, checking that timestamps are integer ms. */
function cborAnswerToJsonForm(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(cborAnswerToJsonForm);
  if (typeof value === "object" && value !== null) {
    const tagged = value as { tag?: number; value?: unknown };
    if (tagged.tag === 1) {
      if (!Number.isInteger(tagged.value)) throw new Error(`timestamp ${String(tagged.value)} is not integer milliseconds`);
      return (tagged.value as number) / 1000;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cborAnswerToJsonForm(v)]));
  }
  return value;
}

export function encodeRequest(format: WireFormat, input: unknown): Buffer {
  return format === "json" ? Buffer.from(JSON.stringify(toJsonForm(input))) : Buffer.from(cbor.serialize(toCborForm(input)));
}

/** One call as a client makes it by hand: signed with the tests' dummy key unless `unsigned`. */
export async function wireCall(
  server: RunningServer | string,
  format: WireFormat,
  operation: string,
  input: unknown,
  options: { body?: Buffer; headers?: Record<string, string>; unsigned?: boolean } = {},
): Promise<WireAnswer> {
  const url = typeof server === "string" ? server : server.url;
  const sent = options.body ?? encodeRequest(format, input);
  const headers = { "content-type": CONTENT_TYPES[format], "x-amz-target": `Kinesis_20131202.${operation}`, ...options.headers };
  const response = await fetch(url, { method: "POST", headers: options.unsigned ? headers : await signedHeaders(url, headers, sent), body: sent });
  const raw = Buffer.from(await response.arrayBuffer());
  let body: unknown;
  if (raw.length > 0) body = format === "json" ? JSON.parse(raw.toString("utf8")) : cborAnswerToJsonForm(cbor.deserialize(raw));
  return { status: response.status, contentType: response.headers.get("content-type"), raw, body };
}

import { gzipSync } from "node:zlib";
import { cbor } from "@smithy/core/cbor";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { RunningServer } from "../../src/server.js";

/** A CloudWatch request as the Java SDK 2.x puts it on the wire, before signing. */
export interface WireRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

export interface WireReply {
  readonly status: number;
  readonly headers: Headers;
  readonly raw: Buffer;
  /** The XML, the JSON object, or the CBOR map of the answer. */
  readonly text: string;
  readonly decoded: unknown;
}

export interface Signing {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The service of the credential scope: `monitoring` for CloudWatch. */
  readonly service?: string;
  readonly region?: string;
}

/** The query form of the Java SDK before 2.40.6 (KCL 2.x, 3.0-3.3): a form of `Action`, `Version` and the flattened input. */
export function queryRequest(params: Record<string, string>): WireRequest {
  const body = Object.entries({ Action: "PutMetricData", Version: "2010-08-01", ...params })
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
  return { path: "/", headers: { "content-type": "application/x-www-form-urlencoded; charset=UTF-8" }, body: Buffer.from(body) };
}

/** The Smithy RPC v2 CBOR form of the Java SDK from 2.40.6 (KCL 3.4+), encoded by the JS SDK's own CBOR serde. */
export function rpcV2Request(input: unknown, operation = "PutMetricData"): WireRequest {
  return {
    path: `/service/GraniteServiceVersion20100801/operation/${operation}`,
    headers: { "smithy-protocol": "rpc-v2-cbor", "content-type": "application/cbor", accept: "application/cbor" },
    body: cbor.serialize(input),
  };
}

/** The AWS JSON 1.0 form. */
export function jsonRequest(input: unknown, operation = "PutMetricData"): WireRequest {
  return {
    path: "/",
    headers: { "content-type": "application/x-amz-json-1.0", "x-amz-target": `GraniteServiceVersion20100801.${operation}` },
    body: Buffer.from(JSON.stringify(input)),
  };
}

export const gzipped = (request: WireRequest): WireRequest => ({
  ...request,
  headers: { ...request.headers, "content-encoding": "gzip" },
  body: gzipSync(request.body),
});

/** Any keys: every SDK signs, even with dummy credentials, and the server always looks at the signature. */
const DUMMY_KEYS: Signing = { accessKeyId: "AKIDANY", secretAccessKey: "any" };

/** Sends a request, signed with SigV4 by the SDK's signer (with dummy keys unless given some), or "unsigned". */
export async function send(server: RunningServer, request: WireRequest, keys: Signing | "unsigned" = DUMMY_KEYS): Promise<WireReply> {
  const url = new URL(server.url);
  let headers: Record<string, string> = { host: url.host, ...request.headers };
  if (keys !== "unsigned") {
    const signing = keys;
    const signer = new SignatureV4({
      service: signing.service ?? "monitoring",
      region: signing.region ?? "us-east-1",
      credentials: signing,
      sha256: Hash.bind(null, "sha256"),
    });
    const unsigned = new HttpRequest({
      method: "POST",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: request.path,
      headers,
      body: request.body,
    });
    headers = (await signer.sign(unsigned)).headers;
  }
  const response = await fetch(server.url + request.path, { method: "POST", headers, body: request.body });
  const raw = Buffer.from(await response.arrayBuffer());
  const contentType = response.headers.get("content-type") ?? "";
  const decoded =
    raw.length === 0 ? undefined : contentType.includes("cbor") ? cbor.deserialize(raw) : contentType.includes("json") ? JSON.parse(raw.toString()) : undefined;
  return { status: response.status, headers: response.headers, raw, text: raw.toString(), decoded };
}

/** The `<Tag>` texts of a query-protocol XML answer. */
export function xmlField(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}

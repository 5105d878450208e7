import http from "node:http";
import { expect } from "vitest";
import { signedHeaders } from "./signing.js";

/** An answer as it came off the wire: status, headers (lower case) and body bytes. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface RawRequest {
  readonly method?: string;
  /** Path and query; `/` by default. */
  readonly path?: string;
  /** Exactly the headers to send (node:http adds only host, connection and content-length). */
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Sign it as an SDK would, with the tests' dummy key. */
  readonly sign?: boolean;
}

/**
 * One HTTP/1.1 request with nothing added: unlike fetch, no content type for a string body and
 * no user agent, so the front end sees what the test means it to see.
 */
export async function rawRequest(baseUrl: string, request: RawRequest): Promise<RawAnswer> {
  const url = new URL(request.path ?? "/", baseUrl);
  const body = request.body ?? "";
  const headers = request.sign ? await signedHeaders(url.href, request.headers ?? {}, body) : { ...request.headers };
  return new Promise((resolve, reject) => {
    const outgoing = http.request(url, { method: request.method ?? "POST", headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.end(body.length > 0 ? body : undefined);
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * What every answer of the service carries, as captured: its status, its content type (or
 * none), exactly its body, a Content-Length that matches, a request id, and a host id
 * (x-amz-id-2) of 64 to 80 bytes in base64.
 */
export function expectAnswer(answer: RawAnswer, status: number, contentType: string | undefined, body: string | Buffer): void {
  const expected = typeof body === "string" ? Buffer.from(body) : body;
  expect({ status: answer.status, body: answer.body.toString("latin1") }).toEqual({ status, body: expected.toString("latin1") });
  expect(answer.headers["content-type"]).toBe(contentType);
  expect(answer.headers["content-length"]).toBe(String(expected.length));
  expect(answer.headers["x-amzn-requestid"]).toMatch(UUID);
  const hostId = answer.headers["x-amz-id-2"] as string;
  expect(Buffer.from(hostId, "base64").toString("base64")).toBe(hostId);
  expect(Buffer.from(hostId, "base64").length).toBeGreaterThanOrEqual(64);
  expect(Buffer.from(hostId, "base64").length).toBeLessThanOrEqual(80);
}

/** Kinesis's CBOR error bodies as captured, byte for byte: indefinite-length maps (`bf ... ff`). */
export const CBOR_UNKNOWN_OPERATION = Buffer.concat([
  Buffer.from("bf66", "hex"),
  Buffer.from("__type"),
  Buffer.from("7819", "hex"),
  Buffer.from("UnknownOperationException"),
  Buffer.from("ff", "hex"),
]);
export const CBOR_SERIALIZATION = Buffer.concat([
  Buffer.from("bf66", "hex"),
  Buffer.from("__type"),
  Buffer.from("76", "hex"),
  Buffer.from("SerializationException"),
  Buffer.from("ff", "hex"),
]);

export const xmlError = (type: string, message: string): string => `<${type}>\n  <Message>${message}</Message>\n</${type}>\n`;

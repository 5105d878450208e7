import http from "node:http";
import http2 from "node:http2";
import { rawRequest } from "../support/raw-http.js";

/** Clients of the overload tests: slow uploads over HTTP/1.1 and HTTP/2, and one timed raw request. */
export const MiB = 1024 * 1024;
export const UPLOAD_BYTES = 16 * MiB;
const CHUNK = Buffer.alloc(256 * 1024, "A");
export const HEADERS = { "content-type": "application/x-amz-json-1.1", "x-amz-target": "Kinesis_20131202.ListShards" };

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Outcome {
  readonly status: number;
  readonly type?: string;
}

export const typeOf = (body: Buffer): string | undefined => {
  try {
    return (JSON.parse(body.toString()) as { __type?: string }).__type;
  } catch {
    return undefined;
  }
};

/** A 16 MiB body over HTTP/1.1, written slowly; with or without a Content-Length (chunked). Resolves with what the server answered. */
export function slowUpload(url: string, declared: boolean, pauseMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = { ...HEADERS, ...(declared && { "content-length": String(UPLOAD_BYTES) }) };
    const request = http.request(new URL("/", url), { method: "POST", headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode!, type: typeOf(Buffer.concat(chunks)) }));
      response.on("error", () => resolve({ status: 0 }));
    });
    request.on("error", () => resolve({ status: 0 }));
    let written = 0;
    const writeMore = (): void => {
      if (request.destroyed) return;
      if (written >= UPLOAD_BYTES) return void request.end();
      written += CHUNK.length;
      request.write(CHUNK, () => setTimeout(writeMore, pauseMs));
    };
    writeMore();
  });
}

/** The same over one HTTP/2 connection, no Content-Length. */
export function slowHttp2Upload(session: http2.ClientHttp2Session, pauseMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const stream = session.request({ ":method": "POST", ":path": "/", ...HEADERS });
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on("response", (headers) => (status = headers[":status"] as number));
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("close", () => resolve({ status, type: typeOf(Buffer.concat(chunks)) }));
    stream.on("error", () => undefined);
    let written = 0;
    const writeMore = (): void => {
      if (stream.destroyed || stream.closed) return;
      if (written >= UPLOAD_BYTES) return void stream.end();
      written += CHUNK.length;
      stream.write(CHUNK, () => setTimeout(writeMore, pauseMs));
    };
    writeMore();
  });
}

/** Sends a body and returns what came back and how long it took, upload included. */
export async function timed(url: string, headers: Record<string, string>, body: Buffer, sign = false): Promise<{ status: number; type?: string; ms: number }> {
  const started = performance.now();
  const answer = await rawRequest(url, { headers, body, sign });
  const ms = performance.now() - started;
  const json = answer.headers["content-type"]?.includes("json")
    ? (JSON.parse(answer.body.toString()) as { __type?: string; Output?: { __type?: string } })
    : undefined;
  // The legacy application/json envelope names the type inside Output, with its namespace.
  const type = json
    ? (json.__type ?? json.Output?.__type?.replace(/^.*#/, ""))
    : answer.body.includes(Buffer.from("SerializationException"))
      ? "SerializationException"
      : answer.body.toString("hex");
  return { status: answer.status, type, ms: Math.round(ms) };
}

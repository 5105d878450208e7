import type { ServerResponse } from "node:http";
import type { Http2ServerResponse } from "node:http2";
import { pipeline, type Readable } from "node:stream";
import type { Logger } from "pino";

/**
 * Sends a response whose body is produced over time (an event stream) through Node's own
 * response object, the same for HTTP/1.1 (chunked), cleartext HTTP/2 and TLS. The body is
 * written as fast as the connection drains and no faster; when the client goes away first, the
 * body is destroyed at once, which stops whatever produces it.
 */
export function sendStreamingResponse(
  response: ServerResponse | Http2ServerResponse,
  statusCode: number,
  headers: Readonly<Record<string, string>>,
  body: Readable,
  log: Logger,
): void {
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  response.writeHead(statusCode);
  pipeline(body, response as NodeJS.WritableStream, (error) => {
    // A client that hangs up is normal; anything else is worth a line.
    if (error && (error as { code?: string }).code !== "ERR_STREAM_PREMATURE_CLOSE") log.warn({ err: error }, "streaming response failed");
  });
}

import type { IncomingMessage, ServerResponse } from "node:http";

/** How long a refused body's rest is read and dropped, at most, once the answer is written. */
const LINGER_MS = 2_000;

/**
 * An answer sent over HTTP/1.1 before all of its request's body has arrived (a refusal).
 * Fastify marks such an answer `Connection: close`, and Node destroys the socket as soon as it
 * is written; the client's bytes still arriving then draw a TCP reset, which can reach the
 * client before it has read the answer, so it sees a network error instead of the refusal
 * (seen under load: up to 56 of 128 refused uploads). Instead, once the answer is written the
 * connection is half-closed: the client reads the answer and the end of the connection and
 * stops sending, and what it sent meanwhile is read and dropped, for LINGER_MS at most (the
 * lingering close of other HTTP servers). Says whether it does so: the caller then takes
 * fastify's `Connection: close` off, which would make Node destroy the socket.
 */
export function lingerAfterEarlyAnswer(request: IncomingMessage, response: ServerResponse): boolean {
  if (request.httpVersionMajor !== 1 || request.complete || response.headersSent) return false;
  const socket = request.socket;
  response.shouldKeepAlive = true;
  response.once("finish", () => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
    socket.once("close", () => clearTimeout(timer));
  });
  return true;
}

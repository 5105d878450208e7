import type { IncomingMessage, ServerResponse } from "node:http";

/** How long a connection is kept, after its answer, for the rest of a body that was refused. */
const LINGER_MS = 10_000;

/**
 * An answer sent over HTTP/1.1 before all of its request's body has arrived (a refusal).
 * Fastify marks such an answer `Connection: close`, and Node destroys the socket as soon as it
 * is written; the client's bytes still arriving then draw a TCP reset, which can reach the
 * client before it has read the answer, so it sees a network error instead of the refusal
 * (seen under load: up to 56 of 128 refused uploads). Instead the answer goes as on a
 * persistent connection, the rest of the body is read and dropped, and the connection is
 * ended once the request is complete, or after LINGER_MS: the lingering close of other HTTP
 * servers. Says whether it does so: the caller then takes fastify's `Connection: close` off.
 */
export function lingerAfterEarlyAnswer(request: IncomingMessage, response: ServerResponse): boolean {
  if (request.httpVersionMajor !== 1 || request.complete || response.headersSent) return false;
  const socket = request.socket;
  response.shouldKeepAlive = true;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
  socket.once("close", () => clearTimeout(timer));
  response.once("finish", () => {
    if (request.complete) socket.end();
    else request.once("end", () => socket.end());
  });
  return true;
}

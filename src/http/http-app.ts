import { randomBytes, randomUUID } from "node:crypto";
import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerFactory } from "fastify";
import type { Logger } from "pino";
import type { ApiCall } from "./api-call.js";
import { DualProtocolServer, TlsDualProtocolServer, type RequestHandler } from "./dual-protocol-server.js";
import { AwsError, SerializationException, UnknownOperationException } from "./errors.js";
import type { FrontDoor } from "./front-door.js";
import type { ServiceMetrics } from "./metrics.js";
import { sendStreamingResponse } from "./streaming-response.js";
import type { TlsCredentials } from "./tls-certificate.js";

/** Larger than any valid request (10 MiB of records, base64-encoded, plus JSON); refused unread past this. */
export const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

class RequestTooLarge extends AwsError {
  readonly type = "SerializationException";
  override readonly statusCode = 413;
}

// x-amz-id-2 is an opaque host id: a random prefix per process and a counter make a unique one
// without 48 random bytes per response.
const HOST_ID_PREFIX = randomBytes(36).toString("base64");
let responses = 0;

function awsHeaders(): Record<string, string> {
  return { "x-amzn-RequestId": randomUUID(), "x-amz-id-2": `${HOST_ID_PREFIX}${(responses++).toString(36).padStart(12, "0")}` };
}

/**
 * The HTTP face of the server: every POST is an API call, read as raw bytes whatever its content
 * type and handed to the front door, which finds the service it is for. Plain (HTTP/1.1 and h2c
 * on one port) or, given credentials, TLS (HTTP/2 or HTTP/1.1 by ALPN).
 */
export interface HttpAppOptions {
  readonly requestTimeoutMs: number;
  readonly metrics: ServiceMetrics;
  /** Whether NATS and JetStream answer: /health/ready. */
  readonly ready: () => Promise<boolean>;
  /** Serve TLS (HTTP/2 or HTTP/1.1 by ALPN) with these instead of plain HTTP. */
  readonly tls?: TlsCredentials;
}

export function createHttpApp(frontDoor: FrontDoor, log: Logger, options: HttpAppOptions): FastifyInstance {
  const { tls, requestTimeoutMs } = options;
  // Fastify types its server as HTTP/1 or HTTP/2, not both; requests of both kinds reach the
  // same handler through the compatible request and response objects Node gives each.
  const serverFactory = ((handler: RequestHandler) =>
    tls ? new TlsDualProtocolServer(handler, tls, requestTimeoutMs) : new DualProtocolServer(handler, requestTimeoutMs)) as unknown as FastifyServerFactory;
  const app = fastify({
    serverFactory,
    bodyLimit: BODY_LIMIT_BYTES,
    logger: false,
    return503OnClosing: true,
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));

  app.post("/*", async (request, reply) => {
    const started = performance.now();
    const result = await frontDoor.handle(callOf(request, (request.body as Buffer | undefined) ?? Buffer.alloc(0)));
    const seconds = (performance.now() - started) / 1000;
    options.metrics.observeRequest(result.service, result.operation ?? "unknown", result.error?.type ?? "ok", seconds);
    log.debug(
      { service: result.service, operation: result.operation, resource: result.resource, status: result.statusCode, ms: Math.round(seconds * 10_000) / 10 },
      "request",
    );
    const headers = { ...awsHeaders(), ...result.headers, "content-type": result.contentType };
    if (result.events) {
      reply.hijack();
      sendStreamingResponse(reply.raw, result.statusCode, headers, result.events, log);
      return reply;
    }
    return reply.code(result.statusCode).headers(headers).send(result.body);
  });

  app.get("/health/live", async () => ({ status: "live" }));
  app.get("/health/ready", async (_request, reply) => {
    const ready = await options.ready();
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready" });
  });
  app.get("/metrics", async (_request, reply) => {
    const text = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(text);
  });

  /** An error found before any service saw the request, in the protocol of the service it is for. */
  const sendError = (request: FastifyRequest, reply: FastifyReply, error: AwsError): FastifyReply => {
    const answer = frontDoor.errorReply(callOf(request, Buffer.alloc(0)), error);
    return reply
      .code(answer.statusCode)
      .headers({ ...awsHeaders(), ...answer.headers, "content-type": answer.contentType })
      .send(answer.body);
  };
  app.setNotFoundHandler((request, reply) => sendError(request, reply, new UnknownOperationException("")));
  app.setErrorHandler((error: { code?: string; message: string }, request, reply) => {
    const awsError =
      error.code === "FST_ERR_CTP_BODY_TOO_LARGE"
        ? new RequestTooLarge(`Request body exceeds ${BODY_LIMIT_BYTES} bytes`)
        : new SerializationException(error.message);
    return sendError(request, reply, awsError);
  });
  return app;
}

const callOf = (request: FastifyRequest, body: Buffer): ApiCall => ({ method: request.method, url: request.url, headers: request.headers, body });

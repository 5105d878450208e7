import { randomBytes, randomUUID } from "node:crypto";
import fastify, { type FastifyInstance, type FastifyReply, type FastifyServerFactory } from "fastify";
import type { Logger } from "pino";
import { KinesisError, SerializationException, UnknownOperationException } from "../translate/errors.js";
import { DualProtocolServer, type RequestHandler } from "./dual-protocol-server.js";
import type { KinesisEndpoint } from "./kinesis-endpoint.js";
import { jsonProtocol } from "./protocols/json.js";
import { sendStreamingResponse } from "./streaming-response.js";

/** Larger than any valid request (10 MiB of records, base64-encoded, plus JSON); refused unread past this. */
export const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

class RequestTooLarge extends KinesisError {
  readonly type = "SerializationException";
  override readonly statusCode = 413;
}

function awsHeaders(): Record<string, string> {
  return { "x-amzn-RequestId": randomUUID(), "x-amz-id-2": randomBytes(48).toString("base64") };
}

/**
 * The HTTP face of the server: every POST is a Kinesis call (the service ignores the path),
 * read as raw bytes whatever its content type and handed to the endpoint.
 */
export function createHttpApp(endpoint: KinesisEndpoint, log: Logger): FastifyInstance {
  // Fastify types its server as HTTP/1 or HTTP/2, not both; requests of both kinds reach the
  // same handler through the compatible request and response objects Node gives each.
  const serverFactory = ((handler: RequestHandler) => new DualProtocolServer(handler)) as unknown as FastifyServerFactory;
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
    const target = request.headers["x-amz-target"];
    const result = await endpoint.handle({
      target: Array.isArray(target) ? target[0] : target,
      contentType: request.headers["content-type"],
      body: (request.body as Buffer | undefined) ?? Buffer.alloc(0),
    });
    log.debug(
      { operation: result.operation, status: result.statusCode, error: result.error?.type, ms: Math.round((performance.now() - started) * 10) / 10 },
      "request",
    );
    if (result.events) {
      reply.hijack();
      sendStreamingResponse(reply.raw, result.statusCode, { ...awsHeaders(), "content-type": result.contentType }, result.events, log);
      return reply;
    }
    return reply.code(result.statusCode).headers(awsHeaders()).type(result.contentType).send(result.body);
  });

  app.setNotFoundHandler((_request, reply) => sendError(reply, new UnknownOperationException("")));
  app.setErrorHandler((error: { code?: string; message: string }, _request, reply) => {
    const kinesisError =
      error.code === "FST_ERR_CTP_BODY_TOO_LARGE"
        ? new RequestTooLarge(`Request body exceeds ${BODY_LIMIT_BYTES} bytes`)
        : new SerializationException(error.message);
    return sendError(reply, kinesisError);
  });
  return app;
}

function sendError(reply: FastifyReply, error: KinesisError): FastifyReply {
  return reply.code(error.statusCode).headers(awsHeaders()).type(jsonProtocol.contentType).send(jsonProtocol.encodeError(error));
}

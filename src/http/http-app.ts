import { randomBytes, randomUUID } from "node:crypto";
import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerFactory } from "fastify";
import type { Readable } from "node:stream";
import type { Logger } from "pino";
import type { ApiCall, ApiReply } from "./api-call.js";
import { bodyErrors, readBody } from "./body-budget.js";
import { MemoryHold, type MemoryBudget } from "./memory-budget.js";
import { corsHeaders, isPreflight, preflightHeaders } from "./cors.js";
import { DualProtocolServer, TlsDualProtocolServer, type RequestHandler } from "./dual-protocol-server.js";
import { AwsError, SerializationException } from "./errors.js";
import type { FrontDoor } from "./front-door.js";
import { lingerAfterEarlyAnswer } from "./lingering-close.js";
import type { ServiceMetrics } from "./metrics.js";
import { releaseAnswer } from "./protocols/answer-buffers.js";
import { sendStreamingResponse } from "./streaming-response.js";
import type { TlsCredentials } from "./tls-certificate.js";

/** Larger than any valid request (10 MiB of records, base64-encoded, plus JSON); refused unread past this. */
export const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

// x-amz-id-2 is an opaque host id of 72 bytes, base64 (Kinesis sends 64 to 80): a random prefix
// per process and a counter (base 36 digits are base64 characters too) make a unique one without
// 72 random bytes per response.
const HOST_ID_PREFIX = randomBytes(63).toString("base64");
let responses = 0;

function awsHeaders(): Record<string, string> {
  return { "x-amzn-RequestId": randomUUID(), "x-amz-id-2": `${HOST_ID_PREFIX}${(responses++).toString(36).padStart(12, "0")}` };
}

const EMPTY = Buffer.alloc(0);

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
  /**
   * Whether a scrape of /metrics, by its `Authorization` header, may see it: it names every
   * stream and consumer, so with access keys configured it takes them (as Basic credentials).
   */
  readonly metricsAccess: (authorization: string | undefined) => boolean;
  /** The /metrics text: this process's registry, or with --workers every worker's summed. */
  readonly metricsText: () => Promise<string>;
  /** Whether the process can serve at all (its own nats-server runs): /health/live; live when absent. */
  readonly live?: () => Liveness;
  /** Serve TLS (HTTP/2 or HTTP/1.1 by ALPN) with these instead of plain HTTP. */
  readonly tls?: TlsCredentials;
  /** Request bodies held at once, shared by the plain and the TLS port. */
  readonly bodyBudget: MemoryBudget;
  /** Record data of read answers held at once (GetRecords), shared by both ports. */
  readonly answerBudget: MemoryBudget;
}

/** /health/live's answer: not live comes with the reason. */
export type Liveness = { readonly live: true } | { readonly live: false; readonly reason: string };

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
  // Each request's shares of the budgets, its body's and its answer's, taken while it works and
  // given back when its answer is done or the client goes away (the response's 'close' comes in
  // every case).
  const holds = new WeakMap<FastifyRequest, { body: MemoryHold; answer: MemoryHold }>();
  app.addContentTypeParser("*", async (request: FastifyRequest, payload: Readable) => {
    return readBody(payload, declaredLengthOf(request.headers["content-length"]), BODY_LIMIT_BYTES, holds.get(request)!.body);
  });

  // Answers that must go without a content type (the front end's XML refusals): fastify gives
  // every Buffer one, so it is taken off again just before sending.
  const withoutContentType = new WeakSet<FastifyReply>();
  app.addHook("onSend", async (request, reply, payload) => {
    if (withoutContentType.has(reply)) reply.removeHeader("content-type");
    if (lingerAfterEarlyAnswer(request.raw, reply.raw)) reply.removeHeader("connection");
    return payload;
  });

  /** Sends the front door's or a service's reply, with the request id headers and, for a page's request, CORS. */
  const send = (request: FastifyRequest, reply: FastifyReply, result: ApiReply, started: number): FastifyReply => {
    const seconds = (performance.now() - started) / 1000;
    options.metrics.observeRequest(result.service, result.operation ?? "unknown", result.error?.type ?? "ok", seconds);
    log.debug(
      { service: result.service, operation: result.operation, resource: result.resource, status: result.statusCode, ms: Math.round(seconds * 10_000) / 10 },
      "request",
    );
    const headers = { ...awsHeaders(), ...corsHeaders(request.headers), ...result.headers, ...(result.contentType && { "content-type": result.contentType }) };
    if (result.events) {
      reply.hijack();
      sendStreamingResponse(reply.raw, result.statusCode, headers, result.events, log);
      return reply;
    }
    if (!result.contentType) withoutContentType.add(reply);
    // A large JSON answer is sent from the buffer it was written in: that buffer is reused once the response is gone.
    reply.raw.once("close", () => releaseAnswer(result.body));
    return reply.code(result.statusCode).headers(headers).send(result.body);
  };

  // Everything decided before a body is read: a browser's preflight, a method other than POST
  // (on any path but our own), and, when keys are configured, a missing or malformed signature.
  app.addHook("onRequest", async (request, reply) => {
    const started = performance.now();
    const hold = { body: new MemoryHold(options.bodyBudget), answer: new MemoryHold(options.answerBudget) };
    holds.set(request, hold);
    reply.raw.once("close", () => {
      hold.body.release();
      hold.answer.release();
    });
    if (isPreflight(request.method, request.headers)) {
      // As the service answers one: no host id, no body, no content type.
      return reply
        .code(200)
        .headers({ "x-amzn-RequestId": randomUUID(), ...preflightHeaders(request.headers) })
        .send();
    }
    if (request.method !== "POST") {
      if (request.is404) return send(request, reply, frontDoor.unattributable(), started);
      reply.headers(corsHeaders(request.headers));
      return;
    }
    const refusal = frontDoor.checkHeaders(callOf(request, EMPTY));
    if (refusal) return send(request, reply, refusal, started);
  });

  app.post("/*", async (request, reply) => {
    const started = performance.now();
    const call = { ...callOf(request, (request.body as Buffer | undefined) ?? EMPTY), answerMemory: holds.get(request)!.answer };
    const result = await frontDoor.handle(call);
    return send(request, reply, result, started);
  });

  app.get("/health/live", async (_request, reply) => {
    const liveness = options.live?.() ?? { live: true };
    return liveness.live ? reply.send({ status: "live" }) : reply.code(503).send({ status: "not live", reason: liveness.reason });
  });
  app.get("/health/ready", async (_request, reply) => {
    const ready = await options.ready();
    return reply.code(ready ? 200 : 503).send({ status: ready ? "ready" : "not ready" });
  });
  app.get("/metrics", async (request, reply) => {
    if (!options.metricsAccess(request.headers.authorization)) {
      return reply
        .code(401)
        .header("www-authenticate", 'Basic realm="kinesis-nats metrics"')
        .send({ message: "/metrics takes an access key id and secret as Basic credentials" });
    }
    const text = await options.metricsText();
    return reply.type(options.metrics.registry.contentType).send(text);
  });

  /** An error found before any service saw the request, in the protocol of the service it is for. */
  const sendError = (request: FastifyRequest, reply: FastifyReply, error: AwsError): FastifyReply =>
    send(request, reply, frontDoor.errorReply(callOf(request, EMPTY), error), performance.now());
  app.setErrorHandler((error: { code?: string; message: string }, request, reply) => {
    const awsError =
      error instanceof AwsError
        ? error
        : error.code === "FST_ERR_CTP_BODY_TOO_LARGE"
          ? bodyErrors.tooLarge(BODY_LIMIT_BYTES)
          : new SerializationException(error.message);
    return sendError(request, reply, awsError);
  });
  return app;
}

/** A Content-Length header as a number, if there is a valid one (fastify refuses an invalid one earlier). */
function declaredLengthOf(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header);
}

const callOf = (request: FastifyRequest, body: Buffer): ApiCall => ({ method: request.method, url: request.url, headers: request.headers, body });

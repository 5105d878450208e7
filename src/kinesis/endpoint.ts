import type { Readable } from "node:stream";
import type { Logger } from "pino";
import { checkConstraints } from "../http/protocols/constraints.js";
import type { RequestContext } from "./context.js";
import { toKinesisError } from "./engine-errors.js";
import { SerializationException, ServiceUnavailableException, UnknownOperationException, type KinesisError } from "./errors.js";
import { targetPrefix } from "./generated/model.js";
import type { Operation } from "./operation.js";
import { operations } from "./operations/index.js";
import { EVENT_STREAM_CONTENT_TYPE, eventStreamFrames, eventStreamMemberOf } from "../http/event-stream.js";
import { cborProtocol } from "../http/protocols/cbor.js";
import { jsonProtocol } from "../http/protocols/json.js";
import type { WireProtocol } from "../http/protocols/protocol.js";
import type { RequestGuard } from "../http/auth/request-guard.js";
import type { HttpRequestParts } from "../http/auth/signed-request.js";

/** An API call as the HTTP layer hands it over: no HTTP objects past this point. */
export interface KinesisCall {
  readonly target: string | undefined;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  /** `amz-sdk-invocation-id`: AWS SDKs send the same one on each retry of a call. */
  readonly invocationId?: string;
  /** Method, URL and headers, for checking the signature. */
  readonly http: HttpRequestParts;
}

export interface KinesisReply {
  readonly statusCode: number;
  readonly contentType: string;
  readonly body: Buffer;
  /** For an event-stream operation (SubscribeToShard): the frames to stream after the headers, instead of a body. */
  readonly events?: Readable;
  readonly operation?: string;
  /** The stream the call named, when it named one (for the logs). */
  readonly stream?: string;
  readonly error?: KinesisError;
}

/** The stream a decoded input names, by StreamName or StreamARN. */
function streamOf(input: Record<string, unknown> | undefined): string | undefined {
  if (typeof input?.StreamName === "string") return input.StreamName;
  const arn = input?.StreamARN ?? input?.ResourceARN;
  return typeof arn === "string" ? /:stream\/([^/]+)/.exec(arn)?.[1] : undefined;
}

/** Everything a request needs except its own arrival time and logger. */
export type RequestServices = Omit<RequestContext, "now" | "log" | "invocationId">;

const PROTOCOLS: readonly WireProtocol[] = [jsonProtocol, cborProtocol];
const NO_BODY = Buffer.alloc(0);

/** The wire protocol of a request, by its Content-Type; JSON when it names neither. */
export function protocolFor(contentType: string | undefined): WireProtocol {
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  return PROTOCOLS.find((p) => p.contentType === mediaType) ?? jsonProtocol;
}

function route(target: string | undefined): Operation {
  const [prefix, name] = target?.split(".") ?? [];
  const operation = prefix === targetPrefix && name ? operations[name as keyof typeof operations] : undefined;
  if (!operation) throw new UnknownOperationException("");
  return operation as Operation;
}

/**
 * The Kinesis API as a function from call to reply, in the order the service checks things:
 * a body that is not an object, then the target, then an empty body, then the signature (when
 * access keys are configured), then the types of the input, then its constraints, then what
 * the signer may do, then the operation itself, then its output (a body, or for an
 * event-stream operation the frames of its events).
 */
export class KinesisEndpoint {
  constructor(
    private readonly services: RequestServices,
    private readonly log: Logger,
    /** Without one, any credentials are accepted and nothing is refused. */
    private readonly guard?: RequestGuard,
  ) {}

  async handle(call: KinesisCall): Promise<KinesisReply> {
    const protocol = protocolFor(call.contentType);
    const ctx: RequestContext = { ...this.services, now: Date.now(), log: this.log, invocationId: call.invocationId };
    let operation: Operation | undefined;
    let input: Record<string, unknown> | undefined;
    try {
      const body = protocol.parseBody(call.body);
      operation = route(call.target);
      if (body === undefined) throw new SerializationException("");
      const principal = await this.guard?.authenticate(call.http, call.body, ctx.now);
      input = protocol.decodeInput(operation.inputShape, body);
      checkConstraints(operation.inputShape, input, operation.runtimeLimits?.(input as never, ctx));
      if (principal) await this.guard!.authorize(principal, operation.name, input, ctx);
      // Without NATS nothing can be answered for sure: say so at once, retryably.
      if (!this.services.engine.available) throw new ServiceUnavailableException("The service is unavailable: NATS is not reachable.");
      const output = await operation.handler(input as never, ctx);
      const eventStream = eventStreamMemberOf(operation.outputShape);
      if (eventStream) {
        const events = eventStreamFrames(protocol, operation.outputShape!, output as Record<string, unknown>, eventStream);
        return { statusCode: 200, contentType: EVENT_STREAM_CONTENT_TYPE, body: NO_BODY, events, operation: operation.name };
      }
      return { statusCode: 200, contentType: protocol.contentType, body: protocol.encodeOutput(operation.outputShape, output), operation: operation.name };
    } catch (thrown) {
      const error = toKinesisError(thrown);
      const stream = streamOf(input);
      // One line per failed request: what was asked, of which stream, and what it got.
      const context = { operation: operation?.name, stream, error: error.type, status: error.statusCode };
      if (error.statusCode >= 500) this.log.error({ ...context, err: thrown }, "request failed");
      else this.log.info({ ...context, message: error.message }, "request refused");
      return { statusCode: error.statusCode, contentType: protocol.contentType, body: protocol.encodeError(error), operation: operation?.name, stream, error };
    }
  }
}

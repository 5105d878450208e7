import type { Readable } from "node:stream";
import type { Logger } from "pino";
import { checkConstraints } from "../translate/constraints.js";
import type { RequestContext } from "../translate/context.js";
import { toKinesisError } from "../translate/engine-errors.js";
import { SerializationException, UnknownOperationException, type KinesisError } from "../translate/errors.js";
import { targetPrefix } from "../translate/generated/model.js";
import type { Operation } from "../translate/operation.js";
import { operations } from "../translate/operations/index.js";
import { EVENT_STREAM_CONTENT_TYPE, eventStreamFrames, eventStreamMemberOf } from "./event-stream.js";
import { jsonProtocol } from "./protocols/json.js";
import type { WireProtocol } from "./protocols/protocol.js";

/** An API call as the HTTP layer hands it over: no HTTP objects past this point. */
export interface KinesisCall {
  readonly target: string | undefined;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

export interface KinesisReply {
  readonly statusCode: number;
  readonly contentType: string;
  readonly body: Buffer;
  /** For an event-stream operation (SubscribeToShard): the frames to stream after the headers, instead of a body. */
  readonly events?: Readable;
  readonly operation?: string;
  readonly error?: KinesisError;
}

/** Everything a request needs except its own arrival time and logger. */
export type RequestServices = Omit<RequestContext, "now" | "log">;

const PROTOCOLS: readonly WireProtocol[] = [jsonProtocol];
const NO_BODY = Buffer.alloc(0);

function protocolFor(contentType: string | undefined): WireProtocol {
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
 * a body that is not an object, then the target, then an empty body, then the types of the
 * input, then its constraints, then the operation itself, then its output (a body, or for an
 * event-stream operation the frames of its events).
 */
export class KinesisEndpoint {
  constructor(
    private readonly services: RequestServices,
    private readonly log: Logger,
  ) {}

  async handle(call: KinesisCall): Promise<KinesisReply> {
    const protocol = protocolFor(call.contentType);
    const ctx: RequestContext = { ...this.services, now: Date.now(), log: this.log };
    let operation: Operation | undefined;
    try {
      const body = protocol.parseBody(call.body);
      operation = route(call.target);
      if (body === undefined) throw new SerializationException("");
      const input = protocol.decodeInput(operation.inputShape, body);
      checkConstraints(operation.inputShape, input, operation.runtimeLimits?.(input as never, ctx));
      const output = await operation.handler(input as never, ctx);
      const eventStream = eventStreamMemberOf(operation.outputShape);
      if (eventStream) {
        const events = eventStreamFrames(protocol, operation.outputShape!, output as Record<string, unknown>, eventStream);
        return { statusCode: 200, contentType: EVENT_STREAM_CONTENT_TYPE, body: NO_BODY, events, operation: operation.name };
      }
      return { statusCode: 200, contentType: protocol.contentType, body: protocol.encodeOutput(operation.outputShape, output), operation: operation.name };
    } catch (thrown) {
      const error = toKinesisError(thrown);
      if (error.statusCode >= 500) this.log.error({ err: thrown, operation: operation?.name }, "request failed");
      return { statusCode: error.statusCode, contentType: protocol.contentType, body: protocol.encodeError(error), operation: operation?.name, error };
    }
  }
}

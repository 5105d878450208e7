import type { Logger } from "pino";
import { checkConstraints } from "../translate/constraints.js";
import type { RequestContext } from "../translate/context.js";
import { toKinesisError } from "../translate/engine-errors.js";
import { SerializationException, UnknownOperationException, type KinesisError } from "../translate/errors.js";
import { targetPrefix } from "../translate/generated/model.js";
import type { Operation } from "../translate/operation.js";
import { operations } from "../translate/operations/index.js";
import { cborProtocol } from "./protocols/cbor.js";
import { jsonProtocol } from "./protocols/json.js";
import type { WireProtocol } from "./protocols/protocol.js";
import type { RequestGuard } from "./auth/request-guard.js";
import type { HttpRequestParts } from "./auth/signed-request.js";

/** An API call as the HTTP layer hands it over: no HTTP objects past this point. */
export interface KinesisCall {
  readonly target: string | undefined;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  /** Method, URL and headers, for checking the signature. */
  readonly http: HttpRequestParts;
}

export interface KinesisReply {
  readonly statusCode: number;
  readonly contentType: string;
  readonly body: Buffer;
  readonly operation?: string;
  readonly error?: KinesisError;
}

/** Everything a request needs except its own arrival time and logger. */
export type RequestServices = Omit<RequestContext, "now" | "log">;

const PROTOCOLS: readonly WireProtocol[] = [jsonProtocol, cborProtocol];

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
 * the signer may do, then the operation itself.
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
    const ctx: RequestContext = { ...this.services, now: Date.now(), log: this.log };
    let operation: Operation | undefined;
    try {
      const body = protocol.parseBody(call.body);
      operation = route(call.target);
      if (body === undefined) throw new SerializationException("");
      const principal = await this.guard?.authenticate(call.http, call.body, ctx.now);
      const input = protocol.decodeInput(operation.inputShape, body);
      checkConstraints(operation.inputShape, input, operation.runtimeLimits?.(input as never, ctx));
      if (principal) await this.guard!.authorize(principal, operation.name, input, ctx);
      const output = await operation.handler(input as never, ctx);
      return { statusCode: 200, contentType: protocol.contentType, body: protocol.encodeOutput(operation.outputShape, output), operation: operation.name };
    } catch (thrown) {
      const error = toKinesisError(thrown);
      if (error.statusCode >= 500) this.log.error({ err: thrown, operation: operation?.name }, "request failed");
      return { statusCode: error.statusCode, contentType: protocol.contentType, body: protocol.encodeError(error), operation: operation?.name, error };
    }
  }
}

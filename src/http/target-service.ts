import type { Logger } from "pino";
import { headerOf, mediaTypeOf, type ApiCall, type ApiReply } from "./api-call.js";
import type { Authenticator, Principal } from "./auth/authenticator.js";
import { EVENT_STREAM_CONTENT_TYPE, eventStreamFrames } from "./event-stream.js";
import { SerializationException, ServiceUnavailableException, UnknownOperationException, type AwsError } from "./errors.js";
import type { ServiceRoute } from "./front-door.js";
import { targetPrefixOf } from "./front-door.js";
import { checkConstraints, type RuntimeLimits } from "./protocols/constraints.js";
import type { WireProtocol } from "./protocols/protocol.js";
import type { ServiceModel } from "./protocols/service-model.js";

/** One operation of a service: the model shapes of its input and output, and its handler. */
export interface OperationSpec<Ctx> {
  readonly name: string;
  readonly inputShape: string;
  readonly outputShape: string | null;
  /** Limits that depend on the resource (a stream's maximum record size), checked with the model's. */
  readonly runtimeLimits?: (input: never, ctx: Ctx) => RuntimeLimits;
  readonly handler: (input: never, ctx: Ctx) => Promise<unknown>;
}

/** Everything that makes one AWS JSON/CBOR service (addressed by X-Amz-Target) what it is. */
export interface TargetServiceDefinition<Ctx> {
  /** For logs and metrics: `kinesis`, `dynamodb`. */
  readonly name: string;
  /** The service in SigV4 credential scopes. */
  readonly signingName: string;
  /** `Kinesis_20131202`, `DynamoDB_20120810`. */
  readonly targetPrefix: string;
  readonly model: ServiceModel;
  /** The wire protocols by Content-Type; the first answers a request that names none of them. */
  readonly protocols: readonly WireProtocol[];
  readonly operations: Readonly<Record<string, OperationSpec<Ctx>>>;
  /** The context of one call, made once it is routed. */
  context(call: ApiCall, now: number): Ctx;
  /** What the signer may do; throws the service's AccessDeniedException. */
  authorize?(principal: Principal, operation: string, input: Record<string, unknown>, ctx: Ctx): Promise<void>;
  /** False while the service cannot answer for sure (NATS unreachable): calls then fail at once, retryably. */
  available(): boolean;
  /** The one place where anything thrown becomes one of the service's errors. */
  toServiceError(thrown: unknown): AwsError;
  /** The resource a call names, for the one log line of a refused or failed call. */
  resourceOf?(input: Record<string, unknown> | undefined): string | undefined;
  /** Headers the service adds to every answer it makes (DynamoDB's x-amz-crc32). */
  answerHeaders?(body: Buffer): Readonly<Record<string, string>>;
}

/**
 * An AWS JSON or CBOR service as a function from call to reply, in the order the services check
 * things: a body that is not an object, then the target, then an empty body, then the signature
 * (when access keys are configured), then the types of the input, then its constraints, then
 * what the signer may do, then the operation itself, then its output (a body, or for an
 * event-stream operation the frames of its events).
 */
export class TargetService<Ctx> implements ServiceRoute {
  readonly name: string;

  constructor(
    private readonly definition: TargetServiceDefinition<Ctx>,
    private readonly log: Logger,
    /** Without one, any credentials are accepted and nothing is refused. */
    private readonly authenticator?: Authenticator,
  ) {
    this.name = definition.name;
  }

  claims(call: Pick<ApiCall, "headers">): boolean {
    return targetPrefixOf(call) === this.definition.targetPrefix;
  }

  /** The wire protocol of a request, by its Content-Type; the service's first when it names none of them. */
  protocolOf(call: Pick<ApiCall, "headers">): WireProtocol {
    const mediaType = mediaTypeOf(headerOf(call, "content-type"));
    const { protocols } = this.definition;
    return protocols.find((p) => p.contentType === mediaType) ?? protocols[0]!;
  }

  private route(call: ApiCall): OperationSpec<Ctx> {
    const target = headerOf(call, "x-amz-target");
    const dot = target?.indexOf(".") ?? -1;
    const name = dot > 0 ? target!.slice(dot + 1) : undefined;
    const operation =
      target?.slice(0, dot) === this.definition.targetPrefix && name && Object.hasOwn(this.definition.operations, name)
        ? this.definition.operations[name]
        : undefined;
    if (!operation) throw new UnknownOperationException("");
    return operation;
  }

  async handle(call: ApiCall): Promise<ApiReply> {
    const { definition } = this;
    const protocol = this.protocolOf(call);
    const now = Date.now();
    let operation: OperationSpec<Ctx> | undefined;
    let input: Record<string, unknown> | undefined;
    try {
      const body = protocol.parseBody(call.body);
      operation = this.route(call);
      if (body === undefined) throw new SerializationException("");
      const principal = await this.authenticator?.authenticate(call, definition.signingName, now);
      input = protocol.decodeInput(operation.inputShape, body);
      const ctx = definition.context(call, now);
      checkConstraints(definition.model, operation.inputShape, input, operation.runtimeLimits?.(input as never, ctx));
      if (principal && definition.authorize) await definition.authorize(principal, operation.name, input, ctx);
      // Without NATS nothing can be answered for sure: say so at once, retryably.
      if (!definition.available()) throw new ServiceUnavailableException("The service is unavailable: NATS is not reachable.");
      const output = await operation.handler(input as never, ctx);
      const eventStream = definition.model.eventStreamMemberOf(operation.outputShape);
      if (eventStream) {
        const events = eventStreamFrames(definition.model, protocol, operation.outputShape!, output as Record<string, unknown>, eventStream);
        return { statusCode: 200, contentType: EVENT_STREAM_CONTENT_TYPE, body: Buffer.alloc(0), events, service: this.name, operation: operation.name };
      }
      const answer = protocol.encodeOutput(operation.outputShape, output);
      return { ...this.reply(200, protocol, answer, operation.name), resource: definition.resourceOf?.(input) };
    } catch (thrown) {
      const error = definition.toServiceError(thrown);
      const resource = definition.resourceOf?.(input);
      // One line per failed request: what was asked, of what, and what it got.
      const context = { service: this.name, operation: operation?.name, resource, error: error.type, status: error.statusCode };
      if (error.statusCode >= 500) this.log.error({ ...context, err: thrown }, "request failed");
      else this.log.info({ ...context, message: error.message }, "request refused");
      return { ...this.reply(error.statusCode, protocol, protocol.encodeError(error), operation?.name), resource, error };
    }
  }

  /** The service's answer to an error found before the call reached it (a body too large to read). */
  errorReply(call: Pick<ApiCall, "headers">, error: AwsError): ApiReply {
    const protocol = this.protocolOf(call);
    return { ...this.reply(error.statusCode, protocol, protocol.encodeError(error)), error };
  }

  private reply(statusCode: number, protocol: WireProtocol, body: Buffer, operation?: string): ApiReply {
    const headers = this.definition.answerHeaders?.(body);
    return { statusCode, contentType: protocol.contentType, body, service: this.name, operation, ...(headers && { headers }) };
  }
}

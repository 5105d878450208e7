import type { Logger } from "pino";
import { headerOf, mediaTypeOf, type ApiCall, type ApiReply } from "./api-call.js";
import type { Authenticator, Principal } from "./auth/authenticator.js";
import { screenCall, type FrontEndAnswer } from "./call-screen.js";
import { EVENT_STREAM_CONTENT_TYPE, eventStreamFrames } from "./event-stream.js";
import { ServiceUnavailableException, UnknownOperationException, type AwsError } from "./errors.js";
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
  /** The wire protocols by Content-Type; the first answers a request that names none of them (Kinesis: CBOR). */
  readonly protocols: readonly WireProtocol[];
  /** Whether `application/json` calls get the old Coral 1.0 envelope, as Kinesis answers them (see call-screen.ts). */
  readonly legacyJsonEnvelope?: boolean;
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
 * things: what the front end decides by content type and body alone (call-screen.ts), then a
 * body that is not an object, then the target, then the signature (its presence and syntax
 * always, the signature itself when access keys are configured), then the types of the input,
 * then its constraints, then what the signer may do, then the operation itself, then its output
 * (a body, or for an event-stream operation the frames of its events).
 */
export class TargetService<Ctx> implements ServiceRoute {
  readonly name: string;

  constructor(
    private readonly definition: TargetServiceDefinition<Ctx>,
    private readonly log: Logger,
    private readonly authenticator: Authenticator,
  ) {
    this.name = definition.name;
  }

  claims(call: Pick<ApiCall, "headers">): boolean {
    return targetPrefixOf(call) === this.definition.targetPrefix;
  }

  /** The wire protocol a request names by its Content-Type, if it is one of the service's. */
  private namedProtocol(call: Pick<ApiCall, "headers">): WireProtocol | undefined {
    const mediaType = mediaTypeOf(headerOf(call, "content-type"));
    return this.definition.protocols.find((p) => p.contentType === mediaType);
  }

  /** The operation X-Amz-Target names, if it is one of the service's. */
  private operationOf(call: Pick<ApiCall, "headers">): OperationSpec<Ctx> | undefined {
    const target = headerOf(call, "x-amz-target");
    const dot = target?.indexOf(".") ?? -1;
    const name = dot > 0 ? target!.slice(dot + 1) : undefined;
    return target?.slice(0, dot) === this.definition.targetPrefix && name && Object.hasOwn(this.definition.operations, name)
      ? this.definition.operations[name]
      : undefined;
  }

  /**
   * With access keys configured, the signature checks the headers allow, before the body is
   * read, for a call that would reach them (its protocol, a body, a known operation); the
   * service itself would parse the body first, so a malformed body that is also unsigned gets
   * the signature's error here rather than SerializationException.
   */
  checkHeaders(call: Omit<ApiCall, "body">): ApiReply | undefined {
    const protocol = this.namedProtocol(call);
    const operation = this.operationOf(call);
    if (!this.authenticator.verifies || !protocol || !operation || declaresEmptyBody(call)) return undefined;
    try {
      this.authenticator.checkHeaders(call, this.definition.signingName, Date.now());
      return undefined;
    } catch (thrown) {
      return this.failure(thrown, protocol, operation, undefined);
    }
  }

  async handle(call: ApiCall): Promise<ApiReply> {
    const { definition } = this;
    const screening = screenCall(call, {
      protocols: definition.protocols,
      legacyJsonEnvelope: definition.legacyJsonEnvelope ?? false,
      names: (c) => !!this.operationOf(c),
    });
    if ("refusal" in screening) return this.refused(screening.refusal, this.operationOf(call)?.name);
    const { protocol } = screening;
    const now = Date.now();
    let operation: OperationSpec<Ctx> | undefined;
    let input: Record<string, unknown> | undefined;
    try {
      const body = protocol.parseBody(call.body);
      operation = this.operationOf(call);
      if (!operation) throw new UnknownOperationException("");
      const principal: Principal | undefined = await this.authenticator.authenticate(call, definition.signingName, now);
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
      return { ...this.reply(200, protocol.contentType, answer, operation.name), resource: definition.resourceOf?.(input) };
    } catch (thrown) {
      return this.failure(thrown, protocol, operation, input);
    }
  }

  /** The service's answer to an error found before the call reached it (a body too large to read). */
  errorReply(call: Pick<ApiCall, "headers">, error: AwsError): ApiReply {
    const protocol = this.namedProtocol(call) ?? this.definition.protocols[0]!;
    return { ...this.reply(error.statusCode, protocol.contentType, protocol.encodeError(error)), error };
  }

  private failure(thrown: unknown, protocol: WireProtocol, operation: OperationSpec<Ctx> | undefined, input: Record<string, unknown> | undefined): ApiReply {
    const error = this.definition.toServiceError(thrown);
    const resource = this.definition.resourceOf?.(input);
    // One line per failed request: what was asked, of what, and what it got.
    const context = { service: this.name, operation: operation?.name, resource, error: error.type, status: error.statusCode };
    if (error.statusCode >= 500) this.log.error({ ...context, err: thrown }, "request failed");
    else this.log.info({ ...context, message: error.message }, "request refused");
    return { ...this.reply(error.statusCode, protocol.contentType, protocol.encodeError(error), operation?.name), resource, error };
  }

  private refused(answer: FrontEndAnswer, operation: string | undefined): ApiReply {
    const { error } = answer;
    this.log.info({ service: this.name, operation, error: error.type, status: answer.statusCode }, "request refused");
    return { ...this.reply(answer.statusCode, answer.contentType, answer.body, operation), error };
  }

  private reply(statusCode: number, contentType: string | undefined, body: Buffer, operation?: string): ApiReply {
    const headers = this.definition.answerHeaders?.(body);
    return { statusCode, contentType, body, service: this.name, operation, ...(headers && { headers }) };
  }
}

/** Whether the headers say there is no body: `content-length: 0`, or HTTP/1.1 with neither a length nor chunks. */
function declaresEmptyBody(call: Pick<ApiCall, "headers">): boolean {
  const length = headerOf(call, "content-length");
  if (length !== undefined) return length.trim() === "0";
  return headerOf(call, ":method") === undefined && headerOf(call, "transfer-encoding") === undefined;
}

import type { ApiCall, ApiReply } from "./api-call.js";
import { xmlAnswer } from "./call-screen.js";
import { UnattributableCall, type AwsError } from "./errors.js";

/** A service behind the front door: which calls are its own, and its answer to them. */
export interface ServiceRoute {
  readonly name: string;
  /** Whether the call is this service's (by its X-Amz-Target, its path, or its form's Action). */
  claims(call: ApiCall): boolean;
  handle(call: ApiCall): Promise<ApiReply>;
  /** The service's refusal of a call from its headers alone, before its body is read (an unsigned call when keys are configured). */
  checkHeaders?(call: Omit<ApiCall, "body">): ApiReply | undefined;
  /** The service's answer to an error found before the call reached it (a body too large to read). */
  errorReply(call: Pick<ApiCall, "headers" | "url" | "method">, error: AwsError): ApiReply;
}

/**
 * The one entry of every AWS API this server speaks (Kinesis, DynamoDB, CloudWatch), on the same
 * ports: each call goes to the service that claims it. A call no service claims gets the
 * fallback service's answer to an unknown operation (Kinesis's: the endpoint is a Kinesis one
 * first).
 */
export class FrontDoor {
  constructor(
    private readonly routes: readonly ServiceRoute[],
    private readonly fallback: ServiceRoute,
  ) {}

  handle(call: ApiCall): Promise<ApiReply> {
    return this.routeOf(call).handle(call);
  }

  /** A refusal from the headers alone, by the service the call is for; undefined when the body must be read first. */
  checkHeaders(call: Omit<ApiCall, "body">): ApiReply | undefined {
    return this.routeOf({ ...call, body: Buffer.alloc(0) }).checkHeaders?.(call);
  }

  /**
   * A call by a method other than POST: no AWS JSON service takes one, so the front end refuses
   * it before looking any further, with 403 AccessDeniedException in XML.
   */
  unattributable(): ApiReply {
    return { ...xmlAnswer(new UnattributableCall()), service: this.fallback.name };
  }

  errorReply(call: Pick<ApiCall, "headers" | "url" | "method">, error: AwsError): ApiReply {
    return this.routeOf({ ...call, body: Buffer.alloc(0) }).errorReply(call, error);
  }

  private routeOf(call: ApiCall): ServiceRoute {
    return this.routes.find((candidate) => candidate.claims(call)) ?? this.fallback;
  }
}

/** The X-Amz-Target prefix a call names (`Kinesis_20131202` of `Kinesis_20131202.PutRecord`). */
export function targetPrefixOf(call: Pick<ApiCall, "headers">): string | undefined {
  const target = call.headers["x-amz-target"];
  const text = Array.isArray(target) ? target[0] : target;
  if (text === undefined) return undefined;
  const dot = text.indexOf(".");
  return dot < 0 ? text : text.slice(0, dot);
}

import { AwsError, InternalFailure } from "../http/errors.js";

/** Who the service blames, as the query protocol's `<Type>` and `x-amzn-query-error` say. */
export type Fault = "Sender" | "Receiver";

/**
 * CloudWatch's own errors. `type` is the model's shape name (JSON and CBOR `__type`); `code` is
 * the awsQuery error code (the XML `<Code>`, and what query-compatible clients report).
 */
export abstract class CloudWatchError extends AwsError {
  abstract readonly code: string;
  readonly fault: Fault = "Sender";
}

export class InvalidParameterValueException extends CloudWatchError {
  readonly type = "InvalidParameterValueException";
  readonly code = "InvalidParameterValue";
}
export class MissingRequiredParameterException extends CloudWatchError {
  readonly type = "MissingRequiredParameterException";
  readonly code = "MissingParameter";
}
export class InvalidParameterCombinationException extends CloudWatchError {
  readonly type = "InvalidParameterCombinationException";
  readonly code = "InvalidParameterCombination";
}
export class InternalServiceFault extends CloudWatchError {
  readonly type = "InternalServiceFault";
  readonly code = "InternalServiceError";
  override readonly fault = "Receiver";
  override readonly statusCode = 500;
  override readonly retryable = true;
}
/** A body over CloudWatch's 1 MB request limit (after gzip is undone). */
export class RequestEntityTooLargeException extends CloudWatchError {
  readonly type = "RequestEntityTooLargeException";
  readonly code = "RequestEntityTooLarge";
  override readonly statusCode = 413;
}

/** How an error reads in each wire form. */
export interface ErrorForm {
  readonly error: AwsError;
  /** Shape name for JSON and CBOR `__type` (namespaced when it is one of CloudWatch's shapes). */
  readonly type: string;
  readonly code: string;
  readonly fault: Fault;
  /** HTTP status of the query protocol's answer: its signature errors are 403s, as on every query service. */
  readonly queryStatus: number;
}

/** The query protocol's codes for the front end's errors (those every AWS query service gives). */
const QUERY_CODES: ReadonlyMap<string, { code: string; status: number }> = new Map([
  ["UnknownOperationException", { code: "InvalidAction", status: 400 }],
  ["InvalidSignatureException", { code: "SignatureDoesNotMatch", status: 403 }],
  ["UnrecognizedClientException", { code: "InvalidClientTokenId", status: 403 }],
  ["IncompleteSignatureException", { code: "IncompleteSignature", status: 400 }],
  ["MissingAuthenticationTokenException", { code: "MissingAuthenticationToken", status: 403 }],
]);

/** The one boundary where anything thrown becomes a CloudWatch answer. */
export function errorFormOf(thrown: unknown, shapeNamespace: string): ErrorForm {
  const error = thrown instanceof AwsError && !(thrown instanceof InternalFailure) ? thrown : new InternalServiceFault("");
  if (error instanceof CloudWatchError) {
    return { error, type: `${shapeNamespace}#${error.type}`, code: error.code, fault: error.fault, queryStatus: error.statusCode };
  }
  const query = QUERY_CODES.get(error.type);
  return {
    error,
    type: error.type,
    code: query?.code ?? error.type,
    fault: error.statusCode >= 500 ? "Receiver" : "Sender",
    queryStatus: query?.status ?? error.statusCode,
  };
}

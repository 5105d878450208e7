/**
 * The errors every AWS JSON service answers from its front end, before or around an operation,
 * and the base class of every service's own catalogue. One class per `__type`: a client keys on
 * that name. Anything thrown that is not an AwsError becomes the service's internal failure at
 * its boundary (kinesis/engine-errors.ts, dynamodb/..., cloudwatch/...).
 */
export abstract class AwsError extends Error {
  /** The `__type` clients key on (without a service namespace: protocols add one where the service does). */
  abstract readonly type: string;
  /** HTTP status of the error response. */
  readonly statusCode: number = 400;
  /** Whether the AWS SDKs retry it (for our logs and metrics; clients decide on their own). */
  readonly retryable: boolean = false;
  /** Members of the error's shape beyond its message (DynamoDB's Item of a failed condition, a transaction's reasons). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A server-side failure: HTTP 500, which every AWS SDK retries. */
export class InternalFailure extends AwsError {
  readonly type = "InternalFailure";
  override readonly statusCode = 500;
  override readonly retryable = true;
}
export class SerializationException extends AwsError {
  readonly type = "SerializationException";
}
export class UnknownOperationException extends AwsError {
  readonly type = "UnknownOperationException";
}
export class ValidationException extends AwsError {
  readonly type = "ValidationException";
}
export class AccessDeniedException extends AwsError {
  readonly type = "AccessDeniedException";
}
// JSON (Coral) services answer signature failures with HTTP 400, not the 403 of REST services:
// clients report "Status Code: 400; Error Code: InvalidSignatureException".
export class MissingAuthenticationTokenException extends AwsError {
  readonly type = "MissingAuthenticationTokenException";
}
export class IncompleteSignatureException extends AwsError {
  readonly type = "IncompleteSignatureException";
}
export class InvalidSignatureException extends AwsError {
  readonly type = "InvalidSignatureException";
}
export class UnrecognizedClientException extends AwsError {
  readonly type = "UnrecognizedClientException";
}
/**
 * The front end's refusal of a call it cannot attribute to a service and operation (a method
 * other than POST, or a body with no content type and no target): HTTP 403 with an XML body,
 * since the caller named no protocol to answer in.
 */
export class UnattributableCall extends AwsError {
  readonly type = "AccessDeniedException";
  override readonly statusCode = 403;
  constructor() {
    super("Unable to determine service/operation name to be authorized");
  }
}
/** A body in a content type the named service does not speak: HTTP 404, `<UnknownOperationException/>`. */
export class UnknownOperationForContentType extends AwsError {
  readonly type = "UnknownOperationException";
  override readonly statusCode = 404;
}
/** Retryable "try again": the SDKs back off and resend. Used when NATS is briefly unreachable. */
export class ServiceUnavailableException extends AwsError {
  readonly type = "ServiceUnavailableException";
  override readonly statusCode = 503;
  override readonly retryable = true;
}

/**
 * The errors a client can see, one class per AWS `__type`. Everything a handler throws that is
 * not a KinesisError becomes an InternalFailureException at the protocol boundary.
 */
export abstract class KinesisError extends Error {
  /** The `__type` clients key on. */
  abstract readonly type: string;
  /** HTTP status of the error response. */
  readonly statusCode: number = 400;
  /** Whether the AWS SDKs retry it (for our logs and metrics; clients decide on their own). */
  readonly retryable: boolean = false;
}

// Errors of the Kinesis service model.
export class AccessDeniedException extends KinesisError {
  readonly type = "AccessDeniedException";
}
export class ExpiredIteratorException extends KinesisError {
  readonly type = "ExpiredIteratorException";
}
export class ExpiredNextTokenException extends KinesisError {
  readonly type = "ExpiredNextTokenException";
}
export class InternalFailureException extends KinesisError {
  readonly type = "InternalFailureException";
  override readonly statusCode = 500;
  override readonly retryable = true;
}
export class InvalidArgumentException extends KinesisError {
  readonly type = "InvalidArgumentException";
}
export class KMSAccessDeniedException extends KinesisError {
  readonly type = "KMSAccessDeniedException";
}
export class KMSDisabledException extends KinesisError {
  readonly type = "KMSDisabledException";
}
export class KMSInvalidStateException extends KinesisError {
  readonly type = "KMSInvalidStateException";
}
export class KMSNotFoundException extends KinesisError {
  readonly type = "KMSNotFoundException";
}
export class KMSOptInRequired extends KinesisError {
  readonly type = "KMSOptInRequired";
}
export class KMSThrottlingException extends KinesisError {
  readonly type = "KMSThrottlingException";
}
export class LimitExceededException extends KinesisError {
  readonly type = "LimitExceededException";
}
export class ProvisionedThroughputExceededException extends KinesisError {
  readonly type = "ProvisionedThroughputExceededException";
  override readonly retryable = true;
}
export class ResourceInUseException extends KinesisError {
  readonly type = "ResourceInUseException";
}
export class ResourceNotFoundException extends KinesisError {
  readonly type = "ResourceNotFoundException";
}
export class ValidationException extends KinesisError {
  readonly type = "ValidationException";
}

// Errors of the AWS JSON protocol and its front end, common to every AWS service.
/** A server-side failure: HTTP 500, which every AWS SDK retries. */
export class InternalFailure extends KinesisError {
  readonly type = "InternalFailure";
  override readonly statusCode = 500;
  override readonly retryable = true;
}
export class SerializationException extends KinesisError {
  readonly type = "SerializationException";
}
export class UnknownOperationException extends KinesisError {
  readonly type = "UnknownOperationException";
}
// Kinesis (a JSON 1.1 Coral service) answers signature failures with HTTP 400, not the 403 of
// REST services: clients report "Status Code: 400; Error Code: InvalidSignatureException".
export class MissingAuthenticationTokenException extends KinesisError {
  readonly type = "MissingAuthenticationTokenException";
}
export class IncompleteSignatureException extends KinesisError {
  readonly type = "IncompleteSignatureException";
}
export class InvalidSignatureException extends KinesisError {
  readonly type = "InvalidSignatureException";
}
export class UnrecognizedClientException extends KinesisError {
  readonly type = "UnrecognizedClientException";
}
/** Retryable "try again": the SDKs back off and resend. Used when NATS is briefly unreachable. */
export class ServiceUnavailableException extends KinesisError {
  readonly type = "ServiceUnavailableException";
  override readonly statusCode = 503;
  override readonly retryable = true;
}

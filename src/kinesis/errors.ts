import { AwsError } from "../http/errors.js";

/**
 * The errors a Kinesis client can see, one class per `__type`: the Kinesis model's own, and the
 * front end's (src/http/errors.ts), re-exported so that Kinesis code has one catalogue to import.
 */
export {
  AccessDeniedException,
  AwsError,
  IncompleteSignatureException,
  InternalFailure,
  InvalidSignatureException,
  MissingAuthenticationTokenException,
  SerializationException,
  ServiceUnavailableException,
  UnknownOperationException,
  UnrecognizedClientException,
  ValidationException,
} from "../http/errors.js";

// Errors of the Kinesis service model.
export class ExpiredIteratorException extends AwsError {
  readonly type = "ExpiredIteratorException";
}
export class ExpiredNextTokenException extends AwsError {
  readonly type = "ExpiredNextTokenException";
}
export class InternalFailureException extends AwsError {
  readonly type = "InternalFailureException";
  override readonly statusCode = 500;
  override readonly retryable = true;
}
export class InvalidArgumentException extends AwsError {
  readonly type = "InvalidArgumentException";
}
export class KMSAccessDeniedException extends AwsError {
  readonly type = "KMSAccessDeniedException";
}
export class KMSDisabledException extends AwsError {
  readonly type = "KMSDisabledException";
}
export class KMSInvalidStateException extends AwsError {
  readonly type = "KMSInvalidStateException";
}
export class KMSNotFoundException extends AwsError {
  readonly type = "KMSNotFoundException";
}
export class KMSOptInRequired extends AwsError {
  readonly type = "KMSOptInRequired";
}
export class KMSThrottlingException extends AwsError {
  readonly type = "KMSThrottlingException";
}
export class LimitExceededException extends AwsError {
  readonly type = "LimitExceededException";
}
export class ProvisionedThroughputExceededException extends AwsError {
  readonly type = "ProvisionedThroughputExceededException";
  override readonly retryable = true;
}
export class ResourceInUseException extends AwsError {
  readonly type = "ResourceInUseException";
}
export class ResourceNotFoundException extends AwsError {
  readonly type = "ResourceNotFoundException";
}

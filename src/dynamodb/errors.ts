import { AwsError, InternalFailure } from "../http/errors.js";

/**
 * DynamoDB's errors, one class per `__type`. On the wire (JSON 1.0) the type carries its
 * namespace: `com.amazonaws.dynamodb.v20120810#` for the service's own, the Coral one for
 * ValidationException and the front end's (see model.ts).
 */
export abstract class DynamoDbError extends AwsError {}

export class ValidationException extends DynamoDbError {
  readonly type = "ValidationException";
}
export class ResourceNotFoundException extends DynamoDbError {
  readonly type = "ResourceNotFoundException";
}
export class ResourceInUseException extends DynamoDbError {
  readonly type = "ResourceInUseException";
}
export class AccessDeniedException extends DynamoDbError {
  readonly type = "AccessDeniedException";
}
export class LimitExceededException extends DynamoDbError {
  readonly type = "LimitExceededException";
}
export class ConditionalCheckFailedException extends DynamoDbError {
  readonly type = "ConditionalCheckFailedException";
  constructor(
    message: string,
    override readonly details?: { readonly Item: unknown },
  ) {
    super(message);
  }
}
export class TransactionCanceledException extends DynamoDbError {
  readonly type = "TransactionCanceledException";
  constructor(
    message: string,
    override readonly details: { readonly CancellationReasons: readonly unknown[] },
  ) {
    super(message);
  }
}
/** Too many writers raced for one item for too long: retryable, as DynamoDB's own throttling is. */
export class TransactionConflictException extends DynamoDbError {
  readonly type = "TransactionConflictException";
}
export class InternalServerError extends DynamoDbError {
  readonly type = "InternalServerError";
  override readonly statusCode = 500;
  override readonly retryable = true;
}

/** Anything thrown that is not one of the service's errors: DynamoDB's 500. */
export function toDynamoDbError(thrown: unknown): AwsError {
  if (thrown instanceof AwsError && !(thrown instanceof InternalFailure)) return thrown;
  return new InternalServerError("Internal server error");
}

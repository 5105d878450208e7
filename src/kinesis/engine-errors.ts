import { JetStreamApiError } from "@nats-io/jetstream";
import { errors as natsErrors } from "@nats-io/transport-node";
import { RecordDecryptionError } from "../jetstream/record-cipher.js";
import { MetadataConflictError } from "../jetstream/kv-support.js";
import { InternalFailure, AwsError, KMSAccessDeniedException, LimitExceededException } from "./errors.js";

/**
 * The one place where failures of the engine (NATS, JetStream, the catalog) become errors a
 * Kinesis client understands. Decided by error class and JetStream error code, never by text.
 */
export function toKinesisError(error: unknown): AwsError {
  if (error instanceof AwsError) return error;
  if (error instanceof MetadataConflictError) return new LimitExceededException(`Rate exceeded: ${error.message}`);
  if (error instanceof RecordDecryptionError) return new KMSAccessDeniedException(error.message);
  if (error instanceof JetStreamApiError) return new InternalFailure(`JetStream error ${error.code}: ${error.message}`);
  if (error instanceof natsErrors.TimeoutError || error instanceof natsErrors.NoRespondersError || error instanceof natsErrors.ClosedConnectionError) {
    return new InternalFailure(`NATS unavailable: ${error.message}`);
  }
  return new InternalFailure(error instanceof Error ? error.message : String(error));
}

import { headers, type MsgHdrs } from "@nats-io/transport-node";

/**
 * How a Kinesis record is stored in a JetStream message: the data is the payload, untouched, so
 * a native NATS consumer reads exactly what the producer sent; the partition key travels as a
 * header. Partition keys are any Unicode text (even CR/LF), so the header holds them
 * URI-encoded; ordinary keys pass through unchanged. The arrival time is JetStream's own
 * timestamp of the message: the moment it was stored.
 */
export const PARTITION_KEY_HEADER = "Kinesis-Partition-Key";

/** A record as read back from JetStream. */
export interface StoredRecord {
  /** JetStream stream sequence. */
  readonly sequence: bigint;
  readonly data: Uint8Array;
  readonly partitionKey: string;
  /** Epoch ms at which JetStream stored the record. */
  readonly arrivalMs: number;
}

export function recordHeaders(partitionKey: string): MsgHdrs {
  const h = headers();
  h.set(PARTITION_KEY_HEADER, encodeURIComponent(partitionKey));
  return h;
}

export function partitionKeyOf(h: MsgHdrs | undefined): string {
  return decodeURIComponent(h?.get(PARTITION_KEY_HEADER) ?? "");
}

import { headers, type MsgHdrs } from "@nats-io/transport-node";

/**
 * How a Kinesis record is stored in a JetStream message: the data is the payload, untouched, so
 * a native NATS consumer reads exactly what the producer sent; the partition key and the arrival
 * time travel as headers. Partition keys are any Unicode text (even CR/LF), so the header holds
 * them URI-encoded; ordinary keys pass through unchanged.
 */
export const PARTITION_KEY_HEADER = "Kinesis-Partition-Key";
export const ARRIVAL_HEADER = "Kinesis-Arrival-Ms";

/** A record as read back from JetStream. */
export interface StoredRecord {
  /** JetStream stream sequence. */
  readonly sequence: bigint;
  readonly data: Uint8Array;
  readonly partitionKey: string;
  /** Epoch ms at which the server accepted the record. */
  readonly arrivalMs: number;
}

export function recordHeaders(partitionKey: string, arrivalMs: number): MsgHdrs {
  const h = headers();
  h.set(PARTITION_KEY_HEADER, encodeURIComponent(partitionKey));
  h.set(ARRIVAL_HEADER, String(arrivalMs));
  return h;
}

export function partitionKeyOf(h: MsgHdrs | undefined): string {
  return decodeURIComponent(h?.get(PARTITION_KEY_HEADER) ?? "");
}

export function arrivalOf(h: MsgHdrs | undefined, fallbackMs: number): number {
  const text = h?.get(ARRIVAL_HEADER);
  return text ? Number(text) : fallbackMs;
}

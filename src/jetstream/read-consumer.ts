import { nanos } from "@nats-io/transport-node";
import type { ConsumerConfig } from "@nats-io/jetstream";

/** Where to start reading a shard. */
export type ReadStart =
  | { readonly kind: "sequence"; readonly sequence: bigint }
  /** First record JetStream stored at or after `at` (epoch ms). */
  | { readonly kind: "timestamp"; readonly at: number };

/**
 * The ephemeral consumer every read of records uses (GetRecords' and SubscribeToShard's):
 * nothing to acknowledge, in memory, one replica, filtered on a shard's subject or over the
 * whole stream, starting at `start`. JetStream removes it once idle for `idleMs`, should this
 * process vanish without deleting it.
 */
export function readConsumerConfig(start: ReadStart, options: { readonly filter?: string; readonly idleMs: number }): Partial<ConsumerConfig> {
  const base: Partial<ConsumerConfig> = {
    ack_policy: "none",
    inactive_threshold: nanos(options.idleMs),
    mem_storage: true,
    num_replicas: 1,
    ...(options.filter !== undefined && { filter_subject: options.filter }),
  };
  if (start.kind === "timestamp") return { ...base, deliver_policy: "by_start_time", opt_start_time: new Date(start.at).toISOString() };
  if (start.sequence <= 1n) return { ...base, deliver_policy: "all" };
  return { ...base, deliver_policy: "by_start_sequence", opt_start_seq: Number(start.sequence) };
}

interface Delivery {
  readonly streamSequence: bigint;
  readonly timestampMs: number;
  readonly pending: number;
}

/**
 * Reads `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>` (or the newer
 * form with more leading tokens) from its end, without splitting the whole subject: this runs
 * once per record read.
 */
export function deliveryOf(reply: string): Delivery {
  const pendingDot = reply.lastIndexOf(".");
  const timestampDot = reply.lastIndexOf(".", pendingDot - 1);
  const consumerSeqDot = reply.lastIndexOf(".", timestampDot - 1);
  const streamSeqDot = reply.lastIndexOf(".", consumerSeqDot - 1);
  const streamSequence = reply.slice(streamSeqDot + 1, consumerSeqDot);
  return {
    // Through a Number while exact (15 digits): twice as fast as BigInt parsing the text.
    streamSequence: streamSequence.length <= 15 ? BigInt(Number(streamSequence)) : BigInt(streamSequence),
    timestampMs: Math.floor(Number(reply.slice(timestampDot + 1, pendingDot)) / 1e6),
    pending: Number(reply.slice(pendingDot + 1)),
  };
}

import { createInbox, nanos, type Msg, type NatsConnection } from "@nats-io/transport-node";
import type { ConsumerConfig, JetStreamManager } from "@nats-io/jetstream";
import { partitionKeyOf, type StoredRecord } from "./record-format.js";

/** Where to start reading a shard. */
export type ReadStart =
  | { readonly kind: "sequence"; readonly sequence: bigint }
  /** First record JetStream stored at or after `at` (epoch ms). */
  | { readonly kind: "timestamp"; readonly at: number };

export interface ReadRequest {
  readonly jetStreamName: string;
  readonly subject: string;
  readonly start: ReadStart;
  readonly limit: number;
  /** Cap on the total data size returned; at least one record is returned even if larger. */
  readonly maxDataBytes: number;
}

export interface ReadResult {
  readonly records: StoredRecord[];
  /** Where the next read of the shard starts: after the last record returned, if any. */
  readonly nextSequence: bigint | undefined;
  /** True when no record of the shard followed the last one returned, as of this read. */
  readonly caughtUp: boolean;
}

// Per-message room for subject and headers when asking JetStream for a byte budget.
const MESSAGE_OVERHEAD_BYTES = 512;

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
  return {
    streamSequence: BigInt(reply.slice(streamSeqDot + 1, consumerSeqDot)),
    timestampMs: Math.floor(Number(reply.slice(timestampDot + 1, pendingDot)) / 1e6),
    pending: Number(reply.slice(pendingDot + 1)),
  };
}

/**
 * Reads a batch of one shard's records: an ephemeral pull consumer filtered on the shard's
 * subject, one `no_wait` pull for the whole batch (JetStream answers with what it has and
 * then a status), then the consumer is dropped. Two round trips per batch, whatever its size.
 */
export class RecordReader {
  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly timeoutMs: number,
  ) {}

  async read(request: ReadRequest): Promise<ReadResult> {
    const consumer = await this.jsm.consumers.add(request.jetStreamName, this.consumerConfig(request));
    try {
      const batch = new Batch(request);
      await this.pull(request.jetStreamName, consumer.name, batch);
      return { records: batch.records, nextSequence: batch.nextSequence, caughtUp: batch.caughtUp };
    } finally {
      this.jsm.consumers.delete(request.jetStreamName, consumer.name).catch(() => {
        // inactive_threshold removes it anyway.
      });
    }
  }

  private consumerConfig(request: ReadRequest): Partial<ConsumerConfig> {
    const { start } = request;
    const base: Partial<ConsumerConfig> = {
      ack_policy: "none",
      filter_subject: request.subject,
      inactive_threshold: nanos(30_000),
      mem_storage: true,
      num_replicas: 1,
    };
    if (start.kind === "timestamp") {
      return { ...base, deliver_policy: "by_start_time", opt_start_time: new Date(start.at).toISOString() };
    }
    if (start.sequence <= 1n) return { ...base, deliver_policy: "all" };
    return { ...base, deliver_policy: "by_start_sequence", opt_start_seq: Number(start.sequence) };
  }

  /** One no_wait pull for the whole batch; resolves when JetStream says it is done. */
  private pull(jetStreamName: string, consumerName: string, batch: Batch): Promise<void> {
    const inbox = createInbox();
    const { limit, maxDataBytes } = batch.request;
    // JetStream counts subject and headers against max_bytes too: allow for them.
    const pullRequest = { batch: limit, max_bytes: maxDataBytes + limit * MESSAGE_OVERHEAD_BYTES, no_wait: true };
    return new Promise<void>((resolve, reject) => {
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        subscription.unsubscribe();
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => finish(new Error("timed out reading from JetStream")), this.timeoutMs);
      const subscription = this.nc.subscribe(inbox, {
        callback: (_error, msg: Msg) => {
          const status = msg.headers?.code;
          if (status) {
            // 404 no messages, 408 batch ended early, 409 byte budget reached: done for now.
            if (status === 404 || status === 408 || status === 409) {
              if (status !== 409) batch.caughtUp = true;
              finish();
            } else finish(new Error(`JetStream pull status ${status} ${msg.headers?.description ?? ""}`));
            return;
          }
          if (!batch.add(msg)) finish();
        },
      });
      this.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${jetStreamName}.${consumerName}`, JSON.stringify(pullRequest), { reply: inbox });
    });
  }
}

/** What one read has gathered so far. */
class Batch {
  readonly records: StoredRecord[] = [];
  nextSequence: bigint | undefined;
  caughtUp = false;
  private dataBytes = 0;

  constructor(readonly request: ReadRequest) {}

  /** Takes a delivered message; false once the batch is complete (by count or by size). */
  add(msg: Msg): boolean {
    if (this.records.length > 0 && this.dataBytes + msg.data.length > this.request.maxDataBytes) {
      this.caughtUp = false;
      return false;
    }
    const delivery = deliveryOf(msg.reply ?? "");
    this.nextSequence = delivery.streamSequence + 1n;
    this.caughtUp = delivery.pending === 0;
    this.dataBytes += msg.data.length;
    this.records.push({ sequence: delivery.streamSequence, data: msg.data, partitionKey: partitionKeyOf(msg.headers), arrivalMs: delivery.timestampMs });
    return this.records.length < this.request.limit;
  }
}

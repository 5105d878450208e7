import { createInbox, nanos, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { JetStreamApiError, type ConsumerConfig, type JetStreamManager } from "@nats-io/jetstream";
import type { RecordCipher } from "./record-cipher.js";
import { storedRecordOf, type StoredRecord } from "./record-format.js";

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
  /**
   * Set for a shard closed by a reshard: JetStream no longer takes its subject, and no longer
   * lets a consumer filter on it either, so the read scans the whole stream from the shard's
   * range and keeps the shard's records. `lastPosition` bounds the scan when known.
   */
  readonly closed?: { readonly firstPosition: bigint; readonly lastPosition?: bigint };
}

export interface ReadResult {
  readonly records: StoredRecord[];
  /** Where the next read of the shard starts: after the last record returned, if any. */
  readonly nextSequence: bigint | undefined;
  /** True when no record of the shard followed the last one returned, as of this read. */
  readonly caughtUp: boolean;
}

// JetStream's error when a consumer filters on a subject the stream no longer takes: the
// shard was closed between our look at the metadata and the consumer's creation.
const FILTER_NOT_IN_STREAM = 10093;
// A closed shard is read by scanning: pull this many messages at a time.
const SCAN_BATCH = 2_000;
const MAX_SCAN_PULLS = 500;

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
    private readonly cipher: RecordCipher,
  ) {}

  async read(request: ReadRequest): Promise<ReadResult> {
    if (request.closed) return this.scan(request, request.closed);
    let consumerName: string;
    try {
      consumerName = (await this.jsm.consumers.add(request.jetStreamName, this.consumerConfig(request, true))).name;
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === FILTER_NOT_IN_STREAM)) throw error;
      return this.scan(request, { firstPosition: 0n });
    }
    return this.withConsumer(request.jetStreamName, consumerName, async (name) => {
      const batch = new Batch(request, false, this.cipher);
      await this.pull(request.jetStreamName, name, batch, request.limit);
      return batch.result();
    });
  }

  /** Reads a closed shard: every message of the stream in the shard's range, keeping its own. */
  private async scan(request: ReadRequest, closed: NonNullable<ReadRequest["closed"]>): Promise<ReadResult> {
    const start: ReadStart =
      request.start.kind === "sequence" && request.start.sequence <= closed.firstPosition
        ? { kind: "sequence", sequence: closed.firstPosition + 1n }
        : request.start;
    const consumer = await this.jsm.consumers.add(request.jetStreamName, this.consumerConfig({ ...request, start }, false));
    return this.withConsumer(request.jetStreamName, consumer.name, async (name) => {
      const batch = new Batch(request, true, this.cipher);
      for (let pulls = 0; pulls < MAX_SCAN_PULLS && !batch.done(); pulls++) {
        await this.pull(request.jetStreamName, name, batch, SCAN_BATCH);
      }
      return batch.result();
    });
  }

  private async withConsumer(stream: string, name: string, read: (name: string) => Promise<ReadResult>): Promise<ReadResult> {
    try {
      return await read(name);
    } finally {
      this.jsm.consumers.delete(stream, name).catch(() => {
        // inactive_threshold removes it anyway.
      });
    }
  }

  private consumerConfig(request: ReadRequest, filtered: boolean): Partial<ConsumerConfig> {
    const { start } = request;
    const base: Partial<ConsumerConfig> = {
      ack_policy: "none",
      inactive_threshold: nanos(30_000),
      mem_storage: true,
      num_replicas: 1,
      ...(filtered && { filter_subject: request.subject }),
    };
    if (start.kind === "timestamp") {
      return { ...base, deliver_policy: "by_start_time", opt_start_time: new Date(start.at).toISOString() };
    }
    if (start.sequence <= 1n) return { ...base, deliver_policy: "all" };
    return { ...base, deliver_policy: "by_start_sequence", opt_start_seq: Number(start.sequence) };
  }

  /** One no_wait pull of up to `count` messages; resolves when JetStream says it is done. */
  private pull(jetStreamName: string, consumerName: string, batch: Batch, count: number): Promise<void> {
    const inbox = createInbox();
    let received = 0;
    // JetStream counts subject and headers against max_bytes too: allow for them.
    const pullRequest = { batch: count, max_bytes: batch.request.maxDataBytes + count * MESSAGE_OVERHEAD_BYTES, no_wait: true };
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
          received++;
          try {
            if (!batch.add(msg) || received >= count) finish();
          } catch (error) {
            finish(error as Error);
          }
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
  private full = false;

  constructor(
    readonly request: ReadRequest,
    private readonly scanning: boolean,
    private readonly cipher: RecordCipher,
  ) {}

  done(): boolean {
    return this.full || this.caughtUp;
  }

  result(): ReadResult {
    return { records: this.records, nextSequence: this.nextSequence, caughtUp: this.caughtUp };
  }

  /** Takes a delivered message; false once the batch is complete (by count, size or the shard's end). */
  add(msg: Msg): boolean {
    if (this.records.length > 0 && this.dataBytes + msg.data.length > this.request.maxDataBytes) {
      this.full = true;
      this.caughtUp = false;
      return false;
    }
    const delivery = deliveryOf(msg.reply ?? "");
    const last = this.request.closed?.lastPosition;
    if (last !== undefined && delivery.streamSequence > last) {
      // Past the closed shard's end: nothing of it follows.
      this.caughtUp = true;
      return false;
    }
    this.caughtUp = delivery.pending === 0;
    if (this.scanning) {
      // Skipped records of other shards still move the shard's position on.
      this.nextSequence = delivery.streamSequence + 1n;
      if (msg.subject !== this.request.subject) return true;
    }
    this.nextSequence = delivery.streamSequence + 1n;
    this.dataBytes += msg.data.length;
    this.records.push(storedRecordOf(msg, delivery.streamSequence, delivery.timestampMs, this.cipher));
    this.full = this.records.length >= this.request.limit;
    return !this.full;
  }
}

import { createInbox, nanos, type Msg, type NatsConnection } from "@nats-io/transport-node";
import type { ConsumerConfig, JetStreamManager } from "@nats-io/jetstream";
import { arrivalOf, partitionKeyOf, type StoredRecord } from "./record-format.js";

/** Where to start reading a shard. */
export type ReadStart =
  | { readonly kind: "sequence"; readonly sequence: bigint }
  /** First record whose arrival time is at or after `at` (epoch ms). */
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
  /**
   * Where the next read of the shard starts: after the last record looked at, which may be
   * later than the last one returned (records before a timestamp are skipped). Undefined when
   * nothing was looked at.
   */
  readonly nextSequence: bigint | undefined;
  /** True when no record of the shard followed the last one returned, as of this read. */
  readonly caughtUp: boolean;
}

// A record found by time may have reached JetStream a little before the arrival time we
// stamped on it; start that much earlier and filter on our own timestamp.
const CLOCK_MARGIN_MS = 1_000;
// Per-message room for subject and headers when asking JetStream for a byte budget.
const MESSAGE_OVERHEAD_BYTES = 512;

interface Delivery {
  readonly streamSequence: bigint;
  readonly timestampMs: number;
  readonly pending: number;
}

/** Parses `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>` (older or newer form). */
function deliveryOf(reply: string): Delivery {
  const tokens = reply.split(".");
  const n = tokens.length;
  return {
    streamSequence: BigInt(tokens[n - 4]!),
    timestampMs: Math.floor(Number(tokens[n - 2]!) / 1e6),
    pending: Number(tokens[n - 1]!),
  };
}

/**
 * Reads a batch of one shard's records: an ephemeral pull consumer filtered on the shard's
 * subject, one `no_wait` pull for the whole batch (JetStream answers with what it has and
 * then a status), then the consumer is dropped. Two round trips per batch, whatever its size
 * (more only while skipping records older than a timestamp start).
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
      // Records skipped for being older than a timestamp start may fill a whole pull; pull
      // again until one is kept or the shard is exhausted (the skipped span is short).
      for (let pulls = 0; pulls < MAX_PULLS; pulls++) {
        await this.pull(request.jetStreamName, consumer.name, batch);
        if (batch.records.length > 0 || batch.caughtUp) break;
      }
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
      return { ...base, deliver_policy: "by_start_time", opt_start_time: new Date(start.at - CLOCK_MARGIN_MS).toISOString() };
    }
    if (start.sequence <= 1n) return { ...base, deliver_policy: "all" };
    return { ...base, deliver_policy: "by_start_sequence", opt_start_seq: Number(start.sequence) };
  }

  /** One no_wait pull of what the batch still wants; resolves when JetStream says it is done. */
  private pull(jetStreamName: string, consumerName: string, batch: Batch): Promise<void> {
    const inbox = createInbox();
    const wanted = batch.wanted();
    let received = 0;
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
          if (!batch.add(msg) || received >= wanted.batch) finish();
        },
      });
      this.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${jetStreamName}.${consumerName}`, JSON.stringify({ ...wanted, no_wait: true }), { reply: inbox });
    });
  }
}

const MAX_PULLS = 50;

/** What one read has gathered so far, across pulls. */
class Batch {
  readonly records: StoredRecord[] = [];
  nextSequence: bigint | undefined;
  caughtUp = false;
  private dataBytes = 0;
  private skipping: boolean;

  constructor(private readonly request: ReadRequest) {
    this.skipping = request.start.kind === "timestamp";
  }

  /** The next pull request's batch and byte budget. */
  wanted(): { batch: number; max_bytes: number } {
    const batch = this.request.limit - this.records.length;
    return { batch, max_bytes: this.request.maxDataBytes - this.dataBytes + batch * MESSAGE_OVERHEAD_BYTES };
  }

  /** Takes a delivered message; false when the batch cannot take it (byte budget) and must stop. */
  add(msg: Msg): boolean {
    if (this.records.length > 0 && this.dataBytes + msg.data.length > this.request.maxDataBytes) {
      this.caughtUp = false;
      return false;
    }
    const delivery = deliveryOf(msg.reply ?? "");
    this.nextSequence = delivery.streamSequence + 1n;
    this.caughtUp = delivery.pending === 0;
    const arrivalMs = arrivalOf(msg.headers, delivery.timestampMs);
    // Records before a timestamp start are skipped up to the first one at or after it; from
    // there on everything counts, even a record stamped a moment earlier by another instance.
    if (this.skipping && this.request.start.kind === "timestamp" && arrivalMs < this.request.start.at) return true;
    this.skipping = false;
    this.dataBytes += msg.data.length;
    this.records.push({ sequence: delivery.streamSequence, data: msg.data, partitionKey: partitionKeyOf(msg.headers), arrivalMs });
    return this.records.length < this.request.limit;
  }
}

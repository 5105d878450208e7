import type { Msg, NatsConnection } from "@nats-io/transport-node";
import { JetStreamApiError, type JetStreamManager } from "@nats-io/jetstream";
import { deliveryOf, readConsumerConfig, type ReadStart } from "./read-consumer.js";
import { pull, type PullEnd } from "./pull.js";
import type { RecordCipher } from "./record-cipher.js";
import { storedRecordOf, type StoredRecord } from "./record-format.js";
import { ReadPlanner, type ReadScope } from "./read-plan.js";

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
  /** Where the next read of the shard starts: after the last record returned or passed over, if any. */
  readonly nextSequence: bigint | undefined;
  /** True when no record of the shard followed the last one returned, as of this read. */
  readonly caughtUp: boolean;
  /** When JetStream stored the last message this read took (returned or passed over), epoch ms. */
  readonly lastArrivalMs: number | undefined;
}

/** How long a read gathers records before it answers with what it has (GetRecords' time budget). */
export const READ_BUDGET_MS = 1_000;

// JetStream's error when a consumer filters on a subject the stream no longer takes: the
// shard was closed between our look at the metadata and the consumer's creation.
const FILTER_NOT_IN_STREAM = 10093;
// A whole-stream read pulls at most this many stream messages at a time.
const STREAM_PULL_MAX = 10_000;
const STREAM_PULL_MIN = 500;
// A read's consumer is deleted after it; JetStream removes it after this long if we could not.
const IDLE_MS = 30_000;
// Per-message room for subject and headers when asking JetStream for a byte budget.
const MESSAGE_OVERHEAD_BYTES = 512;

/** Knobs of the reader; the defaults are what the server runs with. */
export interface ReaderTuning {
  /** See READ_BUDGET_MS. */
  readonly budgetMs: number;
  /** Forces one scope instead of choosing per read (to measure them against each other). */
  readonly scope?: ReadScope;
}

/**
 * Reads a batch of one shard's records through an ephemeral pull consumer, dropped afterwards:
 * `no_wait` pulls (JetStream answers with what it has, then a status), so a batch costs two
 * round trips plus one per pull, whatever its size. ReadPlanner picks the consumer: filtered
 * on the shard's subject (one pull of the whole batch), or, where that is slow on old
 * nats-servers, on the whole stream (pulls of stream messages until the batch is complete,
 * passing over other shards' records).
 *
 * A read never waits past its budget for records: it answers with what it has (perhaps none,
 * but having moved past the records of other shards it passed over), as Kinesis may. Only a
 * JetStream that answers nothing at all for the NATS timeout makes it fail.
 */
export class RecordReader {
  private readonly planner: ReadPlanner;
  private readonly tuning: ReaderTuning;

  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly timeoutMs: number,
    private readonly cipher: RecordCipher,
    tuning: Partial<ReaderTuning> = {},
  ) {
    this.planner = new ReadPlanner(nc, jsm);
    this.tuning = { budgetMs: READ_BUDGET_MS, ...tuning };
  }

  async read(request: ReadRequest): Promise<ReadResult> {
    const deadline = Date.now() + this.tuning.budgetMs;
    if (request.closed) return this.readStream(request, startOfClosed(request.start, request.closed.firstPosition), deadline);
    const scope = this.tuning.scope ?? (await this.planner.scopeOf(request.jetStreamName, request.start));
    if (scope === "stream") return this.readStream(request, request.start, deadline);
    let consumerName: string;
    try {
      consumerName = (await this.jsm.consumers.add(request.jetStreamName, readConsumerConfig(request.start, { filter: request.subject, idleMs: IDLE_MS })))
        .name;
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === FILTER_NOT_IN_STREAM)) throw error;
      return this.readStream(request, startOfClosed(request.start, 0n), deadline);
    }
    return this.withConsumer(request.jetStreamName, consumerName, async (name) => {
      const batch = new Batch(request, false, this.cipher);
      batch.end(await this.pull(request.jetStreamName, name, batch, request.limit, deadline));
      return batch.result();
    });
  }

  /** Reads every message of the stream from `start`, keeping the shard's own. */
  private async readStream(request: ReadRequest, start: ReadStart, deadline: number): Promise<ReadResult> {
    const consumer = await this.jsm.consumers.add(request.jetStreamName, readConsumerConfig(start, { idleMs: IDLE_MS }));
    return this.withConsumer(request.jetStreamName, consumer.name, async (name) => {
      const batch = new Batch(request, true, this.cipher);
      while (!batch.done()) batch.end(await this.pull(request.jetStreamName, name, batch, batch.nextPullSize(), deadline));
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

  private pull(stream: string, consumer: string, batch: Batch, count: number, deadline: number): Promise<PullEnd> {
    // JetStream counts subject and headers against max_bytes too: allow for them, but never
    // more than a quarter of the data (a 1 KiB record's are about 250 bytes; smaller records
    // then come fewer to an answer). What a pull asks for comes down the one NATS connection
    // whether the read takes it or not, and the read memory budget bounds only the data.
    const data = batch.request.maxDataBytes;
    const maxBytes = data + Math.min(count * MESSAGE_OVERHEAD_BYTES, Math.floor(data / 4));
    return pull(this.nc, { stream, consumer, count, maxBytes, deadline, heardBefore: batch.heard, timeoutMs: this.timeoutMs }, (msg) => batch.add(msg));
  }
}

/** A closed shard's records lie after its first position. */
function startOfClosed(start: ReadStart, firstPosition: bigint): ReadStart {
  return start.kind === "sequence" && start.sequence <= firstPosition ? { kind: "sequence", sequence: firstPosition + 1n } : start;
}

/** What one read has gathered so far. */
class Batch {
  readonly records: StoredRecord[] = [];
  /** JetStream answered something during this read (a message or a status). */
  heard = false;
  private dataBytes = 0;
  private seen = 0;
  /** Reply subject of the last message taken (record or passed over): parsed once, at the end. */
  private lastReply: string | undefined;
  private full = false;
  private endReached = false;
  private stopped = false;

  constructor(
    readonly request: ReadRequest,
    /** Reading the whole stream: other shards' records are passed over. */
    private readonly wholeStream: boolean,
    private readonly cipher: RecordCipher,
  ) {}

  done(): boolean {
    return this.full || this.endReached || this.stopped;
  }

  /** What a pull's end means for the read. */
  end(how: PullEnd): void {
    this.heard ||= how !== "deadline";
    if (how === "caught-up") this.endReached = true;
    // A filtered read asks for the whole batch in one pull: whatever ended it ends the read.
    else if (how === "deadline" || !this.wholeStream) this.stopped = true;
  }

  /** Stream messages to ask for next: the shard's share of what was seen so far, for what is still missing. */
  nextPullSize(): number {
    const perRecord = this.records.length > 0 ? this.seen / this.records.length : 2;
    const wanted = Math.ceil((this.request.limit - this.records.length) * perRecord);
    return Math.min(STREAM_PULL_MAX, Math.max(STREAM_PULL_MIN, wanted));
  }

  result(): ReadResult {
    if (this.lastReply === undefined) return { records: this.records, nextSequence: undefined, caughtUp: this.endReached, lastArrivalMs: undefined };
    const last = deliveryOf(this.lastReply);
    return {
      records: this.records,
      nextSequence: last.streamSequence + 1n,
      // Nothing of any shard after the last message taken (unless a record did not fit).
      caughtUp: this.endReached || (last.pending === 0 && !this.full),
      lastArrivalMs: last.timestampMs,
    };
  }

  /** Takes a delivered message; false once the batch is complete (by count, size or the shard's end). */
  add(msg: Msg): boolean {
    this.heard = true;
    this.seen++;
    const reply = msg.reply ?? "";
    const last = this.request.closed?.lastPosition;
    if (this.wholeStream && msg.subject !== this.request.subject) {
      if (last !== undefined && deliveryOf(reply).streamSequence > last) return this.pastEnd();
      // Passed over, but the shard's position moves on.
      this.lastReply = reply;
      return true;
    }
    if (this.records.length > 0 && this.dataBytes + msg.data.length > this.request.maxDataBytes) {
      this.full = true;
      return false;
    }
    const delivery = deliveryOf(reply);
    if (last !== undefined && delivery.streamSequence > last) return this.pastEnd();
    this.lastReply = reply;
    this.dataBytes += msg.data.length;
    this.records.push(storedRecordOf(msg, delivery.streamSequence, delivery.timestampMs, this.cipher));
    this.full = this.records.length >= this.request.limit;
    return !this.full;
  }

  /** Past the closed shard's end: nothing of it follows. */
  private pastEnd(): false {
    this.endReached = true;
    return false;
  }
}

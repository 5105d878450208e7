import type { NatsConnection } from "@nats-io/transport-node";
import type { JetStreamManager } from "@nats-io/jetstream";
import type { ReadStart } from "./read-consumer.js";

/**
 * How a read of one shard's subject asks JetStream for its records: a consumer filtered on the
 * shard's subject ("shard"), or one of the whole stream that skips the other shards' records
 * ("stream").
 *
 * Why both. nats-server before 2.9.15 puts a pending count into every message a consumer
 * delivers, and on file storage a filtered consumer created (or asked for its info) with its
 * start in the first half of the stream's newest message block recomputes that count for every
 * message, by scanning the block from its first message to the consumer's position
 * (fileStore.FilteredState leaves the pending state's last sequence at 0 there). With small
 * records a block holds ~60,000 messages: measured 2.4 s per 1,000 records at worst, 13.7 s for
 * one GetRecords of 10,000, for as long as no new block opens (see NATS-READ-FACTS.md). A
 * consumer without a filter never scans, and a filtered consumer started before the newest block
 * stays fast all the way through it, so on those versions:
 * - far from the stream's end (more than STREAM_READ_BAND_BYTES of records after the start)
 *   the start lies before the newest block: the filtered consumer, the cheapest read there is;
 * - within that band: the whole stream, skipping other shards' records. It moves every
 *   shard's records (two per useful record with two shards, sixteen with sixteen), but at a
 *   flat rate (~65,000 useful records/s with two shards, against a cliff to ~400/s);
 * - within TIP_POSITIONS of the end the filtered consumer again: the scan per message is at
 *   most the distance to the end, so a reader polling the tip pays at most a few tens of ms
 *   and does not read every shard's new records to find its own.
 * A start given as a time has no position to compare: read the whole stream there.
 * From 2.9.15 on the count is kept as a counter (2.10.27 and 2.15.1 measured flat everywhere):
 * always the filtered consumer. Memory storage does not recount either.
 */
export type ReadScope = "shard" | "stream";

/** A stream block is 8 MiB (limits retention, no max_bytes); three of them allow for a tail of records smaller than the stream's average. */
export const STREAM_READ_BAND_BYTES = 24 * 1024 * 1024;
/** Stream positions from the end within which a filtered consumer's recount stays cheap (~0.12 µs per position scanned). */
export const TIP_POSITIONS = 1_000;

/** What JetStream's stream info says about the end of the stream. */
export interface StreamTail {
  readonly lastSequence: bigint;
  readonly messages: number;
  readonly bytes: number;
}

/** Whether this nats-server recounts pending messages per delivery on file storage: every version before 2.9.15. */
export function recountsPendingPerMessage(version: string | undefined): boolean {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version ?? "");
  if (!match) return false;
  const [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (major !== 2) return major < 2;
  return minor < 9 || (minor === 9 && patch < 15);
}

/** On an affected server: which scope reads from `start` without entering the slow stretch. */
export function scopeNearTail(start: ReadStart, tail: StreamTail): ReadScope {
  if (start.kind === "timestamp") return "stream";
  const positionsToEnd = tail.lastSequence - start.sequence + 1n;
  if (positionsToEnd <= BigInt(TIP_POSITIONS)) return "shard";
  const bytesPerMessage = tail.messages > 0 ? tail.bytes / tail.messages : 0;
  return Number(positionsToEnd) * bytesPerMessage <= STREAM_READ_BAND_BYTES ? "stream" : "shard";
}

/**
 * Chooses the scope of one read. Costs one stream info round trip on affected servers (not
 * cached: a stale end would misplace the tip) and nothing on others. The version is that of the
 * server this connection is on; a cluster is assumed to run one version.
 */
export class ReadPlanner {
  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
  ) {}

  get affected(): boolean {
    return recountsPendingPerMessage(this.nc.info?.version);
  }

  async scopeOf(jetStreamName: string, start: ReadStart): Promise<ReadScope> {
    if (!this.affected) return "shard";
    const { config, state } = await this.jsm.streams.info(jetStreamName);
    // Memory storage keeps the pending state's last sequence: it recounts once per consumer.
    if (config.storage === "memory") return "shard";
    return scopeNearTail(start, { lastSequence: BigInt(state.last_seq), messages: state.messages, bytes: state.bytes });
  }
}

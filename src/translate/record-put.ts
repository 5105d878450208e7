import type { StreamMetadata } from "../jetstream/stream-metadata.js";
import type { OutgoingRecord, PublishOutcome } from "../jetstream/record-writer.js";
import { hashKeyOfPartitionKey, MAX_HASH_KEY } from "../shards/hash-key-range.js";
import { shardForHashKey, shardId, type Shard } from "../shards/shard.js";
import type { RequestContext } from "./context.js";
import { InternalFailure, InvalidArgumentException } from "./errors.js";
import { recordSize } from "./record-size.js";
import { sequenceNumberFrom } from "./sequence-number.js";
import { sequenceBaseOf } from "./shard-view.js";
import { streamNotFound } from "./stream-ref.js";

/** A record as PutRecord and PutRecords take it. */
export interface RecordToPut {
  readonly Data: Uint8Array;
  readonly PartitionKey: string;
  readonly ExplicitHashKey?: string;
}

export type PutResult =
  | { readonly shardId: string; readonly sequenceNumber: string; readonly errorCode?: undefined }
  | { readonly errorCode: "InternalFailure"; readonly errorMessage: string };

export const INTERNAL_FAILURE_MESSAGE = "Internal service failure.";

function hashKeyOf(record: RecordToPut): bigint {
  if (record.ExplicitHashKey === undefined) return hashKeyOfPartitionKey(record.PartitionKey);
  const hashKey = BigInt(record.ExplicitHashKey);
  if (hashKey > MAX_HASH_KEY) {
    throw new InvalidArgumentException(
      `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${record.ExplicitHashKey}`,
    );
  }
  return hashKey;
}

function checkRecordSize(stream: StreamMetadata, record: RecordToPut, index: number): void {
  const max = stream.maxRecordSizeKiB * 1024;
  const size = recordSize(record.Data, record.PartitionKey);
  if (size > max) {
    throw new InvalidArgumentException(
      `Record ${index} is ${size} bytes (data plus partition key), more than the maximum record size of ${max} bytes of stream ${stream.name}.`,
    );
  }
}

/**
 * Routes records to their shards by hash key, writes them all at once (pipelined: one batch,
 * no round trip per record), and answers each with its shard and sequence number or a failure.
 * Checks that refuse the whole request run before anything is written.
 */
export async function putRecords(ctx: RequestContext, stream: StreamMetadata, records: readonly RecordToPut[]): Promise<PutResult[]> {
  const shards: Shard[] = records.map((record, i) => {
    checkRecordSize(stream, record, i);
    const shard = shardForHashKey(stream.shards, hashKeyOf(record));
    if (!shard) throw new InternalFailure(`no open shard of stream ${stream.name} owns the hash key of record ${i}`);
    return shard;
  });
  const { layout } = ctx.engine.storage;
  const outgoing: OutgoingRecord[] = records.map((record, i) => ({
    subject: layout.shardSubject(stream.name, shards[i]!.index),
    data: record.Data,
    partitionKey: record.PartitionKey,
  }));
  const outcomes = await ctx.engine.writer.publish(outgoing);
  if (outcomes.some((outcome) => outcome.failure === "no-stream")) await failIfStreamGone(ctx, stream);
  return toResults(ctx, shards, outcomes);
}

/** A write found no JetStream stream: if the Kinesis stream was deleted meanwhile, say so. */
async function failIfStreamGone(ctx: RequestContext, stream: StreamMetadata): Promise<void> {
  const now = Date.now();
  const latest = await ctx.engine.catalog.find(stream.name, now);
  if (!latest || latest.createdAt !== stream.createdAt || latest.status === "DELETING") throw streamNotFound(ctx.settings, stream.name);
}

function toResults(ctx: RequestContext, shards: readonly Shard[], outcomes: readonly PublishOutcome[]): PutResult[] {
  const bases = new Map<Shard, bigint>();
  return outcomes.map((outcome, i) => {
    const shard = shards[i]!;
    if (outcome.failure !== undefined) {
      ctx.log.warn({ shard: shardId(shard), failure: outcome.failure, description: outcome.description }, "record not written");
      return { errorCode: "InternalFailure", errorMessage: INTERNAL_FAILURE_MESSAGE };
    }
    let base = bases.get(shard);
    if (base === undefined) bases.set(shard, (base = sequenceBaseOf(shard)));
    return { shardId: shardId(shard), sequenceNumber: sequenceNumberFrom(base, outcome.sequence) };
  });
}

/** The record size limit the model check uses for this request: the stream's own. */
export function maxDataBytesOf(ctx: RequestContext, name: string | undefined): number {
  const stream = name === undefined ? undefined : ctx.engine.catalog.get(name, ctx.now);
  return (stream?.maxRecordSizeKiB ?? 1024) * 1024;
}

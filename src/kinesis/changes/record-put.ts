import type { StreamMetadata } from "../../jetstream/stream-metadata.js";
import type { RecordToStore } from "../../jetstream/engine.js";
import type { PublishOutcome } from "../../jetstream/record-writer.js";
import { hashKeyOfPartitionKey, MAX_HASH_KEY } from "../../shards/hash-key-range.js";
import { shardForHashKey, shardId, type Shard } from "../../shards/shard.js";
import type { RequestContext } from "../context.js";
import { InternalFailure, InvalidArgumentException } from "../errors.js";
import { recordSize } from "../codecs/record-size.js";
import { sequenceNumberFrom } from "../codecs/sequence-number.js";
import { sequenceBaseOf } from "../resources/shard-view.js";
import { shardRateExceeded, streamNotFound } from "../messages.js";

/** A record as PutRecord and PutRecords take it. */
export interface RecordToPut {
  readonly Data: Uint8Array;
  readonly PartitionKey: string;
  readonly ExplicitHashKey?: string;
}

export type PutResult =
  | { readonly shardId: string; readonly sequenceNumber: string; readonly errorCode?: undefined }
  | { readonly errorCode: "InternalFailure"; readonly errorMessage: string }
  | { readonly errorCode: "ProvisionedThroughputExceededException"; readonly errorMessage: string; readonly shardId: string };

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

// A reshard closes shards under writers' feet: a refused record is routed again with fresh
// metadata, a few times, waiting a moment when the metadata has not moved yet (JetStream
// refuses the closed subject an instant before or after the metadata changes).
const MAX_ROUTING_ATTEMPTS = 6;
const ROUTING_RETRY_MS = 20;

/**
 * Routes records to their shards by hash key, writes them all at once (pipelined: one batch,
 * no round trip per record), and answers each with its shard and sequence number or a failure.
 * Checks that refuse the whole request run before anything is written.
 */
export async function putRecords(ctx: RequestContext, stream: StreamMetadata, records: readonly RecordToPut[]): Promise<PutResult[]> {
  const hashKeys = records.map((record, i) => {
    checkRecordSize(stream, record, i);
    return hashKeyOf(record);
  });
  const results: PutResult[] = new Array(records.length);
  let pending = admitted(ctx, stream, records, hashKeys, results);
  let current = stream;
  // One arrival stamp for the call: the second every record's sequence number carries.
  const receivedMs = ctx.now;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const shards = pending.map((i) => ownerOf(current, hashKeys[i]!, i));
    const outcomes = await publish(ctx, current, records, shards, pending, receivedMs);
    const stamps = await arrivalStamps(ctx, current.name, outcomes, receivedMs);
    const refused: number[] = [];
    outcomes.forEach((outcome, k) => {
      if (outcome.failure === "no-stream" && attempt < MAX_ROUTING_ATTEMPTS) refused.push(pending[k]!);
      else results[pending[k]!] = resultOf(ctx, shards[k]!, outcome, typeof stamps === "number" ? stamps : stamps[k]!);
    });
    if (refused.length > 0) current = await freshMetadata(ctx, current, attempt);
    pending = refused;
  }
  reportTraffic(ctx, stream.name, records, results);
  return results;
}

/**
 * When each record was received: this call's stamp, or for a deduplicated retry the first
 * write's. Only retries wait; an ordinary call builds no promise nor array per record.
 */
function arrivalStamps(ctx: RequestContext, streamName: string, outcomes: readonly PublishOutcome[], receivedMs: number): Promise<number[]> | number {
  const isRetry = (outcome: PublishOutcome): boolean => outcome.failure === undefined && outcome.duplicate;
  if (!outcomes.some(isRetry)) return receivedMs;
  return Promise.all(
    outcomes.map((outcome) => (outcome.failure === undefined && outcome.duplicate ? ctx.engine.receivedAt(streamName, outcome.sequence) : receivedMs)),
  );
}

/**
 * The indexes of the records their shard's write rate lets through (--enforce-limits), in
 * order; each refused one gets its ProvisionedThroughputExceededException entry in `results`.
 */
function admitted(ctx: RequestContext, stream: StreamMetadata, records: readonly RecordToPut[], hashKeys: readonly bigint[], results: PutResult[]): number[] {
  const { limits } = ctx;
  if (!limits) return records.map((_, i) => i);
  const indexes: number[] = [];
  records.forEach((record, i) => {
    const shard = shardId(ownerOf(stream, hashKeys[i]!, i));
    if (limits.admitWrite(stream.name, shard, recordSize(record.Data, record.PartitionKey), ctx.now)) indexes.push(i);
    else {
      results[i] = {
        errorCode: "ProvisionedThroughputExceededException",
        errorMessage: shardRateExceeded(ctx.settings, stream.name, shard).message,
        shardId: shard,
      };
      ctx.traffic.throttled(stream.name, shard, "write", 1);
    }
  });
  return indexes;
}

/** Counts what was written per shard, for the metrics. */
function reportTraffic(ctx: RequestContext, streamName: string, records: readonly RecordToPut[], results: readonly PutResult[]): void {
  const perShard = new Map<string, { records: number; bytes: number }>();
  results.forEach((result, i) => {
    if (result.errorCode !== undefined) return;
    const totals = perShard.get(result.shardId) ?? { records: 0, bytes: 0 };
    totals.records++;
    totals.bytes += records[i]!.Data.length;
    perShard.set(result.shardId, totals);
  });
  for (const [shard, totals] of perShard) ctx.traffic.recordsIn(streamName, shard, totals.records, totals.bytes);
}

function ownerOf(stream: StreamMetadata, hashKey: bigint, index: number): Shard {
  const shard = shardForHashKey(stream.shards, hashKey);
  if (!shard) throw new InternalFailure(`no open shard of stream ${stream.name} owns the hash key of record ${index}`);
  return shard;
}

/**
 * Writes the records at `indexes`. With the SDK's invocation id, each record's JetStream message
 * id is the call's retry key (that id and a digest of the body) and the record's place in the
 * request: an SDK retry of the same call is then stored once and answered with the first write's
 * sequence numbers, while another call that reuses the id is stored as the new call it is.
 */
function publish(
  ctx: RequestContext,
  stream: StreamMetadata,
  records: readonly RecordToPut[],
  shards: readonly Shard[],
  indexes: readonly number[],
  receivedMs: number,
): Promise<PublishOutcome[]> {
  const { retryKey } = ctx;
  const { encryptionKeyId } = stream;
  // One shape for every record (no spreads): the writer reads the absent fields as undefined.
  const outgoing: RecordToStore[] = indexes.map((index, k) => ({
    shardIndex: shards[k]!.index,
    data: records[index]!.Data,
    partitionKey: records[index]!.PartitionKey,
    receivedMs,
    encryptionKeyId,
    messageId: retryKey === undefined ? undefined : `${retryKey}:${index}`,
  }));
  return ctx.engine.putRecords(stream.name, outgoing);
}

/** The stream's metadata as stored now, after a write found its shard's subject refused. */
async function freshMetadata(ctx: RequestContext, stale: StreamMetadata, attempt: number): Promise<StreamMetadata> {
  let latest = await ctx.engine.catalog.refresh(stale.name);
  if (latest && sameShards(latest, stale)) {
    await new Promise((resolve) => setTimeout(resolve, ROUTING_RETRY_MS * attempt));
    latest = await ctx.engine.catalog.refresh(stale.name);
  }
  if (!latest || latest.createdAt !== stale.createdAt || latest.status === "DELETING") throw streamNotFound(ctx.settings, stale.name);
  return latest;
}

const sameShards = (a: StreamMetadata, b: StreamMetadata): boolean =>
  a.shards.length === b.shards.length && a.shards.every((s, i) => s.closedAt === b.shards[i]!.closedAt);

/** A shard's id and sequence number base, worked out once per shard rather than per record. */
const shardConstants = new WeakMap<Shard, { readonly id: string; readonly base: bigint }>();

function resultOf(ctx: RequestContext, shard: Shard, outcome: PublishOutcome, receivedMs: number): PutResult {
  if (outcome.failure !== undefined) {
    ctx.log.warn({ shard: shardId(shard), failure: outcome.failure, description: outcome.description }, "record not written");
    return { errorCode: "InternalFailure", errorMessage: INTERNAL_FAILURE_MESSAGE };
  }
  let constants = shardConstants.get(shard);
  if (constants === undefined) shardConstants.set(shard, (constants = { id: shardId(shard), base: sequenceBaseOf(shard) }));
  return { shardId: constants.id, sequenceNumber: sequenceNumberFrom(constants.base, outcome.sequence, Math.floor(receivedMs / 1000)) };
}

/** The record size limit the model check uses for this request: the stream's own. */
export function maxDataBytesOf(ctx: RequestContext, name: string | undefined): number {
  const stream = name === undefined ? undefined : ctx.engine.catalog.get(name, ctx.now);
  return (stream?.maxRecordSizeKiB ?? 1024) * 1024;
}

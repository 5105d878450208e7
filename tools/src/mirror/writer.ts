import { createHash } from "node:crypto";
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry, type _Record } from "@aws-sdk/client-kinesis";
import { jitteredDelay, sleep, withThrottleRetry } from "./backoff.js";

/** A hash-key range, inclusive at both ends, as ListShards gives it. */
export interface HashRange {
  readonly start: bigint;
  readonly end: bigint;
}

const REQUEST_BYTES = 5 * 1024 * 1024;

const md5HashKey = (partitionKey: string): bigint => BigInt(`0x${createHash("md5").update(partitionKey, "utf8").digest("hex")}`);

/**
 * The hash key a copied record is put with. GetRecords does not tell a record's explicit hash
 * key; the MD5 of its partition key is where Kinesis routed it unless one was given, so that key
 * is kept when it lies in the source shard's range. Otherwise the record had an explicit key,
 * and the range's start stands for it: the record lands in the shard of the same range either way.
 */
export function hashKeyFor(partitionKey: string, range: HashRange): string {
  const natural = md5HashKey(partitionKey);
  return (natural >= range.start && natural <= range.end ? natural : range.start).toString();
}

export interface WriterContext {
  readonly client: KinesisClient;
  readonly stream: string;
  readonly batch: number;
  onThrottle(): void;
}

const maxSequence = (a: string | undefined, b: string | undefined): string | undefined =>
  a === undefined ? b : b === undefined ? a : BigInt(a) >= BigInt(b) ? a : b;

/** Entries in requests of at most `batch` records and 5 MiB of data and partition keys. */
function* requests(entries: readonly PutRecordsRequestEntry[], batch: number): Generator<PutRecordsRequestEntry[]> {
  let current: PutRecordsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entry.Data!.byteLength + Buffer.byteLength(entry.PartitionKey!);
    if (current.length > 0 && (current.length === batch || bytes + size > REQUEST_BYTES)) {
      yield current;
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) yield current;
}

/** Called after each request is stored whole: how many of the records are written so far, and the highest target sequence number. */
export type OnWritten = (written: number, targetSequence: string | undefined) => void;

/**
 * Writes the records of one source shard, in order, into the target stream. Records a request
 * failed (throttled, or an internal failure) are sent again, after a jittered pause, until
 * every one is stored; a stop waits for this: the write finishes so its position can be stored.
 */
export async function writeRecords(ctx: WriterContext, records: readonly _Record[], range: HashRange, onWritten: OnWritten): Promise<void> {
  const entries = records.map((r) => ({ Data: r.Data!, PartitionKey: r.PartitionKey!, ExplicitHashKey: hashKeyFor(r.PartitionKey!, range) }));
  let written = 0;
  for (const request of requests(entries, ctx.batch)) {
    let highest: string | undefined;
    let pending = request;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(jitteredDelay(attempt));
      const out = await withThrottleRetry(() => ctx.client.send(new PutRecordsCommand({ StreamName: ctx.stream, Records: pending })), ctx.onThrottle);
      const results = out.Records ?? [];
      const failed = pending.filter((_, i) => results[i]?.ErrorCode !== undefined);
      for (const result of results) if (result.ErrorCode === undefined) highest = maxSequence(highest, result.SequenceNumber);
      if (failed.length > 0 && results.some((r) => r.ErrorCode === "ProvisionedThroughputExceededException")) ctx.onThrottle();
      pending = failed;
    }
    written += request.length;
    onWritten(written, highest);
  }
}

import { hash } from "node:crypto";

/** Hash keys are unsigned 128-bit integers: the MD5 of a partition key, or an ExplicitHashKey. */
export const MIN_HASH_KEY = 0n;
export const MAX_HASH_KEY = (1n << 128n) - 1n;

/** An inclusive range of hash keys owned by one shard. */
export interface HashKeyRange {
  readonly start: bigint;
  readonly end: bigint;
}

/** The ranges Kinesis gives a new stream of `count` shards: shard i starts at floor(2^128 / count) * i. */
export function evenHashKeyRanges(count: number): HashKeyRange[] {
  const width = (MAX_HASH_KEY + 1n) / BigInt(count);
  return Array.from({ length: count }, (_, i) => ({
    start: width * BigInt(i),
    end: i === count - 1 ? MAX_HASH_KEY : width * BigInt(i + 1) - 1n,
  }));
}

/** MD5 of the UTF-8 partition key, read as a big-endian unsigned integer. */
export function hashKeyOfPartitionKey(partitionKey: string): bigint {
  // The one-shot hash: no Hash object per record (PutRecords routes up to 500 at a time).
  return BigInt("0x" + hash("md5", partitionKey, "hex"));
}

export function containsHashKey(range: HashKeyRange, hashKey: bigint): boolean {
  return hashKey >= range.start && hashKey <= range.end;
}

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evenHashKeyRanges, hashKeyOfPartitionKey, MAX_HASH_KEY } from "../../src/shards/hash-key-range.js";
import { shardForHashKey, type Shard } from "../../src/shards/shard.js";
import { shardIdOf, shardIndexOf, shardIndexOfArgument } from "../../src/shards/shard-id.js";

const shardsOf = (count: number): Shard[] =>
  evenHashKeyRanges(count).map((hashKeyRange, index) => ({ index, hashKeyRange, createdAt: 0, startingPosition: 0n }));

describe("hash key ranges", () => {
  it("match the ranges Kinesis gives new streams", () => {
    expect(evenHashKeyRanges(1)).toEqual([{ start: 0n, end: MAX_HASH_KEY }]);
    // Two shards: the well-known split at 2^127.
    expect(evenHashKeyRanges(2).map((r) => [r.start.toString(), r.end.toString()])).toEqual([
      ["0", "170141183460469231731687303715884105727"],
      ["170141183460469231731687303715884105728", "340282366920938463463374607431768211455"],
    ]);
  });

  it("cover 0 … 2^128-1 with no gap and no overlap, for any shard count", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), (count) => {
        const ranges = evenHashKeyRanges(count);
        expect(ranges[0]!.start).toBe(0n);
        expect(ranges[count - 1]!.end).toBe(MAX_HASH_KEY);
        for (let i = 1; i < count; i++) expect(ranges[i]!.start).toBe(ranges[i - 1]!.end + 1n);
      }),
      { numRuns: 50 },
    );
  });

  it("route every hash key to the one shard whose range holds it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.bigInt({ min: 0n, max: MAX_HASH_KEY }), (count, hashKey) => {
        const shards = shardsOf(count);
        const owner = shardForHashKey(shards, hashKey)!;
        expect(hashKey >= owner.hashKeyRange.start && hashKey <= owner.hashKeyRange.end).toBe(true);
        expect(shards.filter((s) => hashKey >= s.hashKeyRange.start && hashKey <= s.hashKeyRange.end)).toEqual([owner]);
      }),
    );
  });

  it("hash partition keys with MD5 of their UTF-8 bytes", () => {
    // md5("") and md5("a"), well-known digests.
    expect(hashKeyOfPartitionKey("")).toBe(BigInt("0xd41d8cd98f00b204e9800998ecf8427e"));
    expect(hashKeyOfPartitionKey("a")).toBe(BigInt("0x0cc175b9c0f1b6a831c399e269772661"));
    expect(hashKeyOfPartitionKey("é")).toBe(hashKeyOfPartitionKey("\u00e9"));
  });
});

describe("shard ids", () => {
  it("are shardId- and twelve digits, and parse back", () => {
    expect(shardIdOf(0)).toBe("shardId-000000000000");
    expect(shardIdOf(123)).toBe("shardId-000000000123");
    fc.assert(
      fc.property(fc.nat(), (n) => {
        expect(shardIndexOf(shardIdOf(n))).toBe(n);
      }),
    );
    expect(shardIndexOf("shardId-1")).toBeUndefined();
  });

  it("read leniently when a client names one", () => {
    expect(["shardId-5", "shard-5", "foo-5", "5", "shardId-000000000005"].map(shardIndexOfArgument)).toEqual([5, 5, 5, 5, 5]);
    expect(["2.14E4", "ABKLFD8", "2147483648", "shardId-"].map(shardIndexOfArgument)).toEqual([undefined, undefined, undefined, undefined]);
  });
});

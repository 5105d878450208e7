import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { StoredRecord } from "../../src/jetstream/record-format.js";
import type { StreamMetadata } from "../../src/jetstream/stream-metadata.js";
import type { Shard } from "../../src/shards/shard.js";
import { childShardsOf } from "../../src/kinesis/resources/shard-view.js";
import { encodedRecordBytes, EventBatch, MAX_EVENT_BYTES, shardEndReached } from "../../src/kinesis/subscriptions/subscription-events.js";

const MIDDLE = 2n ** 127n;
const TOP = 2n ** 128n - 1n;
// Shard 0 split into 1 and 2 at position 10; then 1 and 2 merged into 3 at position 20.
const shards: Shard[] = [
  { index: 0, hashKeyRange: { start: 0n, end: TOP }, createdAt: 0, startingPosition: 0n, endingPosition: 10n, closedAt: 1 },
  { index: 1, hashKeyRange: { start: 0n, end: MIDDLE - 1n }, createdAt: 1, startingPosition: 10n, parentIndex: 0, endingPosition: 20n, closedAt: 2 },
  { index: 2, hashKeyRange: { start: MIDDLE, end: TOP }, createdAt: 1, startingPosition: 10n, parentIndex: 0, endingPosition: 20n, closedAt: 2 },
  { index: 3, hashKeyRange: { start: 0n, end: TOP }, createdAt: 2, startingPosition: 20n, parentIndex: 1, adjacentParentIndex: 2 },
];
const stream = { name: "s", shards } as unknown as StreamMetadata;
// Only the data's length matters here: no need to allocate megabytes per record.
const record = (sequence: bigint, bytes: number): StoredRecord => ({
  sequence,
  data: { length: bytes } as Uint8Array,
  partitionKey: "k",
  receivedMs: 0,
  arrivalMs: 0,
  encrypted: false,
});

describe("the end of a closed shard", () => {
  it("a split lists both children, each with its parent and hash key range", () => {
    expect(childShardsOf(stream, 0)).toEqual([
      { ShardId: "shardId-000000000001", ParentShards: ["shardId-000000000000"], HashKeyRange: { StartingHashKey: "0", EndingHashKey: String(MIDDLE - 1n) } },
      {
        ShardId: "shardId-000000000002",
        ParentShards: ["shardId-000000000000"],
        HashKeyRange: { StartingHashKey: String(MIDDLE), EndingHashKey: String(TOP) },
      },
    ]);
  });

  it("a merge lists the one child, with both parents, for either parent", () => {
    const merged = [
      {
        ShardId: "shardId-000000000003",
        ParentShards: ["shardId-000000000001", "shardId-000000000002"],
        HashKeyRange: { StartingHashKey: "0", EndingHashKey: String(TOP) },
      },
    ];
    expect(childShardsOf(stream, 1)).toEqual(merged);
    expect(childShardsOf(stream, 2)).toEqual(merged);
    expect(childShardsOf(stream, 3)).toEqual([]);
  });

  it("is reached at the shard's last position, or when JetStream has nothing left and all it sent arrived", () => {
    expect(shardEndReached(10n, 10n, undefined)).toBe(true);
    expect(shardEndReached(10n, 7n, undefined)).toBe(false);
    expect(shardEndReached(10n, 7n, { count: 0, sentUpTo: 7n })).toBe(true);
    expect(shardEndReached(10n, 7n, { count: 0, sentUpTo: 9n })).toBe(false);
    expect(shardEndReached(10n, 7n, { count: 2, sentUpTo: 7n })).toBe(false);
  });
});

describe("events", () => {
  it("count records as base64, the larger wire form", () => {
    expect(encodedRecordBytes(record(1n, 3 * 1000))).toBe(4 * 1000 + 3 + 160);
  });

  it("never carry more than MAX_EVENT_BYTES, nor lose or reorder a record, and always at least one", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 8 * 1024 * 1024 }), { maxLength: 40 }), (sizes) => {
        const batch = new EventBatch();
        const events: StoredRecord[][] = [];
        sizes.forEach((size, i) => {
          const full = batch.add(record(BigInt(i), size));
          if (full) events.push(full);
        });
        if (batch.length > 0) events.push(batch.take());
        expect(events.flat().map((r) => Number(r.sequence))).toEqual(sizes.map((_, i) => i));
        for (const event of events) {
          expect(event.length).toBeGreaterThan(0);
          const bytes = event.reduce((sum, r) => sum + encodedRecordBytes(r), 0);
          if (event.length > 1) expect(bytes).toBeLessThanOrEqual(MAX_EVENT_BYTES);
        }
      }),
      { numRuns: 200 },
    );
  });
});

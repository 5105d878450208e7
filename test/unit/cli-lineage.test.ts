import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { placementHashKey, type ExportedRecord, type ExportedShard } from "../../tools/src/cli/export-file.js";
import { lineageOrder, readyShards } from "../../tools/src/cli/lineage.js";

const shard = (id: number, parent?: number, adjacent?: number) => ({
  ShardId: `shardId-${String(id).padStart(12, "0")}`,
  ...(parent !== undefined && { ParentShardId: `shardId-${String(parent).padStart(12, "0")}` }),
  ...(adjacent !== undefined && { AdjacentParentShardId: `shardId-${String(adjacent).padStart(12, "0")}` }),
});

// 0 and 1 created; 0 split into 2 and 3; 3 merged with 1 into 4.
const FAMILY = [shard(4, 3, 1), shard(2, 0), shard(3, 0), shard(0), shard(1)];

describe("shard lineage", () => {
  it("orders parents before children, siblings by id", () => {
    expect(lineageOrder(FAMILY).map((s) => s.ShardId!.slice(-1))).toEqual(["0", "1", "2", "3", "4"]);
  });

  it("a child is ready only once every listed parent is finished; an unlisted parent counts as read", () => {
    const ids = (list: { ShardId?: string }[]) => list.map((s) => s.ShardId!.slice(-1));
    expect(ids(readyShards(FAMILY, new Set(), new Set()))).toEqual(["0", "1"]);
    const started = new Set(["0", "1"].map((n) => shard(Number(n)).ShardId));
    expect(ids(readyShards(FAMILY, started, new Set([shard(0).ShardId])))).toEqual(["2", "3"]);
    const all = new Set([0, 1, 2, 3].map((n) => shard(n).ShardId));
    expect(ids(readyShards(FAMILY, all, new Set([0, 3].map((n) => shard(n).ShardId))))).toEqual([]);
    expect(ids(readyShards(FAMILY, all, new Set([0, 1, 3].map((n) => shard(n).ShardId))))).toEqual(["4"]);
    expect(ids(readyShards([shard(4, 3, 1)], new Set(), new Set()))).toEqual(["4"]);
  });

  it("refuses a family whose parents never come", () => {
    // 5 and 6 each other's parent: neither can go first.
    expect(() => lineageOrder([shard(5, 6), shard(6, 5)])).toThrow("parents never come");
  });
});

describe("the hash key import puts a record with", () => {
  const range = (start: bigint, end: bigint): ExportedShard => ({
    shardId: "shardId-000000000000",
    startingHashKey: start.toString(),
    endingHashKey: end.toString(),
  });
  const record = (partitionKey: string, explicitHashKey?: string): ExportedRecord => ({
    shardId: "shardId-000000000000",
    sequenceNumber: "1",
    partitionKey,
    data: "",
    arrival: new Date(0).toISOString(),
    ...(explicitHashKey !== undefined && { explicitHashKey }),
  });
  const md5 = (key: string) => BigInt(`0x${createHash("md5").update(key).digest("hex")}`);

  it("is always inside the shard's range, and the key's own hash whenever that is", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }),
        (key, a, b) => {
          const [start, end] = a <= b ? [a, b] : [b, a];
          const placed = BigInt(placementHashKey(record(key), range(start, end)));
          expect(placed >= start && placed <= end).toBe(true);
          if (md5(key) >= start && md5(key) <= end) expect(placed).toBe(md5(key));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("is the record's own explicit hash key when the file gives one", () => {
    expect(placementHashKey(record("k", "42"), range(0n, 100n))).toBe("42");
  });
});

import { describe, expect, it } from "vitest";
import { selectShards } from "../../src/shards/shard-filter.js";
import type { Shard } from "../../src/shards/shard.js";

const HOUR = 3_600_000;
const range = { start: 0n, end: 1n };
// A stream created at t=0: shard 0 closed at 10h into shards 1 and 2; shard 1 closed at 30h into 3.
const late: Shard[] = [
  { index: 0, hashKeyRange: range, createdAt: 0, startingPosition: 0n, endingPosition: 10n, closedAt: 10 * HOUR },
  { index: 1, hashKeyRange: range, createdAt: 10 * HOUR, startingPosition: 10n, parentIndex: 0, endingPosition: 20n, closedAt: 30 * HOUR },
  { index: 2, hashKeyRange: range, createdAt: 10 * HOUR, startingPosition: 10n, parentIndex: 0 },
  { index: 3, hashKeyRange: range, createdAt: 30 * HOUR, startingPosition: 20n, parentIndex: 1 },
];
// The same stream as it was at 20h, before the second reshard.
const early: Shard[] = [late[0]!, { ...late[1]!, endingPosition: undefined, closedAt: undefined }, late[2]!];
const ids = (list: Shard[]) => list.map((s) => s.index);

describe("ListShards filters", () => {
  const at20h = { now: 20 * HOUR, streamCreatedAt: 0, retentionMs: 24 * HOUR };
  const at40h = { now: 40 * HOUR, streamCreatedAt: 0, retentionMs: 24 * HOUR };

  it("AT_LATEST: the open shards only", () => {
    expect(ids(selectShards(late, { type: "AT_LATEST" }, at40h))).toEqual([2, 3]);
  });

  it("TRIM_HORIZON: what is still inside the retention window", () => {
    expect(ids(selectShards(early, { type: "FROM_TRIM_HORIZON" }, at20h))).toEqual([0, 1, 2]);
    expect(ids(selectShards(early, { type: "AT_TRIM_HORIZON" }, at20h))).toEqual([0]);
    // At 40h the horizon is 16h: shard 0 (closed at 10h) has aged out.
    expect(ids(selectShards(late, { type: "FROM_TRIM_HORIZON" }, at40h))).toEqual([1, 2, 3]);
    expect(ids(selectShards(late, { type: "AT_TRIM_HORIZON" }, at40h))).toEqual([1, 2]);
  });

  it("AT_TIMESTAMP and FROM_TIMESTAMP", () => {
    expect(ids(selectShards(early, { type: "AT_TIMESTAMP", at: 5 * HOUR }, at20h))).toEqual([0]);
    expect(ids(selectShards(late, { type: "AT_TIMESTAMP", at: 35 * HOUR }, at40h))).toEqual([2, 3]);
    expect(ids(selectShards(late, { type: "FROM_TIMESTAMP", at: 25 * HOUR }, at40h))).toEqual([1, 2, 3]);
    expect(ids(selectShards(late, { type: "FROM_TIMESTAMP", at: 0 }, at40h))).toEqual([1, 2, 3]);
  });

  it("AFTER_SHARD_ID", () => {
    expect(ids(selectShards(early, { type: "AFTER_SHARD_ID", afterIndex: 1 }, at20h))).toEqual([2]);
  });
});

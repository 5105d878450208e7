import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evenHashKeyRanges, MAX_HASH_KEY } from "../../src/shards/hash-key-range.js";
import { mergeShards, scaleUniformly, splitShard } from "../../src/shards/resharding.js";
import { isOpen, type Shard } from "../../src/shards/shard.js";

const initial = (count: number): Shard[] =>
  evenHashKeyRanges(count).map((hashKeyRange, index) => ({ index, hashKeyRange, createdAt: 0, startingPosition: 0n }));
const context = (step: number) => ({ now: step * 1000, startingPosition: BigInt(step * 100) });
const openSorted = (shards: Shard[]) => shards.filter(isOpen).sort((a, b) => (a.hashKeyRange.start < b.hashKeyRange.start ? -1 : 1));

/** The open shards tile 0 … 2^128-1 exactly; closed ones are parents; children name existing, closed parents. */
function expectValid(shards: Shard[]): void {
  const open = openSorted(shards);
  expect(open[0]!.hashKeyRange.start).toBe(0n);
  expect(open[open.length - 1]!.hashKeyRange.end).toBe(MAX_HASH_KEY);
  for (let i = 1; i < open.length; i++) expect(open[i]!.hashKeyRange.start).toBe(open[i - 1]!.hashKeyRange.end + 1n);
  const byIndex = new Map(shards.map((s) => [s.index, s]));
  expect(byIndex.size).toBe(shards.length);
  for (const shard of shards) {
    for (const parent of [shard.parentIndex, shard.adjacentParentIndex]) {
      if (parent === undefined) continue;
      expect(isOpen(byIndex.get(parent)!)).toBe(false);
      expect(byIndex.get(parent)!.index).toBeLessThan(shard.index);
    }
  }
}

describe("resharding", () => {
  it("split closes the parent and makes two children covering its range", () => {
    const shards = splitShard(initial(1), initial(1)[0]!, 1n << 127n, context(1));
    expect(shards.map((s) => [s.index, s.parentIndex, s.closedAt, s.hashKeyRange.start, s.hashKeyRange.end])).toEqual([
      [0, undefined, 1000, 0n, MAX_HASH_KEY],
      [1, 0, undefined, 0n, (1n << 127n) - 1n],
      [2, 0, undefined, 1n << 127n, MAX_HASH_KEY],
    ]);
    expect(shards[0]!.endingPosition).toBeUndefined();
    expect(shards[1]!.startingPosition).toBe(100n);
  });

  it("merge closes both and names both parents", () => {
    const start = initial(2);
    const shards = mergeShards(start, start[0]!, start[1]!, context(1));
    expect(shards[2]).toMatchObject({ index: 2, parentIndex: 0, adjacentParentIndex: 1, hashKeyRange: { start: 0n, end: MAX_HASH_KEY } });
    expect(shards.filter(isOpen)).toEqual([shards[2]]);
  });

  it("scales uniformly through splits and merges", () => {
    const cases: [number, number, number][] = [
      [2, 4, 6],
      [4, 2, 6],
      [4, 5, 15],
      [1, 2, 3],
    ];
    for (const [from, to, total] of cases) {
      const shards = scaleUniformly(initial(from), to, context(1));
      expectValid(shards);
      expect(openSorted(shards).map((s) => s.hashKeyRange)).toEqual(evenHashKeyRanges(to));
      expect(shards).toHaveLength(total);
      // Shards made and closed by the same plan held nothing: they end where they start.
      for (const made of shards.filter((s) => s.index >= from && !isOpen(s))) expect(made.endingPosition).toBe(made.startingPosition);
      // The shards that were open before are closing: their end is known only later.
      for (const old of shards.filter((s) => s.index < from && !isOpen(s))) expect(old.endingPosition).toBeUndefined();
    }
  });

  it("keeps the hash key space tiled through any sequence of reshards", () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant("split" as const), pick: fc.nat(), at: fc.double({ min: 0.01, max: 0.99, noNaN: true }) }),
      fc.record({ kind: fc.constant("merge" as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant("scale" as const), factor: fc.double({ min: 0.5, max: 2, noNaN: true }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(step, { maxLength: 8 }), (count, steps) => {
        let shards = initial(count);
        steps.forEach((s, i) => {
          const open = openSorted(shards);
          if (s.kind === "split") {
            const parent = open[s.pick % open.length]!;
            const width = parent.hashKeyRange.end - parent.hashKeyRange.start;
            const at = parent.hashKeyRange.start + 2n + BigInt(Math.floor(Number(width - 4n) * s.at));
            if (width > 8n) shards = splitShard(shards, parent, at, context(i + 1));
          } else if (s.kind === "merge" && open.length > 1) {
            const first = s.pick % (open.length - 1);
            shards = mergeShards(shards, open[first]!, open[first + 1]!, context(i + 1));
          } else if (s.kind === "scale") {
            const target = Math.max(1, Math.min(2 * open.length, Math.max(Math.ceil(open.length / 2), Math.round(open.length * s.factor))));
            shards = scaleUniformly(shards, target, context(i + 1));
            expect(openSorted(shards)).toHaveLength(target);
          }
          expectValid(shards);
        });
      }),
      { numRuns: 200 },
    );
  });
});

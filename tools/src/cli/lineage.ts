import type { Shard } from "@aws-sdk/client-kinesis";

/**
 * A stream's shards as a family tree, the way KCL reads it: a child only after each of its
 * parents is read to its end, so the records of one partition key come out in order across a
 * split or a merge. A parent no longer listed (trimmed away) counts as read.
 */

/** What the family tree needs of a shard. */
export type LineageShard = Pick<Shard, "ShardId" | "ParentShardId" | "AdjacentParentShardId">;

/** The parents of a shard that are still in the list. */
export function listedParents(shard: LineageShard, listed: ReadonlySet<string>): string[] {
  return [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => id !== undefined && listed.has(id));
}

export const isClosed = (shard: Shard): boolean => shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;

/** The shards that may be read now: not started, and every listed parent finished. */
export function readyShards<S extends LineageShard>(shards: readonly S[], started: ReadonlySet<string>, finished: ReadonlySet<string>): S[] {
  const listed = new Set(shards.map((s) => s.ShardId!));
  return shards.filter((s) => !started.has(s.ShardId!) && listedParents(s, listed).every((p) => finished.has(p)));
}

/** Every shard, parents before their children, siblings by shard id. */
export function lineageOrder<S extends LineageShard>(shards: readonly S[]): S[] {
  const listed = new Set(shards.map((s) => s.ShardId!));
  const ordered: S[] = [];
  const placed = new Set<string>();
  let remaining = [...shards].sort((a, b) => a.ShardId!.localeCompare(b.ShardId!));
  while (remaining.length > 0) {
    const next = remaining.filter((s) => listedParents(s, listed).every((p) => placed.has(p)));
    if (next.length === 0) throw new Error(`shards whose parents never come: ${remaining.map((s) => s.ShardId).join(", ")}`);
    for (const shard of next) {
      ordered.push(shard);
      placed.add(shard.ShardId!);
    }
    remaining = remaining.filter((s) => !placed.has(s.ShardId!));
  }
  return ordered;
}

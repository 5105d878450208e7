import { evenHashKeyRanges, type HashKeyRange } from "./hash-key-range.js";
import { isOpen, type Shard } from "./shard.js";

/** What every shard made by one reshard shares. */
export interface ReshardContext {
  /** Epoch ms of the reshard: children's creation, parents' closing. */
  readonly now: number;
  /** A JetStream position no record of a child can precede: the stream's last sequence before the reshard. */
  readonly startingPosition: bigint;
}

/**
 * Resharding as pure functions from one shard list to the next. Parents are closed without an
 * endingPosition (closing): it is filled in once JetStream refuses their subjects. Shards a
 * plan makes and closes again at once (the steps of UpdateShardCount) never take a record, so
 * they end where they start.
 */
class ShardListBuilder {
  private readonly shards: Shard[];
  private nextIndex: number;
  private readonly madeHere = new Set<number>();

  constructor(
    shards: readonly Shard[],
    private readonly context: ReshardContext,
  ) {
    this.shards = [...shards];
    this.nextIndex = shards.reduce((max, s) => Math.max(max, s.index + 1), 0);
  }

  result(): Shard[] {
    return this.shards;
  }

  open(): Shard[] {
    return this.shards.filter(isOpen).sort((a, b) => (a.hashKeyRange.start < b.hashKeyRange.start ? -1 : 1));
  }

  split(parent: Shard, newStartingHashKey: bigint): [Shard, Shard] {
    this.close(parent);
    const low = this.child({ start: parent.hashKeyRange.start, end: newStartingHashKey - 1n }, parent.index);
    const high = this.child({ start: newStartingHashKey, end: parent.hashKeyRange.end }, parent.index);
    return [low, high];
  }

  merge(shard: Shard, adjacent: Shard): Shard {
    this.close(shard);
    this.close(adjacent);
    return this.child({ start: shard.hashKeyRange.start, end: adjacent.hashKeyRange.end }, shard.index, adjacent.index);
  }

  private child(hashKeyRange: HashKeyRange, parentIndex: number, adjacentParentIndex?: number): Shard {
    const shard: Shard = {
      index: this.nextIndex++,
      hashKeyRange,
      createdAt: this.context.now,
      startingPosition: this.context.startingPosition,
      parentIndex,
      ...(adjacentParentIndex !== undefined && { adjacentParentIndex }),
    };
    this.shards.push(shard);
    this.madeHere.add(shard.index);
    return shard;
  }

  private close(shard: Shard): void {
    const at = this.shards.findIndex((s) => s.index === shard.index);
    const closed: Shard = { ...this.shards[at]!, closedAt: this.context.now };
    // A shard made by this same plan never had a subject: nothing can follow its start.
    this.shards[at] = this.madeHere.has(shard.index) ? { ...closed, endingPosition: closed.startingPosition } : closed;
  }
}

export function splitShard(shards: readonly Shard[], parent: Shard, newStartingHashKey: bigint, context: ReshardContext): Shard[] {
  const builder = new ShardListBuilder(shards, context);
  builder.split(parent, newStartingHashKey);
  return builder.result();
}

export function mergeShards(shards: readonly Shard[], shard: Shard, adjacent: Shard, context: ReshardContext): Shard[] {
  const builder = new ShardListBuilder(shards, context);
  builder.merge(shard, adjacent);
  return builder.result();
}

/**
 * UpdateShardCount with UNIFORM_SCALING: the open shards become `target` shards of equal
 * ranges, through splits at every new boundary inside an open shard, then merges of the pieces
 * inside each new range. Every child has one parent (split) or two adjacent ones (merge), the
 * lineage KCL follows.
 */
export function scaleUniformly(shards: readonly Shard[], target: number, context: ReshardContext): Shard[] {
  const builder = new ShardListBuilder(shards, context);
  const ranges = evenHashKeyRanges(target);
  for (const boundary of ranges.slice(1).map((range) => range.start)) {
    const holder = builder.open().find((s) => s.hashKeyRange.start < boundary && boundary <= s.hashKeyRange.end);
    if (holder) builder.split(holder, boundary);
  }
  for (const range of ranges) {
    const pieces = builder.open().filter((s) => s.hashKeyRange.start >= range.start && s.hashKeyRange.end <= range.end);
    pieces.slice(1).reduce((merged, piece) => builder.merge(merged, piece), pieces[0]!);
  }
  return builder.result();
}

import type { Shard } from "./shard.js";

/**
 * The shards a reshard made out of `parentIndex`: a split makes two children with it as
 * parent; a merge makes one child with it as parent or as adjacent parent. In index order.
 */
export function childrenOf(shards: readonly Shard[], parentIndex: number): Shard[] {
  return shards.filter((shard) => shard.parentIndex === parentIndex || shard.adjacentParentIndex === parentIndex).sort((a, b) => a.index - b.index);
}

/** The indexes of a shard's parents: none, one (split), or two (merge). */
export function parentsOf(shard: Shard): number[] {
  return [shard.parentIndex, shard.adjacentParentIndex].filter((index): index is number => index !== undefined);
}

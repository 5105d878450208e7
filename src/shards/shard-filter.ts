import { isOpen, type Shard } from "./shard.js";

/** Which shards ListShards returns: the ShardFilter types of the API. */
export type ShardSelection =
  | { readonly type: "AT_LATEST" }
  | { readonly type: "AT_TRIM_HORIZON" }
  | { readonly type: "FROM_TRIM_HORIZON" }
  | { readonly type: "AFTER_SHARD_ID"; readonly afterIndex: number }
  | { readonly type: "AT_TIMESTAMP"; readonly at: number }
  | { readonly type: "FROM_TIMESTAMP"; readonly at: number };

export interface StreamTimes {
  readonly now: number;
  readonly streamCreatedAt: number;
  readonly retentionMs: number;
}

/** Open at time `t`: created by then and not closed before it. */
const openAt = (shard: Shard, t: number): boolean => shard.createdAt <= t && (isOpen(shard) || shard.closedAt! >= t);

/** Has data inside the retention window: open, or closed after the trim horizon. */
const retained = (shard: Shard, trimHorizon: number): boolean => isOpen(shard) || shard.closedAt! >= trimHorizon;

/**
 * The shards a selection names, in index order. Times before the trim horizon (or before the
 * stream existed) are moved up to it: nothing older can be read.
 */
export function selectShards(shards: readonly Shard[], selection: ShardSelection, times: StreamTimes): Shard[] {
  const trimHorizon = Math.max(times.now - times.retentionMs, times.streamCreatedAt);
  const keep = (() => {
    switch (selection.type) {
      case "AT_LATEST":
        return isOpen;
      case "AT_TRIM_HORIZON":
        return (shard: Shard) => openAt(shard, trimHorizon);
      case "FROM_TRIM_HORIZON":
        return (shard: Shard) => retained(shard, trimHorizon);
      case "AFTER_SHARD_ID":
        return (shard: Shard) => shard.index > selection.afterIndex && retained(shard, trimHorizon);
      case "AT_TIMESTAMP":
        return (shard: Shard) => openAt(shard, Math.max(selection.at, trimHorizon));
      case "FROM_TIMESTAMP":
        return (shard: Shard) => retained(shard, Math.max(selection.at, trimHorizon));
    }
  })();
  return shards.filter(keep).sort((a, b) => a.index - b.index);
}

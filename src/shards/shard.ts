import type { HashKeyRange } from "./hash-key-range.js";
import { shardIdOf } from "./shard-id.js";

/** One shard of a stream, as the metadata store keeps it. */
export interface Shard {
  readonly index: number;
  readonly hashKeyRange: HashKeyRange;
  /** Epoch milliseconds at which the shard was created (it is encoded in its sequence numbers). */
  readonly createdAt: number;
  /** The JetStream stream sequence before the shard's first record could be written. */
  readonly startingPosition: bigint;
  readonly parentIndex?: number;
  readonly adjacentParentIndex?: number;
  /** When a reshard closed the shard (epoch ms); from then on it takes no record. */
  readonly closedAt?: number;
  /**
   * The shard's last possible JetStream position, known once JetStream refuses its subject.
   * A shard with closedAt but no endingPosition is closing: readers still wait for it.
   */
  readonly endingPosition?: bigint;
}

export const shardId = (shard: Shard): string => shardIdOf(shard.index);

/** Takes records: not closed by a reshard. */
export const isOpen = (shard: Shard): boolean => shard.closedAt === undefined;

/** Closed, and every record it will ever hold is known to lie at or before endingPosition. */
export const isEnded = (shard: Shard): boolean => shard.endingPosition !== undefined;

/** Closed by a reshard whose second half (JetStream refusing its subject, its end recorded) is not done. */
export const isClosing = (shard: Shard): boolean => !isOpen(shard) && !isEnded(shard);

const openShardsByStart = new WeakMap<readonly Shard[], Shard[]>();

/**
 * The open shard that owns a hash key, by binary search over the open shards sorted by range
 * start (built once per shard list: metadata objects are never mutated). The open shards of a
 * stream cover every hash key exactly once, so this finds one unless the map is corrupt.
 */
export function shardForHashKey(shards: readonly Shard[], hashKey: bigint): Shard | undefined {
  let open = openShardsByStart.get(shards);
  if (!open) {
    open = shards.filter(isOpen).sort((a, b) => (a.hashKeyRange.start < b.hashKeyRange.start ? -1 : 1));
    openShardsByStart.set(shards, open);
  }
  let low = 0;
  let high = open.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const shard = open[mid]!;
    if (hashKey < shard.hashKeyRange.start) high = mid - 1;
    else if (hashKey > shard.hashKeyRange.end) low = mid + 1;
    else return shard;
  }
  return undefined;
}

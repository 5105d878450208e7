import type { ChildShard, Shard as WireShard } from "../generated/model.js";
import type { StreamMetadata } from "../../jetstream/stream-metadata.js";
import { shardId, type Shard } from "../../shards/shard.js";
import { shardIdOf } from "../../shards/shard-id.js";
import { childrenOf, parentsOf } from "../../shards/shard-lineage.js";
import { sequenceNumberFrom, shardSequenceBase } from "../codecs/sequence-number.js";

/** The part of every sequence number of a shard that does not change. */
export const sequenceBaseOf = (shard: Shard): bigint => shardSequenceBase(Math.floor(shard.createdAt / 1000), shard.index);

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** A shard's starting sequence number (its creation second) and ending one (its closing second, after every record it holds). */
const startingSequenceNumber = (shard: Shard): string => sequenceNumberFrom(sequenceBaseOf(shard), shard.startingPosition, seconds(shard.createdAt));
const endingSequenceNumber = (shard: Shard, endingPosition: bigint): string =>
  sequenceNumberFrom(sequenceBaseOf(shard), endingPosition, seconds(shard.closedAt ?? shard.createdAt));

/** A shard as DescribeStream and ListShards show it. */
export function wireShard(shard: Shard): WireShard {
  return {
    ShardId: shardId(shard),
    ...(shard.parentIndex !== undefined && { ParentShardId: shardIdOf(shard.parentIndex) }),
    ...(shard.adjacentParentIndex !== undefined && { AdjacentParentShardId: shardIdOf(shard.adjacentParentIndex) }),
    HashKeyRange: {
      StartingHashKey: shard.hashKeyRange.start.toString(),
      EndingHashKey: shard.hashKeyRange.end.toString(),
    },
    SequenceNumberRange: {
      StartingSequenceNumber: startingSequenceNumber(shard),
      ...(shard.endingPosition !== undefined && { EndingSequenceNumber: endingSequenceNumber(shard, shard.endingPosition) }),
    },
  };
}

/** Shards in index order, the order Kinesis lists them in. */
export const shardsInOrder = (stream: StreamMetadata): Shard[] => [...stream.shards].sort((a, b) => a.index - b.index);

/** The shards a closed shard was split or merged into, with their parents, as GetRecords and SubscribeToShard report them at its end. */
export function childShardsOf(stream: StreamMetadata, shardIndex: number): ChildShard[] {
  return childrenOf(stream.shards, shardIndex).map((child) => ({
    ShardId: shardIdOf(child.index),
    ParentShards: parentsOf(child).map(shardIdOf),
    HashKeyRange: { StartingHashKey: child.hashKeyRange.start.toString(), EndingHashKey: child.hashKeyRange.end.toString() },
  }));
}

import type { Shard as WireShard } from "./generated/model.js";
import type { StreamMetadata } from "../jetstream/stream-metadata.js";
import { shardId, type Shard } from "../shards/shard.js";
import { shardIdOf } from "../shards/shard-id.js";
import { encodeSequenceNumber } from "./sequence-number.js";

const seconds = (ms: number): number => Math.floor(ms / 1000);

/** A sequence number at a shard's JetStream position `position`, stamped `atMs`. */
export function shardSequenceNumber(shard: Shard, position: bigint, atMs: number): string {
  return encodeSequenceNumber({
    shardCreatedAtSeconds: seconds(shard.createdAt),
    shardIndex: shard.index,
    position,
    arrivalSeconds: seconds(atMs),
  });
}

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
      StartingSequenceNumber: shardSequenceNumber(shard, shard.startingPosition, shard.createdAt),
      ...(shard.endingPosition !== undefined && {
        EndingSequenceNumber: shardSequenceNumber(shard, shard.endingPosition, shard.closedAt ?? shard.createdAt),
      }),
    },
  };
}

/** Shards in index order, the order Kinesis lists them in. */
export const shardsInOrder = (stream: StreamMetadata): Shard[] => [...stream.shards].sort((a, b) => a.index - b.index);

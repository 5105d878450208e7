import { shardIdOf, shardIndexOfArgument } from "../../shards/shard-id.js";
import { defineOperation } from "../operation.js";
import { findReadableShard } from "../resources/shard-ref.js";
import { streamNameOf } from "../resources/stream-ref.js";

import { positionOf } from "../resources/start-position.js";
import { couldNotFindShard } from "../messages.js";

export const getShardIterator = defineOperation("GetShardIterator", {
  async handler(input, ctx) {
    const streamName = streamNameOf(input, ctx.settings);
    const shardIndex = shardIndexOfArgument(input.ShardId);
    if (shardIndex === undefined) {
      throw couldNotFindShard(ctx.settings, streamName, input.ShardId);
    }
    const { stream, shard } = await findReadableShard(ctx, streamName, shardIndex);
    ctx.limits?.admitShardIterator(streamName, shardIdOf(shardIndex), ctx.now);
    const position = await positionOf(input, streamName, shard, ctx);
    const ShardIterator = ctx.iterators.encode({ streamName, streamCreatedAt: stream.createdAt, shardIndex, position, issuedAt: ctx.now });
    return { ShardIterator };
  },
});

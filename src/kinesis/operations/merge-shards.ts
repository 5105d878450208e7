import { mergeShards as merge } from "../../shards/resharding.js";
import { shardIdOf } from "../../shards/shard-id.js";
import { defineOperation } from "../operation.js";
import { requireProvisioned, reshard, reshardableShard, shardArgument } from "../changes/reshard.js";
import { streamNameOf } from "../resources/stream-ref.js";
import { shardsNotAdjacent } from "../messages.js";

export const mergeShards = defineOperation("MergeShards", {
  async handler(input, ctx) {
    const name = streamNameOf(input, ctx.settings);
    const index = shardArgument(ctx, name, input.ShardToMerge);
    const adjacentIndex = shardArgument(ctx, name, input.AdjacentShardToMerge);
    await reshard(ctx, name, (stream, context) => {
      requireProvisioned(ctx, stream);
      const shard = reshardableShard(ctx, stream, index);
      const adjacent = reshardableShard(ctx, stream, adjacentIndex);
      // The service takes the pair in hash-key order: ShardToMerge's range comes first.
      if (shard.hashKeyRange.end + 1n !== adjacent.hashKeyRange.start) {
        throw shardsNotAdjacent(ctx.settings, stream.name, shardIdOf(index), shardIdOf(adjacentIndex));
      }
      return merge(stream.shards, shard, adjacent, context);
    });
  },
});

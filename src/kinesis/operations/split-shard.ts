import { MAX_HASH_KEY } from "../../shards/hash-key-range.js";
import { splitShard as split } from "../../shards/resharding.js";
import { shardIdOf } from "../../shards/shard-id.js";
import { defineOperation } from "../operation.js";
import { checkShardLimit, requireProvisioned, reshard, reshardableShard, shardArgument } from "../changes/reshard.js";
import { streamNameOf } from "../resources/stream-ref.js";
import { splitHashKeyOutOfRange } from "../messages.js";

export const splitShard = defineOperation("SplitShard", {
  async handler(input, ctx) {
    const name = streamNameOf(input, ctx.settings);
    const index = shardArgument(ctx, name, input.ShardToSplit);
    const at = BigInt(input.NewStartingHashKey);
    await reshard(ctx, name, (stream, context) => {
      requireProvisioned(ctx, stream);
      const parent = reshardableShard(ctx, stream, index);
      const { start, end } = parent.hashKeyRange;
      if (!(at > start + 1n && at < end) || at > MAX_HASH_KEY) {
        throw splitHashKeyOutOfRange(ctx.settings, stream.name, shardIdOf(index), input.NewStartingHashKey, start, end);
      }
      checkShardLimit(ctx, 1);
      return split(stream.shards, parent, at, context);
    });
  },
});

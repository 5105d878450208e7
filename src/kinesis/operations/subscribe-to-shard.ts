import { shardIdOf, shardIndexOfArgument } from "../../shards/shard-id.js";
import { consumerArnOf, consumerNotActive, findConsumer } from "../resources/consumer-ref.js";
import { defineOperation } from "../operation.js";
import { findReadableShard } from "../resources/shard-ref.js";
import { openSubscription } from "../subscriptions/shard-subscription.js";
import { positionOf } from "../resources/start-position.js";
import { couldNotFindShard } from "../messages.js";

/**
 * Checks run before the event stream starts answer as ordinary errors: the consumer (it must
 * be ACTIVE), the shard, the starting position (GetShardIterator's rules and words), then
 * whether another subscription holds the consumer's lease on the shard.
 */
export const subscribeToShard = defineOperation("SubscribeToShard", {
  async handler(input, ctx) {
    const { stream, consumer, status } = await findConsumer(ctx, { ConsumerARN: input.ConsumerARN });
    if (status !== "ACTIVE") throw consumerNotActive(ctx.settings, consumer);
    const shardIndex = shardIndexOfArgument(input.ShardId);
    if (shardIndex === undefined) {
      throw couldNotFindShard(ctx.settings, stream.name, input.ShardId);
    }
    const { shard } = await findReadableShard(ctx, stream.name, shardIndex, stream.createdAt);
    ctx.limits?.admitSubscribe(consumerArnOf(ctx.settings, consumer), shardIdOf(shardIndex), ctx.now);
    const { Type, SequenceNumber, Timestamp } = input.StartingPosition;
    const start = await positionOf(
      { ShardId: input.ShardId, ShardIteratorType: Type, StartingSequenceNumber: SequenceNumber, Timestamp },
      stream.name,
      shard,
      ctx,
      "SubscribeToShard",
    );
    return { EventStream: await openSubscription({ ctx, stream, shard, consumer, start }) };
  },
});

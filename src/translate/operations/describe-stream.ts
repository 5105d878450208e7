import { shardIndexOfArgument } from "../../shards/shard-id.js";
import { defineOperation } from "../operation.js";
import { shardsInOrder, wireShard } from "../shard-view.js";
import { findStream, statusOf, streamNameOf } from "../stream-ref.js";
import { streamBasics } from "../stream-view.js";

/** DescribeStream lists at most this many shards per call, whatever the Limit. */
const MAX_SHARDS_PER_PAGE = 100;

export const describeStream = defineOperation("DescribeStream", {
  async handler(input, ctx) {
    const stream = await findStream(ctx, streamNameOf(input, ctx.settings));
    const status = statusOf(stream, ctx.now);
    const after = input.ExclusiveStartShardId === undefined ? -1 : (shardIndexOfArgument(input.ExclusiveStartShardId) ?? -1);
    // A stream still being created has no shards to show yet.
    const candidates = status === "CREATING" ? [] : shardsInOrder(stream).filter((shard) => shard.index > after);
    const limit = Math.min(input.Limit ?? MAX_SHARDS_PER_PAGE, MAX_SHARDS_PER_PAGE);
    const page = candidates.slice(0, limit);
    const basics = streamBasics(stream, ctx);
    return {
      StreamDescription: {
        StreamName: basics.StreamName,
        StreamARN: basics.StreamARN,
        StreamStatus: basics.StreamStatus,
        StreamModeDetails: basics.StreamModeDetails,
        Shards: page.map(wireShard),
        HasMoreShards: candidates.length > page.length,
        RetentionPeriodHours: basics.RetentionPeriodHours,
        StreamCreationTimestamp: basics.StreamCreationTimestamp,
        EnhancedMonitoring: basics.EnhancedMonitoring,
        EncryptionType: basics.EncryptionType,
      },
    };
  },
});

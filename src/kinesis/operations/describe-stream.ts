import { shardIndexOfArgument } from "../../shards/shard-id.js";
import { defineOperation } from "../operation.js";
import { selectShards } from "../../shards/shard-filter.js";
import { wireShard } from "../resources/shard-view.js";
import { findStream, statusOf, streamNameOf } from "../resources/stream-ref.js";
import { streamBasics } from "../resources/stream-view.js";

/** DescribeStream lists at most this many shards per call, whatever the Limit. */
const MAX_SHARDS_PER_PAGE = 100;

export const describeStream = defineOperation("DescribeStream", {
  async handler(input, ctx) {
    const stream = await findStream(ctx, streamNameOf(input, ctx.settings));
    const status = statusOf(stream, ctx.now);
    const after = input.ExclusiveStartShardId === undefined ? -1 : (shardIndexOfArgument(input.ExclusiveStartShardId) ?? -1);
    // A stream still being created has no shards to show yet, one being deleted none any
    // more; closed shards whose records have all aged out are not shown either.
    const times = { now: ctx.now, streamCreatedAt: stream.createdAt, retentionMs: stream.retentionHours * 3_600_000 };
    const shown = status === "CREATING" || status === "DELETING" ? [] : selectShards(stream.shards, { type: "FROM_TRIM_HORIZON" }, times);
    const candidates = shown.filter((shard) => shard.index > after);
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

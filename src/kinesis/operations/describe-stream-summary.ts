import { isOpen } from "../../shards/shard.js";
import { registeredConsumers } from "../resources/consumer-ref.js";
import { defineOperation } from "../operation.js";
import { findStream, statusOf, streamNameOf } from "../resources/stream-ref.js";
import { streamBasics } from "../resources/stream-view.js";

export const describeStreamSummary = defineOperation("DescribeStreamSummary", {
  async handler(input, ctx) {
    const stream = await findStream(ctx, streamNameOf(input, ctx.settings));
    const creating = statusOf(stream, ctx.now) === "CREATING";
    return {
      StreamDescriptionSummary: {
        ...streamBasics(stream, ctx),
        OpenShardCount: creating ? 0 : stream.shards.filter(isOpen).length,
        ConsumerCount: registeredConsumers(ctx, stream).length,
        MaxRecordSizeInKiB: stream.maxRecordSizeKiB,
        ...(stream.warmThroughputMiBps !== undefined && {
          WarmThroughput: { TargetMiBps: stream.warmThroughputMiBps, CurrentMiBps: stream.warmThroughputMiBps },
        }),
      },
    };
  },
});

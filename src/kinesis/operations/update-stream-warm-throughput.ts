import { defineOperation } from "../operation.js";
import { streamArnOf, streamNameOf } from "../resources/stream-ref.js";
import { updateActiveStream } from "../changes/stream-update.js";

export const updateStreamWarmThroughput = defineOperation("UpdateStreamWarmThroughput", {
  async handler(input, ctx) {
    const name = streamNameOf(input, ctx.settings);
    // Recorded and reported; JetStream needs no warming, so the target is also the current value.
    await updateActiveStream(ctx, name, (stream) => ({ ...stream, warmThroughputMiBps: input.WarmThroughputMiBps }), { updating: false });
    return {
      StreamName: name,
      StreamARN: streamArnOf(ctx.settings, name),
      WarmThroughput: { TargetMiBps: input.WarmThroughputMiBps, CurrentMiBps: input.WarmThroughputMiBps },
    };
  },
});

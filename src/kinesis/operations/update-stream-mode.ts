import { defineOperation } from "../operation.js";
import { streamNameOf } from "../resources/stream-ref.js";
import { updateActiveStream } from "../changes/stream-update.js";

export const updateStreamMode = defineOperation("UpdateStreamMode", {
  async handler(input, ctx) {
    const name = streamNameOf(input, ctx.settings);
    // The shards stay as they are: on-demand streams keep their shards here and are not
    // rescaled automatically (see the README).
    await updateActiveStream(
      ctx,
      name,
      (stream) => ({
        ...stream,
        mode: input.StreamModeDetails.StreamMode,
        ...(input.WarmThroughputMiBps !== undefined && { warmThroughputMiBps: input.WarmThroughputMiBps }),
      }),
      { updating: true },
    );
  },
});

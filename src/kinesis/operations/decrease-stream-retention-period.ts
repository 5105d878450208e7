import { defineOperation } from "../operation.js";
import { changeRetention } from "../changes/retention.js";
import { streamNameOf } from "../resources/stream-ref.js";

export const decreaseStreamRetentionPeriod = defineOperation("DecreaseStreamRetentionPeriod", {
  async handler(input, ctx) {
    await changeRetention(ctx, streamNameOf(input, ctx.settings), input.RetentionPeriodHours, "decrease");
  },
});

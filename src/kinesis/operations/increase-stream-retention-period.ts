import { defineOperation } from "../operation.js";
import { changeRetention } from "../changes/retention.js";
import { streamNameOf } from "../resources/stream-ref.js";

export const increaseStreamRetentionPeriod = defineOperation("IncreaseStreamRetentionPeriod", {
  async handler(input, ctx) {
    await changeRetention(ctx, streamNameOf(input, ctx.settings), input.RetentionPeriodHours, "increase");
  },
});

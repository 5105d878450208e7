import { defineOperation } from "../operation.js";
import { changeRetention } from "../retention.js";
import { streamNameOf } from "../stream-ref.js";

export const increaseStreamRetentionPeriod = defineOperation("IncreaseStreamRetentionPeriod", {
  async handler(input, ctx) {
    await changeRetention(ctx, streamNameOf(input, ctx.settings), input.RetentionPeriodHours, "increase");
  },
});

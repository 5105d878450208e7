import { changeMonitoring } from "../changes/monitoring.js";
import { defineOperation } from "../operation.js";
import { streamNameOf } from "../resources/stream-ref.js";

export const disableEnhancedMonitoring = defineOperation("DisableEnhancedMonitoring", {
  handler: (input, ctx) => changeMonitoring(ctx, streamNameOf(input, ctx.settings), input.ShardLevelMetrics, false),
});

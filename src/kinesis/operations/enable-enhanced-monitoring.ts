import { changeMonitoring } from "../changes/monitoring.js";
import { defineOperation } from "../operation.js";
import { streamNameOf } from "../resources/stream-ref.js";

export const enableEnhancedMonitoring = defineOperation("EnableEnhancedMonitoring", {
  handler: (input, ctx) => changeMonitoring(ctx, streamNameOf(input, ctx.settings), input.ShardLevelMetrics, true),
});

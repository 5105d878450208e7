import { openShardCount } from "../changes/account-limits.js";
import { defineOperation } from "../operation.js";

/** On-demand streams an account may have (the service's default quota). */
export const ON_DEMAND_STREAM_LIMIT = 50;

export const describeLimits = defineOperation("DescribeLimits", {
  async handler(_input, ctx) {
    return {
      ShardLimit: ctx.settings.shardLimit,
      OpenShardCount: openShardCount(ctx),
      OnDemandStreamCount: ctx.engine.catalog.list(ctx.now).filter((s) => s.mode === "ON_DEMAND").length,
      OnDemandStreamCountLimit: ON_DEMAND_STREAM_LIMIT,
    };
  },
});

import { scaleUniformly } from "../../shards/resharding.js";
import { isOpen } from "../../shards/shard.js";
import { openShardCount } from "../changes/account-limits.js";
import type { RequestContext } from "../context.js";
import { LimitExceededException } from "../errors.js";
import { defineOperation } from "../operation.js";
import { requireActive, requireProvisioned, reshard } from "../changes/reshard.js";
import { findStream, streamArnOf, streamNameOf } from "../resources/stream-ref.js";

function checkTarget(ctx: RequestContext, open: number, target: number): void {
  const counts = `Current open shard count: ${open}, Target shard count: ${target}`;
  if (target > 2 * open) throw new LimitExceededException(`UpdateShardCount cannot scale up over double your current open shard count. ${counts}`);
  if (target * 2 < open) throw new LimitExceededException(`UpdateShardCount cannot scale down below half your current open shard count. ${counts}`);
  if (openShardCount(ctx) - open + target > ctx.settings.shardLimit) {
    throw new LimitExceededException(`Target shard count or number of open shards cannot be greater than ${ctx.settings.shardLimit}. ${counts}`);
  }
}

export const updateShardCount = defineOperation("UpdateShardCount", {
  async handler(input, ctx) {
    const name = streamNameOf(input, ctx.settings);
    const stream = await findStream(ctx, name);
    requireActive(ctx, stream);
    requireProvisioned(ctx, stream);
    const open = stream.shards.filter(isOpen).length;
    const target = input.TargetShardCount;
    checkTarget(ctx, open, target);
    if (target !== open) {
      await reshard(ctx, name, (latest, context) => {
        requireProvisioned(ctx, latest);
        checkTarget(ctx, latest.shards.filter(isOpen).length, target);
        return scaleUniformly(latest.shards, target, context);
      });
    }
    return { StreamName: name, StreamARN: streamArnOf(ctx.settings, name), CurrentShardCount: open, TargetShardCount: target };
  },
});

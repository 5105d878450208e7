import { isOpen } from "../../shards/shard.js";
import type { RequestContext } from "../context.js";

/** Open shards across every live stream of the account, as the shard limit counts them. */
export function openShardCount(ctx: RequestContext): number {
  return ctx.engine.catalog.list(ctx.now).reduce((sum, stream) => sum + stream.shards.filter(isOpen).length, 0);
}

import type { StreamMetadata } from "../jetstream/stream-metadata.js";
import type { Shard } from "../shards/shard.js";
import { shardIdOf } from "../shards/shard-id.js";
import type { RequestContext } from "./context.js";
import { ResourceNotFoundException } from "./errors.js";
import { statusOf } from "./stream-ref.js";

export const shardNotFound = (ctx: RequestContext, streamName: string, shardIndex: number): ResourceNotFoundException =>
  new ResourceNotFoundException(`Shard ${shardIdOf(shardIndex)} in stream ${streamName} under account ${ctx.settings.accountId} does not exist`);

/**
 * A shard that can be read: its stream exists (this incarnation of it, when `createdAt` is
 * given), is neither CREATING nor DELETING, and has the shard.
 */
export async function findReadableShard(
  ctx: RequestContext,
  streamName: string,
  shardIndex: number,
  createdAt?: number,
): Promise<{ stream: StreamMetadata; shard: Shard }> {
  const stream = await ctx.engine.catalog.find(streamName, ctx.now);
  const status = stream && statusOf(stream, ctx.now);
  const usable = stream && status !== "CREATING" && status !== "DELETING" && (createdAt === undefined || stream.createdAt === createdAt);
  const shard = usable ? stream.shards.find((s) => s.index === shardIndex) : undefined;
  if (!stream || !shard) throw shardNotFound(ctx, streamName, shardIndex);
  return { stream, shard };
}

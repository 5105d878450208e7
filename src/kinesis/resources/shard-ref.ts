import type { StreamMetadata } from "../../jetstream/stream-metadata.js";
import type { Shard } from "../../shards/shard.js";
import { shardIdOf } from "../../shards/shard-id.js";
import type { RequestContext } from "../context.js";
import { shardDoesNotExist } from "../messages.js";
import { statusOf } from "./stream-ref.js";

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
  const found = (stream: StreamMetadata | undefined): Shard | undefined => {
    const status = stream && statusOf(stream, ctx.now);
    const usable = stream && status !== "CREATING" && status !== "DELETING" && (createdAt === undefined || stream.createdAt === createdAt);
    return usable ? stream.shards.find((s) => s.index === shardIndex) : undefined;
  };
  let stream = await ctx.engine.catalog.find(streamName, ctx.now);
  // A shard made by a reshard on another instance a moment ago may not be in our copy yet.
  if (!found(stream)) stream = await ctx.engine.catalog.refresh(streamName, ctx.now);
  const shard = found(stream);
  if (!stream || !shard) throw shardDoesNotExist(ctx.settings, streamName, shardIdOf(shardIndex));
  return { stream, shard };
}

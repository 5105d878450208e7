import { hasStalledReshard, settleClosingShards } from "../../jetstream/shard-closing.js";
import type { StreamMetadata } from "../../jetstream/stream-metadata.js";
import type { ReshardContext } from "../../shards/resharding.js";
import { isOpen, type Shard } from "../../shards/shard.js";
import { shardIdOf, shardIndexOfArgument } from "../../shards/shard-id.js";
import { openShardCount } from "./account-limits.js";
import type { RequestContext } from "../context.js";
import { LimitExceededException } from "../errors.js";
import { findStream, statusOf } from "../resources/stream-ref.js";
import { couldNotFindShard, shardAlreadyResharded, streamNotActive, streamNotFound, streamOnDemand } from "../messages.js";

/** The index a ShardToSplit / ShardToMerge argument names; the service answers not-found for nonsense. */
export function shardArgument(ctx: RequestContext, streamName: string, text: string): number {
  const index = shardIndexOfArgument(text);
  if (index === undefined) throw couldNotFindShard(ctx.settings, streamName, text);
  return index;
}

/** The open shard a reshard works on, with the service's errors for a missing or closed one. */
export function reshardableShard(ctx: RequestContext, stream: StreamMetadata, index: number): Shard {
  const shard = stream.shards.find((s) => s.index === index);
  if (!shard) throw couldNotFindShard(ctx.settings, stream.name, shardIdOf(index));
  if (!isOpen(shard)) throw shardAlreadyResharded(ctx.settings, stream.name, shardIdOf(index));
  return shard;
}

export function requireActive(ctx: RequestContext, stream: StreamMetadata): void {
  const status = statusOf(stream, ctx.now);
  if (status !== "ACTIVE") {
    throw streamNotActive(ctx.settings, stream.name, status);
  }
}

export function requireProvisioned(ctx: RequestContext, stream: StreamMetadata): void {
  if (stream.mode === "ON_DEMAND") {
    throw streamOnDemand(ctx.settings, stream.name);
  }
}

/** LimitExceededException when `additional` more open shards would pass the account's limit. */
export function checkShardLimit(ctx: RequestContext, additional: number): void {
  const current = openShardCount(ctx);
  if (additional <= 0 || current + additional <= ctx.settings.shardLimit) return;
  const { accountId, region, shardLimit } = ctx.settings;
  throw new LimitExceededException(
    `This request would exceed the shard limit for the account ${accountId} in ${region}. Current shard count for the account: ${current}. Limit: ${shardLimit}. Number of additional shards that would have resulted from this request: ${additional}. Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.`,
  );
}

/** Plans the new shard list from the latest metadata; may throw a Kinesis error to refuse. */
export type ReshardPlan = (stream: StreamMetadata, context: ReshardContext) => Shard[];

/**
 * Runs a reshard. The new shard list is written with compare-and-set (the stream goes UPDATING,
 * and stays so until this reshard is settled: a second reshard, on any instance, is refused with
 * ResourceInUseException until then), then JetStream is made to refuse the closed shards'
 * subjects and the closed shards' ends are recorded. A record racing the reshard either reached
 * its old shard before JetStream stopped taking its subject, or is refused and routed again by
 * the writer: it is never lost and never lands after its shard's end.
 */
export async function reshard(ctx: RequestContext, name: string, plan: ReshardPlan): Promise<StreamMetadata> {
  const { catalog, storage } = ctx.engine;
  let current = await findStream(ctx, name);
  // A stream stays UPDATING until its last reshard is settled; one whose instance died half way
  // is settled here rather than refusing reshards until the maintenance sweep gets to it.
  if (hasStalledReshard(current, ctx.now)) current = (await settleClosingShards(catalog, storage, name)) ?? current;
  requireActive(ctx, current);
  // Children's records come only once JetStream takes their subjects, after this point.
  const startingPosition = await storage.lastSequence(name);
  await catalog.update(name, (latest) => {
    if (latest.createdAt !== current.createdAt) throw streamNotFound(ctx.settings, name);
    requireActive(ctx, latest);
    return {
      ...latest,
      shards: plan(latest, { now: ctx.now, startingPosition }),
      status: "UPDATING",
      statusUntil: ctx.now + ctx.settings.updateStreamMs,
    };
  });
  const settled = await settleClosingShards(catalog, storage, name);
  if (!settled) throw streamNotFound(ctx.settings, name);
  return settled;
}

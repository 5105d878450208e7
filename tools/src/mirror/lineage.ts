import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { Logger } from "pino";
import { sleep } from "./backoff.js";
import { followReshard, listShards, prepareTarget, rootsOf, type ShardInfo } from "./layout.js";
import type { MirrorStart, ShardPosition } from "./position-store.js";
import type { StartingPoint } from "./options.js";
import { copyShard, type CopyContext, type CopyOutcome } from "./shard-copier.js";

export interface LineageContext extends CopyContext {
  readonly source: KinesisClient;
  readonly sourceStream: string;
  readonly from: StartingPoint;
  readonly log: Logger;
}

/** What the first start needs: the two streams, the position store, where to begin. */
type StartContext = Pick<LineageContext, "source" | "target" | "sourceStream" | "targetStream" | "store" | "from" | "log">;

const RETRY_AFTER_FAILURE_MS = 1000;
const LAYOUT_ATTEMPTS = 10;

/**
 * The first start fixes where the copy begins and pairs each root of the source with a shard
 * of the target (made when missing). LATEST becomes the time of this start, so that a restart
 * before the first record begins at the same place.
 */
async function firstStart(ctx: StartContext, shards: readonly ShardInfo[]): Promise<MirrorStart> {
  const start: MirrorStart =
    ctx.from.type === "TRIM_HORIZON"
      ? { type: "TRIM_HORIZON" }
      : { type: "AT_TIMESTAMP", timestamp: (ctx.from.type === "LATEST" ? new Date() : ctx.from.timestamp).toISOString() };
  const roots = rootsOf(ctx.from.type === "LATEST" ? shards.filter((s) => !s.closed) : shards);
  const twins = await prepareTarget(ctx.target, ctx.targetStream, roots);
  for (const [sourceShardId, targetShardId] of twins) {
    if (!(await ctx.store.position(sourceShardId))) await ctx.store.save(sourceShardId, { targetShardId });
  }
  await ctx.store.saveStart(start);
  ctx.log.info({ source: ctx.sourceStream, target: ctx.targetStream, shards: roots.length, start }, "target stream paired with the source");
  return start;
}

export async function mirrorStart(ctx: StartContext): Promise<MirrorStart> {
  return (await ctx.store.start()) ?? firstStart(ctx, await listShards(ctx.source, ctx.sourceStream));
}

/**
 * Launches the copy of every shard that may start now: those with a position not done, and the
 * children whose parents are all done, after the reshard that made them is repeated on the target.
 */
async function startReady(
  ctx: LineageContext,
  running: ReadonlyMap<string, unknown>,
  finished: ReadonlySet<string>,
  launch: (shard: ShardInfo, position: ShardPosition) => void,
): Promise<void> {
  const shards = await listShards(ctx.source, ctx.sourceStream);
  const positions = new Map<string, ShardPosition | undefined>();
  for (const shard of shards) positions.set(shard.id, await ctx.store.position(shard.id));
  for (const shard of shards) {
    if (running.has(shard.id) || finished.has(shard.id) || ctx.signal.aborted) continue;
    let position = positions.get(shard.id);
    if (position?.done) continue;
    if (!position) {
      const parentsDone = shard.parents.length > 0 && shard.parents.every((p) => positions.get(p)?.done);
      if (!parentsDone) continue;
      const siblings = shards.filter((s) => s.parents.join() === shard.parents.join());
      const targetShardId = await followReshard(ctx.target, ctx.targetStream, shard, siblings, (p) => positions.get(p)!.targetShardId);
      position = { targetShardId };
      await ctx.store.save(shard.id, position);
      positions.set(shard.id, position);
    }
    launch(shard, position);
  }
}

/**
 * Shards left at their tip that the source has closed since (a reshard during the run): made
 * ready to copy again, to their end. Says whether there was any.
 */
async function reopenClosedSince(ctx: LineageContext, atTip: Set<string>, finished: Set<string>): Promise<boolean> {
  if (atTip.size === 0) return false;
  let reopened = false;
  for (const shard of await listShards(ctx.source, ctx.sourceStream)) {
    if (!shard.closed || !atTip.has(shard.id)) continue;
    atTip.delete(shard.id);
    finished.delete(shard.id);
    reopened = true;
  }
  return reopened;
}

/**
 * Copies every shard of the source the way KCL reads them: a shard once all its parents are
 * read to their end. When a parent ends, the reshard that made its children is applied to the
 * target first, so each child's records land in the target shard of the same range. Ends when
 * stopped, or with --until-caught-up once no shard is left to copy.
 */
export async function copyLineage(ctx: LineageContext): Promise<void> {
  const running = new Map<string, Promise<void>>();
  const finished = new Set<string>();
  // Open shards left at their tip (--until-caught-up); one closed since must still be read to its end.
  const atTip = new Set<string>();
  // A copy may end while the loop is busy (awaiting a reshard): then it must not wait for another.
  let changed = false;
  let wake: () => void = () => undefined;
  const launch = (shard: ShardInfo, position: ShardPosition): void => {
    const copy = copyShard(ctx, shard, position).then(
      (outcome: CopyOutcome) => {
        if (outcome !== "stopped") finished.add(shard.id);
        if (outcome === "caught-up") atTip.add(shard.id);
        ctx.log.info({ shard: shard.id, outcome }, "shard copy ended");
      },
      async (error: unknown) => {
        ctx.log.error({ shard: shard.id, err: error }, "shard copy failed: resuming from its stored position");
        await sleep(RETRY_AFTER_FAILURE_MS, ctx.signal);
      },
    );
    running.set(
      shard.id,
      copy.finally(() => {
        running.delete(shard.id);
        changed = true;
        wake();
      }),
    );
  };
  let failures = 0;
  while (!ctx.signal.aborted) {
    changed = false;
    try {
      await startReady(ctx, running, finished, launch);
      failures = 0;
    } catch (error) {
      // A step of the layout (ListShards, a reshard of the target, NATS) failed: retried, unless it keeps failing.
      if (ctx.signal.aborted) break;
      if (++failures > LAYOUT_ATTEMPTS) throw error;
      ctx.log.error({ err: error, attempt: failures }, "following the source's shards failed: retrying");
      await sleep(RETRY_AFTER_FAILURE_MS * failures, ctx.signal);
      continue;
    }
    if (running.size === 0) {
      // The last copies ended while the shards were looked at: their children may be ready now.
      if (changed) continue;
      if (ctx.untilCaughtUp && !(await reopenClosedSince(ctx, atTip, finished))) break;
      // Nothing to copy now (every shard known is done): look again for new children later.
      await sleep(RETRY_AFTER_FAILURE_MS, ctx.signal);
      continue;
    }
    if (!changed) await new Promise<void>((resolve) => (wake = resolve));
  }
  await Promise.all(running.values());
}

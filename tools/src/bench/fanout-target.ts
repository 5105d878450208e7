import type { LatencySummary } from "./stats.js";

/**
 * Issue 15's fan-out target, judged on one live run: with 4 applications each subscribed by
 * SubscribeToShard to every shard of a 4-shard stream, every application gets the full write
 * rate, and the put→delivery p50 is within 3 ms of the PutRecords latency p50 of the writer in
 * that same run (what the write itself costs on this machine, so the figure is what fan-out
 * adds, whatever the load on the machine did to both).
 */
export const FANOUT_TARGET = { apps: 4, shards: 4, gapMs: 3, fullRateShare: 0.98 } as const;

export interface FanoutVerdict {
  readonly apps: number;
  readonly shards: number;
  /** The writer's PutRecords p50 in the run, ms from send to acknowledgement. */
  readonly putP50Ms: number;
  /** put→delivery p50, all applications pooled. */
  readonly deliveryP50Ms: number;
  readonly gapMs: number;
  readonly withinGap: boolean;
  /** The slowest application's records/s ÷ the write rate reached. */
  readonly slowestShare: number;
  /**
   * The slowest application's records/s ÷ the rate the writes were acknowledged at: below
   * slowestShare when the writes themselves queued, so a shortfall there is the put's, not
   * the fan-out's.
   */
  readonly slowestShareOfStored?: number;
  /** Every application had every record, at no less than FANOUT_TARGET.fullRateShare of the write rate. */
  readonly fullRate: boolean;
  readonly met: boolean;
}

/** The run judged: SubscribeToShard with the target's applications on the target's shards; undefined for any other run. */
export function judgeFanout(
  run: {
    readonly method: string;
    readonly consumers: number;
    readonly recordsPerSecond: number;
    readonly writtenPerSecond?: number;
    readonly storedPerSecond?: number;
    readonly latency?: LatencySummary;
    readonly putLatency?: LatencySummary;
    readonly delivery?: { readonly missing: number };
  },
  shards: number,
): FanoutVerdict | undefined {
  if (run.method !== "SubscribeToShard" || run.consumers !== FANOUT_TARGET.apps || shards !== FANOUT_TARGET.shards) return undefined;
  if (!run.latency || !run.putLatency || !run.writtenPerSecond) return undefined;
  const gapMs = run.latency.p50 - run.putLatency.p50;
  const slowestShare = run.recordsPerSecond / run.writtenPerSecond;
  const withinGap = gapMs <= FANOUT_TARGET.gapMs;
  const fullRate = run.delivery?.missing === 0 && slowestShare >= FANOUT_TARGET.fullRateShare;
  return {
    apps: run.consumers,
    shards,
    putP50Ms: run.putLatency.p50,
    deliveryP50Ms: run.latency.p50,
    gapMs,
    withinGap,
    slowestShare,
    ...(run.storedPerSecond && { slowestShareOfStored: run.recordsPerSecond / Math.min(run.writtenPerSecond, run.storedPerSecond) }),
    fullRate,
    met: withinGap && fullRate,
  };
}

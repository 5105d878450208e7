import type { RequestContext } from "../context.js";
import { shapes, type EnhancedMonitoringOutput } from "../generated/model.js";
import { streamArnOf } from "../resources/stream-ref.js";
import { updateActiveStream } from "./stream-update.js";

type Metric = Exclude<NonNullable<EnhancedMonitoringOutput["CurrentShardLevelMetrics"]>[number], "ALL">;

/** The metrics "ALL" stands for, in the order the service lists them (the model's). */
export const SHARD_LEVEL_METRICS: readonly Metric[] = shapes.MetricsName.enum.filter((name): name is Metric => name !== "ALL");

const expand = (metrics: readonly string[]): Metric[] => (metrics.includes("ALL") ? [...SHARD_LEVEL_METRICS] : (metrics as Metric[]));
const ordered = (metrics: Iterable<string>): Metric[] => SHARD_LEVEL_METRICS.filter((m) => new Set(metrics).has(m));

/**
 * Enable/DisableEnhancedMonitoring: the shard-level metrics are recorded on the stream (and
 * reported by DescribeStream); the metrics themselves appear with the metrics endpoint.
 */
export async function changeMonitoring(ctx: RequestContext, name: string, metrics: readonly string[], enable: boolean): Promise<EnhancedMonitoringOutput> {
  let current: Metric[] = [];
  const updated = await updateActiveStream(
    ctx,
    name,
    (stream) => {
      current = ordered(stream.shardLevelMetrics);
      const chosen = new Set<string>(expand(metrics));
      const desired = enable ? ordered([...current, ...chosen]) : current.filter((m) => !chosen.has(m));
      return { ...stream, shardLevelMetrics: desired };
    },
    { updating: false },
  );
  return {
    StreamName: name,
    StreamARN: streamArnOf(ctx.settings, name),
    CurrentShardLevelMetrics: current,
    DesiredShardLevelMetrics: ordered(updated.shardLevelMetrics),
  };
}

import type { CostComparison } from "./cost-comparison.js";
import type { CpuSeconds } from "../server-process.js";
import type { FanoutVerdict } from "./fanout-target.js";
import type { DeliveryCheck, LatencySummary } from "./stats.js";

/**
 * What a bench run produces: the JSON that `--json` prints, and what the table and the HTML
 * report are rendered from.
 */
export type Side = "kinesis" | "native";

/** publish: write as fast as allowed; replay: read back what a publish run stored; live: write at a rate while applications read. */
export type WorkloadKind = "publish" | "replay" | "live";

export type LatencyKind = "put→ack" | "put→delivery";

export interface RunResult {
  readonly side: Side;
  readonly workload: WorkloadKind;
  /** How records went: PutRecords, GetRecords, GetRecords polling, SubscribeToShard, js.publish, ordered consumer. */
  readonly method: string;
  readonly recordBytes: number;
  /** Consuming applications reading at once (live runs; 1 for a replay, 0 for publish-only). */
  readonly consumers: number;
  /** Records written (publish, live) or replayed. */
  readonly records: number;
  readonly seconds: number;
  /** Records a second written (publish), read (replay) or received by each application (live: the slowest one's). */
  readonly recordsPerSecond: number;
  readonly mibPerSecond: number;
  /** Live: records a second received by all applications together. */
  readonly totalRecordsPerSecond: number;
  /** Live: the write rate achieved (the target is the `rate` option). */
  readonly writtenPerSecond?: number;
  /** Publish: from a record's send to its acknowledgement; live: from its send to its arrival at an application (all applications pooled). */
  readonly latency?: LatencySummary & { readonly of: LatencyKind };
  /** Live: records a second stored, from the first measured write until the last was acknowledged (below writtenPerSecond when the writes queue). */
  readonly storedPerSecond?: number;
  /** Live: the writer's own requests in the run (PutRecords, PutRecord or js.publish), ms from send to acknowledgement. */
  readonly putLatency?: LatencySummary;
  /** Live: the 4 × 4 SubscribeToShard run against issue 15's fan-out target. */
  readonly fanout?: FanoutVerdict;
  /** Replay and live: whether every record arrived exactly once (at every application). */
  readonly delivery?: DeliveryCheck;
  /** Records the endpoint refused (throttling) and the bench sent again. */
  readonly retried?: number;
  /** CPU seconds each process used during the run. */
  readonly cpu: CpuSeconds;
  /** Highest RSS of our server (and its nats-server) sampled during the run. */
  readonly serverRssBytes?: number;
  readonly natsRssBytes?: number;
  /** Why the run did not happen, or what failed. */
  readonly skipped?: string;
  readonly error?: string;
}

/** The spawned server against the targets of issue 6. */
export interface ServerFigures {
  /** From spawn until /health/ready first answered 200. */
  readonly startupMs: number;
  /** Highest RSS sampled (every 100 ms) during the sustained publish-while-consuming runs: what the target is about. */
  readonly sustainedPeakRssBytes?: number;
  readonly natsSustainedPeakRssBytes?: number;
  /** The kernel's high-water mark over the whole bench, publish-only runs of large records included. */
  readonly lifetimePeakRssBytes?: number;
  readonly natsLifetimePeakRssBytes?: number;
  readonly targets: { readonly startupMs: number; readonly rssBytes: number };
}

/** The highest of the runs' sampled RSS figures, for the server or its nats-server. */
export function peakOf(runs: readonly RunResult[], of: "serverRssBytes" | "natsRssBytes"): number | undefined {
  const values = runs.map((r) => r[of]).filter((v): v is number => v !== undefined && v > 0);
  return values.length > 0 ? Math.max(...values) : undefined;
}

export const SERVER_TARGETS = { startupMs: 1000, rssBytes: 150 * 1000 * 1000 } as const;

/** One minute of a soak (--soak). */
export interface SoakMinute {
  readonly minute: number;
  /** The server's RSS at the end of the minute; unknown for a server the bench did not start (--endpoint). */
  readonly rssBytes?: number;
  /** The highest RSS sampled during it. */
  readonly peakRssBytes?: number;
  readonly records: number;
  /** Every record of the minute reached every application exactly once. */
  readonly exactlyOnce: boolean;
  readonly error?: string;
}

/** --soak: the live workload held for minutes, RSS after each. */
export interface SoakResult {
  readonly minutes: number;
  /** Minutes of warm-up: the RSS after them is where the soak starts. */
  readonly warmupMinutes: number;
  readonly samples: readonly SoakMinute[];
  readonly startRssBytes?: number;
  readonly endRssBytes?: number;
  /** (end - start) / start. */
  readonly changeRatio?: number;
  /** The server's RSS was known (a server the bench started): only then is there a verdict on memory. */
  readonly rssMeasured: boolean;
  /** The end within 10% of the start. */
  readonly flat: boolean;
  readonly exactlyOnce: boolean;
}

export interface BenchResult {
  readonly tool: "kinesis-nats bench";
  readonly schema: 1;
  readonly startedAt: string;
  readonly machine: { readonly cpus: number; readonly node: string; readonly platform: string };
  readonly target: {
    readonly endpoint: string;
    /** spawned: a server of ours started for the run; given: --endpoint. */
    readonly kind: "spawned" | "given";
    readonly http: "2" | "1.1";
    readonly natsUrl?: string;
    readonly storage?: "memory" | "file";
    /** Server processes (`--workers`) of a server the bench started; their CPU and memory are summed. */
    readonly workers?: number;
  };
  readonly settings: {
    readonly shards: number;
    readonly batch: number;
    readonly inFlight: number;
    readonly seconds: number;
    readonly rate: number;
    readonly liveBatch: number;
    readonly pollMs: number;
    readonly sizes: readonly number[];
    readonly liveSizes: readonly number[];
    readonly fanout: readonly number[];
  };
  readonly server?: ServerFigures;
  readonly notes: readonly string[];
  readonly runs: readonly RunResult[];
  readonly cost?: CostComparison;
  readonly soak?: SoakResult;
  /** Every run that reads had every record exactly once, and no run failed. */
  readonly ok: boolean;
  readonly failures: readonly string[];
}

export const MiB = 1024 * 1024;

/** A record size as people say it: 1 KiB, 100 KiB, 512 B. */
export function sizeLabel(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes >= 1024 && bytes % 256 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

/** The name of a run's path, as tables and charts show it. */
export function runLabel(run: Pick<RunResult, "side" | "workload" | "method" | "consumers">): string {
  const side = run.side === "kinesis" ? "Kinesis" : "Native";
  const suffix = run.workload === "replay" ? " replay" : run.workload === "live" ? ` ×${run.consumers}` : "";
  return `${side} ${run.method}${suffix}`;
}

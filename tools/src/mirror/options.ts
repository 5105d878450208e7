import { parseArgs } from "node:util";
import { UsageError } from "../bench/options.js";

export { UsageError };

/** Where a shard with no stored position starts reading. */
export type StartingPoint = { readonly type: "TRIM_HORIZON" } | { readonly type: "LATEST" } | { readonly type: "AT_TIMESTAMP"; readonly timestamp: Date };

export interface MirrorOptions {
  readonly sourceStream: string;
  readonly targetStream: string;
  /** Undefined: real Kinesis, found through the SDK's default region and credential chain. */
  readonly sourceEndpoint?: string;
  readonly endpoint: string;
  readonly region?: string;
  readonly natsUrl: string;
  readonly stateBucket: string;
  readonly from: StartingPoint;
  /** A registered consumer's name: read by SubscribeToShard instead of GetRecords. */
  readonly efo?: string;
  readonly untilCaughtUp: boolean;
  readonly batch: number;
  readonly pollMs: number;
  readonly progressMs: number;
  readonly metricsPort?: number;
  readonly report?: string;
}

export const MIRROR_USAGE = `usage: kinesis-nats mirror SOURCE-STREAM [options]           copies a Kinesis stream into a stream of ours, until stopped
       kinesis-nats mirror compare SOURCE-STREAM [options]   reads both, shard by shard, and tells where they differ
                                                             (exit code 1) or how far the target is behind; --json

  --source-endpoint URL   the source's Kinesis endpoint (default: real Kinesis, region and
                          credentials from the AWS environment and profiles)
  --region NAME           the source's region (default: the AWS environment's)
  --endpoint URL          our server (default http://127.0.0.1:4567)
  --target NAME           the stream to write (default: the source's name); created when missing,
                          with the source's shard layout
  --nats URL              the NATS server that keeps the mirror's positions (default nats://127.0.0.1:4222)
  --state-bucket NAME     the KV bucket of the positions (default kinesis-nats-mirror)
  --from POSITION         TRIM_HORIZON (default), LATEST or an ISO timestamp, for shards with no stored position
  --efo NAME              read by enhanced fan-out as the registered consumer NAME (registered when missing)
  --until-caught-up       stop once every open shard is read to its tip and every closed shard is copied
  --batch N               records per PutRecords (default 500)
  --poll-ms N             pause after an empty GetRecords (default 200: Kinesis allows 5 calls/s per shard)
  --progress-ms N         how often progress is logged to stderr (default 5000)
  --metrics-port N        serve Prometheus text at http://127.0.0.1:N/metrics
  --report FILE.html      on exit, a cost estimate priced from the traffic seen (see kinesis-nats bench --help
                          for the cost flags: --retention-hours, --polling-consumers, --nats-instances, ...)`;

const COST_FLAG_NAMES = ["retention-hours", "polling-consumers", "fanout-consumers", "nats-instances", "nats-replicas", "price"] as const;

function positiveInteger(flag: string, text: string, min = 1): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${flag} must be an integer of at least ${min}, not ${JSON.stringify(text)}`);
  return value;
}

export function parseStartingPoint(text: string): StartingPoint {
  if (text === "TRIM_HORIZON" || text === "LATEST") return { type: text };
  const timestamp = new Date(text);
  if (!/^\d{4}-\d\d-\d\d/.test(text) || Number.isNaN(timestamp.getTime())) {
    throw new UsageError(`--from must be TRIM_HORIZON, LATEST or an ISO timestamp, not ${JSON.stringify(text)}`);
  }
  return { type: "AT_TIMESTAMP", timestamp };
}

const url = (flag: string, text: string): string => {
  if (!/^https?:\/\/[^/]+/.test(text)) throw new UsageError(`--${flag} must be an http:// or https:// URL, not ${JSON.stringify(text)}`);
  return text;
};

/** The mirror's flags, and the cost flags passed through untouched for the report. */
export function parseMirrorOptions(argv: readonly string[]): { options: MirrorOptions; costArgv: string[] } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        "source-endpoint": { type: "string" },
        region: { type: "string" },
        endpoint: { type: "string", default: "http://127.0.0.1:4567" },
        target: { type: "string" },
        nats: { type: "string", default: "nats://127.0.0.1:4222" },
        "state-bucket": { type: "string", default: "kinesis-nats-mirror" },
        from: { type: "string", default: "TRIM_HORIZON" },
        efo: { type: "string" },
        "until-caught-up": { type: "boolean", default: false },
        batch: { type: "string", default: "500" },
        "poll-ms": { type: "string", default: "200" },
        "progress-ms": { type: "string", default: "5000" },
        "metrics-port": { type: "string" },
        report: { type: "string" },
        ...Object.fromEntries(COST_FLAG_NAMES.map((name) => [name, { type: "string", multiple: name === "price" }])),
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new UsageError("name exactly one source stream");
  const sourceStream = positionals[0]!;
  const costArgv = COST_FLAG_NAMES.flatMap((name) => {
    const value = (values as Record<string, string | string[] | boolean | undefined>)[name] as string | string[] | undefined;
    return value === undefined ? [] : (Array.isArray(value) ? value : [value]).flatMap((v) => [`--${name}`, v]);
  });
  const options: MirrorOptions = {
    sourceStream,
    targetStream: values.target ?? sourceStream,
    ...(values["source-endpoint"] !== undefined && { sourceEndpoint: url("source-endpoint", values["source-endpoint"]) }),
    endpoint: url("endpoint", values.endpoint),
    ...(values.region !== undefined && { region: values.region }),
    natsUrl: values.nats,
    stateBucket: values["state-bucket"],
    from: parseStartingPoint(values.from),
    ...(values.efo !== undefined && { efo: values.efo }),
    untilCaughtUp: values["until-caught-up"],
    batch: Math.min(500, positiveInteger("batch", values.batch)),
    pollMs: positiveInteger("poll-ms", values["poll-ms"], 0),
    progressMs: positiveInteger("progress-ms", values["progress-ms"], 100),
    ...(values["metrics-port"] !== undefined && { metricsPort: positiveInteger("metrics-port", values["metrics-port"], 0) }),
    ...(values.report !== undefined && { report: values.report }),
  };
  return { options, costArgv };
}

import { parseArgs, type ParseArgsConfig } from "node:util";
import { JANUARY_2025_US_EAST_1, type Prices } from "../cost/prices.js";
import { STAMP_BYTES } from "./record-stamp.js";

/** The bench's flags, read and checked before anything runs. */
export interface BenchOptions {
  /** A Kinesis endpoint to measure instead of a server of ours started for the run. */
  readonly endpoint?: string;
  readonly region: string;
  /** NATS for the native side (and for the server we start); by default the one that server starts. */
  readonly natsUrl?: string;
  /** Publish-only and replay runs, for each of `sizes`. */
  readonly throughput: boolean;
  /** Sustained publish while 1..n applications consume, for each of `liveSizes` and `fanout`. */
  readonly live: boolean;
  /** Record sizes of the throughput runs, bytes. */
  readonly sizes: readonly number[];
  /** Record sizes of the live runs, bytes. */
  readonly liveSizes: readonly number[];
  readonly shards: number;
  /** Records per PutRecords request in publish-only runs (fewer when they would pass 5 MiB). */
  readonly batch: number;
  /** PutRecords requests under way at once in publish-only runs; native: batch × inFlight publishes. */
  readonly inFlight: number;
  /** How long each publish-only run writes and each live run writes at `rate`. */
  readonly seconds: number;
  /** Records a second written during live runs. */
  readonly rate: number;
  /** Records per PutRecords request during live runs (1: PutRecord). */
  readonly liveBatch: number;
  /** Consuming applications of each live run. */
  readonly fanout: readonly number[];
  /** Pause between GetRecords calls of a polling application, per shard. */
  readonly pollMs: number;
  /** The started server's JetStream keeps records in memory. */
  readonly memory: boolean;
  /** `--workers` of the server the bench starts. */
  readonly workers: number;
  /** `--soak MINUTES`: after the other runs, the live workload held this long, RSS every minute (0: none). */
  readonly soakMinutes: number;
  readonly json: boolean;
  readonly report?: string;
  readonly cost: CostOptions;
}

/** What the cost comparison needs beyond what the bench measures. */
export interface CostOptions {
  readonly retentionHours: number;
  readonly pollingConsumers: number;
  readonly fanOutConsumers: number;
  readonly natsInstances: number;
  readonly natsReplicas: number;
  readonly prices: Prices;
}

/** `bench cost`: a workload given by flags instead of measured. */
export interface CostCommandOptions {
  readonly rate: number;
  readonly recordBytes: number;
  readonly json: boolean;
  readonly cost: CostOptions;
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

const KiB = 1024;
const MAX_RECORD_BYTES = 1024 * KiB;

export const BENCH_USAGE = `usage: kinesis-nats bench [options]         one workload through the Kinesis API and natively on JetStream, side by side
       kinesis-nats bench cost [options]    the monthly cost estimate alone, from rates given as flags
       kinesis-nats bench fanout [options]  put->delivery latency breakdown of SubscribeToShard (see README)
       kinesis-nats bench protocols         in-process cost of the JSON and CBOR codecs and of SigV4 checks
       kinesis-nats bench long-replay [--records 1000000] [--shards 2] [--record-size 16] [--nats-url URL] [--scopes]
                                            a long file-storage stream read back with GetRecords Limit 10000: rates and the slowest call
       kinesis-nats bench leases [--leases 1000] [--concurrency 32] [--seconds 5] [--memory] [--nats-url URL]
                                            conditional UpdateItem on a lease table as KCL renews leases: calls/s, p50/p99, beside PutRecord

Sizes are KiB unless they end in B (512B) or MiB (1MiB).

Where:
  --endpoint URL          a Kinesis endpoint to measure (real Kinesis, another implementation); default: a server of ours, started
  --region NAME           region of that endpoint (default: AWS_REGION, AWS_DEFAULT_REGION, us-east-1); credentials: the AWS environment
  --nats-url URL          NATS for the native runs; default: the one the started server runs (native runs are skipped with --endpoint alone)
  --memory                the started server keeps JetStream in memory (default: files in a temporary directory)
Workload:
  --workloads LIST        throughput (publish-only, then replay of what was stored) and/or live (publish while consuming); default: throughput,live
  --sizes LIST            record sizes of the throughput runs (default: 1,5,10,100)
  --live-sizes LIST       record sizes of the live runs (default: 1)
  --shards N              shards (native: subjects) of the stream (default: 4)
  --batch N               records per PutRecords request, publish-only (default: 500, fewer where 5 MiB would be passed)
  --in-flight N           PutRecords requests under way at once, publish-only (default: 4; native: batch x in-flight publishes)
  --seconds S             how long each publish-only and each live run writes (default: 5)
  --rate N                records/s written during live runs (default: 1000)
  --live-batch N          records per PutRecords request during live runs (default: 10; 1 = PutRecord)
  --fanout LIST           consuming applications of the live runs, each by GetRecords polling, SubscribeToShard and natively (default: 1,2,3,4)
  --poll-ms N             pause between GetRecords calls of a polling application (default: 200; real Kinesis allows 5 calls/s per shard)
  --soak MINUTES          after the other runs, write at --rate for MINUTES while one application polls and one subscribes,
                          printing the server's RSS every minute; fails unless the last minute ends within 10% of the first (default: off)
Output:
  --json                  the results as JSON on stdout instead of tables
  --report FILE.html      a self-contained page with charts of the runs and the cost comparison
Cost (also for bench cost):
  --retention-hours N     how long records are kept (default: 24)
  --polling-consumers N   applications reading by GetRecords (default: 1)
  --fanout-consumers N    applications reading by enhanced fan-out (default: 0)
  --nats-instances N      instances of the NATS cluster (default: 3)
  --nats-replicas N       JetStream replicas (default: 3)
  --price NAME=VALUE      override a price (USD), repeatable; names: ${Object.keys(JANUARY_2025_US_EAST_1).join(", ")}
bench cost only:
  --rate N                records/s written (default: 1000)
  --record-size SIZE      record size (default: 1)
  --from-stream NAME      instead of --rate and --record-size: the traffic of a real stream, read from every
                          shard over the last --window seconds (default 60), with its shards, retention and
                          registered consumers; --endpoint URL and --region NAME as for kinesis-nats mirror`;

const COST_FLAGS = {
  "retention-hours": { type: "string", default: "24" },
  "polling-consumers": { type: "string", default: "1" },
  "fanout-consumers": { type: "string", default: "0" },
  "nats-instances": { type: "string", default: "3" },
  "nats-replicas": { type: "string", default: "3" },
  price: { type: "string", multiple: true, default: [] as string[] },
  json: { type: "boolean", default: false },
} satisfies ParseArgsConfig["options"];

/** A size: KiB unless it ends in B or MiB ("1", "0.5", "512B", "1MiB"). */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KiB|K|MiB|M)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`not a size: ${JSON.stringify(text)} (KiB, or end it in B or MiB)`);
  const unit = (match[2] ?? "KiB").toLowerCase();
  const bytes = Math.round(Number(match[1]) * (unit === "b" ? 1 : unit.startsWith("m") ? KiB * KiB : KiB));
  if (bytes < STAMP_BYTES || bytes > MAX_RECORD_BYTES) throw new UsageError(`record size ${text} is outside ${STAMP_BYTES} B … 1 MiB`);
  return bytes;
}

function parseList<T>(text: string, parseItem: (item: string) => T): T[] {
  const items = text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  if (items.length === 0) throw new UsageError(`empty list: ${JSON.stringify(text)}`);
  return items.map(parseItem);
}

function parseNumber(flag: string, text: string, { min, integer }: { min: number; integer: boolean }): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${flag} must be ${integer ? "an integer" : "a number"} of at least ${min}, not ${JSON.stringify(text)}`);
  }
  return value;
}

const integer = (flag: string, text: string, min = 1): number => parseNumber(flag, text, { min, integer: true });

/** `name=value` overrides applied to the default prices; unknown names are refused. */
function parsePrices(overrides: readonly string[]): Prices {
  const prices: Record<string, number> = { ...JANUARY_2025_US_EAST_1 };
  for (const override of overrides) {
    const [name = "", value = "", ...rest] = override.split("=");
    if (!(name in prices) || rest.length > 0) {
      throw new UsageError(`--price ${override}: expected NAME=VALUE with NAME one of ${Object.keys(prices).join(", ")}`);
    }
    prices[name] = parseNumber("price", value, { min: 0, integer: false });
  }
  return prices as unknown as Prices;
}

/** The cost flags as parseArgs gives them: text, and the repeated --price. */
type CostFlagValues = Record<Exclude<keyof typeof COST_FLAGS, "price" | "json">, string> & { readonly price: readonly string[] };

function costOptions(values: CostFlagValues): CostOptions {
  return {
    retentionHours: parseNumber("retention-hours", values["retention-hours"], { min: 1, integer: false }),
    pollingConsumers: integer("polling-consumers", values["polling-consumers"], 0),
    fanOutConsumers: integer("fanout-consumers", values["fanout-consumers"], 0),
    natsInstances: integer("nats-instances", values["nats-instances"]),
    natsReplicas: integer("nats-replicas", values["nats-replicas"]),
    prices: parsePrices(values.price),
  };
}

function parseStrict<O extends NonNullable<ParseArgsConfig["options"]>>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function parseBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const values = parseStrict(argv, {
    ...COST_FLAGS,
    endpoint: { type: "string" },
    region: { type: "string" },
    "nats-url": { type: "string" },
    memory: { type: "boolean", default: false },
    workers: { type: "string", default: "1" },
    workloads: { type: "string", default: "throughput,live" },
    sizes: { type: "string", default: "1,5,10,100" },
    "live-sizes": { type: "string", default: "1" },
    shards: { type: "string", default: "4" },
    batch: { type: "string", default: "500" },
    "in-flight": { type: "string", default: "4" },
    seconds: { type: "string", default: "5" },
    rate: { type: "string", default: "1000" },
    "live-batch": { type: "string", default: "10" },
    fanout: { type: "string", default: "1,2,3,4" },
    "poll-ms": { type: "string", default: "200" },
    soak: { type: "string", default: "0" },
    report: { type: "string" },
  });
  const workloads = parseList(values.workloads, (w) => {
    if (w !== "throughput" && w !== "live") throw new UsageError(`--workloads: unknown workload ${JSON.stringify(w)} (throughput, live)`);
    return w;
  });
  if (values.endpoint !== undefined && !/^https?:\/\/[^/]+/.test(values.endpoint))
    throw new UsageError(`--endpoint must be an http:// or https:// URL, not ${JSON.stringify(values.endpoint)}`);
  return {
    endpoint: values.endpoint,
    region: values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    natsUrl: values["nats-url"],
    throughput: workloads.includes("throughput"),
    live: workloads.includes("live"),
    sizes: parseList(values.sizes, parseSize),
    liveSizes: parseList(values["live-sizes"], parseSize),
    shards: integer("shards", values.shards),
    batch: Math.min(500, integer("batch", values.batch)),
    inFlight: integer("in-flight", values["in-flight"]),
    seconds: parseNumber("seconds", values.seconds, { min: 0.1, integer: false }),
    rate: integer("rate", values.rate),
    liveBatch: Math.min(500, integer("live-batch", values["live-batch"])),
    fanout: parseList(values.fanout, (n) => {
      const count = integer("fanout", n);
      // Real Kinesis allows 20 registered consumers per stream.
      if (count > 20) throw new UsageError("--fanout: at most 20 consuming applications (Kinesis's limit of registered consumers per stream)");
      return count;
    }),
    pollMs: integer("poll-ms", values["poll-ms"], 0),
    memory: values.memory,
    workers: integer("workers", values.workers),
    soakMinutes: integer("soak", values.soak, 0),
    json: values.json,
    report: values.report,
    cost: costOptions(values),
  };
}

export function parseCostCommandOptions(argv: readonly string[]): CostCommandOptions {
  const values = parseStrict(argv, { ...COST_FLAGS, rate: { type: "string", default: "1000" }, "record-size": { type: "string", default: "1" } });
  return {
    rate: parseNumber("rate", values.rate, { min: 0, integer: false }),
    recordBytes: parseSize(values["record-size"]),
    json: values.json,
    cost: costOptions(values),
  };
}

/** Records per PutRecords request: the asked batch, fewer where the request would carry more than 5 MiB of data. */
const REQUEST_DATA_LIMIT = 5 * KiB * KiB;
export const batchFor = (batch: number, recordBytes: number): number => Math.max(1, Math.min(batch, Math.floor(REQUEST_DATA_LIMIT / recordBytes)));

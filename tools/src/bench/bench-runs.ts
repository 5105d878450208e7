import type { KinesisClient } from "@aws-sdk/client-kinesis";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { kinesisPublish, kinesisReplay, pollingApplication, subscribingApplication } from "./kinesis-runs.js";
import { registerConsumers, type BenchStream } from "./kinesis-target.js";
import { measureLive, type LiveOutcome, type Writer } from "./live-run.js";
import { nativeApplication, nativePublish, nativeReplay, nextSequence, type NativeStream } from "./native-runs.js";
import { batchFor, type BenchOptions } from "./options.js";
import { judgeFanout } from "./fanout-target.js";
import type { Progress } from "./progress.js";
import type { Reader } from "./reader.js";
import { MiB, runLabel, sizeLabel, type RunResult, type Side, type WorkloadKind } from "./results.js";
import type { ProcessWatch } from "../server-process.js";
import { soak } from "./soak.js";
import type { SoakResult } from "./results.js";
import { combineChecks, summarizeLatency, type DeliveryTally } from "./stats.js";

/**
 * The runs of one bench, in order: for each live size and each fan-out, sustained publish
 * while applications consume by GetRecords polling, by SubscribeToShard and natively; then,
 * for each record size, publish-only then replay, through the Kinesis API and natively.
 */
export interface BenchContext {
  readonly options: BenchOptions;
  readonly watch: ProcessWatch;
  readonly progress: Progress;
  readonly kinesis: { readonly client: KinesisClient; readonly stream: BenchStream };
  readonly native?: { readonly js: JetStreamClient; readonly jsm: JetStreamManager; readonly stream: NativeStream };
  /** The writer thread of the live runs. */
  readonly writer?: Writer;
  readonly runs: RunResult[];
  readonly notes: string[];
}

interface RunIdentity {
  readonly side: Side;
  readonly workload: WorkloadKind;
  readonly method: string;
  readonly recordBytes: number;
  readonly consumers: number;
}

let runCounter = 0;
const nextRun = (): number => ++runCounter;

const mibPerSecond = (records: number, bytes: number, seconds: number): number => (records * bytes) / MiB / seconds;

/** Runs one measurement; a failure becomes a run that says what failed, and the bench goes on. */
async function attempt(ctx: BenchContext, id: RunIdentity, expectedSeconds: number, measure: () => Promise<RunResult>): Promise<RunResult> {
  ctx.progress.step(`${runLabel(id)}, ${sizeLabel(id.recordBytes)}`, expectedSeconds);
  let result: RunResult;
  try {
    result = await measure();
  } catch (error) {
    result = {
      ...id,
      records: 0,
      seconds: 0,
      recordsPerSecond: 0,
      mibPerSecond: 0,
      totalRecordsPerSecond: 0,
      cpu: { client: 0 },
      error: (error as Error).message ?? String(error),
    };
  }
  ctx.runs.push(result);
  return result;
}

function publishResult(
  id: RunIdentity,
  outcome: { written: number; seconds: number; latencies: number[]; retried?: number },
  measured: ReturnType<ProcessWatch["endRun"]>,
): RunResult {
  const rate = outcome.written / outcome.seconds;
  const latency = summarizeLatency(outcome.latencies);
  return {
    ...id,
    records: outcome.written,
    seconds: outcome.seconds,
    recordsPerSecond: rate,
    mibPerSecond: mibPerSecond(outcome.written, id.recordBytes, outcome.seconds),
    totalRecordsPerSecond: rate,
    ...(latency && { latency: { ...latency, of: "put→ack" as const } }),
    ...(outcome.retried && { retried: outcome.retried }),
    ...measured,
  };
}

function replayResult(id: RunIdentity, outcome: { seconds: number; tally: DeliveryTally }, measured: ReturnType<ProcessWatch["endRun"]>): RunResult {
  const delivery = outcome.tally.result();
  const rate = delivery.delivered / outcome.seconds;
  return {
    ...id,
    records: delivery.delivered,
    seconds: outcome.seconds,
    recordsPerSecond: rate,
    mibPerSecond: mibPerSecond(delivery.delivered, id.recordBytes, outcome.seconds),
    totalRecordsPerSecond: rate,
    delivery,
    ...measured,
  };
}

function liveResult(id: RunIdentity, outcome: LiveOutcome, shards: number): RunResult {
  const slowest = Math.min(...outcome.checks.map((c) => c.delivered));
  const total = outcome.checks.reduce((sum, c) => sum + c.delivered, 0);
  const latency = summarizeLatency(outcome.latencies);
  const putLatency = summarizeLatency(outcome.putLatencies);
  const result: RunResult = {
    ...id,
    records: outcome.written,
    seconds: outcome.seconds,
    recordsPerSecond: slowest / outcome.seconds,
    mibPerSecond: mibPerSecond(slowest, id.recordBytes, outcome.seconds),
    totalRecordsPerSecond: total / outcome.seconds,
    writtenPerSecond: outcome.written / outcome.sendSeconds,
    storedPerSecond: outcome.written / outcome.ackSeconds,
    ...(latency && { latency: { ...latency, of: "put→delivery" as const } }),
    ...(putLatency && { putLatency }),
    delivery: combineChecks(outcome.checks),
    ...(outcome.retried > 0 && { retried: outcome.retried }),
    cpu: outcome.cpu,
    serverRssBytes: outcome.serverRssBytes,
    natsRssBytes: outcome.natsRssBytes,
    ...(outcome.error && { error: outcome.error }),
  };
  const fanout = outcome.error ? undefined : judgeFanout(result, shards);
  return fanout ? { ...result, fanout } : result;
}

async function throughputRuns(ctx: BenchContext, recordBytes: number): Promise<void> {
  const { options, watch, kinesis, native } = ctx;
  const batch = batchFor(options.batch, recordBytes);
  if (batch < options.batch) ctx.notes.push(`${sizeLabel(recordBytes)} records: PutRecords batches of ${batch}, so that a request carries at most 5 MiB`);
  const one = (side: Side, workload: WorkloadKind, method: string): RunIdentity => ({
    side,
    workload,
    method,
    recordBytes,
    consumers: workload === "replay" ? 1 : 0,
  });

  const run = nextRun();
  let published: Awaited<ReturnType<typeof kinesisPublish>> | undefined;
  await attempt(ctx, one("kinesis", "publish", "PutRecords"), options.seconds, async () => {
    const begin = watch.beginRun();
    published = await kinesisPublish(kinesis.client, kinesis.stream, { run, recordBytes, batch, inFlight: options.inFlight, seconds: options.seconds });
    return publishResult(one("kinesis", "publish", "PutRecords"), published, watch.endRun(begin));
  });
  if (published) {
    const stored = published;
    await attempt(ctx, one("kinesis", "replay", "GetRecords"), options.seconds, async () => {
      const begin = watch.beginRun();
      const replay = await kinesisReplay(kinesis.client, kinesis.stream, run, recordBytes, stored);
      return replayResult(one("kinesis", "replay", "GetRecords"), replay, watch.endRun(begin));
    });
  }
  if (!native) return;

  const nativeRun = nextRun();
  let first = 0;
  let written: number | undefined;
  await attempt(ctx, one("native", "publish", "js.publish"), options.seconds, async () => {
    first = await nextSequence(native.jsm, native.stream);
    const begin = watch.beginRun();
    const outcome = await nativePublish(native.js, native.stream, { run: nativeRun, recordBytes, window: batch * options.inFlight, seconds: options.seconds });
    written = outcome.written;
    return publishResult(one("native", "publish", "js.publish"), outcome, watch.endRun(begin));
  });
  if (written === undefined) return;
  const count = written;
  await attempt(ctx, one("native", "replay", "ordered consumer"), options.seconds / 2, async () => {
    const begin = watch.beginRun();
    const replay = await nativeReplay(native.js, native.stream, nativeRun, first, count);
    return replayResult(one("native", "replay", "ordered consumer"), replay, watch.endRun(begin));
  });
}

/** Registered consumers for the SubscribeToShard runs, made on first use; undefined (and a note) where the endpoint has none. */
async function consumersFor(ctx: BenchContext, state: { arns?: string[] | null }): Promise<string[] | undefined> {
  if (state.arns === undefined) {
    try {
      state.arns = await registerConsumers(ctx.kinesis.client, ctx.kinesis.stream, Math.max(...ctx.options.fanout));
    } catch (error) {
      state.arns = null;
      ctx.notes.push(`SubscribeToShard runs skipped: RegisterStreamConsumer failed: ${(error as Error).name}: ${(error as Error).message}`);
    }
  }
  return state.arns ?? undefined;
}

async function liveRuns(ctx: BenchContext, recordBytes: number, consumers: { arns?: string[] | null }): Promise<void> {
  const { options, watch, kinesis, native, writer } = ctx;
  const expected = options.seconds + 1;
  const live = (method: string, n: number): RunIdentity => ({
    side: method === "ordered consumer" ? "native" : "kinesis",
    workload: "live",
    method,
    recordBytes,
    consumers: n,
  });
  const plan = { rate: options.rate, seconds: options.seconds, recordBytes };
  const kinesisTarget = { kind: "kinesis" as const, stream: kinesis.stream.name };
  const batch = batchFor(options.liveBatch, recordBytes);
  const measure = (id: RunIdentity, readers: Reader[], target: Parameters<typeof measureLive>[2]["target"], batch: number, settleMs = 0) =>
    attempt(ctx, id, expected, async () =>
      liveResult(id, await measureLive(readers, writer!, { ...plan, run: nextRun(), target, batch, settleMs }, watch), options.shards),
    );

  for (const n of options.fanout) {
    const polling = Array.from({ length: n }, () => pollingApplication(kinesis.client, kinesis.stream, options.pollMs));
    await measure(live("GetRecords polling", n), polling, kinesisTarget, batch, options.pollMs);
    const arns = await consumersFor(ctx, consumers);
    if (arns) {
      const subscribing = arns.slice(0, n).map((arn) => subscribingApplication(kinesis.client, kinesis.stream, arn));
      await measure(live("SubscribeToShard", n), subscribing, kinesisTarget, batch);
    }
    if (native) {
      const apps = Array.from({ length: n }, () => nativeApplication(native.js, native.jsm, native.stream));
      // One js.publish per record as it is due: nothing waits to fill a batch.
      await measure(live("ordered consumer", n), apps, { kind: "nats", subjects: native.stream.subjects }, 1);
    }
  }
}

/** How long the runs should take, for the progress bar. */
export function expectedSeconds(options: BenchOptions, native: boolean): number {
  const throughput = options.throughput ? options.sizes.length * options.seconds * (native ? 3.5 : 2) : 0;
  const live = options.live ? options.liveSizes.length * options.fanout.length * (native ? 3 : 2) * (options.seconds + 1) : 0;
  return Math.max(1, throughput + live + options.soakMinutes * 61);
}

/** The live runs first: the server's memory during them is what its target is about, before publish-only runs of large records grow it. */
export async function runAll(ctx: BenchContext, say: (line: string) => void): Promise<SoakResult | undefined> {
  const consumers: { arns?: string[] | null } = {};
  if (ctx.options.live) for (const size of ctx.options.liveSizes) await liveRuns(ctx, size, consumers);
  if (ctx.options.throughput) for (const size of ctx.options.sizes) await throughputRuns(ctx, size);
  if (ctx.options.soakMinutes === 0) return undefined;
  // Last, so that its start is the server after everything else: memory that grew and stays shows as growth.
  ctx.progress.step(`soak, ${ctx.options.soakMinutes} min`, ctx.options.soakMinutes * 61);
  return soak(ctx, await consumersFor(ctx, consumers), say);
}

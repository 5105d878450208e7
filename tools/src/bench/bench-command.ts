import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { expectedSeconds, runAll, type BenchContext } from "./bench-runs.js";
import { compareCosts, renderCost, type CostComparison } from "./cost-comparison.js";
import { renderHtmlReport } from "./html-report.js";
import { connectKinesis, createStream, deleteStream, type ClientSetup } from "./kinesis-target.js";
import { startEmbeddedNats, type EmbeddedNats } from "kinesis-nats/system/embedded-nats.js";
import { startWriter } from "./live-run.js";
import { createNativeStream, deleteNativeStream } from "./native-runs.js";
import { parseBenchOptions, type BenchOptions } from "./options.js";
import { Progress } from "./progress.js";
import { peakOf, SERVER_TARGETS, sizeLabel, type BenchResult, type RunResult, type SoakResult } from "./results.js";
import { soakLine } from "./soak-verdict.js";
import { ProcessWatch, spawnServer, stopServer, type ServerProcess } from "../server-process.js";
import { median } from "./stats.js";
import { renderTables } from "./table.js";

/**
 * `kinesis-nats bench`: one workload through the Kinesis API (AWS SDK, default settings) and
 * natively on the same JetStream, side by side, with what it would cost on each.
 */
export async function runBench(argv: readonly string[]): Promise<void> {
  const options = parseBenchOptions(argv);
  const startedAt = new Date().toISOString();
  const dataDir = mkdtempSync(join(tmpdir(), "kinesis-bench-"));
  const notes: string[] = [];
  const runs: RunResult[] = [];
  const cleanup: Cleanup = [];
  let targets: Targets | undefined;
  let setup: ClientSetup | undefined;
  let lifetimePeaks: LifetimePeaks = {};
  let soakResult: SoakResult | undefined;
  try {
    targets = await startTargets(options, dataDir, cleanup, notes);
    const kinesis = await connectKinesis({ endpoint: targets.endpoint, region: options.region, anyCredentials: !options.endpoint });
    setup = kinesis.setup;
    cleanup.push(async () => kinesis.client.destroy());
    if (kinesis.note) notes.push(kinesis.note);
    const stream = await createStream(kinesis.client, `bench-${randomBytes(3).toString("hex")}`, options.shards);
    cleanup.push(() => deleteStream(kinesis.client, stream.name));
    const native = await openNative(targets.natsUrl, options, cleanup);
    const writer = options.live || options.soakMinutes > 0 ? await startWriter({ kinesis: kinesis.setup, natsUrl: targets.natsUrl }) : undefined;
    if (writer) cleanup.push(async () => writer.close());
    // With --json, stdout carries the JSON alone: the bar goes to stderr.
    const progress = new Progress(options.json ? process.stderr : process.stdout, expectedSeconds(options, native !== undefined));
    try {
      // Soak lines as each minute ends: on stderr with --json, where the progress bar goes too.
      const say = (line: string): void => void (options.json ? process.stderr : process.stdout).write(`${line}\n`);
      soakResult = await runAll({ options, watch: targets.watch, progress, kinesis: { client: kinesis.client, stream }, native, writer, runs, notes }, say);
    } finally {
      progress.end();
    }
  } finally {
    for (const step of cleanup.reverse()) await step().catch((error: unknown) => notes.push(`cleanup: ${(error as Error).message}`));
    lifetimePeaks = targets?.watch.lifetimePeaks() ?? {};
    targets?.watch.stop();
    await stopServer(targets?.server);
    await targets?.nats?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  // Here the try block finished, so both were set.
  const result = assemble(options, {
    startedAt,
    setup: setup!,
    natsUrl: targets!.natsUrl,
    server: targets!.server,
    lifetimePeaks,
    notes,
    runs,
    soak: soakResult,
  });
  output(options, result);
}

type Cleanup = (() => Promise<unknown>)[];
type LifetimePeaks = ReturnType<ProcessWatch["lifetimePeaks"]>;

/** What the runs go against: the Kinesis endpoint, and the JetStream of the native runs. */
interface Targets {
  readonly endpoint: string;
  readonly natsUrl: string;
  /** Our server, when the bench started it. */
  readonly server?: ServerProcess;
  /** A nats-server started for the native runs beside a given endpoint that has no JetStream of its own. */
  readonly nats?: EmbeddedNats;
  readonly watch: ProcessWatch;
}

async function startTargets(options: BenchOptions, dataDir: string, cleanup: Cleanup, notes: string[]): Promise<Targets> {
  if (!options.endpoint) {
    const server = await spawnServer({ memory: options.memory, natsUrl: options.natsUrl, workers: options.workers }, dataDir);
    return { endpoint: server.url, natsUrl: server.natsUrl, server, watch: new ProcessWatch(server.child.pid, server.natsPid) };
  }
  const watch = new ProcessWatch();
  if (options.natsUrl) return { endpoint: options.endpoint, natsUrl: options.natsUrl, watch };
  // pino to stdout would break --json: nothing is logged.
  const nats = await startEmbeddedNats({ dataDir, log: pino({ level: "silent" }) });
  notes.push(
    `native runs on a nats-server started for the run on ${nats.url} (${nats.version}): ${options.endpoint} has no JetStream of its own to compare with (--nats-url names one)`,
  );
  return { endpoint: options.endpoint, natsUrl: nats.url, nats, watch };
}

/** The native side: a JetStream stream with one subject per shard. */
async function openNative(natsUrl: string, options: BenchOptions, cleanup: Cleanup): Promise<BenchContext["native"]> {
  const nc: NatsConnection = await connect({ servers: natsUrl, noAsyncTraces: true });
  cleanup.push(() => nc.close());
  const jsm = await jetstreamManager(nc);
  const stream = await createNativeStream(jsm, options.shards, options.memory ? "memory" : "file");
  cleanup.push(() => deleteNativeStream(nc, stream));
  return { js: jetstream(nc), jsm, stream };
}

/**
 * The rate the cost comparison prices: the highest the Kinesis API reached publish-only (with
 * the live runs' record size where it was measured), else what the live runs wrote.
 */
function costBasis(options: BenchOptions, runs: readonly RunResult[]): CostComparison | undefined {
  const puts = runs.filter((r) => r.side === "kinesis" && r.workload === "publish" && !r.error);
  const put = puts.find((r) => r.recordBytes === options.liveSizes[0]) ?? puts[0];
  if (put)
    return compareCosts(
      put.recordsPerSecond,
      put.recordBytes,
      options.cost,
      `PutRecords rate measured publish-only with ${sizeLabel(put.recordBytes)} records`,
    );
  const live = runs.filter((r) => r.side === "kinesis" && r.workload === "live" && r.writtenPerSecond && !r.error);
  if (live.length === 0) return undefined;
  const rate = median(live.map((r) => r.writtenPerSecond!));
  return compareCosts(rate, live[0]!.recordBytes, options.cost, `write rate measured in the live runs (median of ${live.length}; --rate ${options.rate})`);
}

interface Collected {
  startedAt: string;
  setup: ClientSetup;
  natsUrl?: string;
  server?: ServerProcess;
  lifetimePeaks: LifetimePeaks;
  notes: string[];
  runs: RunResult[];
  soak?: SoakResult;
}

/** What went wrong, one line each: failed runs, and reading runs that did not get every record exactly once. */
function failuresOf(runs: readonly RunResult[]): string[] {
  const failures: string[] = [];
  for (const run of runs) {
    const name = `${run.side} ${run.method}${run.workload === "live" ? ` ×${run.consumers}` : ` ${run.workload}`}, ${sizeLabel(run.recordBytes)}`;
    if (run.error) failures.push(`${name}: ${run.error}`);
    const d = run.delivery;
    if (d && !d.exactlyOnce)
      failures.push(`${name}: not exactly once: ${d.missing} missing, ${d.duplicated} duplicated, ${d.unexpected} unexpected of ${d.expected}`);
  }
  return failures;
}

function assemble(options: BenchOptions, c: Collected): BenchResult {
  const failures = failuresOf(c.runs);
  if (c.soak && !(c.soak.exactlyOnce && (c.soak.flat || !c.soak.rssMeasured))) failures.push(soakLine(c.soak));
  const live = c.runs.filter((r) => r.workload === "live");
  return {
    tool: "kinesis-nats bench",
    schema: 1,
    startedAt: c.startedAt,
    machine: { cpus: cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` },
    target: {
      endpoint: c.setup.endpoint,
      kind: options.endpoint ? "given" : "spawned",
      http: c.setup.http1 ? "1.1" : "2",
      ...(c.natsUrl && { natsUrl: c.natsUrl }),
      ...(!options.endpoint && { storage: options.memory ? ("memory" as const) : ("file" as const), workers: options.workers }),
    },
    settings: {
      shards: options.shards,
      batch: options.batch,
      inFlight: options.inFlight,
      seconds: options.seconds,
      rate: options.rate,
      liveBatch: options.liveBatch,
      pollMs: options.pollMs,
      sizes: options.sizes,
      liveSizes: options.liveSizes,
      fanout: options.fanout,
    },
    ...(c.server && {
      server: {
        startupMs: c.server.startupMs,
        sustainedPeakRssBytes: peakOf(live, "serverRssBytes"),
        natsSustainedPeakRssBytes: peakOf(live, "natsRssBytes"),
        lifetimePeakRssBytes: c.lifetimePeaks.serverBytes,
        natsLifetimePeakRssBytes: c.lifetimePeaks.natsBytes,
        targets: SERVER_TARGETS,
      },
    }),
    notes: c.notes,
    runs: c.runs,
    cost: costBasis(options, c.runs),
    ...(c.soak && { soak: c.soak }),
    ok: failures.length === 0,
    failures,
  };
}

function output(options: BenchOptions, result: BenchResult): void {
  if (options.json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(renderTables(result));
    if (result.cost) console.log(`\n${renderCost(result.cost)}`);
  }
  if (options.report) {
    writeFileSync(options.report, renderHtmlReport(result));
    (options.json ? console.error : console.log)(`\nReport: ${options.report}`);
  }
  if (!result.ok) {
    console.error(`\nFAILED:\n${result.failures.map((f) => `  ${f}`).join("\n")}`);
    process.exitCode = 1;
  }
}

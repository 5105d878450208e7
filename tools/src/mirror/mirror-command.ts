import { pino, type Logger } from "pino";
import { connectSource, registeredConsumer, targetClient } from "./clients.js";
import { compareStreams, describeComparison } from "./compare.js";
import { copyLineage, mirrorStart } from "./lineage.js";
import { prometheusText, serveMetrics } from "./metrics.js";
import { MIRROR_USAGE, parseMirrorOptions, UsageError, type MirrorOptions } from "./options.js";
import { PositionStore } from "./position-store.js";
import { observeStream, trafficCost, writeTrafficReport } from "./report.js";
import { fanOutReader, pollingReader, type ReaderContext } from "./source-reader.js";
import { RateMeter, Traffic } from "./traffic.js";

/** Logs on stderr: pino's pretty printer for a person at a terminal, JSON lines for anything else. */
const mirrorLogger = (): Logger =>
  process.stderr.isTTY ? pino(pino.transport({ target: "pino-pretty", options: { destination: 2 } })) : pino(pino.destination(2));

function progressOf(traffic: Traffic, rates: RateMeter): Record<string, unknown> {
  return {
    records: traffic.records,
    bytes: traffic.bytes,
    recordsPerSecond: Math.round(rates.recordsPerSecond),
    bytesPerSecond: Math.round(rates.bytesPerSecond),
    throttled: traffic.throttled,
    millisBehindLatest: Object.fromEntries(traffic.millisBehind),
  };
}

async function mirror(options: MirrorOptions, costArgv: readonly string[], log: Logger): Promise<void> {
  const { client: source, note } = await connectSource(options);
  if (note) log.info(note);
  const target = targetClient(options);
  const store = await PositionStore.open(options.natsUrl, options.stateBucket, options.targetStream, options.sourceStream);
  const controller = new AbortController();
  const stop = (signal: string): void => {
    if (controller.signal.aborted) process.exit(1);
    log.info({ signal }, "stopping: the writes under way finish and their positions are stored");
    controller.abort();
  };
  process.on("SIGINT", stop).on("SIGTERM", stop);
  const traffic = new Traffic();
  const rates = new RateMeter(traffic);
  const metrics =
    options.metricsPort === undefined ? undefined : await serveMetrics(options.metricsPort, () => prometheusText(traffic, rates, options.sourceStream));
  if (metrics) log.info({ url: `http://127.0.0.1:${metrics.port}/metrics` }, "metrics served");
  const progress = setInterval(() => {
    rates.tick();
    log.info(progressOf(traffic, rates), "progress");
  }, options.progressMs);
  const began = performance.now();
  try {
    const onThrottle = (): void => void traffic.throttled++;
    const readers: ReaderContext = { client: source, stream: options.sourceStream, pollMs: options.pollMs, signal: controller.signal, onThrottle };
    const consumerArn = options.efo === undefined ? undefined : await registeredConsumer(source, options.sourceStream, options.efo);
    const base = { source, target, sourceStream: options.sourceStream, targetStream: options.targetStream, store, from: options.from, traffic, log };
    const start = await mirrorStart(base);
    await copyLineage({
      ...base,
      start,
      untilCaughtUp: options.untilCaughtUp,
      signal: controller.signal,
      writer: { client: target, stream: options.targetStream, batch: options.batch, onThrottle },
      readReader: (shardId, from) => (consumerArn === undefined ? pollingReader(readers, shardId, from) : fanOutReader(readers, consumerArn, shardId, from)),
    });
    const seconds = (performance.now() - began) / 1000;
    log.info(
      { ...progressOf(traffic, rates), seconds, averageRecordsPerSecond: Math.round(traffic.records / Math.max(traffic.copySeconds, 1e-3)) },
      "mirror stopped",
    );
    if (options.report !== undefined) {
      const observed = await observeStream(source, options.sourceStream, options.efo);
      writeTrafficReport(options.report, traffic, observed, trafficCost(traffic, observed, costArgv));
      log.info({ file: options.report }, "cost report written");
    }
  } finally {
    clearInterval(progress);
    metrics?.server.close();
    process.off("SIGINT", stop).off("SIGTERM", stop);
    source.destroy();
    target.destroy();
    await store.close();
  }
}

/** `mirror compare`: exit code 1 when a record differs, 0 when the target is the same or only behind. */
async function compare(options: MirrorOptions, json: boolean): Promise<void> {
  const { client: source } = await connectSource(options);
  const target = targetClient(options);
  try {
    const signal = new AbortController().signal;
    const context = { pollMs: 0, signal, onThrottle: () => undefined };
    const results = await compareStreams(
      { ...context, client: source, stream: options.sourceStream },
      { ...context, client: target, stream: options.targetStream },
    );
    console.log(json ? JSON.stringify(results, null, 2) : results.map(describeComparison).join("\n"));
    if (results.some((r) => r.firstDifference !== undefined)) process.exitCode = 1;
  } finally {
    source.destroy();
    target.destroy();
  }
}

/** `kinesis-nats mirror [compare] SOURCE-STREAM [options]`. */
export async function runMirrorCommand(argv: readonly string[]): Promise<void> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(MIRROR_USAGE);
    return;
  }
  const comparing = argv[0] === "compare";
  const json = comparing && argv.includes("--json");
  let parsed;
  try {
    parsed = parseMirrorOptions(comparing ? argv.slice(1).filter((a) => a !== "--json") : argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${MIRROR_USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (comparing) return compare(parsed.options, json);
  const log = mirrorLogger();
  await mirror(parsed.options, parsed.costArgv, log);
  log.flush();
}

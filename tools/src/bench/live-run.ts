import { Worker } from "node:worker_threads";
import type { WriteOrder, WriterReply, WriterSetup } from "./bench-writer.js";
import type { Reader } from "./reader.js";
import { msSince, readStamp } from "./record-stamp.js";
import type { CpuSeconds, ProcessWatch } from "../server-process.js";
import { DeliveryTally, type DeliveryCheck } from "./stats.js";

/**
 * Sustained publish while applications consume: a writer thread sends records at a steady
 * rate; every application (a Reader) hands over what it receives on this thread, where each
 * record's put→delivery time is taken and its arrival counted.
 */
export interface Writer {
  write(order: WriteOrder): Promise<{ sendSeconds: number; ackSeconds: number; retried: number; putMs: Float64Array }>;
  close(): void;
}

export async function startWriter(setup: WriterSetup): Promise<Writer> {
  const worker = new Worker(new URL("./bench-writer.js", import.meta.url), { workerData: setup });
  let settle: ((message: unknown) => void) | undefined;
  worker.on("message", (message: unknown) => settle?.(message));
  const failed = new Promise<never>((_, reject) => worker.once("error", reject));
  const next = (): Promise<unknown> => Promise.race([new Promise((resolve) => (settle = resolve)), failed]);
  if ((await next()) !== "ready") throw new Error("the writer thread did not start");
  return {
    async write(order) {
      const reply = next();
      worker.postMessage(order);
      const message = (await reply) as WriterReply;
      if ("error" in message) throw new Error(`writer: ${message.error}`);
      return message;
    },
    close: () => worker.postMessage("close"),
  };
}

export interface LivePlan {
  readonly run: number;
  readonly target: WriteOrder["target"];
  readonly rate: number;
  readonly seconds: number;
  readonly batch: number;
  readonly recordBytes: number;
  /** Extra time stragglers may take (a polling application's pause). */
  readonly settleMs: number;
}

export interface LiveOutcome {
  /** Records written in the measured window (after the warm-up). */
  readonly written: number;
  /** From the first measured write until the last application had everything (or gave up waiting). */
  readonly seconds: number;
  /** How long the writer took to send them all. */
  readonly sendSeconds: number;
  /** From the first measured write until the last was acknowledged. */
  readonly ackSeconds: number;
  readonly retried: number;
  /** Per write request of the measured window, ms from its send to its acknowledgement. */
  readonly putLatencies: Float64Array;
  /** Per application. */
  readonly checks: DeliveryCheck[];
  /** put→delivery ms of every record at every application. */
  readonly latencies: number[];
  /** Per application, put→delivery ms by record (NaN where it never came): lets two applications be compared record by record. */
  readonly byReader: Float64Array[];
  readonly cpu: CpuSeconds;
  readonly serverRssBytes?: number;
  readonly natsRssBytes?: number;
  /** The first failure of an application's reading, if any. */
  readonly error?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Half a second of records first, unmeasured: a subscription starting at LATEST may begin a
 * little after its call returns. Then `rate × seconds` measured records, each expected exactly
 * once at every application.
 */
export async function measureLive(readers: readonly Reader[], writer: Writer, plan: LivePlan, watch: ProcessWatch): Promise<LiveOutcome> {
  const warmup = Math.ceil(plan.rate / 2);
  const total = Math.max(1, Math.round(plan.rate * plan.seconds));
  const tallies = readers.map(() => new DeliveryTally(total));
  const byReader = readers.map(() => new Float64Array(total).fill(Number.NaN));
  const started = await Promise.allSettled(
    readers.map((reader, i) =>
      reader.start((data) => {
        const stamp = readStamp(data);
        if (stamp?.run !== plan.run || stamp.index < warmup) return;
        if (tallies[i]!.record(stamp.index - warmup)) byReader[i]![stamp.index - warmup] = msSince(stamp.sentNs);
      }),
    ),
  );
  const notStarted = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (notStarted) {
    await Promise.allSettled(readers.map((reader) => reader.stop()));
    throw notStarted.reason;
  }
  const order = { target: plan.target, rate: plan.rate, batch: plan.batch, run: plan.run, size: plan.recordBytes };
  await writer.write({ ...order, count: warmup, first: 0 });
  const begin = watch.beginRun();
  const writing = performance.now();
  const { sendSeconds, ackSeconds, retried, putMs } = await writer.write({ ...order, count: total, first: warmup });
  const deadline = Date.now() + 5_000 + plan.settleMs;
  while (tallies.some((t) => !t.complete) && Date.now() < deadline) await sleep(2);
  const seconds = (performance.now() - writing) / 1000;
  const end = watch.endRun(begin);
  const stopped = await Promise.allSettled(readers.map((reader) => reader.stop()));
  const failure = stopped.find((s): s is PromiseRejectedResult => s.status === "rejected");
  return {
    written: total,
    seconds,
    sendSeconds,
    ackSeconds,
    retried,
    putLatencies: putMs,
    checks: tallies.map((t) => t.result()),
    latencies: byReader.flatMap((values) => Array.from(values).filter((v) => !Number.isNaN(v))),
    byReader,
    ...end,
    ...(failure && { error: String((failure.reason as Error)?.message ?? failure.reason) }),
  };
}

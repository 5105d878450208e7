import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import type { Logger } from "pino";
import { AggregatorRegistry, type Registry } from "prom-client";
import { READY_MESSAGE, type StartFacts } from "../start-summary.js";
import { startEmbeddedNats } from "./embedded-nats.js";

/**
 * `--workers N`: N server processes on the same ports (Node's cluster hands each new connection
 * to the next worker), sharing nothing but NATS, as separate instances already do. The primary
 * serves nothing itself: it runs the embedded nats-server when no NATS URL is given, starts a
 * worker again when one dies, answers the workers' questions about the whole (is every worker
 * listening, what do all their metrics add up to), and stops them all on Ctrl-C.
 */

/** `auto`: one worker per core. */
export function workerCountOf(setting: string): number {
  if (setting === "auto") return availableParallelism();
  const count = Number(setting);
  if (!Number.isInteger(count) || count < 1) throw new Error(`--workers must be a whole number of at least 1, or auto: ${setting}`);
  return count;
}

/** What a worker asks of the primary, and what it is told. */
type ToPrimary = { readonly kind: "kinesis-nats:listening"; readonly facts: StartFacts } | { readonly kind: "kinesis-nats:metrics"; readonly id: number };
type ToWorker =
  | { readonly kind: "kinesis-nats:listening"; readonly listening: number; readonly of: number }
  | { readonly kind: "kinesis-nats:metrics"; readonly id: number; readonly text: string };

/** A worker's view of the others, for /health/ready and /metrics. */
export interface WorkerLink {
  /** Says the worker serves: the primary counts it among the listening ones, and logs the start with its facts. */
  listening(facts: StartFacts): void;
  /** Whether every worker the primary runs is listening (readiness covers them all). */
  everyWorkerListening(): boolean;
  /** The metrics of all workers summed, in the Prometheus text format. */
  metricsText(): Promise<string>;
}

const METRICS_TIMEOUT_MS = 5_000;

/** In a worker process: its link to the primary. The worker's registry answers the primary's metric requests. */
export function workerLink(registry: Registry): WorkerLink {
  AggregatorRegistry.setRegistries([registry]);
  // Made in a worker, it answers the primary's requests for this worker's metrics.
  new AggregatorRegistry();
  let listening = 0;
  let of = Number.POSITIVE_INFINITY;
  let nextId = 0;
  const pending = new Map<number, (text: string) => void>();
  process.on("message", (message: ToWorker) => {
    if (message.kind === "kinesis-nats:listening") ({ listening, of } = message);
    if (message.kind === "kinesis-nats:metrics") pending.get(message.id)?.(message.text);
  });
  // The primary gone (killed), nobody restarts, stops or counts this worker: it goes too.
  process.on("disconnect", () => process.exit(1));
  const send = (message: ToPrimary): void => void process.send!(message);
  return {
    listening: (facts) => send({ kind: "kinesis-nats:listening", facts }),
    everyWorkerListening: () => listening >= of,
    metricsText: () =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error("the primary did not answer with the workers' metrics"));
        }, METRICS_TIMEOUT_MS);
        pending.set(id, (text) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(text);
        });
        send({ kind: "kinesis-nats:metrics", id });
      }),
  };
}

export interface PrimaryOptions {
  readonly count: number;
  readonly natsUrl?: string;
  readonly dataDir?: string;
  readonly syncInterval?: string;
  readonly installMissing: boolean;
  readonly log: Logger;
}

/** A worker that died within this long of its start counts towards giving up. */
const EARLY_DEATH_MS = 30_000;
const MAX_EARLY_DEATHS = 5;
const STOP_GRACE_MS = 12_000;

/** The primary process: starts NATS when it must, then the workers, and keeps them running. */
export async function runPrimary(options: PrimaryOptions): Promise<void> {
  const { log, count } = options;
  const embedded = options.natsUrl
    ? undefined
    : await startEmbeddedNats({ dataDir: options.dataDir, syncInterval: options.syncInterval, installMissing: options.installMissing, log });
  const natsUrl = options.natsUrl ?? embedded!.url;
  const aggregator = new AggregatorRegistry();
  const listening = new Set<number>();
  const startedAt = new Map<number, number>();
  let announced = false;
  let stopping = false;
  let earlyDeaths = 0;

  const broadcast = (): void => {
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (worker?.isConnected()) worker.send({ kind: "kinesis-nats:listening", listening: listening.size, of: count } satisfies ToWorker);
    }
  };
  const onMessage = (worker: Worker, message: ToPrimary): void => {
    if (message.kind === "kinesis-nats:listening") {
      listening.add(worker.id);
      broadcast();
      if (!announced && listening.size === count) {
        announced = true;
        // A worker is told the primary's NATS by URL: whether it is embedded, and where it keeps data, the primary knows.
        const data = embedded ? (options.dataDir ?? "memory") : message.facts.data;
        log.info({ ...message.facts, nats: natsUrl, natsEmbedded: embedded !== undefined, data, workers: count } satisfies StartFacts, READY_MESSAGE);
      }
    } else if (message.kind === "kinesis-nats:metrics") {
      aggregator.clusterMetrics().then(
        (text) => worker.isConnected() && worker.send({ kind: "kinesis-nats:metrics", id: message.id, text } satisfies ToWorker),
        (error: unknown) => log.warn({ err: error }, "workers' metrics not gathered"),
      );
    }
  };
  // Each worker accepts from the shared socket itself (not the primary, which would pass each
  // connection on): a connection accepted for a worker that dies is then closed with it, and the
  // client retries, where a handle in flight to a dead worker would leave its client hanging.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const fork = (): void => {
    const worker = cluster.fork({ NATS_URL: natsUrl });
    startedAt.set(worker.id, Date.now());
    worker.on("message", (message: ToPrimary) => onMessage(worker, message));
  };

  const stopAll = async (code: number): Promise<never> => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
    const exits = workers.map((w) => new Promise((resolve) => w.once("exit", resolve)));
    for (const worker of workers) worker.process.kill("SIGTERM");
    const force = setTimeout(() => workers.forEach((w) => w.process.kill("SIGKILL")), STOP_GRACE_MS);
    await Promise.all(exits);
    clearTimeout(force);
    await embedded?.stop();
    process.exit(code);
  };

  cluster.on("exit", (worker, exitCode, signal) => {
    listening.delete(worker.id);
    broadcast();
    if (stopping) return;
    const lived = Date.now() - (startedAt.get(worker.id) ?? 0);
    startedAt.delete(worker.id);
    if (lived < EARLY_DEATH_MS && ++earlyDeaths >= MAX_EARLY_DEATHS) {
      log.fatal({ pid: worker.process.pid, exitCode, signal, earlyDeaths }, "workers keep dying at start: stopping");
      void stopAll(1);
      return;
    }
    log.warn({ pid: worker.process.pid, exitCode, signal }, "worker died: starting another");
    fork();
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) process.exit(1);
      log.info({ signal, workers: count }, "shutting down");
      void stopAll(0);
    });
  }
  for (let i = 0; i < count; i++) fork();
}

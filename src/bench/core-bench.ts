import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
} from "@aws-sdk/client-kinesis";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { fileURLToPath } from "node:url";

/**
 * The data-plane benchmark: the same records written and replayed through the Kinesis API of
 * our server (AWS SDK, default settings) and natively through JetStream, in one run, so the
 * figures compare as ratios on whatever machine runs it.
 */
interface BenchOptions {
  records: number;
  recordSize: number;
  shards: number;
  batch: number;
  inFlight: number;
  memory: boolean;
  /** Kinesis endpoint to measure; by default a server of ours started for the run. */
  endpoint?: string;
  /** NATS for the native side; by default the one that server started. */
  natsUrl?: string;
}

interface Figure {
  path: string;
  records: number;
  seconds: number;
  /** CPU seconds each process spent during the run. */
  cpu: CpuSeconds;
}

interface CpuSeconds {
  client: number;
  server: number;
  nats: number;
}

const CLOCK_TICKS = 100;

/** CPU seconds (user + system) a process has used, from /proc; 0 when unknown. */
export function processCpu(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** The nats-server a server process started, found among its children. */
export function childPid(parent: number | undefined): number | undefined {
  if (!parent) return undefined;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]!.split(" ");
      if (Number(fields[1]) === parent) return Number(entry);
    } catch {
      // The process ended meanwhile.
    }
  }
  return undefined;
}

let processes: { server?: number; nats?: number } = {};

function cpuNow(): CpuSeconds {
  const own = process.cpuUsage();
  return { client: (own.user + own.system) / 1e6, server: processCpu(processes.server), nats: processCpu(processes.nats) };
}

const MiB = 1024 * 1024;

function parse(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      records: { type: "string", default: "100000" },
      "record-size": { type: "string", default: "1024" },
      shards: { type: "string", default: "4" },
      batch: { type: "string", default: "500" },
      "in-flight": { type: "string", default: "4" },
      memory: { type: "boolean", default: false },
      endpoint: { type: "string" },
      "nats-url": { type: "string" },
    },
  });
  return {
    records: Number(values.records),
    recordSize: Number(values["record-size"]),
    shards: Number(values.shards),
    batch: Number(values.batch),
    inFlight: Number(values["in-flight"]),
    memory: values.memory ?? false,
    endpoint: values.endpoint,
    natsUrl: values["nats-url"],
  };
}

/** Runs `work(i)` for i in 0..count-1 with at most `concurrency` under way. */
async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

async function timed(path: string, records: number, run: () => Promise<number | void>): Promise<Figure> {
  const cpuBefore = cpuNow();
  const started = performance.now();
  const counted = await run();
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = cpuNow();
  const cpu = {
    client: cpuAfter.client - cpuBefore.client,
    server: cpuAfter.server - cpuBefore.server,
    nats: cpuAfter.nats - cpuBefore.nats,
  };
  return { path, records: typeof counted === "number" ? counted : records, seconds, cpu };
}

async function kinesisPut(kinesis: KinesisClient, stream: string, options: BenchOptions, payload: Buffer): Promise<Figure> {
  const batches = Math.ceil(options.records / options.batch);
  let failed = 0;
  const figure = await timed("Kinesis API  PutRecords", options.records, () =>
    pool(batches, options.inFlight, async (b) => {
      const count = Math.min(options.batch, options.records - b * options.batch);
      const Records: PutRecordsRequestEntry[] = Array.from({ length: count }, (_, i) => ({ PartitionKey: `pk-${b}-${i}`, Data: payload }));
      const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records }));
      failed += out.FailedRecordCount ?? 0;
    }),
  );
  if (failed > 0) throw new Error(`${failed} records failed to write`);
  return figure;
}

async function kinesisReplay(kinesis: KinesisClient, stream: string, expected: number): Promise<Figure> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  let total = 0;
  const figure = await timed("Kinesis API  GetRecords", expected, async () => {
    await Promise.all(
      Shards.map(async (shard) => {
        let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
        while (iterator) {
          const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
          total += out.Records?.length ?? 0;
          if (!out.Records?.length || out.MillisBehindLatest === 0) break;
          iterator = out.NextShardIterator;
        }
      }),
    );
    return total;
  });
  if (total !== expected) throw new Error(`replayed ${total} records, expected ${expected}`);
  return figure;
}

/** The same records through nats.js's own JetStream API: js.publish with a window of acks outstanding. */
async function nativeRun(nc: NatsConnection, options: BenchOptions, payload: Buffer): Promise<Figure[]> {
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const name = `bench_native_${randomBytes(3).toString("hex")}`;
  const subjects = Array.from({ length: options.shards }, (_, i) => `${name}.${i}`);
  await jsm.streams.add({ name, subjects, storage: options.memory ? "memory" : "file" });
  try {
    const window = options.batch * options.inFlight;
    const publish = await timed("Native       js.publish", options.records, () =>
      pool(options.records, window, async (i) => {
        await js.publish(subjects[i % subjects.length]!, payload);
      }),
    );
    const consumer = await js.consumers.get(name);
    const replay = await timed("Native       ordered consumer", options.records, async () => {
      let seen = 0;
      const messages = await consumer.consume();
      for await (const _ of messages) {
        if (++seen === options.records) break;
      }
      return seen;
    });
    return [publish, replay];
  } finally {
    await jsm.streams.delete(name);
  }
}

function report(options: BenchOptions, figures: Figure[]): void {
  const rate = (f: Figure) => f.records / f.seconds;
  const [put, get, nativePut, nativeGet] = figures as [Figure, Figure, Figure, Figure];
  const rows = figures.map((f) => {
    const mib = (f.records * options.recordSize) / MiB / f.seconds;
    const cpu = (seconds: number) => `${Math.round((seconds / f.seconds) * 100)}%`.padStart(6);
    return `${f.path.padEnd(30)} ${String(f.records).padStart(9)} ${f.seconds.toFixed(2).padStart(8)} s ${Math.round(rate(f)).toLocaleString("en-US").padStart(10)} rec/s ${mib.toFixed(1).padStart(8)} MiB/s  cpu client ${cpu(f.cpu.client)} server ${cpu(f.cpu.server)} nats ${cpu(f.cpu.nats)}`;
  });
  console.log(
    [
      `\n${options.records} records of ${options.recordSize} B, ${options.shards} shards, PutRecords batches of ${options.batch}, ${options.inFlight} in flight, ${options.memory ? "memory" : "file"} storage`,
      ...rows,
      `PutRecords / js.publish:          ${(rate(put) / rate(nativePut)).toFixed(2)}`,
      `GetRecords / ordered consumer:    ${(rate(get) / rate(nativeGet)).toFixed(2)}`,
    ].join("\n"),
  );
}

export interface ServerProcess {
  readonly url: string;
  readonly natsUrl: string;
  readonly child: ChildProcess;
}

/** Our server in a process of its own, as it runs in production: its CPU is not the client's. */
export async function spawnServer(options: Pick<BenchOptions, "memory">, dataDir: string): Promise<ServerProcess> {
  const cli = fileURLToPath(new URL("../cli.js", import.meta.url));
  const args = [cli, "serve", "--port", "0", "--data-dir", dataDir, "--create-stream-ms", "0", "--log-level", "info"];
  if (options.memory) args.push("--memory");
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise<ServerProcess>((resolve, reject) => {
    let buffered = "";
    child.once("exit", (code) => reject(new Error(`server exited with code ${code}`)));
    child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      for (const line of buffered.split("\n")) {
        if (!line.includes("Kinesis endpoint ready")) continue;
        const ready = JSON.parse(line) as { url: string; nats: string };
        child.stdout!.removeAllListeners("data");
        child.stdout!.resume();
        resolve({ url: ready.url, natsUrl: ready.nats, child });
        return;
      }
    });
  });
}

export async function stopServer(server: ServerProcess | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once("exit", resolve));
  server.child.kill("SIGTERM");
  await exited;
}

export async function runCoreBench(argv: string[]): Promise<void> {
  const options = parse(argv);
  const dataDir = mkdtempSync(join(tmpdir(), "kinesis-bench-"));
  let server: ServerProcess | undefined;
  let nc: NatsConnection | undefined;
  try {
    if (!options.endpoint || !options.natsUrl) server = await spawnServer(options, dataDir);
    processes = { server: server?.child.pid, nats: childPid(server?.child.pid) };
    const endpoint = options.endpoint ?? server!.url;
    const kinesis = new KinesisClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "bench", secretAccessKey: "bench" } });
    const stream = `bench-${randomBytes(3).toString("hex")}`;
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: options.shards }));
    await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    const payload = randomBytes(options.recordSize);
    const put = await kinesisPut(kinesis, stream, options, payload);
    const get = await kinesisReplay(kinesis, stream, options.records);
    await kinesis.send(new DeleteStreamCommand({ StreamName: stream }));
    kinesis.destroy();
    nc = await connect({ servers: options.natsUrl ?? server!.natsUrl, noAsyncTraces: true });
    const native = await nativeRun(nc, options, payload);
    report(options, [put, get, ...native]);
  } finally {
    await nc?.close();
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

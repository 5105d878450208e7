import { randomBytes } from "node:crypto";
import http2 from "node:http2";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
} from "@aws-sdk/client-kinesis";
import { connect, createInbox, type NatsConnection } from "@nats-io/transport-node";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { WriteOrder, WriterSetup } from "./bench-writer.js";
import { childPid, processCpu, spawnServer, stopServer, type ServerProcess } from "./core-bench.js";

/**
 * The enhanced fan-out benchmark: put→delivery latency of records written at a steady rate
 * through PutRecord, as SubscribeToShard delivers them, next to GetRecords polling and to a
 * native JetStream push consumer of the same shard subject, then 1 to 4 SubscribeToShard
 * consumers of one shard at a higher rate. The writer runs on a thread of its own and the
 * readers on this one; both read the same monotonic clock.
 */
interface FanoutOptions {
  rate: number;
  fanoutRate: number;
  /** Records per PutRecords request in the fan-out runs (1: PutRecord). */
  fanoutBatch: number;
  seconds: number;
  recordSize: number;
  pollMs: number;
  memory: boolean;
}

function parse(argv: string[]): FanoutOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      rate: { type: "string", default: "200" },
      "fanout-rate": { type: "string", default: "1000" },
      "fanout-batch": { type: "string", default: "10" },
      seconds: { type: "string", default: "5" },
      "record-size": { type: "string", default: "256" },
      "poll-ms": { type: "string", default: "200" },
      memory: { type: "boolean", default: false },
    },
  });
  return {
    rate: Number(values.rate),
    fanoutRate: Number(values["fanout-rate"]),
    fanoutBatch: Math.max(1, Number(values["fanout-batch"])),
    seconds: Number(values.seconds),
    recordSize: Math.max(16, Number(values["record-size"])),
    pollMs: Number(values["poll-ms"]),
    memory: values.memory ?? false,
  };
}

/** Something that hands over every record of the shard it reads, as data bytes. */
interface Reader {
  start(deliver: (data: Uint8Array) => void): Promise<void>;
  stop(): Promise<void>;
}

/** Runs one order on the writer thread. */
type Writer = (order: WriteOrder) => Promise<void>;

async function startWriter(setup: WriterSetup): Promise<{ write: Writer; close: () => void }> {
  const worker = new Worker(new URL("./bench-writer.js", import.meta.url), { workerData: setup });
  let settle: ((message: unknown) => void) | undefined;
  worker.on("message", (message: unknown) => settle?.(message));
  const next = (): Promise<unknown> => new Promise((resolve) => (settle = resolve));
  if ((await next()) !== "ready") throw new Error("the writer thread did not start");
  return {
    async write(order) {
      const reply = next();
      worker.postMessage(order);
      const message = await reply;
      if (message !== "done") throw new Error(`writer: ${JSON.stringify(message)}`);
    },
    close: () => worker.postMessage("close"),
  };
}

interface Row {
  written: number;
  /** Records each reader received during the measured window. */
  received: number[];
  /** Per reader, the put->delivery time of each measured record (ms; NaN if it never came). */
  latencies: Float64Array[];
  seconds: number;
  cpu: { client: number; server: number; nats: number };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const nowNs = (): bigint => process.hrtime.bigint();

let processes: { server?: number; nats?: number } = {};
function cpuNow(): Row["cpu"] {
  const own = process.cpuUsage();
  return { client: (own.user + own.system) / 1e6, server: processCpu(processes.server), nats: processCpu(processes.nats) };
}

let phaseCounter = 0;

interface Load {
  readonly write: Writer;
  readonly target: WriteOrder["target"];
  readonly rate: number;
  readonly batch: number;
}

/** Writes `rate` records a second for `seconds` to every reader at once and times each delivery. */
async function measure(readers: Reader[], load: Load, options: FanoutOptions): Promise<Row> {
  const { rate } = load;
  const phase = ++phaseCounter;
  const warmup = Math.ceil(rate / 2);
  const total = rate * options.seconds;
  const latencies = readers.map(() => new Float64Array(total).fill(Number.NaN));
  const received = readers.map(() => 0);
  await Promise.all(
    readers.map((reader, i) =>
      reader.start((bytes) => {
        const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        if (data.length < 16 || data.readUInt32BE(8) !== phase || data.readUInt32BE(12) < warmup) return;
        latencies[i]![data.readUInt32BE(12) - warmup] = Number(nowNs() - data.readBigUInt64BE(0)) / 1e6;
        received[i]!++;
      }),
    ),
  );
  const order = { target: load.target, rate, batch: load.batch, phase, size: options.recordSize };
  await load.write({ ...order, count: warmup, first: 0 });
  const before = cpuNow();
  const started = performance.now();
  await load.write({ ...order, count: total, first: warmup });
  const deadline = Date.now() + 5_000 + options.pollMs;
  while (received.some((n) => n < total) && Date.now() < deadline) await sleep(5);
  const seconds = (performance.now() - started) / 1000;
  const after = cpuNow();
  await Promise.all(readers.map((reader) => reader.stop()));
  const cpu = { client: after.client - before.client, server: after.server - before.server, nats: after.nats - before.nats };
  return { written: total, received, latencies, seconds, cpu };
}

async function retryInUse<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if ((error as Error).name !== "ResourceInUseException" || attempt === 20) throw error;
      await sleep(100);
    }
  }
}

function subscriber(kinesis: KinesisClient, consumerArn: string): Reader {
  let controller: AbortController | undefined;
  let reading: Promise<void> | undefined;
  return {
    async start(deliver) {
      controller = new AbortController();
      const command = new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: "shardId-000000000000", StartingPosition: { Type: "LATEST" } });
      // The previous run's subscription of this consumer may still be letting go of its lease.
      const out = await retryInUse(() => kinesis.send(command, { abortSignal: controller!.signal }));
      reading = (async () => {
        for await (const event of out.EventStream!) for (const record of event.SubscribeToShardEvent?.Records ?? []) deliver(record.Data!);
      })().catch(() => undefined);
    },
    async stop() {
      controller?.abort();
      await reading;
    },
  };
}

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString("utf8"),
  (text) => Buffer.from(text, "utf8"),
);

/** SubscribeToShard without an SDK: HTTP/2 and the frame decoder only, to tell the server's share from the SDK's. */
function rawSubscriber(endpoint: string, consumerArn: string): Reader {
  let session: http2.ClientHttp2Session | undefined;
  return {
    async start(deliver) {
      session = http2.connect(endpoint);
      const request = session.request({ ":method": "POST", ":path": "/", "content-type": "application/x-amz-json-1.1", "x-amz-target": "Kinesis_20131202.SubscribeToShard" });
      request.end(JSON.stringify({ ConsumerARN: consumerArn, ShardId: "shardId-000000000000", StartingPosition: { Type: "LATEST" } }));
      let buffer: Buffer = Buffer.alloc(0);
      await new Promise<void>((resolve) => {
        request.on("data", (chunk: Buffer) => {
          buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
          while (buffer.length >= 4 && buffer.length >= buffer.readUInt32BE(0)) {
            const length = buffer.readUInt32BE(0);
            const message = codec.decode(buffer.subarray(0, length));
            buffer = buffer.subarray(length);
            if (message.headers[":event-type"]?.value === "initial-response") resolve();
            if (message.headers[":event-type"]?.value !== "SubscribeToShardEvent") continue;
            const event = JSON.parse(Buffer.from(message.body).toString()) as { Records: { Data: string }[] };
            for (const record of event.Records) deliver(new Uint8Array(Buffer.from(record.Data, "base64")));
          }
        });
      });
    },
    async stop() {
      session?.destroy();
    },
  };
}

function poller(kinesis: KinesisClient, stream: string, pollMs: number): Reader {
  let running = false;
  let loop: Promise<void> | undefined;
  return {
    async start(deliver) {
      running = true;
      let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "LATEST" }))).ShardIterator;
      loop = (async () => {
        while (running && iterator) {
          const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
          for (const record of out.Records ?? []) deliver(record.Data!);
          iterator = out.NextShardIterator;
          await sleep(pollMs);
        }
      })();
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** A JetStream push consumer: messages arrive on a plain subscription as JetStream stores them. */
function nativePush(nc: NatsConnection, jsm: JetStreamManager, jetStreamName: string, subject: string): Reader {
  let name: string | undefined;
  let unsubscribe: (() => void) | undefined;
  return {
    async start(deliver) {
      const inbox = createInbox();
      const subscription = nc.subscribe(inbox, { callback: (_error, msg) => deliver(msg.data) });
      unsubscribe = () => subscription.unsubscribe();
      const info = await jsm.consumers.add(jetStreamName, { deliver_subject: inbox, filter_subject: subject, ack_policy: "none", deliver_policy: "new", mem_storage: true });
      name = info.name;
    },
    async stop() {
      unsubscribe?.();
      if (name) await jsm.consumers.delete(jetStreamName, name);
    },
  };
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;

/** One line: the percentiles of `values`, the slowest reader's rate, and the CPU of the run. */
function line(label: string, values: ArrayLike<number>, row: Row, readers: number[]): string {
  const sorted = Array.from(values).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const ms = (value: number): string => value.toFixed(Math.abs(value) < 10 ? 2 : 0).padStart(7);
  const cpu = (seconds: number): string => `${Math.round((seconds / row.seconds) * 100)}%`.padStart(5);
  const received = readers.map((i) => row.received[i]!);
  const rate = Math.min(...received) / row.seconds;
  const complete = received.every((n) => n === row.written) ? "" : `  INCOMPLETE: received ${received.join("/")} of ${row.written}`;
  return (
    `${label.padEnd(44)} ${String(row.written).padStart(6)} ${ms(percentile(sorted, 50))} ${ms(percentile(sorted, 99))} ${ms(sorted.at(-1) ?? Number.NaN)} ` +
    `${Math.round(rate).toLocaleString("en-US").padStart(8)}  ${cpu(row.cpu.client)} ${cpu(row.cpu.server)} ${cpu(row.cpu.nats)}${complete}`
  );
}

/** Per record, how much later reader `a` got it than reader `b`. */
function lag(row: Row, a: number, b: number): Float64Array {
  return row.latencies[a]!.map((value, i) => value - row.latencies[b]![i]!);
}

/** Readers pooled: every delivery to any of them. */
const pooled = (row: Row): number[] => row.latencies.flatMap((values) => Array.from(values));

async function waitUntilActive(kinesis: KinesisClient, consumerArn: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { ConsumerDescription } = await kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
    if (ConsumerDescription?.ConsumerStatus === "ACTIVE") return;
    await sleep(100);
  }
  throw new Error(`consumer ${consumerArn} did not become ACTIVE`);
}

async function nativeBaseline(nc: NatsConnection, jsm: JetStreamManager, write: Writer, options: FanoutOptions): Promise<Row> {
  const name = `bench_native_${randomBytes(3).toString("hex")}`;
  await jsm.streams.add({ name, subjects: [`${name}.0`], storage: options.memory ? "memory" : "file" });
  try {
    return await measure([nativePush(nc, jsm, name, `${name}.0`)], { write, target: { kind: "nats", subject: `${name}.0` }, rate: options.rate, batch: 1 }, options);
  } finally {
    await jsm.streams.delete(name);
  }
}

export async function runFanoutBench(argv: string[]): Promise<void> {
  const options = parse(argv);
  const dataDir = mkdtempSync(join(tmpdir(), "kinesis-bench-"));
  let server: ServerProcess | undefined;
  let nc: NatsConnection | undefined;
  let writer: Awaited<ReturnType<typeof startWriter>> | undefined;
  try {
    server = await spawnServer(options, dataDir);
    processes = { server: server.child.pid, nats: childPid(server.child.pid) };
    const kinesis = new KinesisClient({ endpoint: server.url, region: "us-east-1", credentials: { accessKeyId: "bench", secretAccessKey: "bench" } });
    nc = await connect({ servers: server.natsUrl, noAsyncTraces: true });
    const jsm = await jetstreamManager(nc);
    const stream = `bench-fanout-${randomBytes(3).toString("hex")}`;
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const { StreamDescriptionSummary } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    const consumers: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { Consumer } = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: StreamDescriptionSummary!.StreamARN, ConsumerName: `bench-${i}` }));
      consumers.push(Consumer!.ConsumerARN!);
    }
    for (const arn of consumers) await waitUntilActive(kinesis, arn);
    writer = await startWriter({ endpoint: server.url, natsUrl: server.natsUrl });
    const put: Load = { write: writer.write, target: { kind: "kinesis", stream }, rate: options.rate, batch: 1 };
    const fanout: Load = { ...put, rate: options.fanoutRate, batch: options.fanoutBatch };

    const header = `${"path".padEnd(44)} ${"records".padStart(6)} ${"p50 ms".padStart(7)} ${"p99 ms".padStart(7)} ${"max ms".padStart(7)} ${"rec/s".padStart(8)}  cpu: client server nats`;
    const shardReader = (): Reader => nativePush(nc!, jsm, `kinesis_${stream}`, `kinesis.${stream}.0`);
    console.log(`\nPut->delivery latency: ${options.rate} records/s (one PutRecord each) for ${options.seconds} s, ${options.recordSize} B, one shard, ${options.memory ? "memory" : "file"} storage`);
    console.log(header);
    // Each SubscribeToShard reader runs beside a native consumer of the shard's subject, which gets the same records.
    const sdk = await measure([subscriber(kinesis, consumers[0]!), shardReader()], put, options);
    console.log(line("SubscribeToShard (SDK, HTTP/2)", sdk.latencies[0]!, sdk, [0]));
    console.log(line("  native push consumer, same records", sdk.latencies[1]!, sdk, [1]));
    console.log(line("  SubscribeToShard later than native by", lag(sdk, 0, 1), sdk, [0, 1]));
    const raw = await measure([rawSubscriber(server.url, consumers[0]!), shardReader()], put, options);
    console.log(line("SubscribeToShard (raw HTTP/2 reader, no SDK)", raw.latencies[0]!, raw, [0]));
    console.log(line("  native push consumer, same records", raw.latencies[1]!, raw, [1]));
    console.log(line("  SubscribeToShard later than native by", lag(raw, 0, 1), raw, [0, 1]));
    const polled = await measure([poller(kinesis, stream, options.pollMs)], put, options);
    console.log(line(`GetRecords every ${options.pollMs} ms`, polled.latencies[0]!, polled, [0]));
    const native = await nativeBaseline(nc, jsm, writer.write, options);
    console.log(line("Native js.publish -> push consumer", native.latencies[0]!, native, [0]));

    console.log(
      `\nFan-out: ${options.fanoutRate} records/s (PutRecords of ${options.fanoutBatch}) for ${options.seconds} s to n SubscribeToShard consumers of one shard (latencies of all consumers; rec/s: the slowest)`,
    );
    console.log(header);
    for (let n = 1; n <= 4; n++) {
      const row = await measure(consumers.slice(0, n).map((arn) => subscriber(kinesis, arn)), fanout, options);
      console.log(line(`SubscribeToShard x${n}`, pooled(row), row, Array.from({ length: n }, (_, i) => i)));
    }
    await kinesis.send(new DeleteStreamCommand({ StreamName: stream, EnforceConsumerDeletion: true }));
    kinesis.destroy();
  } finally {
    writer?.close();
    await nc?.close();
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

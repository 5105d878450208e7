import { randomBytes } from "node:crypto";
import http2 from "node:http2";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { connect, createInbox, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { StreamLayout } from "kinesis-nats/jetstream/stream-storage.js";
import { createStream, deleteStream, kinesisClient, registerConsumers } from "./kinesis-target.js";
import { subscribingApplication } from "./kinesis-runs.js";
import { measureLive, startWriter, type LiveOutcome } from "./live-run.js";
import type { Reader } from "./reader.js";
import { ProcessWatch, spawnServer, stopServer, type ServerProcess } from "../server-process.js";
import { summarizeLatency } from "./stats.js";
import { cpuShares, exactlyOnceCell, formatTable, ms } from "./table.js";

/**
 * `bench fanout`: where SubscribeToShard's put→delivery time goes. Each subscription of one
 * shard runs beside a native JetStream push consumer of that shard's own subject, which gets
 * the very same records, so "later than native by", record by record, is what the fan-out path
 * adds to what JetStream itself takes; a bare HTTP/2 reader beside the SDK's tells the
 * server's share from the SDK's. (Polling, native runs and fan-out to 1–4 are in `bench`.)
 */
interface BreakdownOptions {
  readonly rate: number;
  readonly seconds: number;
  readonly recordSize: number;
  readonly memory: boolean;
}

function parse(argv: string[]): BreakdownOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      rate: { type: "string", default: "200" },
      seconds: { type: "string", default: "5" },
      "record-size": { type: "string", default: "256" },
      memory: { type: "boolean", default: false },
    },
  });
  return { rate: Number(values.rate), seconds: Number(values.seconds), recordSize: Math.max(16, Number(values["record-size"])), memory: values.memory };
}

/** Our server keeps its JetStream names under this namespace (the serve command's default). */
const layout = new StreamLayout("kinesis");

/** A JetStream push consumer of one subject: messages arrive on a plain subscription as JetStream stores them. */
function nativePush(nc: NatsConnection, jsm: JetStreamManager, jetStreamName: string, subject: string): Reader {
  let name: string | undefined;
  let unsubscribe: (() => void) | undefined;
  return {
    async start(deliver) {
      const inbox = createInbox();
      const subscription = nc.subscribe(inbox, { callback: (_error, msg) => deliver(msg.data) });
      unsubscribe = () => subscription.unsubscribe();
      const info = await jsm.consumers.add(jetStreamName, {
        deliver_subject: inbox,
        filter_subject: subject,
        ack_policy: "none",
        deliver_policy: "new",
        mem_storage: true,
      });
      name = info.name;
    },
    async stop() {
      unsubscribe?.();
      if (name) await jsm.consumers.delete(jetStreamName, name);
    },
  };
}

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString("utf8"),
  (text) => Buffer.from(text, "utf8"),
);

/** SubscribeToShard without an SDK: HTTP/2 and the frame decoder only. */
function rawSubscriber(endpoint: string, consumerArn: string, shardId: string): Reader {
  let session: http2.ClientHttp2Session | undefined;
  return {
    async start(deliver) {
      session = http2.connect(endpoint);
      const request = session.request({
        ":method": "POST",
        ":path": "/",
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "Kinesis_20131202.SubscribeToShard",
      });
      request.end(JSON.stringify({ ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: { Type: "LATEST" } }));
      let buffer: Buffer = Buffer.alloc(0);
      await new Promise<void>((resolve, reject) => {
        request.once("error", reject);
        request.on("data", (chunk: Buffer) => {
          buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
          while (buffer.length >= 4 && buffer.length >= buffer.readUInt32BE(0)) {
            const message = codec.decode(buffer.subarray(0, buffer.readUInt32BE(0)));
            buffer = buffer.subarray(buffer.readUInt32BE(0));
            const type = message.headers[":event-type"]?.value;
            if (type === "initial-response") resolve();
            if (type !== "SubscribeToShardEvent") continue;
            const event = JSON.parse(Buffer.from(message.body).toString()) as { Records: { Data: string }[] };
            for (const record of event.Records) deliver(Buffer.from(record.Data, "base64"));
          }
        });
      });
    },
    async stop() {
      session?.destroy();
    },
  };
}

/** Per record, how much later application `a` had it than application `b`. */
const lag = (outcome: LiveOutcome, a: number, b: number): Float64Array => outcome.byReader[a]!.map((value, i) => value - outcome.byReader[b]![i]!);

function rows(label: string, outcome: LiveOutcome): string[][] {
  const cpu = cpuShares(outcome);
  const row = (path: string, values: Iterable<number>, check: string): string[] => {
    const latency = summarizeLatency(values);
    return [path, String(outcome.written), ms(latency?.p50), ms(latency?.p95), ms(latency?.p99), ms(latency?.max), check, cpu];
  };
  const [subscribed, native] = outcome.checks;
  const put = summarizeLatency(outcome.putLatencies);
  return [
    row(label, outcome.byReader[0]!, exactlyOnceCell({ delivery: subscribed })),
    ["  PutRecord itself (writer: send to ack)", String(outcome.putLatencies.length), ms(put?.p50), ms(put?.p95), ms(put?.p99), ms(put?.max), "", cpu],
    row("  native push consumer, same records", outcome.byReader[1]!, exactlyOnceCell({ delivery: native })),
    row("  SubscribeToShard later than native by", lag(outcome, 0, 1), ""),
  ];
}

export async function runFanoutBench(argv: string[]): Promise<void> {
  const options = parse(argv);
  const dataDir = mkdtempSync(join(tmpdir(), "kinesis-bench-"));
  let server: ServerProcess | undefined;
  let nc: NatsConnection | undefined;
  let watch: ProcessWatch | undefined;
  const cleanup: (() => Promise<unknown> | void)[] = [];
  try {
    server = await spawnServer({ memory: options.memory }, dataDir);
    watch = new ProcessWatch(server.child.pid, server.natsPid);
    const setup = { endpoint: server.url, region: "us-east-1", http1: false, anyCredentials: true };
    const kinesis = kinesisClient(setup);
    cleanup.push(() => kinesis.destroy());
    nc = await connect({ servers: server.natsUrl, noAsyncTraces: true });
    const jsm = await jetstreamManager(nc);
    const stream = await createStream(kinesis, `bench-fanout-${randomBytes(3).toString("hex")}`, 1);
    cleanup.push(() => deleteStream(kinesis, stream.name));
    const [consumer] = await registerConsumers(kinesis, stream, 1);
    const writer = await startWriter({ kinesis: setup, natsUrl: server.natsUrl });
    cleanup.push(() => writer.close());
    const shardReader = (): Reader => nativePush(nc!, jsm, layout.jetStreamName(stream.name), layout.shardSubject(stream.name, 0));
    const plan = {
      target: { kind: "kinesis" as const, stream: stream.name },
      rate: options.rate,
      seconds: options.seconds,
      batch: 1,
      recordBytes: options.recordSize,
      settleMs: 0,
    };

    const sdk = await measureLive([subscribingApplication(kinesis, stream, consumer!), shardReader()], writer, { ...plan, run: 1 }, watch);
    const raw = await measureLive([rawSubscriber(server.url, consumer!, stream.shardIds[0]!), shardReader()], writer, { ...plan, run: 2 }, watch);
    console.log(
      `Put->delivery latency: ${options.rate} records/s (one PutRecord each, from a writer thread) for ${options.seconds} s, ${options.recordSize} B, one shard, ` +
        `${options.memory ? "memory" : "file"} storage; ms`,
    );
    const headers = ["path", "records", "p50", "p95", "p99", "max", "exactly once", "cpu client server nats"];
    console.log(
      formatTable(
        headers,
        [...rows("SubscribeToShard (SDK, HTTP/2)", sdk), ...rows("SubscribeToShard (raw HTTP/2 reader, no SDK)", raw)],
        new Set([1, 2, 3, 4, 5]),
      ),
    );
  } finally {
    for (const step of cleanup.reverse()) await step();
    watch?.stop();
    await nc?.close();
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

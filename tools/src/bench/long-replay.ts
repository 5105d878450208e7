import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { GetRecordsCommand, GetShardIteratorCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { RecordCipher } from "kinesis-nats/jetstream/record-cipher.js";
import { RecordReader } from "kinesis-nats/jetstream/record-reader.js";
import { StreamLayout } from "kinesis-nats/jetstream/stream-storage.js";
import { connectKinesis, createStream, deleteStream, type BenchStream } from "./kinesis-target.js";
import { putRecords } from "./kinesis-runs.js";
import { partitionKey, RecordMaker } from "./record-stamp.js";
import { spawnServer, stopServer } from "../server-process.js";
import { summarizeLatency } from "./stats.js";
import { count, formatTable, ms } from "./table.js";

/**
 * `bench long-replay`: a long file-storage stream read back from TRIM_HORIZON, one shard after
 * another, with GetRecords Limit 10000 as boto3 and KCL read it, and the slowest call. A
 * shard's read rate should be flat from its first record to its last; on nats-server 2.9.10 a
 * filtered consumer inside the newest block was up to 250 times slower (src/jetstream/read-plan.ts).
 * With --scopes, each of the reader's scopes is also measured alone, in this process, against
 * the same JetStream.
 */
interface LongReplayOptions {
  readonly records: number;
  readonly shards: number;
  readonly recordSize: number;
  readonly natsUrl?: string;
  readonly scopes: boolean;
}

function parse(argv: string[]): LongReplayOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      records: { type: "string", default: "1000000" },
      shards: { type: "string", default: "2" },
      "record-size": { type: "string", default: "16" },
      "nats-url": { type: "string" },
      scopes: { type: "boolean", default: false },
    },
  });
  return {
    records: Number(values.records),
    shards: Number(values.shards),
    recordSize: Math.max(16, Number(values["record-size"])),
    natsUrl: values["nats-url"],
    scopes: values.scopes,
  };
}

const LIMIT = 10_000;
const BATCH = 500;
const IN_FLIGHT = 4;
/** Records per window of the rate profile: the slowest window shows a cliff that the average hides. */
const WINDOW = 20_000;
/** A shard whose reads fail this many times in a row is stuck: its row says where. */
const FAILURES_TO_GIVE_UP = 3;

interface ShardRun {
  readonly shardId: string;
  readonly records: number;
  readonly seconds: number;
  readonly calls: readonly number[];
  readonly slowestWindowRate: number;
  readonly failures: number;
  readonly error?: string;
}

/** Reads one shard to its end through `next`, which answers one call's record count and whether the shard is read to its tip. */
async function timeShard(shardId: string, next: () => Promise<{ records: number; atEnd: boolean }>): Promise<ShardRun> {
  const calls: number[] = [];
  let records = 0;
  let failures = 0;
  let error: string | undefined;
  let windowStarted = performance.now();
  let slowestWindowRate = Infinity;
  const started = performance.now();
  for (let inARow = 0; inARow < FAILURES_TO_GIVE_UP;) {
    const callStarted = performance.now();
    try {
      const got = await next();
      inARow = 0;
      calls.push(performance.now() - callStarted);
      records += got.records;
      if (records % WINDOW < got.records || got.atEnd) {
        const now = performance.now();
        if (!got.atEnd) slowestWindowRate = Math.min(slowestWindowRate, (WINDOW * 1000) / (now - windowStarted));
        windowStarted = now;
      }
      if (got.atEnd) break;
    } catch (thrown) {
      calls.push(performance.now() - callStarted);
      failures++;
      inARow++;
      error = `${(thrown as Error).name}: ${(thrown as Error).message}`;
    }
  }
  return { shardId, records, seconds: (performance.now() - started) / 1000, calls, slowestWindowRate, failures, ...(failures > 0 && { error }) };
}

function viaGetRecords(kinesis: KinesisClient, stream: BenchStream, shardId: string): () => Promise<{ records: number; atEnd: boolean }> {
  let iterator: string | undefined;
  return async () => {
    iterator ??= (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream.name, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" })))
      .ShardIterator;
    const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: LIMIT }));
    iterator = out.NextShardIterator;
    const records = out.Records?.length ?? 0;
    return { records, atEnd: records === 0 && out.MillisBehindLatest === 0 };
  };
}

async function write(kinesis: KinesisClient, stream: BenchStream, options: LongReplayOptions): Promise<number> {
  const maker = new RecordMaker(options.recordSize);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < options.records) {
        const first = next;
        next += BATCH;
        const entries = Array.from({ length: Math.min(BATCH, options.records - first) }, (_, i) => ({
          PartitionKey: partitionKey(0, first + i),
          Data: maker.make(0, first + i),
        }));
        await putRecords(kinesis, stream.name, entries, () => undefined);
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

function render(title: string, runs: readonly ShardRun[]): string {
  const rows = runs.map((run) => {
    const calls = summarizeLatency(run.calls);
    return [
      run.shardId,
      count(run.records),
      count(run.calls.length),
      count(run.records / run.seconds),
      Number.isFinite(run.slowestWindowRate) ? count(run.slowestWindowRate) : "—",
      ms(calls?.p50),
      ms(calls?.p99),
      ms(calls?.max),
      run.error ? `${run.failures}: ${run.error}` : "0",
    ];
  });
  const headers = ["shard", "records", "calls", "rec/s", `slowest ${count(WINDOW)} rec/s`, "p50 ms", "p99 ms", "slowest ms", "failed calls"];
  return `${title}\n${formatTable(headers, rows, new Set([1, 2, 3, 4, 5, 6, 7]))}`;
}

/** Each scope of the reader alone, through RecordReader in this process (no HTTP, no SDK). */
async function measureScopes(natsUrl: string, stream: BenchStream, shardCount: number): Promise<string[]> {
  const nc = await connect({ servers: natsUrl, noAsyncTraces: true });
  try {
    const jsm = await jetstreamManager(nc);
    const layout = new StreamLayout("kinesis");
    const out: string[] = [];
    for (const scope of ["shard", "stream", undefined] as const) {
      const reader = new RecordReader(nc, jsm, 5_000, new RecordCipher(new Uint8Array(32)), scope && { scope });
      const runs: ShardRun[] = [];
      for (let index = 0; index < shardCount; index++) {
        let start = 1n;
        const request = { jetStreamName: layout.jetStreamName(stream.name), subject: layout.shardSubject(stream.name, index), limit: LIMIT };
        runs.push(
          await timeShard(`shardId-${String(index).padStart(12, "0")}`, async () => {
            const result = await reader.read({ ...request, start: { kind: "sequence", sequence: start }, maxDataBytes: 10 * 1024 * 1024 });
            start = result.nextSequence ?? start;
            return { records: result.records.length, atEnd: result.caughtUp && result.records.length === 0 };
          }),
        );
      }
      out.push(render(`RecordReader, scope ${scope ?? "chosen per read (the server's)"}:`, runs));
    }
    return out;
  } finally {
    await nc.close();
  }
}

export async function runLongReplay(argv: string[]): Promise<void> {
  const options = parse(argv);
  const dataDir = mkdtempSync(join(tmpdir(), "kinesis-long-replay-"));
  const server = await spawnServer({ memory: false, natsUrl: options.natsUrl }, dataDir);
  try {
    const nc = await connect({ servers: server.natsUrl, noAsyncTraces: true });
    const version = nc.info?.version ?? "unknown";
    await nc.close();
    const { client: kinesis } = await connectKinesis({ endpoint: server.url, region: "us-east-1", anyCredentials: true });
    const stream = await createStream(kinesis, `long-${randomBytes(3).toString("hex")}`, options.shards);
    try {
      const writeSeconds = await write(kinesis, stream, options);
      console.log(
        `Long-stream replay: ${count(options.records)} records of ${options.recordSize} B over ${options.shards} shards, file storage, nats-server ${version}`,
      );
      console.log(
        `written by PutRecords of ${BATCH}, ${IN_FLIGHT} in flight: ${writeSeconds.toFixed(1)} s (${count(options.records / writeSeconds)} records/s)`,
      );
      const runs: ShardRun[] = [];
      for (const shardId of stream.shardIds) runs.push(await timeShard(shardId, viaGetRecords(kinesis, stream, shardId)));
      console.log(render(`\nGetRecords Limit ${count(LIMIT)} (AWS SDK, default settings), each shard from TRIM_HORIZON to its end:`, runs));
      const slowest = Math.max(...runs.flatMap((r) => r.calls));
      console.log(`slowest GetRecords call: ${ms(slowest)} ms`);
      if (options.scopes) for (const table of await measureScopes(server.natsUrl, stream, options.shards)) console.log(`\n${table}`);
      if (runs.some((r) => r.failures > 0)) process.exitCode = 1;
    } finally {
      await deleteStream(kinesis, stream.name).catch(() => undefined);
      kinesis.destroy();
    }
  } finally {
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

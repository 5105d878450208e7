import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { describe, expect, it } from "vitest";
import { READ_BUDGET_MS } from "../../src/jetstream/record-reader.js";
import { StreamLayout } from "../../src/jetstream/stream-storage.js";
import type { RunningServer } from "../../src/server.js";
import { messageBlockSizes, natsServer210, startFileNats, systemNatsServer, type FileNats, type NatsBinary } from "../support/nats-binaries.js";
import { registerConsumer, streamArnOf, subscribe } from "../support/fanout.js";
import { sdkClient, startTestServer, uniqueStreamName } from "../support/server.js";

/**
 * GetRecords over a long file-storage stream, as boto3 and KCL read it (TRIM_HORIZON, Limit
 * 10000), on the machine's nats-server 2.9.10 and on 2.10+. On 2.9.10 a filtered consumer
 * started in the first half of the newest 8 MiB block recounts its pending messages per
 * delivery (src/jetstream/read-plan.ts): the writers go on until that block is mostly full, so
 * the read crosses a slow stretch of ~20,000 positions or more.
 */
const SHARDS = 2;
const MIN_RECORDS = 200_000;
const MAX_RECORDS = 420_000;
const BATCH = 500;
const BLOCK_BYTES = 8 * 1024 * 1024;
/** The newest block at least this full: its slow stretch on 2.9.10 is then some 40% of a block. */
const NEWEST_BLOCK_FILL = 0.8;
/** Client-side time beyond the server's read budget: encoding, HTTP/2, the SDK decoding 10,000 records. */
const CLIENT_ALLOWANCE_MS = 1_500;

interface Written {
  readonly sequenceNumber: string;
  readonly data: string;
}

/** Two writers of PutRecords over random keys until the stream is long and its newest block nearly full. */
async function write(kinesis: KinesisClient, stream: string, fullEnough: () => boolean): Promise<Map<string, Written[]>> {
  const byShard = new Map<string, Written[]>();
  let total = 0;
  const writer = async (name: string): Promise<void> => {
    for (let n = 0; total < MAX_RECORDS && (total < MIN_RECORDS || !fullEnough());) {
      const data = Array.from({ length: BATCH }, () => `${name}${String(n++).padStart(7, "0")}`);
      const out = await kinesis.send(
        new PutRecordsCommand({ StreamName: stream, Records: data.map((d) => ({ PartitionKey: `k${Math.random()}`, Data: Buffer.from(d) })) }),
      );
      expect(out.FailedRecordCount).toBe(0);
      out.Records!.forEach((r, i) => {
        const list = byShard.get(r.ShardId!) ?? byShard.set(r.ShardId!, []).get(r.ShardId!)!;
        list.push({ sequenceNumber: r.SequenceNumber!, data: data[i]! });
      });
      total += BATCH;
    }
  };
  await Promise.all([writer("a"), writer("b")]);
  return byShard;
}

interface ShardReading {
  readonly records: Written[];
  readonly calls: number;
  readonly slowestMs: number;
}

/** Reads a shard from TRIM_HORIZON until it has `expected` records and a call finds nothing more. */
async function readShard(kinesis: KinesisClient, stream: string, shardId: string, expected: number): Promise<ShardReading> {
  const records: Written[] = [];
  let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
  let slowestMs = 0;
  let calls = 0;
  for (; iterator && calls < 2_000; calls++) {
    const callStarted = performance.now();
    const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
    slowestMs = Math.max(slowestMs, performance.now() - callStarted);
    for (const r of out.Records ?? []) records.push({ sequenceNumber: r.SequenceNumber!, data: Buffer.from(r.Data!).toString() });
    iterator = out.NextShardIterator;
    if (records.length >= expected && (out.Records ?? []).length === 0 && out.MillisBehindLatest === 0) break;
  }
  return { records, calls, slowestMs };
}

/** Records a subscription starts this far (in the shard's records) from the end: inside the newest block's first half. */
const SUBSCRIPTION_BACKLOG = 15_000;
/**
 * How many times GetRecords' nats-server CPU per record, in the same run, a subscription's may
 * cost. nats-server's own CPU time, not the wall clock: the suite's other files share the
 * machine's two cores (a KCL test beside this one once made a catch-up take 4 s, not 0.3), but
 * not nats-server's work. The slow stretch of 2.9.10 costs up to 2.4 ms per record, hundreds of
 * times a plain read's; reading the whole stream (read-plan.ts) moves both shards' records.
 */
const SUBSCRIPTION_CPU_SHARE = 4;
/** Below this a process's CPU time is too coarse to compare (10 ms steps, consumer set-up). */
const CPU_FLOOR_SECONDS = 0.3;

/**
 * SubscribeToShard from a record inside the first half of the newest block, where a filtered
 * consumer on 2.9.10 delivers a record every few ms: every record once, in order, for nats-server
 * CPU like that of GetRecords.
 */
async function subscribeInsideNewestBlock(
  kinesis: KinesisClient,
  nats: FileNats,
  stream: string,
  shardId: string,
  mine: Written[],
  getRecordsCpuPerRecord: number,
): Promise<void> {
  const expected = [...mine].sort(byNumber).slice(-SUBSCRIPTION_BACKLOG);
  const consumerArn = await registerConsumer(kinesis, await streamArnOf(kinesis, stream), "volume-app");
  const cpuBefore = nats.cpuSeconds();
  const subscription = await subscribe(kinesis, consumerArn, shardId, { Type: "AT_SEQUENCE_NUMBER", SequenceNumber: expected[0]!.sequenceNumber });
  const reading = await subscription.read({
    timeoutMs: 60_000,
    stop: (events) => events.reduce((sum, e) => sum + (e.Records?.length ?? 0), 0) >= expected.length,
  });
  const cpu = nats.cpuSeconds() - cpuBefore;
  const records = reading.events.flatMap((e) => e.Records ?? []).map((r) => ({ sequenceNumber: r.SequenceNumber!, data: Buffer.from(r.Data!).toString() }));
  const allowed = Math.max(CPU_FLOOR_SECONDS, SUBSCRIPTION_CPU_SHARE * getRecordsCpuPerRecord * expected.length);
  console.info(
    `SubscribeToShard from ${expected.length} records before the end of ${shardId}: ${reading.events.length} events in ${reading.ms} ms, nats-server CPU ${(cpu * 1000).toFixed(0)} ms (GetRecords' rate for as many: ${(getRecordsCpuPerRecord * expected.length * 1000).toFixed(0)} ms)`,
  );
  expect(reading.error).toBeUndefined();
  expect(records, "every record once, in order").toEqual(expected);
  expect(cpu, "nats-server CPU seconds of the catch-up").toBeLessThan(allowed);
}

const byNumber = (a: Written, b: Written): number => (BigInt(a.sequenceNumber) < BigInt(b.sequenceNumber) ? -1 : 1);

function longStreamCase(binary: NatsBinary): () => Promise<void> {
  return async () => {
    const nats: FileNats = await startFileNats(binary);
    let server: RunningServer | undefined;
    let kinesis: KinesisClient | undefined;
    try {
      server = await startTestServer({ natsUrl: nats.url, memory: false, subscriptionHeartbeatMs: 60_000 });
      kinesis = sdkClient(server);
      const stream = uniqueStreamName("volume");
      await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: SHARDS }));
      const jetStreamName = new StreamLayout(server.namespace).jetStreamName(stream);
      const newestBlockFill = (): number => (messageBlockSizes(nats.storeDir, jetStreamName).at(-1) ?? 0) / BLOCK_BYTES;
      const written = await write(kinesis, stream, () => newestBlockFill() >= NEWEST_BLOCK_FILL);
      const blocks = messageBlockSizes(nats.storeDir, jetStreamName);
      expect(blocks.length, "the stream spans several blocks").toBeGreaterThanOrEqual(3);
      expect(newestBlockFill(), "the newest block is mostly full: a long slow stretch on 2.9.10").toBeGreaterThanOrEqual(NEWEST_BLOCK_FILL);

      expect([...written.keys()].sort()).toHaveLength(SHARDS);
      const cpuPerRecord = new Map<string, number>();
      for (const [shardId, mine] of [...written].sort()) {
        const cpuBefore = nats.cpuSeconds();
        const reading = await readShard(kinesis, stream, shardId, mine.length);
        cpuPerRecord.set(shardId, (nats.cpuSeconds() - cpuBefore) / reading.records.length);
        const expected = [...mine].sort(byNumber);
        expect(reading.records.length, `${shardId}: every record once`).toBe(expected.length);
        expect(reading.records, `${shardId}: in order, as written`).toEqual(expected);
        console.info(
          `nats-server ${nats.version}: ${shardId} ${expected.length} records in ${reading.calls} calls, slowest ${reading.slowestMs.toFixed(0)} ms, nats-server CPU ${(cpuPerRecord.get(shardId)! * 1e6).toFixed(1)} µs a record; blocks ${blocks.length}, newest ${(newestBlockFill() * 100).toFixed(0)}% full`,
        );
        expect(reading.slowestMs, `${shardId}: slowest of ${reading.calls} GetRecords calls`).toBeLessThan(READ_BUDGET_MS + CLIENT_ALLOWANCE_MS);
      }
      const [shardId, mine] = [...written].sort()[0]!;
      await subscribeInsideNewestBlock(kinesis, nats, stream, shardId, mine, cpuPerRecord.get(shardId)!);
    } finally {
      kinesis?.destroy();
      await server?.close();
      await nats.stop();
    }
  };
}

const system = systemNatsServer();
const newer = natsServer210();

describe("GetRecords with Limit 10000 through a long file-storage stream", () => {
  it(
    `nats-server ${system.version} (${system.path}): GetRecords gets every record once, in order, no call over the budget; SubscribeToShard catches up`,
    longStreamCase(system),
    150_000,
  );
  const title = "nats-server 2.10+: GetRecords gets every record once, in order, no call over the budget; SubscribeToShard catches up";
  if ("missing" in newer) it.skip(`${title} (skipped: ${newer.missing})`, () => undefined);
  else
    it(
      `nats-server ${newer.version} (${newer.path}): GetRecords gets every record once, in order, no call over the budget; SubscribeToShard catches up`,
      longStreamCase(newer),
      150_000,
    );
});

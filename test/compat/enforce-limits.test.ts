import {
  CreateStreamCommand,
  DescribeStreamCommand,
  EnableEnhancedMonitoringCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListStreamsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  type PutRecordsResultEntry,
} from "@aws-sdk/client-kinesis";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { registerConsumer, streamArnOf, subscribe } from "../support/fanout.js";
import { sdkClient, startTestServer, TEST_CREDENTIALS, uniqueNamespace, uniqueStreamName } from "../support/server.js";

const ACCOUNT = "000000000000";
const KIB = 1024;

/** A client that does not retry, so that what the server refused is what the test sees. */
const oneAttempt = (server: RunningServer): KinesisClient =>
  new KinesisClient({ endpoint: server.url, region: "us-east-1", credentials: TEST_CREDENTIALS, maxAttempts: 1 });

/** Settles every call and returns the refusals. */
async function refusals(calls: readonly Promise<unknown>[]): Promise<{ name: string; message: string; $metadata: { httpStatusCode?: number } }[]> {
  const settled = await Promise.allSettled(calls);
  return settled.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as never] : []));
}

/**
 * Makes `count` calls at once against a fresh bucket of `burst` and `perSecond`: all but the
 * burst, less what the rate added while they ran, are refused. Returns the refusals.
 */
async function burstOf(count: number, burst: number, perSecond: number, call: () => Promise<unknown>) {
  const started = Date.now();
  const refused = await refusals(Array.from({ length: count }, call));
  const refilled = Math.ceil(((Date.now() - started) * perSecond) / 1000);
  expect(refused.length).toBeGreaterThanOrEqual(count - burst - refilled);
  expect(refused.length).toBeLessThanOrEqual(count - burst);
  expect(refused.length).toBeGreaterThan(0);
  return refused;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tiny = (count: number) => Array.from({ length: count }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from("x") }));

const servers: RunningServer[] = [];
const clients: KinesisClient[] = [];
/** With --enforce-limits. */
let limited: RunningServer;
/** The same namespace without the flag: it writes without spending the limited instance's budget. */
let unlimited: RunningServer;
let strict: KinesisClient;
/** Default SDK settings, retries included: the set-up calls. */
let setup: KinesisClient;
let writer: KinesisClient;

async function newStream(shards = 1): Promise<string> {
  const stream = uniqueStreamName("limits");
  await setup.send(new CreateStreamCommand({ StreamName: stream, ShardCount: shards }));
  return stream;
}

beforeAll(async () => {
  const namespace = uniqueNamespace();
  limited = await startTestServer({ namespace, enforceLimits: true });
  unlimited = await startTestServer({ namespace });
  servers.push(limited, unlimited);
  clients.push((strict = oneAttempt(limited)), (setup = sdkClient(limited)), (writer = sdkClient(unlimited)));
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await Promise.all(servers.map((server) => server.close()));
});

describe("--enforce-limits: a shard's writes", () => {
  it("PutRecord past 1 MiB/s: ProvisionedThroughputExceededException (400) naming the shard, stream and account", async () => {
    const stream = await newStream();
    const data = Buffer.alloc(200 * KIB, 1);
    // 1 MiB holds five records of 200 KiB; the rate adds five more a second.
    const refused = await burstOf(16, 5, 5.12, () => strict.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: data })));
    for (const error of refused) {
      expect(error).toMatchObject({
        name: "ProvisionedThroughputExceededException",
        message: `Rate exceeded for shard shardId-000000000000 in stream ${stream} under account ${ACCOUNT}.`,
        $metadata: { httpStatusCode: 400 },
      });
    }
  });

  it("PutRecords past 1,000 records/s: the entries over it fail with the service's ErrorCode and message, counted in FailedRecordCount", async () => {
    const stream = await newStream();
    const started = Date.now();
    // 3,000 records at once, three times what one second allows.
    const answers = await Promise.all(Array.from({ length: 6 }, () => strict.send(new PutRecordsCommand({ StreamName: stream, Records: tiny(500) }))));
    const elapsedS = (Date.now() - started) / 1000;
    const entries: PutRecordsResultEntry[] = answers.flatMap((answer) => answer.Records ?? []);
    const failed = entries.filter((entry) => entry.ErrorCode !== undefined);
    expect(answers.reduce((sum, answer) => sum + (answer.FailedRecordCount ?? 0), 0)).toBe(failed.length);
    // The burst of one second's worth, plus what the rate added while the calls ran.
    expect(entries.length - failed.length).toBeLessThanOrEqual(1000 + Math.ceil(elapsedS * 1000));
    expect(failed.length).toBeGreaterThan(0);
    for (const entry of failed) {
      expect(entry).toEqual({
        ErrorCode: "ProvisionedThroughputExceededException",
        ErrorMessage: `Rate exceeded for shard shardId-000000000000 in stream ${stream} under account ${ACCOUNT}.`,
      });
    }
  });

  it("under the limit nothing is refused: 500 records/s for two seconds", async () => {
    const stream = await newStream();
    for (let call = 0; call < 10; call++) {
      const answer = await strict.send(new PutRecordsCommand({ StreamName: stream, Records: tiny(100) }));
      expect(answer.FailedRecordCount).toBe(0);
      await sleep(200);
    }
  });

  it("with the SDK's retries on, a producer over the limit is slowed down to it and every record is stored", async () => {
    const stream = await newStream();
    const retrying = new KinesisClient({ endpoint: limited.url, region: "us-east-1", credentials: TEST_CREDENTIALS, maxAttempts: 10 });
    clients.push(retrying);
    const data = Buffer.alloc(200 * KIB, 2);
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => retrying.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: data }))),
    );
    // 2.4 MiB at 1 MiB/s after a 1 MiB burst: at least 1.4 s, and some calls took more than one attempt.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(answers.every((answer) => answer.SequenceNumber !== undefined)).toBe(true);
    expect(answers.some((answer) => (answer.$metadata.attempts ?? 1) > 1)).toBe(true);
  });
});

describe("--enforce-limits: a shard's reads", () => {
  async function iteratorOf(stream: string): Promise<string> {
    return (await setup.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" })))
      .ShardIterator!;
  }

  it("GetRecords past 5 calls/s: ProvisionedThroughputExceededException in the service's words for reads", async () => {
    const stream = await newStream();
    const ShardIterator = await iteratorOf(stream);
    const refused = await burstOf(12, 5, 5, () => strict.send(new GetRecordsCommand({ ShardIterator })));
    for (const error of refused) {
      expect(error).toMatchObject({
        name: "ProvisionedThroughputExceededException",
        message: `Rate exceeded for Shard - ${ACCOUNT}/${stream}/shardId-000000000000`,
        $metadata: { httpStatusCode: 400 },
      });
    }
  });

  it("after a read past 2 MiB, the next call is refused until the shard's 2 MiB/s has paid for it", async () => {
    const stream = await newStream();
    const data = Buffer.alloc(600 * KIB, 3);
    for (let i = 0; i < 6; i++) await writer.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: data }));
    const first = await strict.send(new GetRecordsCommand({ ShardIterator: await iteratorOf(stream) }));
    expect(first.Records).toHaveLength(6);
    await expect(strict.send(new GetRecordsCommand({ ShardIterator: first.NextShardIterator }))).rejects.toMatchObject({
      name: "ProvisionedThroughputExceededException",
      message: `Rate exceeded for Shard - ${ACCOUNT}/${stream}/shardId-000000000000`,
    });
    // 3.5 MiB read: 1.5 MiB of debt past the burst, paid off in under a second.
    await sleep(1000);
    await expect(strict.send(new GetRecordsCommand({ ShardIterator: first.NextShardIterator }))).resolves.toHaveProperty("Records", []);
  });

  it("under the limit nothing is refused: 4 GetRecords a second for two seconds", async () => {
    const stream = await newStream();
    let ShardIterator = await iteratorOf(stream);
    for (let call = 0; call < 8; call++) {
      ShardIterator = (await strict.send(new GetRecordsCommand({ ShardIterator }))).NextShardIterator!;
      await sleep(250);
    }
  });

  it("GetShardIterator past 5 calls/s per shard: ProvisionedThroughputExceededException", async () => {
    const stream = await newStream();
    const refused = await burstOf(12, 5, 5, () =>
      strict.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "LATEST" })),
    );
    expect(refused[0]).toMatchObject({
      name: "ProvisionedThroughputExceededException",
      message: `Rate exceeded for shard shardId-000000000000 in stream ${stream} under account ${ACCOUNT}.`,
    });
  });
});

describe("--enforce-limits: enhanced fan-out", () => {
  it("a second SubscribeToShard within a second for one consumer and shard: LimitExceededException; a second later it is taken", async () => {
    const stream = await newStream();
    const consumerArn = await registerConsumer(setup, await streamArnOf(setup, stream), "limited");
    const first = await subscribe(strict, consumerArn, "shardId-000000000000", { Type: "LATEST" });
    first.abort();
    await expect(subscribe(strict, consumerArn, "shardId-000000000000", { Type: "LATEST" })).rejects.toMatchObject({
      name: "LimitExceededException",
      message: `Rate exceeded for consumer ${consumerArn} and shard shardId-000000000000.`,
      $metadata: { httpStatusCode: 400 },
    });
    await sleep(1100);
    const again = await subscribe(strict, consumerArn, "shardId-000000000000", { Type: "LATEST" });
    again.abort();
  });

  it("a consumer is pushed at most 2 MiB/s of a shard", async () => {
    const stream = await newStream();
    const data = Buffer.alloc(512 * KIB, 4);
    for (let i = 0; i < 10; i++) await writer.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: data }));
    const consumerArn = await registerConsumer(setup, await streamArnOf(setup, stream), "pushed");
    const started = Date.now();
    const subscription = await subscribe(setup, consumerArn, "shardId-000000000000", { Type: "TRIM_HORIZON" });
    const reading = await subscription.read({ stop: (events) => events.reduce((n, e) => n + (e.Records?.length ?? 0), 0) >= 10, timeoutMs: 15_000 });
    expect(reading.events.reduce((n, e) => n + (e.Records?.length ?? 0), 0)).toBe(10);
    // 5 MiB: 2 MiB at once, the other 3 MiB at 2 MiB/s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });
});

describe("--enforce-limits: enhanced monitoring", () => {
  /** The value of one per-shard sample of /metrics. */
  async function shardSample(name: string, stream: string): Promise<number | undefined> {
    const text = await (await fetch(`${limited.url}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(`stream="${stream}"`) && l.includes('shard="shardId-000000000000"'));
    return line === undefined ? undefined : Number(line.split(" ").pop());
  }

  it("counts the refused records and reads in WriteProvisionedThroughputExceeded and ReadProvisionedThroughputExceeded", async () => {
    const stream = await newStream();
    await setup.send(
      new EnableEnhancedMonitoringCommand({
        StreamName: stream,
        ShardLevelMetrics: ["WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded"],
      }),
    );
    let failedRecords = 0;
    for (let call = 0; call < 3; call++)
      failedRecords += (await strict.send(new PutRecordsCommand({ StreamName: stream, Records: tiny(500) }))).FailedRecordCount ?? 0;
    const { ShardIterator } = await setup.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "LATEST" }),
    );
    const refusedReads = await refusals(Array.from({ length: 15 }, () => strict.send(new GetRecordsCommand({ ShardIterator }))));
    expect(failedRecords).toBeGreaterThan(0);
    expect(refusedReads.length).toBeGreaterThan(0);
    expect(await shardSample("kinesis_shard_write_provisioned_throughput_exceeded_total", stream)).toBe(failedRecords);
    expect(await shardSample("kinesis_shard_read_provisioned_throughput_exceeded_total", stream)).toBe(refusedReads.length);
  });
});

describe("--enforce-limits: control-plane rates", () => {
  it("DescribeStream past 10 calls/s per account: LimitExceededException naming the stream", async () => {
    const stream = await newStream();
    const refused = await burstOf(20, 10, 10, () => strict.send(new DescribeStreamCommand({ StreamName: stream })));
    expect(refused[0]).toMatchObject({
      name: "LimitExceededException",
      message: `Rate exceeded for stream ${stream} under account ${ACCOUNT}.`,
      $metadata: { httpStatusCode: 400 },
    });
  });

  it("ListStreams past 5 calls/s per account: LimitExceededException naming the account", async () => {
    const refused = await burstOf(12, 5, 5, () => strict.send(new ListStreamsCommand({})));
    expect(refused[0]).toMatchObject({ name: "LimitExceededException", message: `Rate exceeded for account ${ACCOUNT}.` });
  });
});

describe("--enforce-limits through boto3", () => {
  /** The Python with boto3: `python3` here; CI may point PYTHON at Debian's when it installed python3-boto3. */
  const PYTHON = process.env.PYTHON ?? "python3";
  const SCRIPT = fileURLToPath(new URL("./python/boto3_limits.py", import.meta.url));

  it("refusals in the service's words without retries; with boto3's default retries every record is stored", async () => {
    const stream = uniqueStreamName("boto3-limits");
    const { stdout } = await promisify(execFile)(PYTHON, [SCRIPT, limited.url, stream], { timeout: 60_000 });
    const report = JSON.parse(stdout);
    expect(report.list_streams.length).toBeGreaterThanOrEqual(1);
    for (const error of report.list_streams) {
      expect(error).toEqual({ code: "LimitExceededException", status: 400, message: `Rate exceeded for account ${ACCOUNT}.` });
    }
    expect(report.put_record.length).toBeGreaterThanOrEqual(1);
    for (const error of report.put_record) {
      expect(error).toEqual({
        code: "ProvisionedThroughputExceededException",
        status: 400,
        message: `Rate exceeded for shard shardId-000000000000 in stream ${stream} under account ${ACCOUNT}.`,
      });
    }
    expect(report.retrying.stored).toBe(12);
    expect(report.retrying.retries).toBeGreaterThan(0);
  });
});

describe("--enforce-limits across two instances", () => {
  let clientA: KinesisClient;
  let clientB: KinesisClient;
  beforeAll(async () => {
    const namespace = uniqueNamespace();
    const pair = await Promise.all([startTestServer({ namespace, enforceLimits: true }), startTestServer({ namespace, enforceLimits: true })]);
    servers.push(...pair);
    clients.push((clientA = oneAttempt(pair[0])), (clientB = oneAttempt(pair[1])));
  });

  it("two instances writing to one shard share its 1,000 records/s: together they store about 1x, not 2x", async () => {
    const stream = uniqueStreamName("shared");
    await clientA.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const runMs = 3000;
    const started = Date.now();
    let attempted = 0;
    const produce = async (client: KinesisClient): Promise<number> => {
      let stored = 0;
      while (Date.now() - started < runMs) {
        attempted += 100;
        const answer = await client.send(new PutRecordsCommand({ StreamName: stream, Records: tiny(100) }));
        stored += 100 - (answer.FailedRecordCount ?? 0);
      }
      return stored;
    };
    // Two producers per instance, so that each alone asks for more than the shard's rate.
    const [a1, a2, b1, b2] = await Promise.all([produce(clientA), produce(clientA), produce(clientB), produce(clientB)]);
    const [a, b] = [a1! + a2!, b1! + b2!];
    const seconds = (Date.now() - started) / 1000;
    // One second's burst plus the rate; 2x would be twice that.
    const allowed = 1000 + 1000 * seconds;
    console.log(`two instances stored ${a} + ${b} = ${a + b} of ${attempted} records in ${seconds.toFixed(2)} s; the limit allows ${allowed.toFixed(0)}`);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    expect(a + b).toBeLessThanOrEqual(allowed * 1.1);
    // Short of the limit only by what the producers did not ask for (on a busy machine they may ask for little more).
    expect(a + b).toBeGreaterThanOrEqual(0.8 * Math.min(allowed, attempted));
  });
});

describe("off by default", () => {
  it("a burst far above every limit passes", async () => {
    const off = await startTestServer();
    servers.push(off);
    const client = oneAttempt(off);
    clients.push(client);
    const stream = uniqueStreamName("unlimited");
    await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    expect(await refusals(Array.from({ length: 30 }, () => client.send(new DescribeStreamCommand({ StreamName: stream }))))).toEqual([]);
    for (let call = 0; call < 6; call++) {
      expect((await client.send(new PutRecordsCommand({ StreamName: stream, Records: tiny(500) }))).FailedRecordCount).toBe(0);
    }
    const { ShardIterator } = await client.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }),
    );
    expect(await refusals(Array.from({ length: 12 }, () => client.send(new GetRecordsCommand({ ShardIterator, Limit: 1 }))))).toEqual([]);
  });
});

import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DeregisterStreamConsumerCommand,
  type KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
  type SubscribeToShardEvent,
  SubscribeToShardCommand,
} from "@aws-sdk/client-kinesis";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { dataOf, registerConsumer, sdkClientHttp1, streamArnOf, subscribe } from "../support/fanout.js";
import { sdkClient, startTestServer, uniqueNamespace, uniqueStreamName } from "../support/server.js";

const ACCOUNT = "000000000000";
const SHARD = "shardId-000000000000";
const namespace = uniqueNamespace();
let server: RunningServer;
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  // Subscriptions last 0.8 s here (Kinesis: 5 minutes) and go quiet for at most 300 ms.
  server = await startTestServer({ namespace, subscriptionMs: 800, subscriptionHeartbeatMs: 300 });
  nc = await connect({ servers: inject("natsUrl") });
  jsm = await jetstreamManager(nc);
});
afterAll(async () => {
  await nc?.close();
  await server?.close();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const range = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
const recordCount = (events: readonly SubscribeToShardEvent[]): number => events.reduce((n, e) => n + (e.Records?.length ?? 0), 0);

/** The JetStream consumers reading a stream: one per live subscription. */
async function jetStreamConsumers(stream: string): Promise<number> {
  let count = 0;
  for await (const _ of jsm.consumers.list(`${namespace}_${stream.replaceAll(".", "=")}`)) count++;
  return count;
}

async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  return promise.then(
    () => ({ name: "no error", message: "" }),
    (error: Error) => ({ name: error.name, message: error.message }),
  );
}

describe.each([
  ["HTTP/2 (the SDK's default)", sdkClient],
  ["HTTP/1.1 (NodeHttpHandler)", sdkClientHttp1],
])("SubscribeToShard through @aws-sdk/client-kinesis over %s", (_transport, makeClient) => {
  let kinesis: KinesisClient;
  beforeAll(() => {
    kinesis = makeClient(server);
  });
  afterAll(() => kinesis?.destroy());

  async function streamWithConsumer(shards = 1): Promise<{ stream: string; consumer: string }> {
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: shards }));
    return { stream, consumer: await registerConsumer(kinesis, await streamArnOf(kinesis, stream), "app") };
  }

  const put = async (stream: string, data: string): Promise<string> =>
    (await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: data, Data: Buffer.from(data), ExplicitHashKey: "0" }))).SequenceNumber!;

  it("pushes records written after subscribing, in order, each event continuing from its last record", async () => {
    const { stream, consumer } = await streamWithConsumer();
    await put(stream, "before");
    const subscription = await subscribe(kinesis, consumer, SHARD, { Type: "LATEST" });
    const written: string[] = [];
    for (let i = 0; i < 5; i++) written.push(await put(stream, `single-${i}`));
    const batch = await kinesis.send(
      new PutRecordsCommand({ StreamName: stream, Records: range("batch", 15).map((d) => ({ PartitionKey: d, Data: Buffer.from(d), ExplicitHashKey: "0" })) }),
    );
    written.push(...batch.Records!.map((r) => r.SequenceNumber!));
    const reading = await subscription.read({ stop: (events) => recordCount(events) >= 20, timeoutMs: 5_000 });

    expect(dataOf(reading.events)).toEqual([...range("single", 5), ...range("batch", 15)]);
    expect(reading.events.flatMap((e) => e.Records!.map((r) => r.SequenceNumber))).toEqual(written);
    for (const event of reading.events) {
      expect(event.ContinuationSequenceNumber).toMatch(/^\d{56}$/);
      const last = event.Records!.at(-1);
      if (last) expect(event.ContinuationSequenceNumber).toBe(last.SequenceNumber);
      expect(event.MillisBehindLatest).toBeLessThan(10_000);
      for (const record of event.Records!) expect(record.PartitionKey).toBe(Buffer.from(record.Data!).toString());
    }
    // Nothing read yet: the first event, sent at once, continues from the record before subscribing.
    expect(reading.events[0]!.Records).toEqual([]);
    // The last event carried the shard's newest record: nothing behind it.
    expect(reading.events.at(-1)!.MillisBehindLatest).toBe(0);
  });

  it("starts where each StartingPosition type says", async () => {
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const arn = await streamArnOf(kinesis, stream);
    const seq0 = await put(stream, "r0");
    await sleep(50);
    const between = new Date();
    await sleep(50);
    const seq1 = await put(stream, "r1");
    await put(stream, "r2");
    const positions = {
      TRIM_HORIZON: { Type: "TRIM_HORIZON" },
      AT_SEQUENCE_NUMBER: { Type: "AT_SEQUENCE_NUMBER", SequenceNumber: seq1 },
      AFTER_SEQUENCE_NUMBER: { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: seq1 },
      AT_TIMESTAMP: { Type: "AT_TIMESTAMP", Timestamp: between },
      LATEST: { Type: "LATEST" },
    } as const;
    const expected = {
      TRIM_HORIZON: ["r0", "r1", "r2", "r3"],
      AT_SEQUENCE_NUMBER: ["r1", "r2", "r3"],
      AFTER_SEQUENCE_NUMBER: ["r2", "r3"],
      AT_TIMESTAMP: ["r1", "r2", "r3"],
      LATEST: ["r3"],
    };
    // One consumer per position: a consumer may hold one subscription per shard.
    const subscriptions = await Promise.all(
      Object.entries(positions).map(
        async ([type, position]) => [type, await subscribe(kinesis, await registerConsumer(kinesis, arn, type), SHARD, position)] as const,
      ),
    );
    await put(stream, "r3");
    for (const [type, subscription] of subscriptions) {
      const reading = await subscription.read({ stop: (events) => dataOf(events).includes("r3"), timeoutMs: 5_000 });
      expect(dataOf(reading.events), type).toEqual(expected[type as keyof typeof expected]);
    }
    expect(seq0 < seq1).toBe(true);
  });

  it("resubscribing AFTER_SEQUENCE_NUMBER of the last continuation loses and repeats nothing", async () => {
    const { stream, consumer } = await streamWithConsumer();
    const written: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        written.push(`w-${i}`);
        await put(stream, `w-${i}`);
        await sleep(10);
      }
    })();
    const received: string[] = [];
    let position: { Type: "TRIM_HORIZON" } | { Type: "AFTER_SEQUENCE_NUMBER"; SequenceNumber: string } = { Type: "TRIM_HORIZON" };
    let subscriptions = 0;
    const deadline = Date.now() + 2_000;
    // Like KCL: each subscription ends after its lifetime, the next resumes after the last continuation.
    while (Date.now() < deadline || received.length < written.length) {
      if (Date.now() >= deadline) writing = false;
      const reading = await (await subscribe(kinesis, consumer, SHARD, position)).read({ timeoutMs: 5_000 });
      expect(reading.ended).toBe(true);
      subscriptions++;
      received.push(...dataOf(reading.events));
      position = { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: reading.events.at(-1)!.ContinuationSequenceNumber! };
      if (!writing && received.length >= written.length) break;
    }
    writing = false;
    await writer;
    expect(subscriptions).toBeGreaterThanOrEqual(3);
    expect(received).toEqual(written);
  });

  it("ends cleanly after the subscription's lifetime, with empty events while nothing is written", async () => {
    const { consumer } = await streamWithConsumer();
    const reading = await (await subscribe(kinesis, consumer, SHARD, { Type: "LATEST" })).read({ timeoutMs: 5_000 });
    expect(reading.ended).toBe(true);
    expect(reading.error).toBeUndefined();
    expect(reading.ms).toBeGreaterThan(600);
    expect(reading.ms).toBeLessThan(1_500);
    // An event at once, then at least one every 300 ms.
    expect(reading.events.length).toBeGreaterThanOrEqual(3);
    const continuations = new Set(reading.events.map((e) => e.ContinuationSequenceNumber));
    expect(continuations.size).toBe(1);
    expect(reading.events.every((e) => e.Records!.length === 0 && e.MillisBehindLatest === 0)).toBe(true);
  });

  it("refuses a bad subscription before the stream starts, in Kinesis's words", async () => {
    const { stream, consumer } = await streamWithConsumer(2);
    const otherShardSeq = (
      await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("x"), ExplicitHashKey: String(2n ** 127n) }))
    ).SequenceNumber!;
    const send = (shardId: string, position: object, arn = consumer) =>
      failure(kinesis.send(new SubscribeToShardCommand({ ConsumerARN: arn, ShardId: shardId, StartingPosition: position as never })));
    expect(await send(SHARD, { Type: "LATEST" }, consumer.replace(/consumer\/app:/, "consumer/ghost:"))).toEqual({
      name: "ResourceNotFoundException",
      message: `Consumer ghost under stream ${stream} and account ${ACCOUNT} not found.`,
    });
    expect(await send("shardId-000000000007", { Type: "LATEST" })).toEqual({
      name: "ResourceNotFoundException",
      message: `Shard shardId-000000000007 in stream ${stream} under account ${ACCOUNT} does not exist`,
    });
    expect(await send("bogus", { Type: "LATEST" })).toEqual({
      name: "ResourceNotFoundException",
      message: `Could not find shard bogus in stream ${stream} under account ${ACCOUNT}.`,
    });
    expect(await send(SHARD, { Type: "AT_SEQUENCE_NUMBER" })).toMatchObject({
      name: "InvalidArgumentException",
      message: expect.stringContaining("Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber."),
    });
    expect(await send(SHARD, { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: otherShardSeq })).toEqual({
      name: "InvalidArgumentException",
      message: "Invalid StartingSequenceNumber. It encodes shardId-000000000001, while it was used in a call to a shard with shardId-000000000000",
    });
    expect(await send(SHARD, { Type: "AT_TIMESTAMP", Timestamp: new Date(Date.now() + 60_000) })).toMatchObject({
      name: "InvalidArgumentException",
      message: expect.stringContaining("The timestampInMillis parameter cannot be greater than the currentTimestampInMillis."),
    });
    expect(await send(SHARD, { Type: "NEWEST" })).toMatchObject({
      name: "ValidationException",
      message: expect.stringContaining("at 'startingPosition.type'"),
    });
  });

  it("ends with ResourceNotFoundException when the stream is deleted under it", async () => {
    const { stream, consumer } = await streamWithConsumer();
    const subscription = await subscribe(kinesis, consumer, SHARD, { Type: "LATEST" });
    const reading = subscription.read({ timeoutMs: 5_000 });
    await sleep(100);
    await kinesis.send(new DeleteStreamCommand({ StreamName: stream, EnforceConsumerDeletion: true }));
    const { error, ms } = await reading;
    expect(error).toMatchObject({ name: "ResourceNotFoundException", message: `Stream ${stream} under account ${ACCOUNT} not found.` });
    expect(ms).toBeLessThan(1_000);
  });

  it("ends with ResourceNotFoundException when its consumer is deregistered", async () => {
    const { stream, consumer } = await streamWithConsumer();
    const reading = (await subscribe(kinesis, consumer, SHARD, { Type: "LATEST" })).read({ timeoutMs: 5_000 });
    await sleep(100);
    await kinesis.send(new DeregisterStreamConsumerCommand({ ConsumerARN: consumer }));
    expect((await reading).error).toMatchObject({
      name: "ResourceNotFoundException",
      message: `Consumer app under stream ${stream} and account ${ACCOUNT} not found.`,
    });
  });

  it("releases its JetStream consumer as soon as the client goes away", async () => {
    const { stream, consumer } = await streamWithConsumer();
    const subscription = await subscribe(kinesis, consumer, SHARD, { Type: "LATEST" });
    expect(await jetStreamConsumers(stream)).toBe(1);
    subscription.abort();
    let remaining = 1;
    const deadline = Date.now() + 1_000;
    while (remaining > 0 && Date.now() < deadline) {
      await sleep(20);
      remaining = await jetStreamConsumers(stream);
    }
    expect(remaining).toBe(0);
    // And its lease: the consumer may subscribe again at once.
    const again = await subscribe(kinesis, consumer, SHARD, { Type: "LATEST" });
    again.abort();
  });
});

describe("a consumer that is not ACTIVE", () => {
  let slow: RunningServer;
  let kinesis: KinesisClient;
  beforeAll(async () => {
    slow = await startTestServer({ registerConsumerMs: 60_000 });
    kinesis = sdkClient(slow);
  });
  afterAll(async () => {
    kinesis?.destroy();
    await slow?.close();
  });

  it("cannot subscribe: ResourceInUseException", async () => {
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const { Consumer } = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: await streamArnOf(kinesis, stream), ConsumerName: "early" }));
    const refused = await failure(
      kinesis.send(new SubscribeToShardCommand({ ConsumerARN: Consumer!.ConsumerARN, ShardId: SHARD, StartingPosition: { Type: "LATEST" } })),
    );
    expect(refused).toEqual({
      name: "ResourceInUseException",
      message: `Consumer early with creation timestamp ${Math.floor(Consumer!.ConsumerCreationTimestamp!.getTime() / 1000)} under stream: ${stream} , account ${ACCOUNT} is not in ACTIVE status.`,
    });
  });
});

describe("server shutdown", () => {
  it("ends open subscriptions cleanly instead of holding the shutdown", async () => {
    const own = await startTestServer();
    const kinesis = sdkClient(own);
    try {
      const stream = uniqueStreamName();
      await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
      const consumer = await registerConsumer(kinesis, await streamArnOf(kinesis, stream), "app");
      const reading = (await subscribe(kinesis, consumer, SHARD, { Type: "LATEST" })).read({ timeoutMs: 10_000 });
      const started = Date.now();
      await own.close();
      const { ended, error } = await reading;
      expect({ ended, error }).toEqual({ ended: true, error: undefined });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      kinesis.destroy();
    }
  });
});

import http2, { type ClientHttp2Session, type ClientHttp2Stream } from "node:http2";
import { CreateStreamCommand, DeregisterStreamConsumerCommand, type KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, type ConsumerInfo, type JetStreamManager } from "@nats-io/jetstream";
import { EventStreamCodec, type Message } from "@smithy/eventstream-codec";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { registerConsumer, streamArnOf } from "../support/fanout.js";
import { sdkClient, startTestServer, uniqueNamespace, uniqueStreamName } from "../support/server.js";

const namespace = uniqueNamespace();
const MiB = 1024 * 1024;
let server: RunningServer;
let kinesis: KinesisClient;
let session: ClientHttp2Session;
let nc: NatsConnection;
let jsm: JetStreamManager;
const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString("utf8"),
  (text) => Buffer.from(text, "utf8"),
);

beforeAll(async () => {
  // Removals (a deregistered consumer) are noticed every half heartbeat.
  // Raw HTTP/2 subscriptions, unsigned: these tests are about framing and back-pressure.
  server = await startTestServer({ namespace, subscriptionHeartbeatMs: 500, noSignatureCheck: true });
  kinesis = sdkClient(server);
  session = http2.connect(server.url);
  nc = await connect({ servers: inject("natsUrl") });
  jsm = await jetstreamManager(nc);
});
afterAll(async () => {
  session?.destroy();
  kinesis?.destroy();
  await nc?.close();
  await server?.close();
});

interface Frame {
  readonly length: number;
  readonly headers: Record<string, string>;
  readonly payload: Buffer;
}

/** A SubscribeToShard call on a raw HTTP/2 stream, its frames decoded one by one as they are read. */
class RawSubscription {
  readonly frames: Frame[] = [];
  status = 0;
  contentType = "";
  ended = false;
  private buffer = Buffer.alloc(0);
  private readonly request: ClientHttp2Stream;
  private readonly ready: Promise<void>;

  constructor(body: object, read: boolean) {
    this.request = session.request({
      ":method": "POST",
      ":path": "/",
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "Kinesis_20131202.SubscribeToShard",
    });
    this.ready = new Promise((resolve) =>
      this.request.on("response", (headers) => {
        this.status = Number(headers[":status"]);
        this.contentType = String(headers["content-type"]);
        resolve();
      }),
    );
    this.request.on("end", () => (this.ended = true));
    this.request.end(JSON.stringify(body));
    if (read) this.startReading();
  }

  async started(): Promise<void> {
    await this.ready;
  }

  startReading(): void {
    this.request.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 4 && this.buffer.length >= this.buffer.readUInt32BE(0)) {
        const length = this.buffer.readUInt32BE(0);
        const message: Message = codec.decode(this.buffer.subarray(0, length));
        const headers = Object.fromEntries(Object.entries(message.headers).map(([name, header]) => [name, String(header.value)]));
        this.frames.push({ length, headers, payload: Buffer.from(message.body) });
        this.buffer = this.buffer.subarray(length);
      }
    });
  }

  /** The records of all SubscribeToShardEvent frames so far, decoded. */
  records(): { Data: string; SequenceNumber: string }[] {
    return this.frames.filter((f) => f.headers[":event-type"] === "SubscribeToShardEvent").flatMap((f) => JSON.parse(f.payload.toString()).Records);
  }

  async until(check: () => boolean, withinMs: number): Promise<void> {
    const deadline = Date.now() + withinMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${withinMs} ms (${this.frames.length} frames)`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.request.close();
  }
}

async function streamWithRecords(count: number, size: number): Promise<{ stream: string; consumer: string }> {
  const stream = uniqueStreamName();
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
  const perRequest = Math.max(1, Math.floor((5 * MiB) / size));
  for (let i = 0; i < count; i += perRequest) {
    const Records = Array.from({ length: Math.min(perRequest, count - i) }, (_, j) => ({ PartitionKey: "k", Data: Buffer.alloc(size, (i + j) % 256) }));
    const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records }));
    expect(out.FailedRecordCount).toBe(0);
  }
  return { stream, consumer: await registerConsumer(kinesis, await streamArnOf(kinesis, stream), "raw") };
}

async function jetStreamConsumer(stream: string): Promise<ConsumerInfo> {
  for await (const info of jsm.consumers.list(`${namespace}_${stream.replaceAll(".", "=")}`)) return info;
  throw new Error("no JetStream consumer");
}

describe("SubscribeToShard on the wire (raw HTTP/2)", () => {
  it("answers application/vnd.amazon.eventstream: initial-response, then JSON events; errors as exception frames", async () => {
    const { consumer } = await streamWithRecords(1, 10);
    const subscription = new RawSubscription({ ConsumerARN: consumer, ShardId: "shardId-000000000000", StartingPosition: { Type: "TRIM_HORIZON" } }, true);
    await subscription.started();
    expect(subscription.status).toBe(200);
    expect(subscription.contentType).toBe("application/vnd.amazon.eventstream");
    await subscription.until(() => subscription.frames.length >= 2, 2_000);
    const [initial, first] = subscription.frames;
    expect(initial!.headers).toEqual({ ":message-type": "event", ":event-type": "initial-response", ":content-type": "application/json" });
    expect(initial!.payload.toString()).toBe("{}");
    expect(first!.headers).toEqual({ ":message-type": "event", ":event-type": "SubscribeToShardEvent", ":content-type": "application/json" });
    const event = JSON.parse(first!.payload.toString());
    expect(Object.keys(event)).toEqual(["Records", "ContinuationSequenceNumber", "MillisBehindLatest"]);
    expect(event.Records).toHaveLength(1);
    expect(typeof event.Records[0].ApproximateArrivalTimestamp).toBe("number");

    await kinesis.send(new DeregisterStreamConsumerCommand({ ConsumerARN: consumer }));
    await subscription.until(() => subscription.ended, 3_000);
    const last = subscription.frames.at(-1)!;
    expect(last.headers).toEqual({ ":message-type": "exception", ":exception-type": "ResourceNotFoundException", ":content-type": "application/json" });
    expect(JSON.parse(last.payload.toString())).toEqual({ message: expect.stringMatching(/^Consumer raw under stream .* not found\.$/) });
  });

  it("reads from JetStream only as fast as the client reads: a stalled reader holds back delivery, then gets everything in order", async () => {
    const total = 200;
    const { stream, consumer } = await streamWithRecords(total, 48 * 1024);
    const subscription = new RawSubscription({ ConsumerARN: consumer, ShardId: "shardId-000000000000", StartingPosition: { Type: "TRIM_HORIZON" } }, false);
    await subscription.started();
    await new Promise((r) => setTimeout(r, 1_000));
    // Not reading: JetStream has sent one pull (256 KiB) and a few events' worth held in buffers, under 2 MiB.
    const stalled = await jetStreamConsumer(stream);
    expect(stalled.delivered.consumer_seq).toBeLessThan(40);
    expect(stalled.num_pending).toBeGreaterThan(total - 40);

    subscription.startReading();
    await subscription.until(() => subscription.records().length >= total, 10_000);
    const records = subscription.records();
    expect(records.map((r) => Buffer.from(r.Data, "base64")[0])).toEqual(Array.from({ length: total }, (_, i) => i % 256));
    const numbers = records.map((r) => BigInt(r.SequenceNumber));
    expect(numbers).toEqual([...numbers].sort((x, y) => (x < y ? -1 : 1)));
    subscription.close();
  });

  it("gathers what comes while the reader is behind into one event, rather than one event per record", async () => {
    // Four 48 KiB records fill the client's 64 KiB window and every buffer on the way, with the
    // pull (256 KiB) still open; small records then come one by one while the reader is behind.
    const { stream, consumer } = await streamWithRecords(4, 48 * 1024);
    const subscription = new RawSubscription({ ConsumerARN: consumer, ShardId: "shardId-000000000000", StartingPosition: { Type: "TRIM_HORIZON" } }, false);
    await subscription.started();
    await new Promise((r) => setTimeout(r, 500));
    const small = 20;
    for (let i = 0; i < small; i++) {
      const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: [{ PartitionKey: "k", Data: Buffer.from([i]) }] }));
      expect(out.FailedRecordCount).toBe(0);
    }
    await new Promise((r) => setTimeout(r, 300));
    subscription.startReading();
    await subscription.until(() => subscription.records().length >= 4 + small, 10_000);
    const events = subscription.frames.filter((f) => f.headers[":event-type"] === "SubscribeToShardEvent");
    const withSmall = events.filter((f) => (JSON.parse(f.payload.toString()) as { Records: { Data: string }[] }).Records.some((r) => r.Data.length < 8));
    expect(withSmall.length).toBeLessThanOrEqual(2);
    expect(
      subscription
        .records()
        .slice(4)
        .map((r) => Buffer.from(r.Data, "base64")[0]),
    ).toEqual(Array.from({ length: small }, (_, i) => i));
    subscription.close();
  });

  it("delivers records of the largest size, each event's payload within 10 MiB", async () => {
    const { consumer } = await streamWithRecords(12, MiB - 1);
    const subscription = new RawSubscription({ ConsumerARN: consumer, ShardId: "shardId-000000000000", StartingPosition: { Type: "TRIM_HORIZON" } }, true);
    await subscription.until(() => subscription.records().length >= 12, 10_000);
    const events = subscription.frames.filter((f) => f.headers[":event-type"] === "SubscribeToShardEvent");
    for (const event of events) expect(event.payload.length).toBeLessThanOrEqual(10 * MiB);
    expect(subscription.records().map((r) => Buffer.from(r.Data, "base64").length)).toEqual(Array(12).fill(MiB - 1));
    subscription.close();
  });
});

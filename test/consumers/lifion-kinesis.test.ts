import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import dns from "node:dns";
import { createRequire } from "node:module";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, TEST_CREDENTIALS, uniqueStreamName } from "../support/server.js";

/**
 * lifion-kinesis (npm), a third-party consumer library that keeps its leases and checkpoints in
 * DynamoDB with nested-path expressions, end to end against our server alone: Kinesis and
 * DynamoDB on one endpoint, by polling and by enhanced fan-out (SubscribeToShard over HTTP/1.1).
 *
 * Its fan-out requests keep the endpoint's port but not its host: its signer (aws4, on got 11's
 * options) sets the host to kinesis.<region>.amazonaws.com, and got connects there. A user
 * points that name at our server (an /etc/hosts line); this file does the same for its own
 * process, answering that one name with 127.0.0.1.
 */
const require = createRequire(import.meta.url);
interface LifionKinesis {
  on(event: "data", listener: (chunk: { records: { data: unknown; partitionKey: string }[] }) => void): void;
  on(event: "error", listener: (error: Error) => void): void;
  startConsumer(): Promise<void>;
  stopConsumer(): void;
  putRecords(params: { records: { data: string; partitionKey: string }[] }): Promise<unknown>;
}
const Kinesis = require("lifion-kinesis") as new (options: Record<string, unknown>) => LifionKinesis;

let server: RunningServer;
const consumers: LifionKinesis[] = [];

const AWS_KINESIS_HOST = "kinesis.us-east-1.amazonaws.com";
const systemLookup = dns.lookup;

beforeAll(() => {
  // What an /etc/hosts line "127.0.0.1 kinesis.us-east-1.amazonaws.com" does, for this process.
  dns.lookup = ((hostname: string, ...rest: unknown[]) => {
    const callback = rest.pop() as (...args: unknown[]) => void;
    const options = (rest[0] ?? {}) as dns.LookupOptions | number;
    if (hostname !== AWS_KINESIS_HOST) return (systemLookup as (...args: unknown[]) => void)(hostname, options, callback);
    const all = typeof options === "object" && options.all;
    if (all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
    else callback(null, "127.0.0.1", 4);
  }) as typeof dns.lookup;
});
afterAll(() => {
  dns.lookup = systemLookup;
});
// A server per test: its /metrics then count that test's calls alone.
beforeEach(async () => {
  server = await startTestServer({ createStreamMs: 0, registerConsumerMs: 0 });
});
afterEach(async () => {
  consumers.splice(0).forEach((c) => c.stopConsumer());
  await server?.close();
});

type Mode = "polling" | "fan-out";

function consumer(streamName: string, mode: Mode): LifionKinesis {
  const credentials = { accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey: TEST_CREDENTIALS.secretAccessKey, region: "us-east-1" };
  const kinesis = new Kinesis({
    streamName,
    consumerGroup: `group-${mode}`,
    endpoint: server.url,
    ...credentials,
    dynamoDb: { endpoint: server.url, tableName: `lifion-state-${process.pid}`, ...credentials },
    createStreamIfNeeded: true,
    shardCount: 2,
    initialPositionInStream: "TRIM_HORIZON",
    useEnhancedFanOut: mode === "fan-out",
    leaseAcquisitionInterval: 500,
    statsInterval: 60_000,
    noRecordsPollDelay: 100,
    pollDelay: 50,
    shouldParseJson: false,
    ...(process.env.LIFION_DEBUG && { logger: console }),
  });
  consumers.push(kinesis);
  return kinesis;
}

/** How many calls of a Kinesis operation the server has answered successfully, from its /metrics. */
async function callsOf(operation: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`api_requests_total{service="kinesis",operation="${operation}",outcome="ok"}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

async function roundTrip(mode: Mode): Promise<void> {
  const before = { reads: await callsOf("GetRecords"), subscriptions: await callsOf("SubscribeToShard") };
  const streamName = uniqueStreamName(`lifion-${mode}`);
  const kinesis = consumer(streamName, mode);
  const received = new Set<string>();
  const errors: Error[] = [];
  kinesis.on("error", (error) => errors.push(error));
  kinesis.on("data", ({ records }) => records.forEach((r) => received.add(Buffer.isBuffer(r.data) ? r.data.toString() : String(r.data))));
  // Creates the stream and its state table, registers itself, takes the leases of both shards.
  await kinesis.startConsumer();
  const sent = Array.from({ length: 40 }, (_, i) => `record-${i}`);
  await kinesis.putRecords({ records: sent.map((data, i) => ({ data, partitionKey: `key-${i}` })) });
  for (const deadline = Date.now() + 30_000; received.size < sent.length && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 100));
  kinesis.stopConsumer();
  expect(errors).toEqual([]);
  expect([...received].sort()).toEqual([...sent].sort());
  // Read the way it was asked to: SubscribeToShard only by fan-out, GetRecords only by polling.
  const reads = (await callsOf("GetRecords")) - before.reads;
  const subscriptions = (await callsOf("SubscribeToShard")) - before.subscriptions;
  if (mode === "fan-out") expect({ reads, subscriptions: subscriptions >= 2 }).toEqual({ reads: 0, subscriptions: true });
  else expect({ reads: reads > 0, subscriptions }).toEqual({ reads: true, subscriptions: 0 });
  // Its state (leases of both shards, checkpoints) lives in our DynamoDB.
  const dynamo = new DynamoDBClient({ endpoint: server.url, region: "us-east-1", credentials: TEST_CREDENTIALS });
  const { Items } = await dynamo.send(new ScanCommand({ TableName: `lifion-state-${process.pid}` }));
  dynamo.destroy();
  const state = Items?.find((item) => item.streamName?.S === streamName);
  expect(Object.keys(state?.shards?.M ?? {}).sort()).toEqual(["shardId-000000000000", "shardId-000000000001"]);
}

describe("lifion-kinesis against our server alone", () => {
  it("by polling: every record put reaches the consumer, its state in our DynamoDB", { timeout: 45_000 }, () => roundTrip("polling"));
  it("by enhanced fan-out over HTTP/1.1: every record put reaches the consumer, its state in our DynamoDB", { timeout: 45_000 }, () => roundTrip("fan-out"));
});

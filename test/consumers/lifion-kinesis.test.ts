import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, TEST_CREDENTIALS, uniqueStreamName } from "../support/server.js";

/**
 * lifion-kinesis (npm), a third-party consumer library that keeps its leases and checkpoints in
 * DynamoDB with nested-path expressions, end to end against our server alone: Kinesis and
 * DynamoDB on one endpoint, by polling. (Its enhanced fan-out cannot reach any endpoint but
 * AWS's: its signer, aws4 on got 11's options, sets the request's host to
 * kinesis.<region>.amazonaws.com, and got connects there. SubscribeToShard over HTTP/1.1 is
 * covered by boto3 and the JavaScript SDK on HTTP/1.1 instead.)
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

beforeAll(async () => {
  server = await startTestServer({ createStreamMs: 0 });
});
afterAll(async () => {
  consumers.forEach((c) => c.stopConsumer());
  await server?.close();
});

function consumer(streamName: string): LifionKinesis {
  const credentials = { accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey: TEST_CREDENTIALS.secretAccessKey, region: "us-east-1" };
  const kinesis = new Kinesis({
    streamName,
    consumerGroup: "group-polling",
    endpoint: server.url,
    ...credentials,
    dynamoDb: { endpoint: server.url, tableName: `lifion-state-${process.pid}`, ...credentials },
    createStreamIfNeeded: true,
    shardCount: 2,
    initialPositionInStream: "TRIM_HORIZON",
    useEnhancedFanOut: false,
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

async function roundTrip(): Promise<void> {
  const streamName = uniqueStreamName("lifion-polling");
  const kinesis = consumer(streamName);
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
  // Its state (leases of both shards, checkpoints) lives in our DynamoDB.
  const dynamo = new DynamoDBClient({ endpoint: server.url, region: "us-east-1", credentials: TEST_CREDENTIALS });
  const { Items } = await dynamo.send(new ScanCommand({ TableName: `lifion-state-${process.pid}` }));
  dynamo.destroy();
  const state = Items?.find((item) => item.streamName?.S === streamName);
  expect(Object.keys(state?.shards?.M ?? {}).sort()).toEqual(["shardId-000000000000", "shardId-000000000001"]);
}

describe("lifion-kinesis against our server alone", () => {
  it("by polling: every record put reaches the consumer, its state in our DynamoDB", { timeout: 45_000 }, roundTrip);
});

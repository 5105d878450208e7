import {
  CreateStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { sdkClient, startTestServer, uniqueNamespace, uniqueStreamName } from "../support/server.js";

let server: RunningServer;
let kinesis: KinesisClient;
const namespace = uniqueNamespace();
const MiB = 1024 * 1024;

beforeAll(async () => {
  server = await startTestServer({ namespace });
  kinesis = sdkClient(server);
});
afterAll(async () => {
  kinesis?.destroy();
  await server?.close();
});

const iteratorOf = async (stream: string, shardId = "shardId-000000000000") =>
  (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;

describe("CreateStream options and the limits that follow from them", () => {
  it("on-demand mode, tags and a larger record size", async () => {
    const stream = uniqueStreamName();
    await kinesis.send(
      new CreateStreamCommand({ StreamName: stream, StreamModeDetails: { StreamMode: "ON_DEMAND" }, Tags: { team: "data" }, MaxRecordSizeInKiB: 2048 }),
    );
    const { StreamDescriptionSummary: s } = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    expect(s).toMatchObject({ StreamModeDetails: { StreamMode: "ON_DEMAND" }, OpenShardCount: 4, MaxRecordSizeInKiB: 2048 });
    const big = Buffer.alloc(2 * MiB - 10, 1);
    await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: big }));
    await expect(kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.alloc(2 * MiB + 1) }))).rejects.toMatchObject({
      name: "ValidationException",
      message:
        "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=2097153 cap=2097153]' at 'data' failed to satisfy constraint: Member must have length less than or equal to 2097152",
    });
    await expect(
      kinesis.send(new CreateStreamCommand({ StreamName: uniqueStreamName(), ShardCount: 2, StreamModeDetails: { StreamMode: "ON_DEMAND" } })),
    ).rejects.toMatchObject({ name: "InvalidArgumentException", message: "ShardCount is not expected when StreamMode=ON_DEMAND" });
    await expect(kinesis.send(new CreateStreamCommand({ StreamName: uniqueStreamName(), ShardCount: 1, MaxRecordSizeInKiB: 10240 }))).rejects.toMatchObject({
      name: "InvalidArgumentException",
      message: expect.stringContaining("the largest record the NATS server's max_payload"),
    });
  });

  it("refuses shards beyond the account's shard limit", async () => {
    const limited = await startTestServer({ shardLimit: 3 });
    const client = sdkClient(limited);
    try {
      await client.send(new CreateStreamCommand({ StreamName: uniqueStreamName(), ShardCount: 2 }));
      await expect(client.send(new CreateStreamCommand({ StreamName: uniqueStreamName(), ShardCount: 2 }))).rejects.toMatchObject({
        name: "LimitExceededException",
        message: expect.stringMatching(
          /^This request would exceed the shard limit for the account 000000000000 in us-east-1\. Current shard count for the account: 2\. Limit: 3\. Number of additional shards that would have resulted from this request: 2\./,
        ),
      });
    } finally {
      client.destroy();
      await limited.close();
    }
  });
});

describe("paging and caps", () => {
  it("DescribeStream pages shards with Limit and ExclusiveStartShardId", async () => {
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 5 }));
    const first = await kinesis.send(new DescribeStreamCommand({ StreamName: stream, Limit: 2 }));
    expect(first.StreamDescription?.Shards?.map((s) => s.ShardId)).toEqual(["shardId-000000000000", "shardId-000000000001"]);
    expect(first.StreamDescription?.HasMoreShards).toBe(true);
    const rest = await kinesis.send(new DescribeStreamCommand({ StreamName: stream, ExclusiveStartShardId: "shardId-000000000001" }));
    expect(rest.StreamDescription?.Shards?.map((s) => s.ShardId)).toEqual(["shardId-000000000002", "shardId-000000000003", "shardId-000000000004"]);
    expect(rest.StreamDescription?.HasMoreShards).toBe(false);
  });

  it("GetRecords returns at most 10 MiB of data a call, and the rest on the next", async () => {
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const record = Buffer.alloc(MiB - 100, 2);
    for (let batch = 0; batch < 3; batch++) {
      const Records = Array.from({ length: 4 }, () => ({ PartitionKey: "k", Data: record }));
      expect((await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records }))).FailedRecordCount).toBe(0);
    }
    await new Promise((r) => setTimeout(r, 300));
    const first = await kinesis.send(new GetRecordsCommand({ ShardIterator: await iteratorOf(stream) }));
    const bytes = first.Records!.reduce((sum, r) => sum + r.Data!.length, 0);
    expect(bytes).toBeLessThanOrEqual(10 * MiB);
    expect(first.Records).toHaveLength(10);
    // Two records, written at least 300 ms ago, wait for the next call.
    expect(first.MillisBehindLatest).toBeGreaterThanOrEqual(250);
    const second = await kinesis.send(new GetRecordsCommand({ ShardIterator: first.NextShardIterator }));
    expect(second.Records).toHaveLength(2);
    expect(second.MillisBehindLatest).toBe(0);
  });

  it("PutRecords refuses more than 10 MB in one request", async () => {
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const Records = Array.from({ length: 11 }, () => ({ PartitionKey: "k", Data: Buffer.alloc(MiB - 100) }));
    await expect(kinesis.send(new PutRecordsCommand({ StreamName: stream, Records }))).rejects.toMatchObject({
      name: "InvalidArgumentException",
      message: "Records size exceeds 10 MB limit",
    });
  });
});

describe("writes JetStream refuses", () => {
  it("fail record by record in PutRecords, and as InternalFailure in PutRecord", async () => {
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    // An operator caps the JetStream stream's message size behind our back: JetStream itself
    // now refuses the larger records, and only those.
    const nc = await connect({ servers: inject("natsUrl") });
    try {
      const jsm = await jetstreamManager(nc);
      const name = `${namespace}_${stream.replaceAll(".", "=")}`;
      const info = await jsm.streams.info(name);
      await jsm.streams.update(name, { ...info.config, max_msg_size: 2000 });
    } finally {
      await nc.close();
    }
    const out = await kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: [
          { PartitionKey: "a", Data: Buffer.alloc(10) },
          { PartitionKey: "b", Data: Buffer.alloc(5000) },
          { PartitionKey: "c", Data: Buffer.alloc(20) },
        ],
      }),
    );
    expect(out.FailedRecordCount).toBe(1);
    expect(out.Records?.[0]).toMatchObject({ ShardId: "shardId-000000000000", SequenceNumber: expect.stringMatching(/^\d{56}$/) });
    expect(out.Records?.[1]).toEqual({ ErrorCode: "InternalFailure", ErrorMessage: "Internal service failure." });
    expect(out.Records?.[2]).toMatchObject({ ShardId: "shardId-000000000000" });
    const single = kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "b", Data: Buffer.alloc(5000) }));
    await expect(single).rejects.toMatchObject({ name: "InternalFailure", $metadata: expect.objectContaining({ httpStatusCode: 500 }) });
    const read = await kinesis.send(new GetRecordsCommand({ ShardIterator: await iteratorOf(stream) }));
    expect(read.Records?.map((r) => r.PartitionKey)).toEqual(["a", "c"]);
  });

  it("SequenceNumberForOrdering: a real number is accepted and the new one is greater", async () => {
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const first = await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("1") }));
    const second = await kinesis.send(
      new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("2"), SequenceNumberForOrdering: first.SequenceNumber }),
    );
    expect(BigInt(second.SequenceNumber!) > BigInt(first.SequenceNumber!)).toBe(true);
    await expect(
      kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("3"), SequenceNumberForOrdering: "42" })),
    ).rejects.toMatchObject({
      name: "InvalidArgumentException",
      message: `ExclusiveMinimumSequenceNumber 42 used in PutRecord on stream ${stream} under account 000000000000 is invalid.`,
    });
  });
});

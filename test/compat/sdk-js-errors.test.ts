import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { sdkClient, startTestServer, uniqueNamespace, uniqueStreamName } from "../support/server.js";
import { iteratorCodecOf, pageTokenCodecOf } from "../support/tokens.js";
import { inject } from "vitest";

let server: RunningServer;
let kinesis: KinesisClient;
const namespace = uniqueNamespace();
let stream: string;
const ACCOUNT = "000000000000";

beforeAll(async () => {
  server = await startTestServer({ namespace });
  kinesis = sdkClient(server);
  stream = uniqueStreamName();
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
});
afterAll(async () => {
  kinesis?.destroy();
  await server?.close();
});

const rejects = (promise: Promise<unknown>, name: string, message: string | RegExp) =>
  expect(promise).rejects.toMatchObject({ name, message, $metadata: expect.objectContaining({ httpStatusCode: 400 }) });

describe("errors a client sees, through @aws-sdk/client-kinesis", () => {
  it("half a surrogate pair in a partition key is a 400 the SDK does not retry, in PutRecord and PutRecords alike", async () => {
    const data = Buffer.from("x");
    for (const call of [
      new PutRecordCommand({ StreamName: stream, PartitionKey: "key-\ud800", Data: data }),
      new PutRecordsCommand({
        StreamName: stream,
        Records: [
          { PartitionKey: "fine", Data: data },
          { PartitionKey: "\udc00", Data: data },
        ],
      }),
    ]) {
      const error = (await kinesis.send(call as PutRecordCommand).catch((e: unknown) => e)) as {
        name: string;
        $metadata: { httpStatusCode: number; attempts: number };
      };
      expect(error).toMatchObject({ name: "SerializationException", message: expect.stringContaining("unpaired UTF-16 surrogate") });
      expect(error.$metadata).toMatchObject({ httpStatusCode: 400, attempts: 1 });
    }
    // A whole pair (an emoji) is ordinary text.
    await expect(kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "key-\ud83d\ude00", Data: data }))).resolves.toHaveProperty(
      "SequenceNumber",
    );
  });

  it("carry the request id and the 72-byte host id the SDK reports, over HTTP/2", async () => {
    const error = await kinesis.send(new DescribeStreamCommand({ StreamName: "missing" })).catch((e: { $metadata: Record<string, unknown> }) => e);
    const { requestId, extendedRequestId } = (error as { $metadata: { requestId: string; extendedRequestId: string } }).$metadata;
    expect(requestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(Buffer.from(extendedRequestId, "base64").length).toBe(72);
    expect(Buffer.from(extendedRequestId, "base64").toString("base64")).toBe(extendedRequestId);
  });

  it("unknown streams and shards", async () => {
    await rejects(
      kinesis.send(new DescribeStreamCommand({ StreamName: "missing" })),
      "ResourceNotFoundException",
      `Stream missing under account ${ACCOUNT} not found.`,
    );
    await rejects(
      kinesis.send(new PutRecordCommand({ StreamName: "missing", PartitionKey: "k", Data: Buffer.from("x") })),
      "ResourceNotFoundException",
      `Stream missing under account ${ACCOUNT} not found.`,
    );
    await rejects(
      kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000009", ShardIteratorType: "LATEST" })),
      "ResourceNotFoundException",
      `Shard shardId-000000000009 in stream ${stream} under account ${ACCOUNT} does not exist`,
    );
    await rejects(
      kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: "nonsense", ShardIteratorType: "LATEST" })),
      "ResourceNotFoundException",
      `Could not find shard nonsense in stream ${stream} under account ${ACCOUNT}.`,
    );
  });

  it("bad names and values, in the service's words", async () => {
    await rejects(
      kinesis.send(new CreateStreamCommand({ StreamName: "bad name!", ShardCount: 1 })),
      "ValidationException",
      "1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    );
    await rejects(
      kinesis.send(new CreateStreamCommand({ StreamName: "x".repeat(129), ShardCount: 0 })),
      "ValidationException",
      `2 validation errors detected: Value '0' at 'shardCount' failed to satisfy constraint: Member must have value greater than or equal to 1; Value '${"x".repeat(129)}' at 'streamName' failed to satisfy constraint: Member must have length less than or equal to 128`,
    );
    await rejects(
      kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "SIDEWAYS" as never })),
      "ValidationException",
      "1 validation error detected: Value 'SIDEWAYS' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_TIMESTAMP, AT_SEQUENCE_NUMBER, TRIM_HORIZON]",
    );
    await rejects(
      kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 })),
      "ResourceInUseException",
      `Stream ${stream} under account ${ACCOUNT} already exists.`,
    );
  });

  it("oversized records and batches", async () => {
    const tooBig = Buffer.alloc(1024 * 1024 + 1);
    await rejects(
      kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: tooBig })),
      "ValidationException",
      "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=1048577 cap=1048577]' at 'data' failed to satisfy constraint: Member must have length less than or equal to 1048576",
    );
    await rejects(
      kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "kk", Data: Buffer.alloc(1024 * 1024 - 1) })),
      "InvalidArgumentException",
      /more than the maximum record size of 1048576 bytes/,
    );
    const records = Array.from({ length: 501 }, () => ({ PartitionKey: "k", Data: Buffer.from("x") }));
    await rejects(
      kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: records })),
      "ValidationException",
      /^1 validation error detected: Value '\[com\.amazonaws\.kinesis\.v20131202\.PutRecordsRequestEntry@\w+, .*\]' at 'records' failed to satisfy constraint: Member must have length less than or equal to 500$/,
    );
    const empties = Array.from({ length: 12 }, () => ({ PartitionKey: "", Data: Buffer.from("x") }));
    const error = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: empties })).catch((e: Error) => e);
    expect(error).toMatchObject({ name: "ValidationException" });
    expect((error as Error).message).toMatch(/^10 validation errors detected: Value '' at 'records\.1\.member\.partitionKey' failed/);
    expect((error as Error).message.split("; ")).toHaveLength(10);
    await rejects(
      kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", ExplicitHashKey: String(1n << 128n), Data: Buffer.from("x") })),
      "InvalidArgumentException",
      `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${1n << 128n}`,
    );
  });

  it("forged, expired and misplaced iterators and sequence numbers", async () => {
    await rejects(
      kinesis.send(new GetRecordsCommand({ ShardIterator: "AAAAAAAAAAEforgedforgedforged==" })),
      "InvalidArgumentException",
      "Invalid ShardIterator.",
    );
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }),
    );
    const tampered = Buffer.from(ShardIterator!, "base64");
    tampered[30] = tampered[30]! ^ 1;
    await rejects(kinesis.send(new GetRecordsCommand({ ShardIterator: tampered.toString("base64") })), "InvalidArgumentException", "Invalid ShardIterator.");

    const codec = await iteratorCodecOf(inject("natsUrl"), namespace);
    const real = codec.decode(ShardIterator!)!;
    const old = codec.encode({ ...real, issuedAt: Date.UTC(2025, 0, 2, 3, 4, 5) });
    await rejects(
      kinesis.send(new GetRecordsCommand({ ShardIterator: old })),
      "ExpiredIteratorException",
      /^Iterator expired\. The iterator was created at time Thu Jan 02 03:04:05 UTC 2025 while right now it is \w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4} which is further in the future than the tolerated delay of 300000 milliseconds\.$/,
    );

    const put = await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", ExplicitHashKey: "0", Data: Buffer.from("x") }));
    expect(put.ShardId).toBe("shardId-000000000000");
    await rejects(
      kinesis.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: "shardId-000000000001",
          ShardIteratorType: "AT_SEQUENCE_NUMBER",
          StartingSequenceNumber: put.SequenceNumber,
        }),
      ),
      "InvalidArgumentException",
      "Invalid StartingSequenceNumber. It encodes shardId-000000000000, while it was used in a call to a shard with shardId-000000000001",
    );
    await rejects(
      kinesis.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: "shardId-000000000000",
          ShardIteratorType: "AT_SEQUENCE_NUMBER",
          StartingSequenceNumber: "12345",
        }),
      ),
      "InvalidArgumentException",
      `StartingSequenceNumber 12345 used in GetShardIterator on shard shardId-000000000000 in stream ${stream} under account ${ACCOUNT} is invalid.`,
    );
    await rejects(
      kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "AT_SEQUENCE_NUMBER" })),
      "InvalidArgumentException",
      "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber.",
    );
    await rejects(
      kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "AT_TIMESTAMP" })),
      "InvalidArgumentException",
      "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.",
    );
  });

  it("a truncated iterator, or one used with another stream's ARN, is refused", async () => {
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }),
    );
    await rejects(kinesis.send(new GetRecordsCommand({ ShardIterator: ShardIterator!.slice(0, -8) })), "InvalidArgumentException", "Invalid ShardIterator.");
    const other = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: other, ShardCount: 1 }));
    await rejects(
      kinesis.send(new GetRecordsCommand({ ShardIterator, StreamARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${other}` })),
      "InvalidArgumentException",
      `The ShardIterator was not issued for stream arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${other}.`,
    );
  });

  it("an iterator of a deleted and recreated stream is refused", async () => {
    const name = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: name, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }),
    );
    const { DeleteStreamCommand } = await import("@aws-sdk/client-kinesis");
    await kinesis.send(new DeleteStreamCommand({ StreamName: name }));
    await new Promise((r) => setTimeout(r, 5));
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await rejects(
      kinesis.send(new GetRecordsCommand({ ShardIterator })),
      "ResourceNotFoundException",
      `Shard shardId-000000000000 in stream ${name} under account ${ACCOUNT} does not exist`,
    );
  });

  it("ListShards argument rules", async () => {
    await rejects(kinesis.send(new ListShardsCommand({})), "InvalidArgumentException", "Either NextToken or StreamName should be provided.");
    const page = await kinesis.send(new ListShardsCommand({ StreamName: stream, MaxResults: 1 }));
    await rejects(
      kinesis.send(new ListShardsCommand({ StreamName: stream, NextToken: page.NextToken })),
      "InvalidArgumentException",
      "NextToken and StreamName cannot be provided together.",
    );
    await rejects(
      kinesis.send(new ListShardsCommand({ NextToken: page.NextToken, ShardFilter: { Type: "AT_LATEST" } })),
      "InvalidArgumentException",
      "NextToken and ShardFilter cannot be provided together.",
    );
    await rejects(kinesis.send(new ListShardsCommand({ NextToken: "bm90LWEtdG9rZW4" })), "InvalidArgumentException", "Invalid NextToken.");
  });

  it("a NextToken serves only the operation that issued it, and expires after five minutes, ListStreams' too", async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: uniqueStreamName(), ShardCount: 1 }));
    const streams = await kinesis.send(new ListStreamsCommand({ Limit: 1 }));
    const shards = await kinesis.send(new ListShardsCommand({ StreamName: stream, MaxResults: 1 }));
    expect(streams.NextToken).toBeDefined();
    await rejects(kinesis.send(new ListShardsCommand({ NextToken: streams.NextToken })), "InvalidArgumentException", "Invalid NextToken.");
    await rejects(kinesis.send(new ListStreamsCommand({ NextToken: shards.NextToken })), "InvalidArgumentException", "Invalid NextToken.");
    const codec = await pageTokenCodecOf(inject("natsUrl"), namespace);
    const old = codec.encode("ListStreams", { after: stream }, Date.now() - 301_000);
    await rejects(
      kinesis.send(new ListStreamsCommand({ NextToken: old })),
      "ExpiredNextTokenException",
      /^The NextToken expired: it was issued 30\d{4} ms ago/,
    );
    const fresh = codec.encode("ListStreams", { after: "" }, Date.now());
    expect((await kinesis.send(new ListStreamsCommand({ NextToken: fresh }))).StreamNames).toContain(stream);
  });

  it("StreamARN works wherever StreamName does", async () => {
    const arn = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${stream}`;
    const put = await kinesis.send(new PutRecordCommand({ StreamARN: arn, PartitionKey: "k", Data: Buffer.from("x") }));
    expect(put.ShardId).toMatch(/^shardId-/);
    const described = await kinesis.send(new DescribeStreamCommand({ StreamARN: arn }));
    expect(described.StreamDescription?.StreamName).toBe(stream);
    await rejects(
      kinesis.send(new DescribeStreamCommand({ StreamARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/other` })),
      "ResourceNotFoundException",
      `Stream other under account ${ACCOUNT} not found.`,
    );
  });
});

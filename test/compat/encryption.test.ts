import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
} from "@aws-sdk/client-kinesis";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { sdkClient, startTestServer, uniqueNamespace, uniqueStreamName } from "../support/server.js";

let server: RunningServer;
let kinesis: KinesisClient;
const namespace = uniqueNamespace();

beforeAll(async () => {
  server = await startTestServer({ namespace });
  kinesis = sdkClient(server);
});
afterAll(async () => {
  kinesis?.destroy();
  await server?.close();
});

/** The bytes JetStream holds for a record, read straight from the stream. */
async function rawPayload(stream: string, sequenceNumber: string): Promise<Buffer> {
  const position = Number((BigInt(sequenceNumber) >> 80n) & ((1n << 64n) - 1n));
  const nc = await connect({ servers: inject("natsUrl") });
  try {
    const jsm = await jetstreamManager(nc);
    const message = await jsm.streams.getMessage(`${namespace}_${stream.replaceAll(".", "=")}`, { seq: position });
    return Buffer.from(message!.data);
  } finally {
    await nc.close();
  }
}

describe("encryption at rest", () => {
  it("encrypts what is written under a KMS key, decrypts on read, and keeps old records readable after stopping", async () => {
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const plain = await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("before encryption") }));
    expect(plain.EncryptionType).toBeUndefined();

    await expect(
      kinesis.send(new StartStreamEncryptionCommand({ StreamName: stream, EncryptionType: "NONE", KeyId: "alias/aws/kinesis" })),
    ).rejects.toMatchObject({
      name: "InvalidArgumentException",
    });
    await kinesis.send(new StartStreamEncryptionCommand({ StreamName: stream, EncryptionType: "KMS", KeyId: "alias/aws/kinesis" }));
    const summary = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary;
    expect(summary).toMatchObject({ EncryptionType: "KMS", KeyId: "alias/aws/kinesis" });
    const secret = "card 4111 1111 1111 1111, expires 12/29";
    const one = await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from(secret) }));
    expect(one.EncryptionType).toBe("KMS");
    const batch = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: [{ PartitionKey: "k", Data: Buffer.from(`${secret} (batch)`) }] }));
    expect(batch.EncryptionType).toBe("KMS");

    const stored = await rawPayload(stream, one.SequenceNumber!);
    expect(stored.includes(Buffer.from("4111"))).toBe(false);
    expect(stored.length).toBeGreaterThan(secret.length);
    expect((await rawPayload(stream, plain.SequenceNumber!)).toString()).toBe("before encryption");

    await kinesis.send(new StopStreamEncryptionCommand({ StreamName: stream, EncryptionType: "KMS", KeyId: "alias/aws/kinesis" }));
    const after = await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("after encryption") }));
    expect(after.EncryptionType).toBeUndefined();

    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }),
    );
    const read = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    expect(read.Records?.map((r) => [Buffer.from(r.Data!).toString(), r.EncryptionType])).toEqual([
      ["before encryption", undefined],
      [secret, "KMS"],
      [`${secret} (batch)`, "KMS"],
      ["after encryption", undefined],
    ]);
  });
});

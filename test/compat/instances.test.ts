import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  PutRecordCommand,
} from "@aws-sdk/client-kinesis";
import { describe, expect, it } from "vitest";
import { uniqueStreamName, useTwoInstances } from "../support/server.js";

const instances = useTwoInstances();

async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

describe("two server instances on one NATS behave as one service", () => {
  it("a stream made on one is usable on the other at once, and listed there within a second", async () => {
    const stream = uniqueStreamName();
    await instances.clientA.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    const summary = await instances.clientB.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    expect(summary.StreamDescriptionSummary?.OpenShardCount).toBe(2);
    expect(await eventually(async () => (await instances.clientB.send(new ListStreamsCommand({}))).StreamNames!.includes(stream), 1000)).toBe(true);
  });

  it("an iterator issued by one instance reads on the other, and back", async () => {
    const stream = uniqueStreamName();
    await instances.clientA.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const put = await instances.clientA.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("first") }));
    const { ShardIterator } = await instances.clientA.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: put.ShardId, ShardIteratorType: "TRIM_HORIZON" }),
    );
    const onB = await instances.clientB.send(new GetRecordsCommand({ ShardIterator }));
    expect(onB.Records?.map((r) => [r.SequenceNumber, Buffer.from(r.Data!).toString()])).toEqual([[put.SequenceNumber, "first"]]);
    await instances.clientB.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("second") }));
    const onA = await instances.clientA.send(new GetRecordsCommand({ ShardIterator: onB.NextShardIterator }));
    expect(onA.Records?.map((r) => Buffer.from(r.Data!).toString())).toEqual(["second"]);
  });

  it("a stream deleted on one is gone on the other", async () => {
    const stream = uniqueStreamName();
    await instances.clientA.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    await instances.clientB.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    await instances.clientB.send(new DeleteStreamCommand({ StreamName: stream }));
    const gone = await eventually(
      () =>
        instances.clientA.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("x") })).then(
          () => false,
          (e: Error) => e.name === "ResourceNotFoundException",
        ),
      1000,
    );
    expect(gone).toBe(true);
  });

  it("two instances racing to create the same stream: exactly one wins", async () => {
    const stream = uniqueStreamName();
    const results = await Promise.allSettled([
      instances.clientA.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 })),
      instances.clientB.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 })),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(failed.reason).toMatchObject({ name: "ResourceInUseException" });
  });
});

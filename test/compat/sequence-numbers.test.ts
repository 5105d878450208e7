import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
  PutRecordsCommand,
  SplitShardCommand,
  type KinesisClient,
} from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeSequenceNumber } from "../../src/kinesis/codecs/sequence-number.js";
import type { RunningServer } from "../../src/server.js";
import { sdkClient, startTestServer, uniqueStreamName } from "../support/server.js";

let server: RunningServer;
let kinesis: KinesisClient;
const SHARD = "shardId-000000000000";

beforeAll(async () => {
  server = await startTestServer({ createStreamMs: 0, updateStreamMs: 0 });
  kinesis = sdkClient(server);
});
afterAll(async () => {
  kinesis?.destroy();
  await server?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (sequenceNumber: string): number => decodeSequenceNumber(sequenceNumber)!.arrivalSeconds;
const now = (): number => Math.floor(Date.now() / 1000);

async function createStream(): Promise<string> {
  const stream = uniqueStreamName();
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
  return stream;
}

async function readAll(stream: string): Promise<string[]> {
  const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: SHARD, ShardIteratorType: "TRIM_HORIZON" }));
  const out = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
  return out.Records!.map((r) => r.SequenceNumber!);
}

describe("sequence numbers carry the record's arrival second", () => {
  it("PutRecord, PutRecords and GetRecords give one number whose time field is the second the record arrived", async () => {
    const stream = await createStream();
    await sleep(1100); // the shard's creation second is over: a field holding it would show
    const before = now();
    const single = await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("one") }));
    const after = now();
    expect(seconds(single.SequenceNumber!)).toBeGreaterThanOrEqual(before);
    expect(seconds(single.SequenceNumber!)).toBeLessThanOrEqual(after);

    await sleep(1100);
    const later = now();
    const batch = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: [{ PartitionKey: "k", Data: Buffer.from("two") }] }));
    const second = batch.Records![0]!.SequenceNumber!;
    expect(seconds(second)).toBeGreaterThanOrEqual(later);
    expect(seconds(second)).toBeGreaterThan(seconds(single.SequenceNumber!));
    expect(BigInt(second)).toBeGreaterThan(BigInt(single.SequenceNumber!));

    expect(await readAll(stream)).toEqual([single.SequenceNumber, second]);
  });

  it("a retry the server deduplicates answers the number stored by the first write, whatever second the retry came in", async () => {
    const stream = await createStream();
    // One invocation id for both calls, as an SDK retry (or a proxy that pins it) sends.
    const pinned = sdkClient(server);
    pinned.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers["amz-sdk-invocation-id"] = "11111111-2222-4333-8444-555555555555";
        return next(args);
      },
      { step: "finalizeRequest", name: "pinInvocationId" },
    );
    const records = [{ PartitionKey: "k", Data: Buffer.from("retried") }];
    const first = await pinned.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
    await sleep(1100);
    const retry = await pinned.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
    pinned.destroy();
    expect(retry.Records![0]!.SequenceNumber).toBe(first.Records![0]!.SequenceNumber);
    expect(await readAll(stream)).toEqual([first.Records![0]!.SequenceNumber]);
  });

  it("a closed shard's ending sequence number is not below its last record's", async () => {
    const stream = await createStream();
    await sleep(1100);
    const last = (await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("last") }))).SequenceNumber!;
    await kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: SHARD, NewStartingHashKey: (1n << 127n).toString() }));
    let ending: string | undefined;
    for (let i = 0; i < 50 && ending === undefined; i++) {
      const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName: stream }));
      ending = StreamDescription!.Shards!.find((s) => s.ShardId === SHARD)!.SequenceNumberRange!.EndingSequenceNumber;
      if (ending === undefined) await sleep(100);
    }
    expect(ending).toBeDefined();
    expect(BigInt(ending!)).toBeGreaterThanOrEqual(BigInt(last));
    expect(decodeSequenceNumber(ending!)!.position).toBe(decodeSequenceNumber(last)!.position);
  });
});

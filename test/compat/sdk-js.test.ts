import { createHash } from "node:crypto";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  ListShardsCommand,
  ListStreamsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  type _Record,
  type ShardIteratorType,
} from "@aws-sdk/client-kinesis";
import { describe, expect, it } from "vitest";
import { uniqueStreamName, useTestServer } from "../support/server.js";

const text = (data: Uint8Array | undefined): string => Buffer.from(data ?? []).toString("utf8");
const md5 = (key: string): bigint => BigInt("0x" + createHash("md5").update(key).digest("hex"));

const service = useTestServer();

async function createStream(shardCount: number): Promise<string> {
  const name = uniqueStreamName();
  await service.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shardCount }));
  return name;
}

async function iterator(stream: string, shardId: string, type: ShardIteratorType, extra: object = {}): Promise<string> {
  const out = await service.kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: type, ...extra }));
  return out.ShardIterator!;
}

/** Follows NextShardIterator until a call returns nothing. */
async function readAll(startIterator: string, limit?: number): Promise<_Record[]> {
  const records: _Record[] = [];
  let it: string | undefined = startIterator;
  for (let calls = 0; it && calls < 100; calls++) {
    const out: GetRecordsCommandOutput = await service.kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: limit }));
    records.push(...(out.Records ?? []));
    if ((out.Records ?? []).length === 0) break;
    it = out.NextShardIterator;
  }
  return records;
}

describe("streams through @aws-sdk/client-kinesis over HTTP/2", () => {
  it("creates a stream whose shards split the hash key space as Kinesis does", async () => {
    const name = await createStream(3);
    const { StreamDescription: d } = await service.kinesis.send(new DescribeStreamCommand({ StreamName: name }));
    expect(d?.StreamStatus).toBe("ACTIVE");
    expect(d?.StreamARN).toBe(`arn:aws:kinesis:us-east-1:000000000000:stream/${name}`);
    expect(d?.Shards?.map((s) => s.ShardId)).toEqual(["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"]);
    const width = (1n << 128n) / 3n;
    expect(d?.Shards?.map((s) => [s.HashKeyRange?.StartingHashKey, s.HashKeyRange?.EndingHashKey])).toEqual([
      ["0", String(width - 1n)],
      [String(width), String(2n * width - 1n)],
      [String(2n * width), String((1n << 128n) - 1n)],
    ]);
    for (const shard of d?.Shards ?? []) expect(shard.SequenceNumberRange?.StartingSequenceNumber).toMatch(/^\d{56}$/);
    expect(d).toMatchObject({ HasMoreShards: false, RetentionPeriodHours: 24, EncryptionType: "NONE", StreamModeDetails: { StreamMode: "PROVISIONED" } });

    const { StreamDescriptionSummary: s } = await service.kinesis.send(new DescribeStreamSummaryCommand({ StreamARN: d?.StreamARN }));
    expect(s).toMatchObject({ StreamName: name, OpenShardCount: 3, StreamStatus: "ACTIVE", ConsumerCount: 0 });
    expect(s?.StreamCreationTimestamp).toEqual(d?.StreamCreationTimestamp);
  });

  it("routes records by the MD5 of the partition key, or by ExplicitHashKey", async () => {
    const name = await createStream(4);
    const quarter = 1n << 126n;
    for (const key of ["alpha", "beta", "gamma", "delta", "ε-unicode"]) {
      const out = await service.kinesis.send(new PutRecordCommand({ StreamName: name, PartitionKey: key, Data: Buffer.from(key) }));
      expect(out.ShardId).toBe(`shardId-00000000000${md5(key) / quarter}`);
      expect(out.SequenceNumber).toMatch(/^\d{56}$/);
    }
    const explicit = await service.kinesis.send(
      new PutRecordCommand({ StreamName: name, PartitionKey: "alpha", ExplicitHashKey: String(3n * quarter), Data: Buffer.from("x") }),
    );
    expect(explicit.ShardId).toBe("shardId-000000000003");
  });

  it("puts a batch of 500 and reads every record back in order through TRIM_HORIZON", async () => {
    const name = await createStream(2);
    const entries = Array.from({ length: 500 }, (_, i) => ({ PartitionKey: `key-${i % 37}`, Data: Buffer.from(`record ${i}`) }));
    const out = await service.kinesis.send(new PutRecordsCommand({ StreamName: name, Records: entries }));
    expect(out.FailedRecordCount).toBe(0);
    expect(out.Records).toHaveLength(500);

    for (const shardId of ["shardId-000000000000", "shardId-000000000001"]) {
      const expected = out.Records!.map((r, i) => ({ ...r, i })).filter((r) => r.ShardId === shardId);
      const records = await readAll(await iterator(name, shardId, "TRIM_HORIZON"), 77);
      expect(records.map((r) => r.SequenceNumber)).toEqual(expected.map((r) => r.SequenceNumber));
      expect(records.map((r) => text(r.Data))).toEqual(expected.map((r) => `record ${r.i}`));
      expect(records.map((r) => r.PartitionKey)).toEqual(expected.map((r) => `key-${r.i % 37}`));
      const numbers = records.map((r) => BigInt(r.SequenceNumber!));
      expect(numbers).toEqual([...numbers].sort((a, b) => (a < b ? -1 : 1)));
      for (const r of records) expect(Math.abs(r.ApproximateArrivalTimestamp!.getTime() - Date.now())).toBeLessThan(60_000);
    }
  });

  it("starts AT and AFTER a sequence number, at LATEST and AT_TIMESTAMP", async () => {
    const name = await createStream(1);
    const shard = "shardId-000000000000";
    const put = async (i: number) => service.kinesis.send(new PutRecordCommand({ StreamName: name, PartitionKey: "k", Data: Buffer.from(`r${i}`) }));
    const first = await Promise.all([0, 1, 2].map(async (i) => (await put(i)).SequenceNumber!));
    const latest = await iterator(name, shard, "LATEST");
    await new Promise((r) => setTimeout(r, 20));
    const middle = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const later = [(await put(3)).SequenceNumber!, (await put(4)).SequenceNumber!];
    const all = [...first, ...later];
    const seqs = (records: _Record[]) => records.map((r) => r.SequenceNumber);

    expect(seqs(await readAll(await iterator(name, shard, "AT_SEQUENCE_NUMBER", { StartingSequenceNumber: all[1] })))).toEqual(all.slice(1));
    expect(seqs(await readAll(await iterator(name, shard, "AFTER_SEQUENCE_NUMBER", { StartingSequenceNumber: all[1] })))).toEqual(all.slice(2));
    expect(seqs(await readAll(latest))).toEqual(later);
    expect(seqs(await readAll(await iterator(name, shard, "AT_TIMESTAMP", { Timestamp: middle })))).toEqual(later);
    expect(seqs(await readAll(await iterator(name, shard, "LATEST")))).toEqual([]);
  });

  it("chains NextShardIterator, honours Limit and reports MillisBehindLatest", async () => {
    const name = await createStream(1);
    await service.kinesis.send(
      new PutRecordsCommand({ StreamName: name, Records: Array.from({ length: 10 }, (_, i) => ({ PartitionKey: "p", Data: Buffer.from([i]) })) }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const first = await service.kinesis.send(new GetRecordsCommand({ ShardIterator: await iterator(name, "shardId-000000000000", "TRIM_HORIZON"), Limit: 4 }));
    expect(first.Records?.map((r) => r.Data?.[0])).toEqual([0, 1, 2, 3]);
    // Six records written 300 ms ago are still to read: that far behind the tip, not 0.
    expect(first.MillisBehindLatest).toBeGreaterThanOrEqual(250);
    expect(first.MillisBehindLatest).toBeLessThan(60_000);
    const second = await service.kinesis.send(new GetRecordsCommand({ ShardIterator: first.NextShardIterator, Limit: 100 }));
    expect(second.Records?.map((r) => r.Data?.[0])).toEqual([4, 5, 6, 7, 8, 9]);
    expect(second.MillisBehindLatest).toBe(0);
    const third = await service.kinesis.send(new GetRecordsCommand({ ShardIterator: second.NextShardIterator }));
    expect(third.Records).toEqual([]);
    expect(third.NextShardIterator).toBeTruthy();
    expect(third.NextShardIterator).not.toBe(second.NextShardIterator);
  });

  it("keeps data and partition keys byte for byte, up to the 1 MiB record", async () => {
    const name = await createStream(1);
    const big = Buffer.alloc(1024 * 1024 - 3, 7);
    const odd = Buffer.from([0, 255, 10, 13, 0]);
    const keys = ["a\r\nb", " spaced ", "日本語のキー", "%41"];
    await service.kinesis.send(new PutRecordCommand({ StreamName: name, PartitionKey: "big", Data: big }));
    for (const key of keys) await service.kinesis.send(new PutRecordCommand({ StreamName: name, PartitionKey: key, Data: odd }));
    const records = await readAll(await iterator(name, "shardId-000000000000", "TRIM_HORIZON"));
    expect(Buffer.from(records[0]!.Data!).equals(big)).toBe(true);
    expect(records.slice(1).map((r) => r.PartitionKey)).toEqual(keys);
    for (const r of records.slice(1)) expect(Buffer.from(r.Data!).equals(odd)).toBe(true);
  });

  it("lists streams and shards page by page", async () => {
    const names = [await createStream(1), await createStream(1), await createStream(5)];
    const first = await service.kinesis.send(new ListStreamsCommand({ Limit: 2 }));
    expect(first.HasMoreStreams).toBe(true);
    expect(first.StreamSummaries?.[0]).toMatchObject({ StreamStatus: "ACTIVE", StreamModeDetails: { StreamMode: "PROVISIONED" } });
    const rest = await service.kinesis.send(new ListStreamsCommand({ NextToken: first.NextToken }));
    const listed = [...first.StreamNames!, ...rest.StreamNames!];
    for (const name of names) expect(listed).toContain(name);
    expect(listed).toEqual([...listed].sort());

    const page1 = await service.kinesis.send(new ListShardsCommand({ StreamName: names[2], MaxResults: 2 }));
    expect(page1.Shards?.map((s) => s.ShardId)).toEqual(["shardId-000000000000", "shardId-000000000001"]);
    const page2 = await service.kinesis.send(new ListShardsCommand({ NextToken: page1.NextToken }));
    expect(page2.Shards?.map((s) => s.ShardId)).toEqual(["shardId-000000000002", "shardId-000000000003", "shardId-000000000004"]);
    expect(page2.NextToken).toBeUndefined();
    for (const Type of ["AT_LATEST", "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON"] as const) {
      const out = await service.kinesis.send(new ListShardsCommand({ StreamName: names[2], ShardFilter: { Type } }));
      expect(out.Shards).toHaveLength(5);
    }
    const after = await service.kinesis.send(
      new ListShardsCommand({ StreamName: names[2], ShardFilter: { Type: "AFTER_SHARD_ID", ShardId: "shardId-000000000003" } }),
    );
    expect(after.Shards?.map((s) => s.ShardId)).toEqual(["shardId-000000000004"]);
    const atTime = await service.kinesis.send(new ListShardsCommand({ StreamName: names[2], ShardFilter: { Type: "AT_TIMESTAMP", Timestamp: new Date() } }));
    expect(atTime.Shards).toHaveLength(5);
    const fromTime = await service.kinesis.send(
      new ListShardsCommand({ StreamName: names[2], ShardFilter: { Type: "FROM_TIMESTAMP", Timestamp: new Date(0) } }),
    );
    expect(fromTime.Shards).toHaveLength(5);
  });

  it("deletes a stream", async () => {
    const name = await createStream(1);
    await service.kinesis.send(new DeleteStreamCommand({ StreamName: name }));
    await expect(service.kinesis.send(new DescribeStreamCommand({ StreamName: name }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
      message: `Stream ${name} under account 000000000000 not found.`,
    });
    // The name is free again at once (delete delay 0 in tests).
    await service.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  });
});

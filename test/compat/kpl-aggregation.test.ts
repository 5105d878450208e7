import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
  type Shard,
  SplitShardCommand,
} from "@aws-sdk/client-kinesis";
import { describe, expect, it } from "vitest";
import { uniqueStreamName, useTestServer } from "../support/server.js";

// aws-kinesis-agg: the KPL aggregation format (magic F3 89 9A C2, protobuf AggregatedRecord, MD5).
const require = createRequire(import.meta.url);
const agg = require("aws-kinesis-agg") as {
  RecordAggregator: new () => {
    addUserRecord(record: { partitionKey: string; explicitHashKey?: string; data: Buffer }): void;
    build(): { partitionKey: string; data: Buffer; ExplicitHashKey?: string };
  };
};
interface DecodedSubRecord {
  partition_key_index: { toNumber(): number };
  explicit_hash_key_index?: { toNumber(): number };
  data: Buffer;
}
const { AggregatedRecord } = require("aws-kinesis-agg/lib/common") as {
  AggregatedRecord: { decode(bytes: Buffer): { partition_key_table: string[]; explicit_hash_key_table: string[]; records: DecodedSubRecord[] } };
};

interface UserRecord {
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  readonly data: Buffer;
}

const MAGIC = Buffer.from("f3899ac2", "hex");
const hashKeyOf = (r: { partitionKey: string; explicitHashKey?: string }): bigint =>
  r.explicitHashKey !== undefined ? BigInt(r.explicitHashKey) : BigInt("0x" + createHash("md5").update(r.partitionKey, "utf8").digest("hex"));
const owns = (shard: Shard, hashKey: bigint): boolean =>
  BigInt(shard.HashKeyRange!.StartingHashKey!) <= hashKey && hashKey <= BigInt(shard.HashKeyRange!.EndingHashKey!);

const service = useTestServer();

/**
 * The sub-records of one Kinesis record as KCL's deaggregation reads them: magic, MD5 trailer,
 * protobuf; a sub-record's explicit hash key only where its index is present (the library's
 * own deaggregator reads an absent index as 0, so it is not used here).
 */
function deaggregate(data: Uint8Array): { partitionKey: string; explicitHashKey?: string; data: string }[] {
  const bytes = Buffer.from(data);
  expect(bytes.subarray(0, 4)).toEqual(MAGIC);
  const body = bytes.subarray(4, bytes.length - 16);
  expect(createHash("md5").update(body).digest()).toEqual(bytes.subarray(bytes.length - 16));
  const message = AggregatedRecord.decode(body);
  return message.records.map((r) => ({
    partitionKey: message.partition_key_table[r.partition_key_index.toNumber()]!,
    explicitHashKey: Object.prototype.hasOwnProperty.call(r, "explicit_hash_key_index")
      ? message.explicit_hash_key_table[r.explicit_hash_key_index!.toNumber()]
      : undefined,
    data: r.data.toString("base64"),
  }));
}

interface Aggregate {
  readonly shardId: string;
  readonly users: UserRecord[];
  readonly entry: { PartitionKey: string; ExplicitHashKey: string; Data: Buffer };
}

function userRecords(count: number, tag: string): UserRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    partitionKey: `${tag}-${i}-${randomBytes(4).toString("hex")}`,
    explicitHashKey: i % 7 === 0 ? BigInt("0x" + randomBytes(16).toString("hex")).toString() : undefined,
    data: randomBytes(1 + (i % 200)),
  }));
}

/** As the KPL does: group user records by the shard its map predicts, aggregate each group. */
function aggregateFor(shards: Shard[], users: UserRecord[]): Aggregate[] {
  const byShard = new Map<string, UserRecord[]>();
  for (const user of users) {
    const shard = shards.find((s) => owns(s, hashKeyOf(user)))!;
    byShard.set(shard.ShardId!, [...(byShard.get(shard.ShardId!) ?? []), user]);
  }
  const aggregates: Aggregate[] = [];
  for (const [shardId, records] of byShard) {
    for (let at = 0; at < records.length; at += 40) {
      const batch = records.slice(at, at + 40);
      const aggregator = new agg.RecordAggregator();
      for (const user of batch) aggregator.addUserRecord(user);
      // As the KPL sends it: partition key "a", hash key of the first user record.
      aggregates.push({ shardId, users: batch, entry: { PartitionKey: "a", ExplicitHashKey: hashKeyOf(batch[0]!).toString(), Data: aggregator.build().data } });
    }
  }
  return aggregates;
}

async function openShards(stream: string): Promise<Shard[]> {
  return (await service.kinesis.send(new ListShardsCommand({ StreamName: stream, MaxResults: 1000, ShardFilter: { Type: "AT_LATEST" } }))).Shards!;
}

describe("KPL aggregated records", () => {
  it("land on the shard owning their ExplicitHashKey, and every sub-record is within that shard's range", async () => {
    const stream = uniqueStreamName("kpl");
    await service.kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 4 }));
    // What the KPL asks for its shard map.
    const Shards = await openShards(stream);
    expect(Shards).toHaveLength(4);
    const aggregates = aggregateFor(Shards, userRecords(600, "user"));
    expect(aggregates[0]!.entry.Data.subarray(0, 4)).toEqual(MAGIC);

    const put = await service.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: aggregates.map((a) => a.entry) }));
    expect(put.FailedRecordCount).toBe(0);
    // The KPL compares these with its shard map: no "wrong shard", so no map refresh.
    expect(put.Records!.map((r) => r.ShardId)).toEqual(aggregates.map((a) => a.shardId));

    for (const shard of Shards) {
      const { ShardIterator } = await service.kinesis.send(
        new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }),
      );
      const { Records } = await service.kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
      const subRecords = Records!.flatMap((r) => deaggregate(r.Data!));
      // KCL drops a sub-record whose hash key falls outside the shard it was read from: none may.
      for (const sub of subRecords) expect(owns(shard, hashKeyOf(sub))).toBe(true);
      const sent = aggregates
        .filter((a) => a.shardId === shard.ShardId)
        .flatMap((a) => a.users.map((u) => [u.partitionKey, u.explicitHashKey, u.data.toString("base64")]));
      expect(subRecords.map((s) => [s.partitionKey, s.explicitHashKey, s.data])).toEqual(sent);
    }
  });

  it("across a split: a stale shard map gets the child's ShardId back, and refreshed aggregates stay within their shards", async () => {
    const stream = uniqueStreamName("kpl-reshard");
    await service.kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    const before = await openShards(stream);
    const first = aggregateFor(before, userRecords(200, "before"));
    expect((await service.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: first.map((a) => a.entry) }))).FailedRecordCount).toBe(0);

    const parent = before.find((s) => s.ShardId === "shardId-000000000000")!;
    const middle = (BigInt(parent.HashKeyRange!.StartingHashKey!) + BigInt(parent.HashKeyRange!.EndingHashKey!)) / 2n;
    await service.kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: parent.ShardId, NewStartingHashKey: middle.toString() }));

    // A KPL still holding the old map: its aggregate for the parent lands on a child, and the
    // answer names that child, which makes the KPL refresh its map.
    const stale = aggregateFor(before, userRecords(40, "stale"))
      .filter((a) => a.shardId === parent.ShardId)
      .slice(0, 1);
    const staleAnswer = await service.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: stale.map((a) => a.entry) }));
    expect(staleAnswer.Records![0]!.ShardId).toMatch(/^shardId-00000000000[23]$/);

    const after = await openShards(stream);
    expect(after.map((s) => s.ShardId).sort()).toEqual(["shardId-000000000001", "shardId-000000000002", "shardId-000000000003"]);
    const second = aggregateFor(after, userRecords(300, "after"));
    const put = await service.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: second.map((a) => a.entry) }));
    expect(put.Records!.map((r) => r.ShardId)).toEqual(second.map((a) => a.shardId));

    // Read every shard, closed parent included, as KCL would; refreshed aggregates de-aggregate
    // within their shard's range, and every user record sent with a current map comes back.
    const all = (await service.kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards!;
    const received = new Map<string, string>();
    for (const shard of all) {
      const { ShardIterator } = await service.kinesis.send(
        new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }),
      );
      const { Records } = await service.kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
      for (const record of Records!) {
        const subs = deaggregate(record.Data!);
        if (!subs[0]!.partitionKey.startsWith("stale")) for (const sub of subs) expect(owns(shard, hashKeyOf(sub))).toBe(true);
        for (const sub of subs) received.set(sub.partitionKey, shard.ShardId!);
      }
    }
    for (const { users, shardId } of [...first, ...second]) for (const user of users) expect(received.get(user.partitionKey)).toBe(shardId);
  });
});

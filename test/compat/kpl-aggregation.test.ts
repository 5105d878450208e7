import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  type Shard,
} from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { sdkClient, startTestServer, uniqueStreamName } from "../support/server.js";

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

let server: RunningServer;
let kinesis: KinesisClient;

beforeAll(async () => {
  server = await startTestServer();
  kinesis = sdkClient(server);
});
afterAll(async () => {
  kinesis?.destroy();
  await server?.close();
});

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

describe("KPL aggregated records", () => {
  it("land on the shard owning their ExplicitHashKey, and every sub-record is within that shard's range", async () => {
    const stream = uniqueStreamName("kpl");
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 4 }));
    // What the KPL asks for its shard map.
    const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: stream, MaxResults: 1000, ShardFilter: { Type: "AT_LATEST" } }));
    expect(Shards).toHaveLength(4);

    // User records with random partition keys, some with explicit hash keys, grouped by the
    // shard the KPL predicts, as it aggregates only records bound for the same shard.
    const users: UserRecord[] = Array.from({ length: 600 }, (_, i) => ({
      partitionKey: `user-${i}-${randomBytes(4).toString("hex")}`,
      explicitHashKey: i % 7 === 0 ? BigInt("0x" + randomBytes(16).toString("hex")).toString() : undefined,
      data: randomBytes(1 + (i % 200)),
    }));
    const byShard = new Map<string, UserRecord[]>();
    for (const user of users) {
      const shard = Shards!.find((s) => owns(s, hashKeyOf(user)))!;
      byShard.set(shard.ShardId!, [...(byShard.get(shard.ShardId!) ?? []), user]);
    }

    const aggregates: { shardId: string; users: UserRecord[]; entry: { PartitionKey: string; ExplicitHashKey: string; Data: Buffer } }[] = [];
    for (const [shardId, records] of byShard) {
      for (let at = 0; at < records.length; at += 40) {
        const batch = records.slice(at, at + 40);
        const aggregator = new agg.RecordAggregator();
        for (const user of batch) aggregator.addUserRecord(user);
        const encoded = aggregator.build();
        expect(encoded.data.subarray(0, 4)).toEqual(MAGIC);
        // As the KPL sends it: partition key "a", hash key of the first user record.
        aggregates.push({ shardId, users: batch, entry: { PartitionKey: "a", ExplicitHashKey: hashKeyOf(batch[0]!).toString(), Data: encoded.data } });
      }
    }

    const put = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: aggregates.map((a) => a.entry) }));
    expect(put.FailedRecordCount).toBe(0);
    // The KPL compares these with its shard map: no "wrong shard", so no map refresh.
    expect(put.Records!.map((r) => r.ShardId)).toEqual(aggregates.map((a) => a.shardId));

    for (const shard of Shards!) {
      const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }));
      const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
      const subRecords = Records!.flatMap((r) => deaggregate(r.Data!));
      // KCL drops a sub-record whose hash key falls outside the shard it was read from: none may.
      for (const sub of subRecords) expect(owns(shard, hashKeyOf(sub))).toBe(true);
      const sent = (byShard.get(shard.ShardId!) ?? []).map((u) => [u.partitionKey, u.explicitHashKey, u.data.toString("base64")]);
      expect(subRecords.map((s) => [s.partitionKey, s.explicitHashKey, s.data])).toEqual(sent);
    }
  });
});

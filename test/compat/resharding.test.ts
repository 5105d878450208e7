import {
  CreateStreamCommand,
  DescribeStreamCommand,
  KinesisClient,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordsCommand,
  type PutRecordsResultEntry,
  SplitShardCommand,
  UpdateShardCountCommand,
} from "@aws-sdk/client-kinesis";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PrefixRoutes } from "../../src/jetstream/bucket-follower.js";
import { settleClosingShards } from "../../src/jetstream/shard-closing.js";
import { StreamCatalog } from "../../src/jetstream/stream-catalog.js";
import type { StreamMetadata } from "../../src/jetstream/stream-metadata.js";
import { StreamStorage } from "../../src/jetstream/stream-storage.js";
import type { RunningServer } from "../../src/server.js";
import { readByLineage } from "../support/lineage-reader.js";
import { sdkClient, startTestServer, TEST_CREDENTIALS, uniqueNamespace, uniqueStreamName } from "../support/server.js";

let server: RunningServer;
let other: RunningServer;
let kinesis: KinesisClient;
let kinesisB: KinesisClient;
const ACCOUNT = "000000000000";
const HALF = 1n << 127n;

let namespace: string;

beforeAll(async () => {
  namespace = uniqueNamespace();
  [server, other] = await Promise.all([startTestServer({ namespace }), startTestServer({ namespace })]);
  kinesis = sdkClient(server);
  kinesisB = sdkClient(other);
});
afterAll(async () => {
  kinesis?.destroy();
  kinesisB?.destroy();
  await Promise.all([server?.close(), other?.close()]);
});

interface Written {
  key: string;
  data: string;
  sequenceNumber: string;
}

/** Runs a reshard until the stream is ACTIVE to take it: ResourceInUseException says it is still UPDATING. */
async function whenActive<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if ((error as Error).name !== "ResourceInUseException" || attempt >= 200) throw error;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** Until DescribeStream (through this client's instance, whose metadata follows the store) shows `status`. */
async function waitForStatus(client: KinesisClient, stream: string, status: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamName: stream }));
    if (StreamDescription?.StreamStatus === status) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`stream ${stream} never showed ${status}`);
}

/** Puts `count` records over 8 partition keys, in order, and remembers what was acknowledged. */
async function writeBatch(client: KinesisClient, stream: string, tag: string, count = 40): Promise<Written[]> {
  const entries = Array.from({ length: count }, (_, i) => ({ PartitionKey: `key-${i % 8}`, Data: Buffer.from(`${tag}-${i}`) }));
  const out = await client.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
  expect(out.FailedRecordCount).toBe(0);
  return out.Records!.map((r: PutRecordsResultEntry, i) => ({ key: entries[i]!.PartitionKey, data: `${tag}-${i}`, sequenceNumber: r.SequenceNumber! }));
}

/**
 * Every acknowledged record read exactly once, and each partition key's records in the order
 * each writer wrote them (the tag's first letter names the writer: two writers racing on one
 * key have no order between them).
 */
function expectExactlyOnceInOrder(written: Written[], reads: Awaited<ReturnType<typeof readByLineage>>): void {
  const read = reads.flatMap((r) =>
    r.records.map((record) => ({
      shard: r.shardId,
      key: record.PartitionKey!,
      data: Buffer.from(record.Data!).toString(),
      sequenceNumber: record.SequenceNumber!,
    })),
  );
  expect(read.map((r) => r.sequenceNumber).sort()).toEqual(written.map((w) => w.sequenceNumber).sort());
  expect(new Set(read.map((r) => r.sequenceNumber)).size).toBe(read.length);
  for (const shard of reads) {
    const numbers = shard.records.map((r) => BigInt(r.SequenceNumber!));
    expect(numbers).toEqual([...numbers].sort((a, b) => (a < b ? -1 : 1)));
  }
  const writerOf = (data: string) => data.charAt(0);
  for (const key of new Set(written.map((w) => w.key))) {
    for (const writer of new Set(written.map((w) => writerOf(w.data)))) {
      const mine = (r: { key: string; data: string }) => r.key === key && writerOf(r.data) === writer;
      expect(read.filter(mine).map((r) => r.data)).toEqual(written.filter(mine).map((w) => w.data));
    }
  }
}

describe("resharding through @aws-sdk/client-kinesis", () => {
  // The real service allows at most doubling per UpdateShardCount: after split and merge leave 2
  // open shards, 5 takes two calls (2 → 4 → 5).
  it("split, merge, UpdateShardCount to 4 then 5: every record read once, in order, following ChildShards", async () => {
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    const written = await writeBatch(kinesis, stream, "a");

    await kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: "shardId-000000000000", NewStartingHashKey: String(HALF / 2n) }));
    written.push(...(await writeBatch(kinesis, stream, "b")));
    const afterSplit = (await kinesis.send(new DescribeStreamCommand({ StreamName: stream }))).StreamDescription!;
    expect(afterSplit.Shards!.map((s) => [s.ShardId, s.ParentShardId, s.SequenceNumberRange?.EndingSequenceNumber !== undefined])).toEqual([
      ["shardId-000000000000", undefined, true],
      ["shardId-000000000001", undefined, false],
      ["shardId-000000000002", "shardId-000000000000", false],
      ["shardId-000000000003", "shardId-000000000000", false],
    ]);

    await kinesis.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: "shardId-000000000003", AdjacentShardToMerge: "shardId-000000000001" }));
    written.push(...(await writeBatch(kinesis, stream, "c")));
    const merged = (await kinesis.send(new ListShardsCommand({ StreamName: stream, ShardFilter: { Type: "AT_LATEST" } }))).Shards!;
    expect(merged.map((s) => [s.ShardId, s.ParentShardId, s.AdjacentParentShardId])).toEqual([
      ["shardId-000000000002", "shardId-000000000000", undefined],
      ["shardId-000000000004", "shardId-000000000003", "shardId-000000000001"],
    ]);

    const doubled = await kinesis.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: 4, ScalingType: "UNIFORM_SCALING" }));
    expect(doubled).toMatchObject({ StreamName: stream, CurrentShardCount: 2, TargetShardCount: 4 });
    written.push(...(await writeBatch(kinesis, stream, "d")));
    await kinesis.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: 5, ScalingType: "UNIFORM_SCALING" }));
    written.push(...(await writeBatch(kinesis, stream, "e")));
    const open = (await kinesis.send(new ListShardsCommand({ StreamName: stream, ShardFilter: { Type: "AT_LATEST" } }))).Shards!;
    expect(open).toHaveLength(5);
    const width = (1n << 128n) / 5n;
    const starts = open.map((s) => BigInt(s.HashKeyRange!.StartingHashKey!)).sort((a, b) => (a < b ? -1 : 1));
    expect(starts).toEqual([0n, width, 2n * width, 3n * width, 4n * width]);

    expectExactlyOnceInOrder(written, await readByLineage(kinesis, stream));
  });

  it("writers racing reshards on two instances lose nothing and keep each key's order", async () => {
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const written: Written[] = [];
    let writing = true;
    const writer = async (client: KinesisClient, tag: string) => {
      for (let round = 0; writing && round < 200; round++) written.push(...(await writeBatch(client, stream, `${tag}${round}`, 16)));
    };
    const writers = [writer(kinesis, "x"), writer(kinesisB, "y")];
    await kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: "0", NewStartingHashKey: String(HALF) }));
    await new Promise((r) => setTimeout(r, 30));
    // Refused while the split is still being settled, as the service refuses a reshard of an UPDATING stream.
    await whenActive(() => kinesisB.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: 3, ScalingType: "UNIFORM_SCALING" })));
    await new Promise((r) => setTimeout(r, 30));
    writing = false;
    await Promise.all(writers);
    expect(written.length).toBeGreaterThan(0);
    const reads = await readByLineage(kinesis, stream);
    expectExactlyOnceInOrder(written, reads);
    // No record landed in a closed shard after the end it reports.
    const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
    for (const shard of Shards.filter((s) => s.SequenceNumberRange?.EndingSequenceNumber)) {
      const end = BigInt(shard.SequenceNumberRange!.EndingSequenceNumber!);
      for (const record of reads.find((r) => r.shardId === shard.ShardId)?.records ?? []) expect(BigInt(record.SequenceNumber!) <= end).toBe(true);
    }
  });

  it("a stream stays UPDATING until its reshard is settled: other reshards are refused, and one whose instance died is settled by the next", async () => {
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const nc = await connect({ servers: server.natsUrl });
    try {
      const catalog = StreamCatalog.open(await new Kvm(nc).open(`${namespace}-metadata`), new PrefixRoutes(), pino({ level: "silent" }));
      // A split whose instance died after writing the new shard list, before settling it.
      const halfDone = (statusUntil: number) =>
        catalog.update(stream, (latest) => ({
          ...latest,
          status: "UPDATING",
          statusUntil,
          shards: [
            { ...latest.shards[0]!, closedAt: Date.now() },
            { index: 1, hashKeyRange: { start: 0n, end: HALF - 1n }, createdAt: Date.now(), startingPosition: 0n, parentIndex: 0 },
            { index: 2, hashKeyRange: { start: HALF, end: (1n << 128n) - 1n }, createdAt: Date.now(), startingPosition: 0n, parentIndex: 0 },
          ],
        }));
      await halfDone(Date.now() - 1);
      await waitForStatus(kinesisB, stream, "UPDATING");
      const split = () => kinesisB.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: "1", NewStartingHashKey: String(HALF / 2n) }));
      await expect(split()).rejects.toMatchObject({
        name: "ResourceInUseException",
        message: `Stream ${stream} under account ${ACCOUNT} not ACTIVE, instead in state UPDATING`,
      });
      // Long past its time: the next reshard settles it first, then goes ahead.
      await halfDone(Date.now() - 60_000);
      await waitForStatus(kinesisB, stream, "UPDATING");
      await split();
      const { Shards = [] } = await kinesisB.send(new ListShardsCommand({ StreamName: stream }));
      expect(Shards.map((s) => [s.ShardId, s.SequenceNumberRange?.EndingSequenceNumber !== undefined])).toEqual([
        ["shardId-000000000000", true],
        ["shardId-000000000001", true],
        ["shardId-000000000002", false],
        ["shardId-000000000003", false],
        ["shardId-000000000004", false],
      ]);
    } finally {
      await nc.close();
    }
  });

  it("an instance applying stale metadata, which reopens ended shards for a moment, moves their end past what landed in them", async () => {
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    await kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: "0", NewStartingHashKey: String(HALF) }));
    // A third instance's view of the stream, read before the next reshard: shards 1 and 2 open.
    const nc = await connect({ servers: server.natsUrl });
    try {
      const catalog = StreamCatalog.open(await new Kvm(nc).open(`${namespace}-metadata`), new PrefixRoutes(), pino({ level: "silent" }));
      const storage = new StreamStorage(await jetstreamManager(nc), { namespace, replicas: 1, storage: "memory", duplicateWindowMs: 120_000 });
      const stale = await catalog.refresh(stream);
      // The second instance closes shards 1 and 2 and records where they end.
      await kinesisB.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: 3, ScalingType: "UNIFORM_SCALING" }));
      // Then the third applies its stale copy, which takes the subjects of 1 and 2 again; a
      // writer routing by old metadata gets a record into shard 1 before it closes them again.
      let staleGiven = false;
      const staleFirst = {
        refresh: async (name: string) => (staleGiven ? catalog.refresh(name) : ((staleGiven = true), stale)),
        update: (name: string, change: (s: StreamMetadata) => StreamMetadata) => catalog.update(name, change),
      } as unknown as StreamCatalog;
      let lateWritten = false;
      const writerBetween = {
        reconfigure: async (metadata: StreamMetadata) => {
          const last = await storage.reconfigure(metadata);
          if (!lateWritten) {
            lateWritten = true;
            await jetstream(nc).publish(storage.layout.shardSubject(stream, 1), "late");
          }
          return last;
        },
      } as unknown as StreamStorage;
      await settleClosingShards(staleFirst, writerBetween, stream);
      expect(lateWritten).toBe(true);
    } finally {
      await nc.close();
    }
    const reads = await readByLineage(kinesis, stream);
    const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
    const shard1 = Shards.find((s) => s.ShardId === "shardId-000000000001")!;
    const records = reads.find((r) => r.shardId === shard1.ShardId)?.records ?? [];
    expect(records.map((r) => Buffer.from(r.Data!).toString())).toContain("late");
    const end = BigInt(shard1.SequenceNumberRange!.EndingSequenceNumber!);
    expect(records.filter((r) => BigInt(r.SequenceNumber!) > end)).toEqual([]);
  });

  it("refuses what the service refuses", async () => {
    // LimitExceededException is a throttling error to the SDK: no retries, to keep this quick.
    const kinesis = new KinesisClient({ endpoint: server.url, region: "us-east-1", credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    const stream = uniqueStreamName();
    const where = `in stream ${stream} under account ${ACCOUNT}`;
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    await kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: "shardId-000000000000", NewStartingHashKey: "1000" }));
    const fails = (call: Promise<unknown>, name: string, message: string) => expect(call).rejects.toMatchObject({ name, message });
    await fails(
      kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: "shardId-000000000000", NewStartingHashKey: "5000" })),
      "InvalidArgumentException",
      `Shard shardId-000000000000 ${where} has already been merged or split, and thus is not eligible for merging or splitting.`,
    );
    await fails(
      kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: "shardId-000000000001", NewStartingHashKey: "5" })),
      "InvalidArgumentException",
      `NewStartingHashKey 5 used in SplitShard() on shard shardId-000000000001 ${where} is not both greater than one plus the shard's StartingHashKey ${HALF} and less than the shard's EndingHashKey ${(1n << 128n) - 1n}.`,
    );
    await fails(
      kinesis.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: "shardId-000000000001", AdjacentShardToMerge: "shardId-000000000002" })),
      "InvalidArgumentException",
      `Shards shardId-000000000001 and shardId-000000000002 ${where} are not an adjacent pair of shards eligible for merging`,
    );
    await fails(
      kinesis.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: "shardId-000000000003", AdjacentShardToMerge: "shardId-000000000099" })),
      "ResourceNotFoundException",
      `Could not find shard shardId-000000000099 ${where}.`,
    );
    await fails(
      kinesis.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: 7, ScalingType: "UNIFORM_SCALING" })),
      "LimitExceededException",
      "UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: 3, Target shard count: 7",
    );
    await fails(
      kinesis.send(new UpdateShardCountCommand({ StreamName: stream, TargetShardCount: 1, ScalingType: "UNIFORM_SCALING" })),
      "LimitExceededException",
      "UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: 3, Target shard count: 1",
    );
  });

  it("a second reshard while UPDATING is refused", async () => {
    const slow = await startTestServer({ updateStreamMs: 1000 });
    const client = sdkClient(slow);
    try {
      const stream = uniqueStreamName();
      await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
      await client.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: "shardId-000000000000", AdjacentShardToMerge: "shardId-000000000001" }));
      expect((await client.send(new DescribeStreamCommand({ StreamName: stream }))).StreamDescription?.StreamStatus).toBe("UPDATING");
      await expect(
        client.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: "shardId-000000000002", NewStartingHashKey: "99999" })),
      ).rejects.toMatchObject({
        name: "ResourceInUseException",
        message: `Stream ${stream} under account ${ACCOUNT} not ACTIVE, instead in state UPDATING`,
      });
    } finally {
      client.destroy();
      await slow.close();
    }
  });
});

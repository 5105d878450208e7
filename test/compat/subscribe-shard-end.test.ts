import { CreateStreamCommand, type KinesisClient, PutRecordCommand, SplitShardCommand } from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_HASH_KEY } from "../../src/shards/hash-key-range.js";
import type { RunningServer } from "../../src/server.js";
import { dataOf, registerConsumer, streamArnOf, subscribe } from "../support/fanout.js";
import { sdkClient, startTestServer, uniqueStreamName } from "../support/server.js";

const MIDDLE = 2n ** 127n;
let server: RunningServer;
let kinesis: KinesisClient;

beforeAll(async () => {
  server = await startTestServer({ subscriptionHeartbeatMs: 400 });
  kinesis = sdkClient(server);
});
afterAll(async () => {
  kinesis?.destroy();
  await server?.close();
});

const splitShardZero = (stream: string) =>
  kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: "shardId-000000000000", NewStartingHashKey: String(MIDDLE) }));

const CHILDREN = [
  { ShardId: "shardId-000000000001", ParentShards: ["shardId-000000000000"], HashKeyRange: { StartingHashKey: "0", EndingHashKey: String(MIDDLE - 1n) } },
  {
    ShardId: "shardId-000000000002",
    ParentShards: ["shardId-000000000000"],
    HashKeyRange: { StartingHashKey: String(MIDDLE), EndingHashKey: String(MAX_HASH_KEY) },
  },
];

describe("SubscribeToShard at the end of a shard closed by SplitShard", () => {
  it("delivers the shard's last records, then an event with ChildShards and no continuation, then ends", async () => {
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const arn = await streamArnOf(kinesis, stream);
    const put = (data: string, hashKey = "0") =>
      kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: data, Data: Buffer.from(data), ExplicitHashKey: hashKey }));
    await put("r0");
    const live = await subscribe(kinesis, await registerConsumer(kinesis, arn, "live"), "shardId-000000000000", { Type: "TRIM_HORIZON" });
    const reading = live.read({ timeoutMs: 5_000 });
    await put("r1");
    await splitShardZero(stream);
    const { events, ended, error } = await reading;
    expect({ ended, error }).toEqual({ ended: true, error: undefined });
    expect(dataOf(events)).toEqual(["r0", "r1"]);
    const last = events.at(-1)!;
    expect(last.ContinuationSequenceNumber).toBeUndefined();
    expect(last.ChildShards).toEqual(CHILDREN);
    expect(last.MillisBehindLatest).toBe(0);
    expect(events.slice(0, -1).every((e) => e.ContinuationSequenceNumber !== undefined && e.ChildShards === undefined)).toBe(true);

    // Later subscriptions to the closed shard: its records, then the end at once; LATEST is at the end already.
    const replay = await (
      await subscribe(kinesis, await registerConsumer(kinesis, arn, "replay"), "shardId-000000000000", { Type: "TRIM_HORIZON" })
    ).read({ timeoutMs: 3_000 });
    expect(dataOf(replay.events)).toEqual(["r0", "r1"]);
    expect(replay.events.at(-1)!.ChildShards).toEqual(CHILDREN);
    expect(replay.ended).toBe(true);
    const latest = await (
      await subscribe(kinesis, await registerConsumer(kinesis, arn, "latest"), "shardId-000000000000", { Type: "LATEST" })
    ).read({ timeoutMs: 3_000 });
    expect(latest.events.map((e) => [e.Records, e.ChildShards])).toEqual([[[], CHILDREN]]);
    expect(latest.ended).toBe(true);

    // The children carry on.
    await put("after", String(MIDDLE));
    const child = await (
      await subscribe(kinesis, await registerConsumer(kinesis, arn, "child"), "shardId-000000000002", { Type: "TRIM_HORIZON" })
    ).read({
      stop: (e) => dataOf(e).length > 0,
      timeoutMs: 3_000,
    });
    expect(dataOf(child.events)).toEqual(["after"]);
  });
});

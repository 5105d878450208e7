import { CreateStreamCommand, type KinesisClient, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { decodeStreamMetadata, encodeStreamMetadata } from "../../src/jetstream/stream-metadata.js";
import { StreamLayout } from "../../src/jetstream/stream-storage.js";
import { MAX_HASH_KEY } from "../../src/shards/hash-key-range.js";
import type { Shard } from "../../src/shards/shard.js";
import type { RunningServer } from "../../src/server.js";
import { dataOf, registerConsumer, streamArnOf, subscribe } from "../support/fanout.js";
import { sdkClient, startTestServer, uniqueNamespace, uniqueStreamName } from "../support/server.js";

const namespace = uniqueNamespace();
const layout = new StreamLayout(namespace);
const MIDDLE = 2n ** 127n;
let server: RunningServer;
let kinesis: KinesisClient;
let nc: NatsConnection;

beforeAll(async () => {
  server = await startTestServer({ namespace, subscriptionHeartbeatMs: 400 });
  kinesis = sdkClient(server);
  nc = await connect({ servers: inject("natsUrl") });
});
afterAll(async () => {
  kinesis?.destroy();
  await nc?.close();
  await server?.close();
});

/**
 * Splits shard 0 of a one-shard stream in the middle the way the metadata records a reshard:
 * JetStream stops taking shard 0's subject and takes the children's; shard 0 gets its last
 * position and closing time; children 1 and 2 name it as parent. SplitShard itself is built on
 * another branch: this stands in for it until they meet.
 */
async function splitShardZero(stream: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const name = layout.jetStreamName(stream);
  const { config } = await jsm.streams.info(name);
  await jsm.streams.update(name, { ...config, subjects: [layout.shardSubject(stream, 1), layout.shardSubject(stream, 2)] });
  const last = BigInt((await jsm.streams.info(name)).state.last_seq);
  const kv = await new Kvm(nc).open(`${namespace}-metadata`);
  const key = `streams.${stream.replaceAll(".", "=")}`;
  const entry = (await kv.get(key))!;
  const metadata = decodeStreamMetadata(entry.value);
  const now = Date.now();
  const child = (index: number, start: bigint, end: bigint): Shard => ({ index, hashKeyRange: { start, end }, createdAt: now, startingPosition: last, parentIndex: 0 });
  const shards = [{ ...metadata.shards[0]!, endingPosition: last, closedAt: now }, child(1, 0n, MIDDLE - 1n), child(2, MIDDLE, MAX_HASH_KEY)];
  await kv.update(key, encodeStreamMetadata({ ...metadata, shards }), entry.revision);
}

const CHILDREN = [
  { ShardId: "shardId-000000000001", ParentShards: ["shardId-000000000000"], HashKeyRange: { StartingHashKey: "0", EndingHashKey: String(MIDDLE - 1n) } },
  { ShardId: "shardId-000000000002", ParentShards: ["shardId-000000000000"], HashKeyRange: { StartingHashKey: String(MIDDLE), EndingHashKey: String(MAX_HASH_KEY) } },
];

describe("SubscribeToShard at the end of a closed shard (reshard simulated in the metadata)", () => {
  it("delivers the shard's last records, then an event with ChildShards and no continuation, then ends", async () => {
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const arn = await streamArnOf(kinesis, stream);
    const put = (data: string, hashKey = "0") => kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: data, Data: Buffer.from(data), ExplicitHashKey: hashKey }));
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
    const replay = await (await subscribe(kinesis, await registerConsumer(kinesis, arn, "replay"), "shardId-000000000000", { Type: "TRIM_HORIZON" })).read({ timeoutMs: 3_000 });
    expect(dataOf(replay.events)).toEqual(["r0", "r1"]);
    expect(replay.events.at(-1)!.ChildShards).toEqual(CHILDREN);
    expect(replay.ended).toBe(true);
    const latest = await (await subscribe(kinesis, await registerConsumer(kinesis, arn, "latest"), "shardId-000000000000", { Type: "LATEST" })).read({ timeoutMs: 3_000 });
    expect(latest.events.map((e) => [e.Records, e.ChildShards])).toEqual([[[], CHILDREN]]);
    expect(latest.ended).toBe(true);

    // The children carry on.
    await put("after", String(MIDDLE));
    const child = await (await subscribe(kinesis, await registerConsumer(kinesis, arn, "child"), "shardId-000000000002", { Type: "TRIM_HORIZON" })).read({
      stop: (e) => dataOf(e).length > 0,
      timeoutMs: 3_000,
    });
    expect(dataOf(child.events)).toEqual(["after"]);
  });
});

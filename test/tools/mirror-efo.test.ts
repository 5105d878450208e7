import { CreateStreamCommand, ListShardsCommand, ListStreamConsumersCommand, DescribeStreamSummaryCommand, SplitShardCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { sdkClient, startTestServer, uniqueStreamName } from "../support/server.js";
import { putRecords, startMirror, streamContents } from "./mirror-support.js";

/** The mirror reading by enhanced fan-out (--efo) from our own server: a kill after a write, a split, a restart. */
describe("kinesis-nats mirror --efo", () => {
  let source: RunningServer;
  let target: RunningServer;
  let sourceKinesis: KinesisClient;
  let targetKinesis: KinesisClient;
  beforeAll(async () => {
    [source, target] = await Promise.all([startTestServer(), startTestServer()]);
    sourceKinesis = sdkClient(source);
    targetKinesis = sdkClient(target);
  });
  afterAll(async () => {
    sourceKinesis?.destroy();
    targetKinesis?.destroy();
    await Promise.all([source?.close(), target?.close()]);
  });

  it("registers its consumer, copies by SubscribeToShard across a split, and ends identical", async () => {
    const stream = uniqueStreamName("efo");
    await sourceKinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    await putRecords(sourceKinesis, stream, 300, "first");
    const args = [stream, "--efo", "mirror-app", "--source-endpoint", source.url, "--endpoint", target.url, "--nats", inject("natsUrl"), "--state-bucket", `mirror-${target.namespace}`];

    const killed = startMirror([...args, "--batch", "5"], { KINESIS_NATS_MIRROR_KILL_AFTER_WRITES: "3" });
    expect(await killed.exited).toBe("SIGKILL");
    const { StreamDescriptionSummary } = await sourceKinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    const { Consumers = [] } = await sourceKinesis.send(new ListStreamConsumersCommand({ StreamARN: StreamDescriptionSummary!.StreamARN! }));
    expect(Consumers.map((c) => c.ConsumerName)).toEqual(["mirror-app"]);

    const { Shards = [] } = await sourceKinesis.send(new ListShardsCommand({ StreamName: stream }));
    await sourceKinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: Shards[1]!.ShardId!, NewStartingHashKey: (BigInt(Shards[1]!.HashKeyRange!.StartingHashKey!) + 2n ** 125n).toString() }));
    await putRecords(sourceKinesis, stream, 300, "after split");

    const resumed = startMirror([...args, "--until-caught-up"]);
    expect(await resumed.exited).toBe(0);
    expect(resumed.lines.some((l) => l.msg === "records written before the last stop: not written again" && l.records === 5)).toBe(true);

    const [want, got] = await Promise.all([streamContents(sourceKinesis, stream), streamContents(targetKinesis, stream)]);
    expect(want).toHaveLength(4);
    expect(want.map((s) => s.records.length).reduce((a, b) => a + b)).toBe(600);
    expect(got).toEqual(want);
  }, 90_000);
});

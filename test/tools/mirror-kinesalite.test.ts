import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  ListShardsCommand,
  MergeShardsCommand,
  SplitShardCommand,
} from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startKinesalite } from "../support/kinesalite.js";
import { sdkClient, startTestServer, TEST_CREDENTIALS, uniqueStreamName } from "../support/server.js";
import { putRecords, startMirror, streamContents } from "./mirror-support.js";

/**
 * kinesalite as the source: a copy, a kill at the worst moment, a split and a merge, a restart.
 * kinesalite speaks HTTP/1.1 only (the mirror falls back to it), has no enhanced fan-out,
 * returns no ChildShards (the mirror finds children by ListShards) and always answers
 * MillisBehindLatest 0 for an open shard.
 */
describe("kinesis-nats mirror, kinesalite as the source", () => {
  let source: Awaited<ReturnType<typeof startKinesalite>>;
  let target: RunningServer;
  let sourceKinesis: KinesisClient;
  let targetKinesis: KinesisClient;
  const dir = mkdtempSync(join(tmpdir(), "mirror-kinesalite-"));
  beforeAll(async () => {
    [source, target] = await Promise.all([startKinesalite(), startTestServer()]);
    sourceKinesis = new KinesisClient({ endpoint: source.url, region: "us-east-1", credentials: TEST_CREDENTIALS, requestHandler: new NodeHttpHandler() });
    targetKinesis = sdkClient(target);
  });
  afterAll(async () => {
    sourceKinesis?.destroy();
    targetKinesis?.destroy();
    await Promise.all([source?.close(), target?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("copies every shard, survives a kill after a write, and ends identical", async () => {
    const stream = uniqueStreamName("kinesalite");
    await sourceKinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 3 }));
    await putRecords(sourceKinesis, stream, 400, "first");
    const args = [
      stream,
      "--source-endpoint",
      source.url,
      "--endpoint",
      target.url,
      "--nats",
      inject("natsUrl"),
      "--state-bucket",
      `mirror-${target.namespace}`,
    ];

    const killed = startMirror([...args, "--batch", "7"], { KINESIS_NATS_MIRROR_KILL_AFTER_WRITES: "4" });
    expect(await killed.exited).toBe("SIGKILL");
    await putRecords(sourceKinesis, stream, 100, "second");
    const { Shards = [] } = await sourceKinesis.send(new ListShardsCommand({ StreamName: stream }));
    const [first, second] = Shards;
    const middle = (BigInt(first!.HashKeyRange!.StartingHashKey!) + BigInt(first!.HashKeyRange!.EndingHashKey!)) / 2n;
    await sourceKinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: first!.ShardId!, NewStartingHashKey: middle.toString() }));
    await putRecords(sourceKinesis, stream, 100, "after split");
    const { Shards: split = [] } = await sourceKinesis.send(new ListShardsCommand({ StreamName: stream }));
    const upperChild = split.find((s) => s.ParentShardId === first!.ShardId && s.HashKeyRange!.StartingHashKey === middle.toString())!;
    await sourceKinesis.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: upperChild.ShardId!, AdjacentShardToMerge: second!.ShardId! }));
    await putRecords(sourceKinesis, stream, 100, "after merge");

    const report = join(dir, "cost.html");
    const resumed = startMirror([...args, "--until-caught-up", "--report", report, "--polling-consumers", "2"]);
    expect(await resumed.exited).toBe(0);
    expect(resumed.lines.some((l) => l.msg === "records written before the last stop: not written again" && (l.records as number) >= 7)).toBe(true);

    // The report prices what this run copied: kinesalite lists no consumers, which it says.
    const html = readFileSync(report, "utf8");
    expect(html).toContain("<h2>Cost comparison</h2>");
    expect(html).toMatch(/<td>open shards<\/td><td>3<\/td>/);
    expect(html).toContain("2 polling consumers");
    expect(html).toContain("the source does not list its registered consumers");
    expect(html).not.toMatch(/<script|<link|\b(src|href)=/);

    const summary = await targetKinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    expect(summary.StreamDescriptionSummary?.OpenShardCount).toBe(3);
    const [want, got] = await Promise.all([streamContents(sourceKinesis, stream, "each shard"), streamContents(targetKinesis, stream, "each shard")]);
    expect(want).toHaveLength(6);
    expect(want.map((s) => s.records.length).reduce((a, b) => a + b)).toBe(700);
    expect(got).toEqual(want);
  }, 90_000);
});

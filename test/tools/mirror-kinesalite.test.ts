import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startKinesalite } from "../support/kinesalite.js";
import { sdkClient, startTestServer, TEST_CREDENTIALS, uniqueStreamName } from "../support/server.js";
import { putRecords, startMirror, streamContents } from "./mirror-support.js";

/**
 * kinesalite as the source: a plain copy, a kill at the worst moment, a restart. kinesalite
 * speaks HTTP/1.1 only (the mirror falls back to it), has no enhanced fan-out, returns no
 * ChildShards and always answers MillisBehindLatest 0 for an open shard, so a reshard there
 * is followed by ListShards alone and is not part of this test.
 */
describe("kinesis-nats mirror, kinesalite as the source", () => {
  let source: Awaited<ReturnType<typeof startKinesalite>>;
  let target: RunningServer;
  let sourceKinesis: KinesisClient;
  let targetKinesis: KinesisClient;
  beforeAll(async () => {
    [source, target] = await Promise.all([startKinesalite(), startTestServer()]);
    sourceKinesis = new KinesisClient({ endpoint: source.url, region: "us-east-1", credentials: TEST_CREDENTIALS, requestHandler: new NodeHttpHandler() });
    targetKinesis = sdkClient(target);
  });
  afterAll(async () => {
    sourceKinesis?.destroy();
    targetKinesis?.destroy();
    await Promise.all([source?.close(), target?.close()]);
  });

  it("copies every shard, survives a kill after a write, and ends identical", async () => {
    const stream = uniqueStreamName("kinesalite");
    await sourceKinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 3 }));
    await putRecords(sourceKinesis, stream, 400, "first");
    const args = [stream, "--source-endpoint", source.url, "--endpoint", target.url, "--nats", inject("natsUrl"), "--state-bucket", `mirror-${target.namespace}`];

    const killed = startMirror([...args, "--batch", "7"], { KINESIS_NATS_MIRROR_KILL_AFTER_WRITES: "4" });
    expect(await killed.exited).toBe("SIGKILL");
    await putRecords(sourceKinesis, stream, 300, "second");

    const resumed = startMirror([...args, "--until-caught-up"]);
    expect(await resumed.exited).toBe(0);
    expect(resumed.lines.some((l) => l.msg === "records written before the last stop: not written again" && l.records === 7)).toBe(true);

    const summary = await targetKinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    expect(summary.StreamDescriptionSummary?.OpenShardCount).toBe(3);
    const [want, got] = await Promise.all([streamContents(sourceKinesis, stream), streamContents(targetKinesis, stream)]);
    expect(want.map((s) => s.records.length).reduce((a, b) => a + b)).toBe(700);
    expect(got).toEqual(want);
  }, 90_000);
});

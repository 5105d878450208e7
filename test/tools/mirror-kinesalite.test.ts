import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
    await putRecords(sourceKinesis, stream, 300, "second");

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
    const [want, got] = await Promise.all([streamContents(sourceKinesis, stream), streamContents(targetKinesis, stream)]);
    expect(want.map((s) => s.records.length).reduce((a, b) => a + b)).toBe(700);
    expect(got).toEqual(want);
  }, 90_000);
});

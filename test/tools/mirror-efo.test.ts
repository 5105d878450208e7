import { CreateStreamCommand, ListShardsCommand, ListStreamConsumersCommand, DescribeStreamSummaryCommand, SplitShardCommand } from "@aws-sdk/client-kinesis";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { uniqueStreamName } from "../support/server.js";
import { putRecords, startMirror, streamContents, useSourceAndTarget } from "./mirror-support.js";

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const run = promisify(execFile);

/** The mirror reading by enhanced fan-out (--efo) from our own server: a kill after a write, a split, a restart. */
describe("kinesis-nats mirror --efo", () => {
  const ends = useSourceAndTarget();

  it("registers its consumer, copies by SubscribeToShard across a split, and ends identical", async () => {
    const stream = uniqueStreamName("efo");
    await ends.sourceKinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    await putRecords(ends.sourceKinesis, stream, 300, "first");
    const args = [
      stream,
      "--efo",
      "mirror-app",
      "--source-endpoint",
      ends.source.url,
      "--endpoint",
      ends.target.url,
      "--nats",
      inject("natsUrl"),
      "--state-bucket",
      `mirror-${ends.target.namespace}`,
    ];

    const killed = startMirror([...args, "--batch", "5"], { KINESIS_NATS_MIRROR_KILL_AFTER_WRITES: "3" });
    expect(await killed.exited).toBe("SIGKILL");
    const { StreamDescriptionSummary } = await ends.sourceKinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    const { Consumers = [] } = await ends.sourceKinesis.send(new ListStreamConsumersCommand({ StreamARN: StreamDescriptionSummary!.StreamARN! }));
    expect(Consumers.map((c) => c.ConsumerName)).toEqual(["mirror-app"]);

    const { Shards = [] } = await ends.sourceKinesis.send(new ListShardsCommand({ StreamName: stream }));
    await ends.sourceKinesis.send(
      new SplitShardCommand({
        StreamName: stream,
        ShardToSplit: Shards[1]!.ShardId!,
        NewStartingHashKey: (BigInt(Shards[1]!.HashKeyRange!.StartingHashKey!) + 2n ** 125n).toString(),
      }),
    );
    await putRecords(ends.sourceKinesis, stream, 300, "after split");

    const resumed = startMirror([...args, "--until-caught-up"]);
    expect(await resumed.exited).toBe(0);
    expect(resumed.lines.some((l) => l.msg === "records written before the last stop: not written again" && (l.records as number) >= 5)).toBe(true);

    const [want, got] = await Promise.all([streamContents(ends.sourceKinesis, stream), streamContents(ends.targetKinesis, stream)]);
    expect(want).toHaveLength(4);
    expect(want.map((s) => s.records.length).reduce((a, b) => a + b)).toBe(600);
    expect(got).toEqual(want);

    // The same stream priced from its traffic: every record arrived within the window, the mirror's consumer counts as a reader.
    const env = { ...process.env, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "mirror-test", AWS_SECRET_ACCESS_KEY: "mirror-test" };
    const { stdout } = await run(
      process.execPath,
      [CLI, "bench", "cost", "--from-stream", stream, "--endpoint", ends.source.url, "--window", "600", "--json"],
      {
        env,
      },
    );
    const cost = JSON.parse(stdout) as { workload: Record<string, number>; options: { name: string }[] };
    expect(cost.workload).toMatchObject({ recordsPerSecond: 1, shards: 3, fanOutConsumers: 1, retentionHours: 24 });
    expect(cost.options.map((o) => o.name)).toEqual(["Kinesis provisioned", "Kinesis on-demand", "NATS cluster (3 instances, R3)"]);
  }, 90_000);
});

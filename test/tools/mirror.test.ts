import { CreateStreamCommand, ListShardsCommand, MergeShardsCommand, PutRecordCommand, SplitShardCommand } from "@aws-sdk/client-kinesis";
import { describe, expect, inject, it } from "vitest";
import { uniqueStreamName } from "../support/server.js";
import { killHard, putRecords, startMirror, streamContents, waitForLine, useSourceAndTarget } from "./mirror-support.js";

/**
 * The mirror from one namespace of our server (as the source Kinesis) into another, through the
 * built CLI: a kill at the worst moment (after a write, before its position is stored), a split
 * and a merge on the source during the copy, a kill -9 from outside, then a run to the end.
 */
describe("kinesis-nats mirror, our own server as the source", () => {
  const ends = useSourceAndTarget();

  it("ends with a target identical to the source, record for record and shard for shard", async () => {
    const stream = uniqueStreamName("mirrored");
    await ends.sourceKinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    await putRecords(ends.sourceKinesis, stream, 300, "before");
    const args = [
      stream,
      "--source-endpoint",
      ends.source.url,
      "--endpoint",
      ends.target.url,
      "--nats",
      inject("natsUrl"),
      "--state-bucket",
      `mirror-${ends.target.namespace}`,
    ];
    const slow = ["--batch", "2", "--progress-ms", "100", "--poll-ms", "20"];

    // 1. Killed by itself right after its fifth acknowledged write, before storing that write's position.
    const first = startMirror([...args, ...slow], { KINESIS_NATS_MIRROR_KILL_AFTER_WRITES: "5" });
    expect(await first.exited).toBe("SIGKILL");

    // 2. Resumes (the records of that write are found in the target, not written again) while the source splits and merges.
    const second = startMirror([...args, ...slow, "--metrics-port", "0"]);
    const resumed = await waitForLine(second, (l) => l.msg === "records written before the last stop: not written again");
    expect(resumed.records).toBeGreaterThanOrEqual(2);
    await waitForLine(second, (l) => typeof l.records === "number" && l.records > 0);
    const { Shards: before = [] } = await ends.sourceKinesis.send(new ListShardsCommand({ StreamName: stream }));
    const [lower, upper] = before;
    const quarter = (BigInt(lower!.HashKeyRange!.EndingHashKey!) / 2n).toString();
    await ends.sourceKinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: lower!.ShardId!, NewStartingHashKey: quarter }));
    await putRecords(ends.sourceKinesis, stream, 300, "after split");
    const { Shards: split = [] } = await ends.sourceKinesis.send(new ListShardsCommand({ StreamName: stream }));
    const upperChild = split.find((s) => s.ParentShardId === lower!.ShardId && s.HashKeyRange!.StartingHashKey === quarter)!;
    await ends.sourceKinesis.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: upperChild.ShardId!, AdjacentShardToMerge: upper!.ShardId! }));
    await putRecords(ends.sourceKinesis, stream, 300, "after merge");
    await waitForLine(second, (l) => typeof l.records === "number" && l.records >= 150);
    const { url } = await waitForLine(second, (l) => l.msg === "metrics served");
    const metrics = await fetch(url as string);
    expect(metrics.headers.get("content-type")).toMatch(/^text\/plain; version=0.0.4/);
    const text = await metrics.text();
    expect(Number(/^kinesis_nats_mirror_records_total\{stream="[^"]+"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(150);
    expect(text).toMatch(/^kinesis_nats_mirror_millis_behind_latest\{stream="[^"]+",shard="shardId-\d{12}"\} \d+$/m);
    await killHard(second);

    // 3. Runs to the end.
    const third = startMirror([...args, "--until-caught-up"]);
    expect(await third.exited).toBe(0);
    expect(third.lines.find((l) => l.msg === "shard copy failed: resuming from its stored position")).toBeUndefined();

    const [want, got] = await Promise.all([streamContents(ends.sourceKinesis, stream), streamContents(ends.targetKinesis, stream)]);
    expect(want.map((s) => s.records.length).reduce((a, b) => a + b)).toBe(900);
    expect(want).toHaveLength(5);
    expect(got).toEqual(want);

    // `mirror compare` says the same, and tells a record the mirror did not write.
    const compare = ["compare", ...args];
    const same = startMirror(compare);
    expect(await same.exited).toBe(0);
    await ends.targetKinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "stranger", Data: Buffer.from("not from the source") }));
    const differs = startMirror([...compare, "--json"]);
    const stdout: Buffer[] = [];
    differs.child.stdout!.on("data", (chunk: Buffer) => stdout.push(chunk));
    expect(await differs.exited).toBe(1);
    const results = JSON.parse(Buffer.concat(stdout).toString()) as { firstDifference?: number; sourceRecords: number; targetRecords: number }[];
    expect(results).toHaveLength(5);
    expect(results.filter((r) => r.firstDifference !== undefined)).toEqual([expect.objectContaining({ targetRecords: expect.any(Number) })]);
  }, 120_000);

  it("starts at LATEST or at a timestamp, and a restart keeps that start", async () => {
    const args = (stream: string) => [
      stream,
      "--source-endpoint",
      ends.source.url,
      "--endpoint",
      ends.target.url,
      "--nats",
      inject("natsUrl"),
      "--state-bucket",
      `mirror-${ends.target.namespace}`,
    ];
    const count = async (stream: string) => (await streamContents(ends.targetKinesis, stream)).reduce((n, s) => n + s.records.length, 0);

    const latest = uniqueStreamName("latest");
    await ends.sourceKinesis.send(new CreateStreamCommand({ StreamName: latest, ShardCount: 2 }));
    await putRecords(ends.sourceKinesis, latest, 50, "old");
    const live = startMirror([...args(latest), "--from", "LATEST", "--progress-ms", "100"]);
    await waitForLine(live, (l) => l.msg === "target stream paired with the source");
    await putRecords(ends.sourceKinesis, latest, 30, "new");
    await waitForLine(live, (l) => l.msg === "progress" && l.records === 30);
    live.child.kill("SIGTERM");
    expect(await live.exited).toBe(0);
    await putRecords(ends.sourceKinesis, latest, 20, "newer");
    // `--from` is the first start's: the restart resumes, it does not start at LATEST again.
    const resumed = startMirror([...args(latest), "--from", "LATEST", "--until-caught-up"]);
    expect(await resumed.exited).toBe(0);
    expect(await count(latest)).toBe(50);

    const timed = uniqueStreamName("timed");
    await ends.sourceKinesis.send(new CreateStreamCommand({ StreamName: timed, ShardCount: 1 }));
    await putRecords(ends.sourceKinesis, timed, 40, "before");
    await new Promise((r) => setTimeout(r, 50));
    const from = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 50));
    await putRecords(ends.sourceKinesis, timed, 25, "after");
    const copy = startMirror([...args(timed), "--from", from, "--until-caught-up"]);
    expect(await copy.exited).toBe(0);
    const [shard] = await streamContents(ends.targetKinesis, timed);
    expect(shard!.records).toHaveLength(25);
    expect(shard!.records.every((r) => Buffer.from(r.split(" ")[1]!, "base64").toString().startsWith("after"))).toBe(true);
  }, 60_000);
});

import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  ListStreamConsumersCommand,
  PutRecordsCommand,
  SplitShardCommand,
  waitUntilStreamExists,
  type KinesisClient,
} from "@aws-sdk/client-kinesis";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import type { PrintedRecord } from "../../tools/src/cli/record-format.js";
import { sdkClient, startTestServer, uniqueStreamName, useTestServer } from "../support/server.js";
import { streamArnOf } from "../support/fanout.js";
import { cliJson, jsonLines, outputSoFar, runCli, startCli } from "./cli-run.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); await sleep(50)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

async function putKeyed(kinesis: KinesisClient, stream: string, keys: readonly string[], tag: string): Promise<void> {
  const Records = keys.map((key) => ({ PartitionKey: key, Data: Buffer.from(`${tag}:${key}`) }));
  const { FailedRecordCount } = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records }));
  expect(FailedRecordCount).toBe(0);
}

async function readShard(kinesis: KinesisClient, stream: string, shardId: string): Promise<{ key: string; data: string }[]> {
  const { ShardIterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" }));
  const { Records = [] } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
  return Records.map((r) => ({ key: r.PartitionKey!, data: Buffer.from(r.Data!).toString() }));
}

/** Every record put before and after the split once, and each key's parent record before its child's. */
function expectLineageOrder(printed: readonly PrintedRecord[]): void {
  expect(printed.map((r) => r.data).sort()).toEqual([...KEYS.map((k) => `before:${k}`), ...KEYS.map((k) => `after:${k}`)].sort());
  expect(new Set(printed.map((r) => r.sequenceNumber)).size).toBe(printed.length);
  for (const key of KEYS) {
    const ofKey = printed.filter((r) => r.partitionKey === key);
    expect(ofKey.map((r) => r.data)).toEqual([`before:${key}`, `after:${key}`]);
    expect(ofKey[0]!.shardId).toBe("shardId-000000000000");
    expect(["shardId-000000000001", "shardId-000000000002"]).toContain(ofKey[1]!.shardId);
  }
}

const KEYS = Array.from({ length: 12 }, (_, i) => `key-${i}`);

describe("kinesis-nats streams, put and tail against our server", () => {
  const service = useTestServer();
  const at = (): string[] => ["--endpoint", service.server.url];

  it("streams create, ls, describe, reshard and delete, with --json that parses", async () => {
    const stream = uniqueStreamName("verbs");
    expect(await cliJson(["streams", "create", stream, "--shards", "2", ...at()])).toMatchObject({ StreamName: stream, ShardCount: 2, StreamStatus: "ACTIVE" });
    expect(await cliJson<string[]>(["streams", "ls", ...at()])).toContain(stream);
    const described = await cliJson<{ StreamStatus: string; OpenShardCount: number; Shards: unknown[] }>(["streams", "describe", stream, ...at()]);
    expect(described).toMatchObject({ StreamName: stream, StreamStatus: "ACTIVE", OpenShardCount: 2 });
    expect(described.Shards).toHaveLength(2);
    expect(await cliJson(["streams", "reshard", stream, "--shards", "4", ...at()])).toEqual({ StreamName: stream, CurrentShardCount: 2, TargetShardCount: 4 });
    expect(await cliJson(["streams", "describe", stream, ...at()])).toMatchObject({ StreamStatus: "ACTIVE", OpenShardCount: 4 });

    const human = await runCli(["streams", "describe", stream, ...at()]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`${stream}  ACTIVE`);
    expect(human.stdout).toMatch(/shardId-000000000002 +open .* from shardId-000000000000/);

    expect(await cliJson(["streams", "delete", stream, ...at()])).toEqual({ StreamName: stream, StreamStatus: "DELETING" });
    const missing = await runCli(["streams", "describe", stream, ...at()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("ResourceNotFoundException");
  }, 60_000);

  it("a usage mistake exits 2 with the usage; --help exits 0", async () => {
    const bad = await runCli(["streams", "reshard", "x", ...at()]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--shards N is required");
    expect(bad.stderr).toContain("usage: kinesis-nats streams ls");
    for (const verb of ["streams", "put", "tail", "export", "import"]) {
      const help = await runCli([verb, "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`usage: kinesis-nats ${verb}`);
      expect(help.stdout).toContain("--endpoint URL");
    }
  }, 60_000);

  it("put from arguments with a partition key, and from stdin lines with a key field", async () => {
    const stream = uniqueStreamName("put");
    await cliJson(["streams", "create", stream, "--shards", "2", ...at()]);
    const fromArgs = await cliJson<{ Records: number; Shards: Record<string, number> }>([
      "put",
      stream,
      "one",
      "two",
      "three",
      "--partition-key",
      "same",
      ...at(),
    ]);
    expect(fromArgs.Records).toBe(3);
    // One key, one shard, in order.
    expect(Object.values(fromArgs.Shards)).toEqual([3]);
    const [shardId] = Object.keys(fromArgs.Shards);
    expect((await readShard(service.kinesis, stream, shardId!)).map((r) => r.data)).toEqual(["one", "two", "three"]);

    const lines = Array.from({ length: 700 }, (_, i) => JSON.stringify({ user: `u${i % 7}`, n: i }));
    const fromStdin = await cliJson<{ Records: number; Shards: Record<string, number> }>(
      ["put", stream, "--key-field", "user", ...at()],
      `${lines.join("\n")}\n`,
    );
    expect(fromStdin.Records).toBe(700);
    const { Shards = [] } = await service.kinesis.send(new ListShardsCommand({ StreamName: stream }));
    const stored = (await Promise.all(Shards.map((s) => readShard(service.kinesis, stream, s.ShardId!)))).flat().filter((r) => r.key !== "same");
    expect(stored).toHaveLength(700);
    for (const record of stored) expect(record.key).toBe((JSON.parse(record.data) as { user: string }).user);
    // Each key's records in the order of the lines.
    for (let u = 0; u < 7; u++) {
      const ns = stored.filter((r) => r.key === `u${u}`).map((r) => (JSON.parse(r.data) as { n: number }).n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b));
    }

    const notJson = await runCli(["put", stream, "plain", "--key-field", "user", ...at()]);
    expect(notJson.code).toBe(1);
    expect(notJson.stderr).toContain("record 1 is not JSON");
  }, 60_000);

  it("tail follows a stream across a split: every record once, a key's parent records before its children's", async () => {
    const stream = uniqueStreamName("tail");
    await cliJson(["streams", "create", stream, "--shards", "1", ...at()]);
    await putKeyed(service.kinesis, stream, KEYS, "before");
    const tail = startCli(["tail", stream, "--from", "TRIM_HORIZON", "--json", "--idle-exit", "4000", ...at()]);
    const soFar = outputSoFar(tail.child);
    try {
      await until("the records before the split", () => jsonLines(soFar()).length === KEYS.length);
      await service.kinesis.send(
        new SplitShardCommand({ StreamName: stream, ShardToSplit: "shardId-000000000000", NewStartingHashKey: (2n ** 127n).toString() }),
      );
      await waitUntilStreamExists({ client: service.kinesis, maxWaitTime: 10, minDelay: 1 }, { StreamName: stream });
      await putKeyed(service.kinesis, stream, KEYS, "after");
    } catch (error) {
      tail.child.kill();
      throw error;
    }
    const { code, stdout, stderr } = await tail.result;
    expect(stderr).not.toMatch(/Exception|Error/);
    expect(code).toBe(0);

    expectLineageOrder(jsonLines<PrintedRecord>(stdout));

    // Started after the split, with parent and children all there: the children wait for the parent.
    const afterwards = await runCli(["tail", stream, "--from", "TRIM_HORIZON", "--json", "--idle-exit", "1500", ...at()]);
    expect(afterwards.code).toBe(0);
    expectLineageOrder(jsonLines<PrintedRecord>(afterwards.stdout));
    // The same through enhanced fan-out: a parent's subscription ends with its last records, then the children's begin.
    const fanOut = await runCli(["tail", stream, "--consumer", "split-tail", "--from", "TRIM_HORIZON", "--json", "--max", String(2 * KEYS.length), ...at()]);
    expect(fanOut.code).toBe(0);
    expectLineageOrder(jsonLines<PrintedRecord>(fanOut.stdout));
  }, 60_000);

  it("tail --consumer reads through enhanced fan-out, registering the consumer, and --max ends it; --format hex", async () => {
    const stream = uniqueStreamName("efo");
    await cliJson(["streams", "create", stream, "--shards", "2", ...at()]);
    await putKeyed(service.kinesis, stream, KEYS, "efo");
    const { code, stdout } = await runCli([
      "tail",
      stream,
      "--consumer",
      "cli-tail",
      "--from",
      "TRIM_HORIZON",
      "--max",
      String(KEYS.length),
      "--format",
      "hex",
      "--json",
      ...at(),
    ]);
    expect(code).toBe(0);
    const printed = jsonLines<PrintedRecord>(stdout);
    expect(printed.map((r) => Buffer.from(r.data, "hex").toString()).sort()).toEqual(KEYS.map((k) => `efo:${k}`).sort());
    const { Consumers = [] } = await service.kinesis.send(new ListStreamConsumersCommand({ StreamARN: await streamArnOf(service.kinesis, stream) }));
    expect(Consumers.map((c) => c.ConsumerName)).toEqual(["cli-tail"]);
  }, 40_000);

  it("tail from LATEST, the default, prints only what comes after it started", async () => {
    const stream = uniqueStreamName("latest");
    await cliJson(["streams", "create", stream, "--shards", "2", ...at()]);
    await putKeyed(service.kinesis, stream, KEYS, "old");
    const tail = startCli(["tail", stream, "--max", "1", "--json", ...at()]);
    let exited = false;
    void tail.result.then(() => (exited = true));
    // It cannot say when it holds its iterators: put until it prints one record.
    for (let i = 0; !exited && i < 100; i++) {
      await putKeyed(service.kinesis, stream, [`new-${i}`], "new");
      await sleep(200);
    }
    const { code, stdout } = await tail.result;
    expect(code).toBe(0);
    const printed = jsonLines<PrintedRecord>(stdout);
    expect(printed).toHaveLength(1);
    expect(printed[0]!.data).toMatch(/^new:new-\d+$/);
  }, 40_000);

  it("tail's human lines are shard, key and data; --from a time skips what came before it", async () => {
    const stream = uniqueStreamName("from");
    await cliJson(["streams", "create", stream, "--shards", "1", ...at()]);
    await putKeyed(service.kinesis, stream, ["early"], "old");
    await sleep(1_100);
    const since = new Date().toISOString();
    await sleep(50);
    await putKeyed(service.kinesis, stream, ["late"], "new");
    const { code, stdout } = await runCli(["tail", stream, "--from", since, "--idle-exit", "1500", ...at()]);
    expect(code).toBe(0);
    expect(stdout).toBe("shardId-000000000000\tlate\tnew:late\n");
  }, 20_000);
});

describe("kinesis-nats --version", () => {
  it("prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    const { code, stdout } = await runCli(["--version"]);
    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });
});

describe("kinesis-nats put against a server enforcing Kinesis's limits", () => {
  let server: RunningServer;
  let kinesis: KinesisClient;
  beforeAll(async () => {
    server = await startTestServer({ enforceLimits: true });
    kinesis = sdkClient(server);
  });
  afterAll(async () => {
    kinesis?.destroy();
    await server?.close();
  });

  it("sends again the entries refused with ProvisionedThroughputExceededException until all are stored, in order", async () => {
    const stream = uniqueStreamName("put-limited");
    await cliJson(["streams", "create", stream, "--shards", "1", "--endpoint", server.url]);
    // 2,500 records into one shard that takes 1,000 a second: some batches are refused in part.
    const lines = Array.from({ length: 2_500 }, (_, i) => String(i));
    const put = await cliJson<{ Records: number; Retried: number }>(["put", stream, "--partition-key", "k", "--endpoint", server.url], `${lines.join("\n")}\n`);
    expect(put.Records).toBe(2_500);
    expect(put.Retried).toBeGreaterThan(0);
    const stored: string[] = [];
    let { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }),
    );
    while (stored.length < lines.length && ShardIterator) {
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
      stored.push(...(out.Records ?? []).map((r) => Buffer.from(r.Data!).toString()));
      ShardIterator = out.NextShardIterator;
      // Reads are limited too (5 calls a second per shard).
      await sleep(250);
    }
    expect(stored).toEqual(lines);
  }, 60_000);
});

import { MergeShardsCommand, PutRecordsCommand, SplitShardCommand, waitUntilStreamExists, type KinesisClient } from "@aws-sdk/client-kinesis";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ExportedRecord, ExportHeader } from "../../tools/src/cli/export-file.js";
import { readByLineage } from "../support/lineage-reader.js";
import { uniqueStreamName, useTestServer } from "../support/server.js";
import { cliJson, jsonLines } from "./cli-run.js";

const HALF = 2n ** 127n;

async function put(kinesis: KinesisClient, stream: string, tag: string): Promise<void> {
  const Records = Array.from({ length: 20 }, (_, i) => ({ PartitionKey: `key-${i % 8}`, Data: Buffer.from(`${tag}-${i}`) }));
  // A key that hashes into the upper half, put into the lowest shard by its explicit hash key.
  Records.push({ PartitionKey: "key-0", Data: Buffer.from(`${tag}-explicit`), ExplicitHashKey: "1" } as (typeof Records)[number]);
  const { FailedRecordCount } = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records }));
  expect(FailedRecordCount).toBe(0);
}

const active = (kinesis: KinesisClient, stream: string) => waitUntilStreamExists({ client: kinesis, maxWaitTime: 10, minDelay: 1 }, { StreamName: stream });

/** Each shard's records as (key, data), shard by shard in lineage order. */
async function layout(kinesis: KinesisClient, stream: string): Promise<{ shardId: string; records: string[] }[]> {
  const reads = await readByLineage(kinesis, stream);
  return reads
    .map((read) => ({ shardId: read.shardId, records: read.records.map((r) => `${r.PartitionKey} ${Buffer.from(r.Data!).toString()}`) }))
    .sort((a, b) => a.shardId.localeCompare(b.shardId));
}

describe("kinesis-nats export and import", () => {
  const service = useTestServer();
  const dir = mkdtempSync(join(tmpdir(), "export-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("export then import into a fresh stream gives the same records in the same shards, after a split and a merge", async () => {
    const { kinesis } = service;
    const at = ["--endpoint", service.server.url];
    const source = uniqueStreamName("export");
    await cliJson(["streams", "create", source, "--shards", "2", ...at]);
    await put(kinesis, source, "first");
    await kinesis.send(new SplitShardCommand({ StreamName: source, ShardToSplit: "shardId-000000000000", NewStartingHashKey: (HALF / 2n).toString() }));
    await active(kinesis, source);
    await put(kinesis, source, "split");
    await kinesis.send(new MergeShardsCommand({ StreamName: source, ShardToMerge: "shardId-000000000003", AdjacentShardToMerge: "shardId-000000000001" }));
    await active(kinesis, source);
    await put(kinesis, source, "merged");

    const file = join(dir, "stream.jsonl");
    expect(await cliJson(["export", source, file, ...at])).toMatchObject({ StreamName: source, Records: 63 });
    const [headerLine, ...recordLines] = readFileSync(file, "utf8").trimEnd().split("\n");
    const header = JSON.parse(headerLine!) as ExportHeader;
    expect(header.shards.map((s) => s.shardId)).toEqual([0, 1, 2, 3, 4].map((n) => `shardId-00000000000${n}`));
    const records = jsonLines<ExportedRecord>(recordLines.join("\n"));
    expect(records).toHaveLength(63);
    expect(records.find((r) => Buffer.from(r.data, "base64").toString() === "first-explicit")).toMatchObject({
      shardId: "shardId-000000000000",
      partitionKey: "key-0",
    });

    const target = uniqueStreamName("import");
    expect(await cliJson(["import", file, target, ...at])).toMatchObject({ StreamName: target, Created: true, Reshards: 2, Records: 63, Retried: 0 });
    const expected = await layout(kinesis, source);
    expect(expected.flatMap((s) => s.records)).toHaveLength(63);
    expect(await layout(kinesis, target)).toEqual(expected);

    // Into a stream that exists, as it is: records go by their hash keys, nothing is resharded.
    const existing = uniqueStreamName("existing");
    await cliJson(["streams", "create", existing, "--shards", "1", ...at]);
    expect(await cliJson(["import", file, existing, ...at])).toMatchObject({
      Created: false,
      Reshards: 0,
      Records: 63,
      Shards: { "shardId-000000000000": 63 },
    });
  }, 60_000);
});

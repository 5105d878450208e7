import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordsCommand, type KinesisClient, type Shard } from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { readByLineage, type ShardRead } from "../support/lineage-reader.js";
import { sdkClient, startTestServer } from "../support/server.js";

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

/** `kinesis-nats mirror` as a process of its own (the built dist/), with its JSON log lines. */
export interface MirrorProcess {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[];
  /** The exit code, or the signal that ended it. */
  readonly exited: Promise<number | NodeJS.Signals>;
}

export function startMirror(args: readonly string[], env: Record<string, string> = {}): MirrorProcess {
  if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: npm test builds it (npm run build)");
  const { AWS_PROFILE: _profile, ...inherited } = process.env;
  const child = spawn(process.execPath, [CLI, "mirror", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...inherited, AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "mirror-test", AWS_SECRET_ACCESS_KEY: "mirror-test", ...env },
  });
  const lines: Record<string, unknown>[] = [];
  let partial = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split("\n");
    partial = parts.pop()!;
    for (const part of parts) {
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>);
      } catch {
        lines.push({ msg: part });
      }
    }
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal!)));
  return { child, lines, exited };
}

/** Resolves once a log line passes `test`; fails after `timeoutMs`. */
export async function waitForLine(
  mirror: MirrorProcess,
  test: (line: Record<string, unknown>) => boolean,
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = mirror.lines.find(test);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no such log line within ${timeoutMs} ms; last lines: ${JSON.stringify(mirror.lines.slice(-5))}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function killHard(mirror: MirrorProcess): Promise<void> {
  mirror.child.kill("SIGKILL");
  await mirror.exited;
}

let serial = 0;
/** `count` records, a few with explicit hash keys (which GetRecords does not tell). */
export async function putRecords(kinesis: KinesisClient, stream: string, count: number, tag: string): Promise<void> {
  for (let offset = 0; offset < count; offset += 100) {
    const Records = Array.from({ length: Math.min(100, count - offset) }, (_, i) => {
      const n = serial++;
      return {
        PartitionKey: `pk-${n % 37}`,
        Data: Buffer.from(`${tag} record ${offset + i} #${n}`),
        ...(n % 10 === 0 && { ExplicitHashKey: ((BigInt(n) * 0x9e3779b97f4a7c15n) % 2n ** 128n).toString() }),
      };
    });
    const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records }));
    if (out.FailedRecordCount) throw new Error(`${out.FailedRecordCount} records not put`);
  }
}

/**
 * Every shard from TRIM_HORIZON to its end or its tip, each on its own: for a source with no
 * ChildShards in GetRecords (kinesalite), which the lineage reader needs.
 */
async function readEachShard(kinesis: KinesisClient, stream: string, shards: readonly Shard[]): Promise<ShardRead[]> {
  const reads: ShardRead[] = [];
  for (const shard of shards) {
    const records: ShardRead["records"] = [];
    let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: "TRIM_HORIZON" })))
      .ShardIterator;
    for (let calls = 0; iterator; calls++) {
      if (calls > 200) throw new Error(`shard ${shard.ShardId} did not end`);
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 50 }));
      records.push(...(out.Records ?? []));
      if ((out.Records ?? []).length === 0 && out.MillisBehindLatest === 0) break;
      iterator = out.NextShardIterator;
    }
    reads.push({ shardId: shard.ShardId!, records });
  }
  return reads;
}

/**
 * A stream as its shards' hash-key ranges, parents' ranges and records (partition key and
 * data, in order), read by lineage: two streams with the same layout history and the same
 * records in the same shards give equal answers, whatever their shard ids.
 */
export async function streamContents(
  kinesis: KinesisClient,
  stream: string,
  read: "by lineage" | "each shard" = "by lineage",
): Promise<{ shard: string; parents: string[]; records: string[] }[]> {
  const { Shards = [] } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  const rangeOf = (id: string | undefined): string => {
    const shard = Shards.find((s) => s.ShardId === id);
    return shard ? `${shard.HashKeyRange!.StartingHashKey}-${shard.HashKeyRange!.EndingHashKey}` : "";
  };
  const reads = read === "by lineage" ? await readByLineage(kinesis, stream) : await readEachShard(kinesis, stream, Shards);
  return reads
    .map((read) => {
      const shard = Shards.find((s) => s.ShardId === read.shardId)!;
      return {
        shard: rangeOf(read.shardId),
        parents: [shard.ParentShardId, shard.AdjacentParentShardId].filter(Boolean).map(rangeOf).sort(),
        records: read.records.map((r) => `${r.PartitionKey} ${Buffer.from(r.Data!).toString("base64")}`),
      };
    })
    .sort((a, b) => (a.shard + a.parents.join() < b.shard + b.parents.join() ? -1 : 1));
}

/** Two servers of ours on one NATS, in namespaces of their own: the mirror's source and its target. */
export interface SourceAndTarget {
  source: RunningServer;
  target: RunningServer;
  sourceKinesis: KinesisClient;
  targetKinesis: KinesisClient;
}

/** Starts a source and a target server before the tests of the file and stops them after. */
export function useSourceAndTarget(): SourceAndTarget {
  const ends = {} as SourceAndTarget;
  beforeAll(async () => {
    [ends.source, ends.target] = await Promise.all([startTestServer(), startTestServer()]);
    ends.sourceKinesis = sdkClient(ends.source);
    ends.targetKinesis = sdkClient(ends.target);
  });
  afterAll(async () => {
    ends.sourceKinesis?.destroy();
    ends.targetKinesis?.destroy();
    await Promise.all([ends.source?.close(), ends.target?.close()]);
  });
  return ends;
}

import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type KinesisClient, PutRecordsCommand, type _Record } from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { NatsCluster } from "../support/nats-cluster.js";
import { sdkClient, startTestServer, uniqueNamespace, uniqueStreamName } from "../support/server.js";

let cluster: NatsCluster;
let server: RunningServer;
const namespace = uniqueNamespace();
const SHARDS = ["shardId-000000000000", "shardId-000000000001"];

beforeAll(async () => {
  cluster = await NatsCluster.start(3);
  server = await startTestServer({ natsUrl: cluster.url, namespace, replicas: 3, memory: false, natsTimeoutMs: 2000 });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await cluster?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes batches until told to stop; keeps what was acknowledged, per record. */
async function writer(kinesis: KinesisClient, stream: string, id: string, running: () => boolean, acked: string[]): Promise<void> {
  for (let batch = 0; running(); batch++) {
    const records = Array.from({ length: 25 }, (_, i) => ({ PartitionKey: `${id}-${i % 5}`, Data: Buffer.from(`${id}.${batch}.${i}`) }));
    try {
      const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
      out.Records!.forEach((r, i) => {
        if (r.SequenceNumber) acked.push(`${id}.${batch}.${i}`);
      });
    } catch {
      // Failed after the SDK's own retries: nothing acknowledged, nothing to check.
    }
  }
}

/** What a follower saw, and the last error it kept retrying, so a stuck follower says why. */
interface Follow {
  readonly seen: string[];
  failures: number;
  lastError?: unknown;
}

/**
 * Follows one shard with GetRecords the whole time, as a consumer application would, until
 * writing has stopped and two reads came back empty, or 20 s after writing stopped.
 */
async function follower(kinesis: KinesisClient, stream: string, shardId: string, stoppedAt: () => number | undefined, follow: Follow): Promise<void> {
  let iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;
  let idle = 0;
  for (;;) {
    const stopped = stoppedAt();
    if (stopped !== undefined && (idle >= 2 || Date.now() - stopped > 20_000)) return;
    try {
      const out = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      follow.seen.push(...(out.Records ?? []).map((r) => r.SequenceNumber!));
      idle = (out.Records ?? []).length === 0 ? idle + 1 : 0;
      iterator = out.NextShardIterator;
    } catch (error) {
      // Keep the same iterator and ask again, as KCL does.
      follow.failures++;
      follow.lastError = error;
    }
    await sleep(50);
  }
}

/** Reads a shard to its end, retrying as a consumer would while JetStream settles after the kill. */
async function readShard(kinesis: KinesisClient, stream: string, shardId: string): Promise<_Record[]> {
  const records: _Record[] = [];
  const deadline = Date.now() + 30_000;
  const retrying = async <T>(call: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(500);
      }
    }
  };
  let iterator = (await retrying(() => kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" }))))
    .ShardIterator;
  for (;;) {
    const out = await retrying(() => kinesis.send(new GetRecordsCommand({ ShardIterator: iterator })));
    records.push(...(out.Records ?? []));
    if ((out.Records ?? []).length === 0) return records;
    iterator = out.NextShardIterator;
  }
}

describe("kill -9 of a stream's JetStream leader (3-node cluster, R3)", () => {
  it("loses no acknowledged record, stores none twice, keeps shard order; a GetRecords reader sees no gap and no repeat", async () => {
    const clients = Array.from({ length: 5 }, () => sdkClient(server));
    const stream = uniqueStreamName();
    await clients[0]!.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    let writing = true;
    let stoppedAt: number | undefined;
    const acked: string[][] = [[], [], [], []];
    const follows: Follow[] = SHARDS.map(() => ({ seen: [], failures: 0 }));
    const writers = clients.slice(0, 4).map((c, i) => writer(c, stream, `w${i}`, () => writing, acked[i]!));
    const followers = SHARDS.map((shard, i) => follower(clients[4]!, stream, shard, () => stoppedAt, follows[i]!));

    await sleep(1500);
    const leader = await cluster.leaderOf(`${namespace}_${stream.replaceAll(".", "=")}`);
    cluster.kill(leader);
    await sleep(6000);
    writing = false;
    await Promise.all(writers);
    stoppedAt = Date.now();
    await Promise.all(followers);

    const final = await Promise.all(SHARDS.map((shard) => readShard(clients[0]!, stream, shard)));
    const stored = final.flat().map((r) => Buffer.from(r.Data!).toString());
    const counts = new Map<string, number>();
    for (const id of stored) counts.set(id, (counts.get(id) ?? 0) + 1);
    const allAcked = acked.flat();
    expect(allAcked.length).toBeGreaterThan(100);
    for (const id of allAcked) expect(counts.get(id), `acknowledged record ${id}`).toBe(1);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);

    for (const [i, records] of final.entries()) {
      const { seen, failures, lastError } = follows[i]!;
      // Caught up with the shard's end within 20 s of the last write, whatever failed on the way.
      expect(seen.length, `follower of ${SHARDS[i]}: ${failures} failed calls, the last: ${String(lastError)}`).toBe(records.length);
      const numbers = records.map((r) => BigInt(r.SequenceNumber!));
      expect(numbers).toEqual([...numbers].sort((a, b) => (a < b ? -1 : 1)));
      // What the follower saw, across the failover, is the shard from its start: no gap, no repeat.
      expect(seen).toEqual(records.map((r) => r.SequenceNumber));
    }
    // Each writer's records of each key come back in the order it wrote them.
    for (let w = 0; w < 4; w++) {
      for (let key = 0; key < 5; key++) {
        const mine = (id: string) => id.startsWith(`w${w}.`) && Number(id.split(".")[2]) % 5 === key;
        const order = (id: string) => Number(id.split(".")[1]) * 100 + Number(id.split(".")[2]);
        const read = stored.filter(mine).map(order);
        expect(read).toEqual([...read].sort((a, b) => a - b));
      }
    }
    clients.forEach((c) => c.destroy());
  }, 90_000);
});

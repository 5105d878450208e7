import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../support/nats-cluster.js";
import { spawnServer, type ServerProcess } from "../support/server-process.js";
import { TEST_CREDENTIALS, uniqueNamespace, uniqueStreamName } from "../support/server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const servers: ServerProcess[] = [];

afterAll(async () => {
  await Promise.all(servers.map((s) => s.kill()));
});

const client = (url: string) => new KinesisClient({ endpoint: url, region: "us-east-1", credentials: TEST_CREDENTIALS, maxAttempts: 1 });

describe("kill -9 of one of two server instances under load", () => {
  it("the other keeps serving, the killed one comes back, nothing acknowledged is lost", async () => {
    const namespace = uniqueNamespace();
    const args = ["--nats-url", inject("natsUrl"), "--memory", "--namespace", namespace, "--create-stream-ms", "0"];
    const portA = await freePort();
    let a = await spawnServer([...args, "--port", String(portA)]);
    const b = await spawnServer(args);
    servers.push(a, b);
    const urlA = `http://127.0.0.1:${portA}`;
    const stream = uniqueStreamName();
    await client(b.url).send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));

    let writing = true;
    const acked = new Set<string>();
    const failuresOn = { a: 0, b: 0 };
    const writer = async (url: string, id: string, instance: "a" | "b") => {
      const kinesis = client(url);
      for (let batch = 0; writing; batch++) {
        const records = Array.from({ length: 20 }, (_, i) => ({ PartitionKey: `${id}-${i}`, Data: Buffer.from(`${id}.${batch}.${i}`) }));
        try {
          const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
          out.Records!.forEach((r, i) => r.SequenceNumber && acked.add(`${id}.${batch}.${i}`));
        } catch {
          failuresOn[instance]++;
          await sleep(100);
        }
      }
      kinesis.destroy();
    };
    const writers = [writer(urlA, "a1", "a"), writer(urlA, "a2", "a"), writer(b.url, "b1", "b"), writer(b.url, "b2", "b")];

    await sleep(1000);
    await a.kill();
    const ackedAtKill = acked.size;
    await sleep(1500);
    const ackedWhileDown = acked.size - ackedAtKill;
    a = await spawnServer([...args, "--port", String(portA)]);
    servers.push(a);
    await sleep(1500);
    writing = false;
    await Promise.all(writers);

    expect(failuresOn.a).toBeGreaterThan(0);
    expect(failuresOn.b).toBe(0);
    expect(ackedWhileDown).toBeGreaterThan(0);
    const afterRestart = [...acked].filter((id) => id.startsWith("a")).length;
    expect(afterRestart).toBeGreaterThan(0);

    const reader = client(a.url);
    const stored = new Map<string, number>();
    for (const shardId of ["shardId-000000000000", "shardId-000000000001"]) {
      let iterator = (await reader.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" })))
        .ShardIterator;
      for (;;) {
        const out = await reader.send(new GetRecordsCommand({ ShardIterator: iterator }));
        for (const r of out.Records ?? []) {
          const id = Buffer.from(r.Data!).toString();
          stored.set(id, (stored.get(id) ?? 0) + 1);
        }
        if (!out.Records?.length) break;
        iterator = out.NextShardIterator;
      }
    }
    reader.destroy();
    for (const id of acked) expect(stored.get(id), `acknowledged record ${id}`).toBe(1);
  }, 60_000);
});

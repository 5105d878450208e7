import net from "node:net";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordCommand,
} from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataOf, registerConsumer, streamArnOf, subscribe } from "../support/fanout.js";
import { TEST_CREDENTIALS, uniqueStreamName } from "../support/server.js";
import { spawnServer, type ServerProcess } from "../support/server-process.js";

let server: ServerProcess;
/** Every log line the server's processes wrote, parsed. */
const lines: Record<string, unknown>[] = [];
const clients: KinesisClient[] = [];

const client = (): KinesisClient => {
  // A client of its own is an HTTP/2 connection of its own, which the primary hands to the next worker.
  const kinesis = new KinesisClient({ endpoint: server.url, region: "us-east-1", credentials: TEST_CREDENTIALS });
  clients.push(kinesis);
  return kinesis;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The worker that served a client's connection: the one that logs its refused DescribeStream. */
async function workerOf(kinesis: KinesisClient): Promise<unknown> {
  const marker = uniqueStreamName("which-worker");
  await kinesis.send(new DescribeStreamCommand({ StreamName: marker })).catch(() => undefined);
  for (let waited = 0; waited < 2_000 && !lines.some((line) => line.resource === marker); waited += 50) await sleep(50);
  return lines.find((line) => line.resource === marker)?.worker;
}

async function pidOf(kinesis: KinesisClient): Promise<number | undefined> {
  const worker = await workerOf(kinesis);
  return lines.find((line) => line.worker === worker && typeof line.pid === "number")?.pid as number | undefined;
}

/**
 * A client whose connection another worker serves. With a socket per worker (Node 22.12+) the
 * kernel spreads connections, so a few tries do; a shared socket (Node 20) goes to whichever
 * worker accepts first, so the busy one is paused while the other accepts.
 */
async function clientOfAnotherWorker(than: unknown): Promise<KinesisClient> {
  for (let tries = 0; tries < 10; tries++) {
    const candidate = client();
    if ((await workerOf(candidate)) !== than) return candidate;
  }
  const paused = lines.find((line) => line.worker === than && typeof line.pid === "number")!.pid as number;
  process.kill(paused, "SIGSTOP");
  try {
    const candidate = client();
    expect(await workerOf(candidate)).not.toBe(than);
    return candidate;
  } finally {
    process.kill(paused, "SIGCONT");
  }
}

/** The worker processes: the primary's children that run our CLI (its other child is nats-server). */
function workerPids(): number[] {
  const children = spawnSync("pgrep", ["-P", String(server.child.pid)], { encoding: "utf8" })
    .stdout.split("\n")
    .filter(Boolean)
    .map(Number);
  return children.filter((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("cli.js"));
}

beforeAll(async () => {
  // A port of our own, not 0: only a fixed port lets each worker have a socket of its own.
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port: free } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(free));
    });
  });
  server = await spawnServer(["--port", String(port), "--workers", "2", "--memory", "--register-consumer-ms", "50", "--create-stream-ms", "0"]);
  let buffered = "";
  server.child.stdout!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const complete = buffered.split("\n");
    buffered = complete.pop()!;
    for (const line of complete) if (line.startsWith("{")) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
});
afterAll(async () => {
  clients.forEach((c) => c.destroy());
  if (server) {
    const exited = new Promise((resolve) => server.child.once("exit", resolve));
    server.child.kill("SIGTERM");
    await exited;
  }
});

describe("--workers 2: two server processes on one port, sharing nothing but NATS", () => {
  it("a SubscribeToShard through one worker is taken over through the other", async () => {
    const first = client();
    const second = await clientOfAnotherWorker(await workerOf(first));

    const stream = uniqueStreamName();
    await first.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const consumer = await registerConsumer(first, await streamArnOf(first, stream), "app");
    await sleep(200);
    const held = await subscribe(first, consumer, "shardId-000000000000", { Type: "LATEST" });
    const heldReading = held.read({ timeoutMs: 20_000 });
    // A subscription of the same consumer and shard takes over after 5 s, whichever worker serves it.
    await sleep(5_100);
    const taker = await subscribe(second, consumer, "shardId-000000000000", { Type: "LATEST" });
    expect((await heldReading).error).toMatchObject({ name: "ResourceInUseException" });
    await second.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("after the takeover") }));
    const reading = await taker.read({ stop: (events) => dataOf(events).length > 0, timeoutMs: 5_000 });
    expect(dataOf(reading.events)).toEqual(["after the takeover"]);
  });

  it("/metrics sums every worker's figures, and /health/ready speaks for all of them", async () => {
    const refusedDescribes = (): number => lines.filter((line) => line.operation === "DescribeStream" && line.error === "ResourceNotFoundException").length;
    await Promise.all(Array.from({ length: 6 }, () => workerOf(client())));
    const byWorker = new Set(lines.filter((line) => line.operation === "DescribeStream").map((line) => line.worker));
    expect(byWorker.size).toBe(2);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const sample = text
      .split("\n")
      .find((line) => line.startsWith('api_requests_total{service="kinesis",operation="DescribeStream",outcome="ResourceNotFoundException"}'));
    expect(Number(sample?.split(" ").pop())).toBe(refusedDescribes());
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
  });

  it("kill -9 of a worker loses no request: the SDK's retry reaches the other, and the primary starts a new one", async () => {
    const stream = uniqueStreamName();
    const setup = client();
    await setup.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));

    // Writers on connections of their own, spread over both workers, while one worker is killed.
    const writers = Array.from({ length: 4 }, () => client());
    // The worker that serves the first writer's connection, so that the kill cuts requests under way.
    const victim = (await pidOf(writers[0]!))!;
    let written = 0;
    let killed = false;
    const writing = writers.map(async (writer, w) => {
      for (let i = 0; i < 60; i++) {
        await writer.send(new PutRecordCommand({ StreamName: stream, PartitionKey: `w${w}`, Data: Buffer.from(`${w}-${i}`) }));
        written++;
        if (!killed && written === 80) {
          killed = true;
          process.kill(victim, "SIGKILL");
        }
      }
    });
    await Promise.all(writing);
    expect(written).toBe(240);

    const { ShardIterator } = await setup.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }),
    );
    const read = await setup.send(new GetRecordsCommand({ ShardIterator, Limit: 1000 }));
    const seen = (read.Records ?? []).map((r) => Buffer.from(r.Data!).toString());
    expect(new Set(seen).size).toBe(240);
    for (let w = 0; w < 4; w++) {
      const own = seen.filter((text) => text.startsWith(`${w}-`));
      expect(own).toEqual(Array.from({ length: 60 }, (_, i) => `${w}-${i}`));
    }
    // The primary saw the death and started another worker, which listens.
    for (let waited = 0; waited < 5_000 && !lines.some((l) => l.msg === "worker listening"); waited += 100) await sleep(100);
    expect(lines.some((line) => line.msg === "worker died: starting another" && line.pid === victim)).toBe(true);
    expect(lines.filter((line) => line.msg === "worker listening")).toHaveLength(1);
    expect(workerPids()).toHaveLength(2);
    expect(workerPids()).not.toContain(victim);
  });
});

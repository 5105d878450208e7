import { CreateStreamCommand, KinesisClient, ListStreamsCommand } from "@aws-sdk/client-kinesis";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { NatsCluster } from "../support/nats-cluster.js";
import { spawnServer, type ServerProcess } from "../support/server-process.js";
import { TEST_CREDENTIALS, uniqueNamespace, uniqueStreamName } from "../support/server.js";

const TRIALS = 3;
const servers: ServerProcess[] = [];

afterAll(async () => {
  await Promise.all(servers.map((s) => s.kill()));
});

const client = (url: string) => new KinesisClient({ endpoint: url, region: "us-east-1", credentials: TEST_CREDENTIALS, maxAttempts: 1 });

/** Two instances on one fresh namespace, started in the same instant: both must serve, and see each other's streams. */
async function startTwoAtOnce(natsUrl: string, replicas: number): Promise<void> {
  const args = ["--nats-url", natsUrl, "--namespace", uniqueNamespace(), "--replicas", String(replicas), "--create-stream-ms", "0"];
  const started = await Promise.allSettled([spawnServer(args), spawnServer(args)]);
  for (const result of started) if (result.status === "fulfilled") servers.push(result.value);
  const failures = started.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => String(r.reason));
  expect(failures).toEqual([]);
  const [a, b] = started.map((r) => (r as PromiseFulfilledResult<ServerProcess>).value);
  const stream = uniqueStreamName();
  const kinesisA = client(a!.url);
  const kinesisB = client(b!.url);
  await kinesisA.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
  const seen = await kinesisB.send(new ListStreamsCommand({}));
  expect(seen.StreamNames).toContain(stream);
  kinesisA.destroy();
  kinesisB.destroy();
  await Promise.all([a!.kill(), b!.kill()]);
}

/** Runs the server until it exits; what it wrote to stderr and its exit code. */
function runUntilExit(args: string[], withinMs: number): Promise<{ code: number | null; stderr: string }> {
  const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
  const child = spawn(process.execPath, [cli, "serve", "--port", "0", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), withinMs);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

describe("a start-up that cannot finish", () => {
  it("exits non-zero naming what it was waiting for (R3 bucket on a single node)", async () => {
    const namespace = uniqueNamespace();
    const { code, stderr } = await runUntilExit(["--nats-url", inject("natsUrl"), "--namespace", namespace, "--replicas", "3"], 20_000);
    expect(code).toBe(1);
    expect(stderr).toContain(`waiting for KV bucket ${namespace}-metadata (3 replicas): `);
  });
});

describe("two instances started at once on a fresh namespace", () => {
  it(`both come up on a single NATS node (${TRIALS} trials)`, async () => {
    for (let trial = 0; trial < TRIALS; trial++) await startTwoAtOnce(inject("natsUrl"), 1);
  }, 50_000);

  describe("on a 3-node cluster with R3 buckets", () => {
    let cluster: NatsCluster;
    beforeAll(async () => {
      cluster = await NatsCluster.start(3);
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    it(`both come up (${TRIALS} trials)`, async () => {
      for (let trial = 0; trial < TRIALS; trial++) await startTwoAtOnce(cluster.url, 3);
    }, 55_000);
  });
});

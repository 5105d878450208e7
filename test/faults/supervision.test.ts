import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { afterAll, describe, expect, it } from "vitest";
import { isRunning } from "../../src/system/process-state.js";
import { spawnServer, type ServerProcess } from "../support/server-process.js";
import { TEST_CREDENTIALS, uniqueStreamName } from "../support/server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const servers: ServerProcess[] = [];
const dataDirs: string[] = [];

afterAll(async () => {
  await Promise.all(servers.map((s) => s.kill()));
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

const client = (url: string) => new KinesisClient({ endpoint: url, region: "us-east-1", credentials: TEST_CREDENTIALS, maxAttempts: 1 });

/** Our server with its own nats-server, on file storage in a fresh data directory. */
async function serverWithOwnNats(): Promise<{ server: ServerProcess; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), "kinesis-supervise-"));
  dataDirs.push(dataDir);
  const server = await spawnServer(["--data-dir", dataDir, "--create-stream-ms", "0"]);
  servers.push(server);
  return { server, dataDir };
}

const natsPidOf = (dataDir: string): number => Number(readFileSync(join(dataDir, "nats", "nats-server.pid"), "utf8"));

const liveStatus = async (url: string): Promise<{ status: number; body: { status: string; reason?: string } }> => {
  const response = await fetch(`${url}/health/live`);
  return { status: response.status, body: (await response.json()) as { status: string; reason?: string } };
};

const logged = (server: ServerProcess, msg: string) => server.logLines.filter((line) => line.msg === msg);

async function until<T>(what: string, withinMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`still waiting for ${what} after ${withinMs} ms`);
    await sleep(10);
  }
}

async function readShard(kinesis: KinesisClient, stream: string): Promise<string[]> {
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }),
  );
  const out = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
  return (out.Records ?? []).map((r) => Buffer.from(r.Data!).toString());
}

describe("the embedded nats-server is supervised", () => {
  it("kill -9 of it: the death and restart are logged, /health/live goes 503 then 200, records before and after are there", async () => {
    const { server, dataDir } = await serverWithOwnNats();
    const kinesis = client(server.url);
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("before") }));
    expect((await liveStatus(server.url)).status).toBe(200);

    const natsPid = natsPidOf(dataDir);
    process.kill(natsPid, "SIGKILL");
    const down = await until("/health/live to say 503", 5_000, async () => {
      const live = await liveStatus(server.url);
      return live.status === 503 ? live : undefined;
    });
    expect(down.body.status).toBe("not live");
    expect(down.body.reason).toMatch(/nats/);
    await until("/health/live to say 200 again", 10_000, async () => ((await liveStatus(server.url)).status === 200 ? true : undefined));

    const died = logged(server, "embedded nats-server died");
    expect(died).toHaveLength(1);
    expect(died[0]).toMatchObject({ natsPid, signal: "SIGKILL" });
    const restarted = logged(server, "embedded nats-server restarted");
    expect(restarted).toHaveLength(1);
    expect(restarted[0]).toMatchObject({ attempt: 1 });
    const newPid = natsPidOf(dataDir);
    expect(restarted[0]!.natsPid).toBe(newPid);
    expect(newPid).not.toBe(natsPid);
    expect(isRunning(newPid)).toBe(true);

    await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("after") }));
    expect(await readShard(kinesis, stream)).toEqual(["before", "after"]);
    kinesis.destroy();
  });

  it("a nats-server that cannot come back (its port taken): the process exits non-zero saying why", async () => {
    const { server, dataDir } = await serverWithOwnNats();
    const port = Number(readFileSync(join(dataDir, "nats", "run", "nats-server.conf"), "utf8").match(/listen: 127\.0\.0\.1:(\d+)/)![1]);
    const exited = new Promise<number | null>((resolve) => server.child.once("exit", (code) => resolve(code)));
    const natsPid = natsPidOf(dataDir);
    process.kill(natsPid, "SIGKILL");
    // Take the port the moment the kernel frees it, before the first restart (100 ms later).
    const squatter = net.createServer();
    await until(
      "the port to be free",
      2_000,
      () =>
        new Promise<true | undefined>((resolve) => {
          squatter.once("error", () => resolve(undefined));
          squatter.listen(port, "127.0.0.1", () => resolve(true));
        }),
    );
    const started = Date.now();
    try {
      const code = await Promise.race([exited, sleep(20_000).then(() => "still running")]);
      expect(code).toBe(1);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      squatter.close();
    }
    const failures = logged(server, "embedded nats-server restart failed");
    expect(failures.length).toBe(5);
    expect(String(failures[0]!.err)).toContain("address already in use");
    const fatal = server.logLines.find((line) => line.level === 60);
    expect(String(fatal?.msg)).toMatch(/^the embedded nats-server cannot be kept running: 5 restarts within 60 s did not bring it back/);
  });

  it("kill -9 of our server: its nats-server is gone within a few seconds", async () => {
    const { server, dataDir } = await serverWithOwnNats();
    const natsPid = natsPidOf(dataDir);
    expect(isRunning(natsPid)).toBe(true);
    await server.kill();
    await until("the orphaned nats-server to stop", 5_000, () => (isRunning(natsPid) ? undefined : true));
  });

  it("a start on a store whose nats-server still runs waits for it to exit before opening the store", { timeout: 30_000 }, async () => {
    const { server, dataDir } = await serverWithOwnNats();
    const kinesis = client(server.url);
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("first run") }));
    kinesis.destroy();
    const natsPid = natsPidOf(dataDir);
    // Kill the guard first, then our server: the nats-server outlives both, as it would if
    // the machine's process killer took the guard. Stopped (SIGSTOP), it cannot act on a
    // SIGTERM either: a start that only signals it and goes on would open the store beside it.
    const guardPid = readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .find((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).slice(-2).join(" ") === `kinesis-nats-guard ${natsPid}`;
        } catch {
          return false;
        }
      });
    expect(guardPid, "the guard of the nats-server").toBeDefined();
    process.kill(Number(guardPid), "SIGKILL");
    await server.kill();
    process.kill(natsPid, "SIGSTOP");
    await sleep(200);
    expect(isRunning(natsPid)).toBe(true);

    const second = await spawnServer(["--data-dir", dataDir]);
    servers.push(second);
    expect(isRunning(natsPid), "the old nats-server exited before the new one opened the store").toBe(false);
    const again = client(second.url);
    expect(await readShard(again, stream)).toEqual(["first run"]);
    again.destroy();
  });
});

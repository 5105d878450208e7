import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListStreamsCommand,
  PutRecordCommand,
} from "@aws-sdk/client-kinesis";
import { afterAll, describe, expect, it } from "vitest";
import { ensureNatsServerBinary } from "../../src/system/embedded-nats.js";
import type { RunningServer } from "../../src/server.js";
import { freePort } from "../support/nats-cluster.js";
import { startTestServer, TEST_CREDENTIALS, uniqueStreamName } from "../support/server.js";

const home = mkdtempSync(join(tmpdir(), "kinesis-outage-"));
let nats: ChildProcess | undefined;
let server: RunningServer | undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startNats(port: number): ChildProcess {
  const config = join(home, "nats.conf");
  writeFileSync(config, `listen: 127.0.0.1:${port}\nmax_payload: 8MB\njetstream { store_dir: ${JSON.stringify(join(home, "store"))} }\n`);
  return spawn(ensureNatsServerBinary(), ["-c", config], { stdio: "ignore" });
}

async function killNats(): Promise<void> {
  if (!nats || nats.exitCode !== null || nats.signalCode !== null) return;
  const exited = new Promise((resolve) => nats!.once("exit", resolve));
  nats.kill("SIGKILL");
  await exited;
}

afterAll(async () => {
  await server?.close();
  await killNats();
  rmSync(home, { recursive: true, force: true });
});

describe("NATS unavailable for 10 seconds", () => {
  it("requests fail fast and retryably, the server stays up and serves again once NATS is back", async () => {
    const port = await freePort();
    nats = startNats(port);
    await sleep(500);
    server = await startTestServer({ natsUrl: `nats://127.0.0.1:${port}`, memory: false });
    // One attempt per call: this test looks at each error itself.
    const kinesis = new KinesisClient({ endpoint: server.url, region: "us-east-1", credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const before = await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("before") }));

    await killNats();
    await sleep(300);
    const outageEnds = Date.now() + 10_000;
    let failures = 0;
    while (Date.now() < outageEnds - 1000) {
      const started = performance.now();
      const error = await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("during") })).then(
        () => undefined,
        (e: { name: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown }) => e,
      );
      expect(error, "a write while NATS is down must fail").toBeDefined();
      expect(error!.$metadata?.httpStatusCode).toBe(503);
      expect(error!.name).toBe("ServiceUnavailableException");
      expect(performance.now() - started).toBeLessThan(1000);
      failures++;
      await sleep(500);
    }
    expect(failures).toBeGreaterThan(10);
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(503);
    expect((await fetch(`${server.url}/health/live`)).status).toBe(200);
    await sleep(Math.max(0, outageEnds - Date.now()));

    nats = startNats(port);
    let after: string | undefined;
    for (const deadline = Date.now() + 15_000; !after && Date.now() < deadline; await sleep(250)) {
      after = await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("after") })).then(
        (out) => out.SequenceNumber,
        () => undefined,
      );
    }
    expect(after, "writes work again without a restart").toBeDefined();
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
    expect((await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary?.StreamStatus).toBe("ACTIVE");
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }),
    );
    const read = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    expect(read.Records?.map((r) => r.SequenceNumber)).toEqual([before.SequenceNumber, after]);
    // A stream another instance makes after the outage reaches this one's listing, which only
    // the metadata watch feeds: the watch started again.
    const other = await startTestServer({ natsUrl: `nats://127.0.0.1:${port}`, memory: false, namespace: server.namespace });
    const otherClient = new KinesisClient({ endpoint: other.url, region: "us-east-1", credentials: TEST_CREDENTIALS });
    const later = uniqueStreamName();
    await otherClient.send(new CreateStreamCommand({ StreamName: later, ShardCount: 1 }));
    let listed = false;
    for (const deadline = Date.now() + 1000; !listed && Date.now() < deadline; await sleep(50)) {
      listed = (await kinesis.send(new ListStreamsCommand({}))).StreamNames!.includes(later);
    }
    expect(listed).toBe(true);
    otherClient.destroy();
    await other.close();
    kinesis.destroy();
  }, 60_000);
});

import { mkdtempSync, existsSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { describe, expect, it } from "vitest";
import { sdkClient, startTestServer, uniqueStreamName } from "../support/server.js";
import { signedHeaders } from "../support/signing.js";
import { spawnServer } from "../support/server-process.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("stream status over time", () => {
  it("goes CREATING → ACTIVE and DELETING → gone, refusing data meanwhile", async () => {
    const server = await startTestServer({ createStreamMs: 400, deleteStreamMs: 400 });
    const kinesis = sdkClient(server);
    try {
      const stream = uniqueStreamName();
      const missing = `Stream ${stream} under account 000000000000 not found.`;
      await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
      const creating = await kinesis.send(new DescribeStreamCommand({ StreamName: stream }));
      expect(creating.StreamDescription).toMatchObject({ StreamStatus: "CREATING", Shards: [], HasMoreShards: false });
      await expect(kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("x") }))).rejects.toMatchObject({
        name: "ResourceNotFoundException",
        message: missing,
      });
      await expect(
        kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "LATEST" })),
      ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
      await expect(kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }))).rejects.toMatchObject({ name: "ResourceInUseException" });

      await sleep(450);
      expect((await kinesis.send(new DescribeStreamCommand({ StreamName: stream }))).StreamDescription?.StreamStatus).toBe("ACTIVE");
      await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("x") }));

      await kinesis.send(new DeleteStreamCommand({ StreamName: stream }));
      // A stream being deleted lists no shards any more, as on Kinesis.
      expect((await kinesis.send(new DescribeStreamCommand({ StreamName: stream }))).StreamDescription).toMatchObject({
        StreamStatus: "DELETING",
        Shards: [],
        HasMoreShards: false,
      });
      await expect(kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("x") }))).rejects.toMatchObject({
        name: "ResourceNotFoundException",
      });
      await expect(kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }))).rejects.toMatchObject({ name: "ResourceInUseException" });
      await sleep(450);
      await expect(kinesis.send(new DescribeStreamCommand({ StreamName: stream }))).rejects.toMatchObject({
        name: "ResourceNotFoundException",
        message: missing,
      });
      await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    } finally {
      kinesis.destroy();
      await server.close();
    }
  });
});

describe("the embedded nats-server", () => {
  it("keeps records and iterators across a restart on the same data directory, and stops with the server", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "kinesis-restart-"));
    const own = { natsUrl: undefined, memory: false, dataDir, namespace: "kinesis" };
    try {
      const first = await startTestServer(own);
      const stream = uniqueStreamName();
      let iterator: string | undefined;
      let sequenceNumbers: string[];
      {
        const kinesis = sdkClient(first);
        await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
        const out = await kinesis.send(
          new PutRecordsCommand({ StreamName: stream, Records: Array.from({ length: 50 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(`r${i}`) })) }),
        );
        sequenceNumbers = out.Records!.map((r) => r.SequenceNumber!);
        iterator = (await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" })))
          .ShardIterator;
        kinesis.destroy();
      }
      const pidFile = join(dataDir, "nats", "nats-server.pid");
      const pid = Number(readFileSync(pidFile, "utf8"));
      await first.close();
      expect(existsSync(pidFile)).toBe(false);
      expect(() => process.kill(pid, 0)).toThrow();

      const second = await startTestServer(own);
      const kinesis = sdkClient(second);
      try {
        const read = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
        expect(read.Records?.map((r) => r.SequenceNumber)).toEqual(sequenceNumbers);
        expect(read.Records?.map((r) => Buffer.from(r.Data!).toString())).toEqual(Array.from({ length: 50 }, (_, i) => `r${i}`));
      } finally {
        kinesis.destroy();
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/**
 * A PutRecord over HTTP/1.1 whose body comes in two halves 200 ms apart; `between` runs after
 * the first half, so the request is under way when it does.
 */
async function putRecordInTwoHalves(url: string, stream: string, between: () => void = () => undefined): Promise<{ status: number; body: string }> {
  const body = JSON.stringify({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("late").toString("base64") });
  const headers = await signedHeaders(url, { "content-type": "application/x-amz-json-1.1", "x-amz-target": "Kinesis_20131202.PutRecord" }, body);
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) } });
    request.on("response", (res) => {
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body: text }));
    });
    request.on("error", reject);
    request.write(body.slice(0, 10), () => setTimeout(between, 50));
    setTimeout(() => request.end(body.slice(10)), 200);
  });
}

describe("shutdown", () => {
  it("lets a request under way finish, then stops", async () => {
    const server = await startTestServer();
    const kinesis = sdkClient(server);
    const stream = uniqueStreamName();
    await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    kinesis.destroy();
    const response = putRecordInTwoHalves(server.url, stream);
    await sleep(50);
    const closed = server.close();
    const reply = await response;
    await closed;
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).SequenceNumber).toMatch(/^\d{56}$/);
  });
});

describe("Ctrl-C in a terminal", () => {
  it("signals the whole process group; the embedded nats-server still outlives the request under way", async () => {
    const server = await spawnServer(["--memory", "--create-stream-ms", "0"], { processGroup: true });
    try {
      const kinesis = new KinesisClient({ endpoint: server.url, region: "us-east-1", credentials: { accessKeyId: "any", secretAccessKey: "any" } });
      const stream = uniqueStreamName();
      await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
      kinesis.destroy();
      const exited = new Promise<number | null>((resolve) => server.child.once("exit", (code) => resolve(code)));
      const reply = putRecordInTwoHalves(server.url, stream, () => process.kill(-server.child.pid!, "SIGINT"));
      const { status, body } = await reply;
      expect(status).toBe(200);
      expect(JSON.parse(body).SequenceNumber).toMatch(/^\d{56}$/);
      expect(await exited).toBe(0);
    } finally {
      await server.kill();
    }
  });
});

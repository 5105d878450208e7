import net from "node:net";
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordCommand, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { sdkClient, startTestServer, TEST_CREDENTIALS, uniqueStreamName } from "../support/server.js";

let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

/**
 * A TCP proxy to the server that, on its first connection only, cuts the client off the moment
 * the server starts answering: the request was handled, the client never hears of it, and the
 * SDK retries the same call.
 */
async function lossyProxy(target: URL): Promise<{ url: string; cut: () => number; close: () => void }> {
  let connections = 0;
  let cut = 0;
  const proxy = net.createServer((client) => {
    const first = connections++ === 0;
    const upstream = net.connect(Number(target.port), target.hostname);
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      if (first) {
        cut++;
        client.destroy();
        upstream.destroy();
      } else client.write(chunk);
    });
    upstream.on("end", () => client.end());
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, cut: () => cut, close: () => proxy.close() };
}

describe("retried writes", () => {
  it("a PutRecords the SDK retries after a lost answer is stored once", async () => {
    const stream = uniqueStreamName();
    const direct = sdkClient(server);
    await direct.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const proxy = await lossyProxy(new URL(server.url));
    // HTTP/1.1 so that the cut connection is a socket error the SDK retries (as it would for any).
    const client = new KinesisClient({ endpoint: proxy.url, region: "us-east-1", credentials: TEST_CREDENTIALS, requestHandler: new NodeHttpHandler() });
    try {
      const records = Array.from({ length: 20 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from(`once-${i}`) }));
      const out = await client.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
      expect(proxy.cut()).toBe(1);
      expect(out.$metadata.attempts).toBe(2);
      expect(out.FailedRecordCount).toBe(0);

      const { ShardIterator } = await direct.send(
        new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }),
      );
      const read = await direct.send(new GetRecordsCommand({ ShardIterator }));
      expect(read.Records?.map((r) => Buffer.from(r.Data!).toString())).toEqual(records.map((_, i) => `once-${i}`));
      // The retry was answered with the sequence numbers of the first, stored, attempt.
      expect(read.Records?.map((r) => r.SequenceNumber)).toEqual(out.Records?.map((r) => r.SequenceNumber));
    } finally {
      client.destroy();
      direct.destroy();
      proxy.close();
    }
  });

  it("a different call that reuses an invocation id (a pinned header) is stored, not taken for a retry", async () => {
    const stream = uniqueStreamName();
    const client = sdkClient(server);
    // As a hand-rolled client or a proxy that pins the header would: the same id on every call.
    client.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { headers: Record<string, string> }).headers["amz-sdk-invocation-id"] = "00000000-0000-4000-8000-000000000000";
        return next(args);
      },
      { step: "deserialize", name: "pinInvocationId" },
    );
    try {
      await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
      const first = await client.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("first") }));
      const second = await client.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("second") }));
      const batch = await client.send(new PutRecordsCommand({ StreamName: stream, Records: [{ PartitionKey: "k", Data: Buffer.from("third") }] }));
      expect(new Set([first.SequenceNumber, second.SequenceNumber, batch.Records![0]!.SequenceNumber]).size).toBe(3);

      const { ShardIterator } = await client.send(
        new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }),
      );
      const read = await client.send(new GetRecordsCommand({ ShardIterator }));
      expect(read.Records?.map((r) => Buffer.from(r.Data!).toString())).toEqual(["first", "second", "third"]);
    } finally {
      client.destroy();
    }
  });
});

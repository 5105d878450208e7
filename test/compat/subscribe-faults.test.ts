import { CreateStreamCommand, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { startEmbeddedNats } from "../../src/system/embedded-nats.js";
import { dataOf, registerConsumer, streamArnOf, subscribe } from "../support/fanout.js";
import { sdkClient, startTestServer, uniqueStreamName } from "../support/server.js";

describe("SubscribeToShard when NATS goes away", () => {
  it("ends the stream with InternalFailureException rather than hanging", async () => {
    // A nats-server of this test's own, to stop mid-stream.
    const nats = await startEmbeddedNats({ log: pino({ level: "silent" }) });
    const server = await startTestServer({ natsUrl: nats.url, natsTimeoutMs: 500 });
    const kinesis = sdkClient(server);
    try {
      const stream = uniqueStreamName();
      await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
      const consumer = await registerConsumer(kinesis, await streamArnOf(kinesis, stream), "app");
      const subscription = await subscribe(kinesis, consumer, "shardId-000000000000", { Type: "LATEST" });
      const reading = subscription.read({ timeoutMs: 10_000 });
      await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("delivered") }));
      await new Promise((r) => setTimeout(r, 200));
      const stoppedAt = Date.now();
      await nats.stop();
      const { events, error } = await reading;
      expect(dataOf(events)).toEqual(["delivered"]);
      expect(error).toMatchObject({ name: "InternalFailureException", message: "Internal service failure." });
      expect(Date.now() - stoppedAt).toBeLessThan(2_000);
    } finally {
      kinesis.destroy();
      // With NATS gone, closing waits for the connection's drain to give up (about 5 s).
      await server.close();
      await nats.stop();
    }
  });
});

import { CreateStreamCommand, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { pino } from "pino";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, inject, it } from "vitest";
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

describe("SubscribeToShard when JetStream drops its consumer", () => {
  it("goes on from where it stopped with a new one: every record once, in order, no error", async () => {
    const server = await startTestServer();
    const kinesis = sdkClient(server);
    const nc = await connect({ servers: inject("natsUrl") });
    try {
      const stream = uniqueStreamName();
      await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
      const consumer = await registerConsumer(kinesis, await streamArnOf(kinesis, stream), "app");
      const subscription = await subscribe(kinesis, consumer, "shardId-000000000000", { Type: "TRIM_HORIZON" });
      const sent = Array.from({ length: 20 }, (_, i) => `record-${i}`);
      const reading = subscription.read({ stop: (events) => dataOf(events).length >= sent.length, timeoutMs: 15_000 });
      for (const data of sent.slice(0, 10)) await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from(data) }));
      await new Promise((r) => setTimeout(r, 300));
      // What a restarted nats-server or a lost cluster node does to an in-memory consumer.
      const jsm = await jetstreamManager(nc);
      let dropped = 0;
      for await (const info of jsm.streams.list()) {
        if (!info.config.name.includes(server.namespace)) continue;
        for await (const c of jsm.consumers.list(info.config.name)) {
          await jsm.consumers.delete(info.config.name, c.name);
          dropped++;
        }
      }
      expect(dropped).toBeGreaterThan(0);
      for (const data of sent.slice(10)) await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from(data) }));
      const { events, error } = await reading;
      expect(error).toBeUndefined();
      expect(dataOf(events)).toEqual(sent);
    } finally {
      kinesis.destroy();
      await nc.close();
      await server.close();
    }
  });
});

import { CreateStreamCommand, type KinesisClient, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { describe, expect, it } from "vitest";
import { dataOf, registerConsumer, streamArnOf, subscribe, type Subscription } from "../support/fanout.js";
import { uniqueStreamName, useTwoInstances } from "../support/server.js";

const instances = useTwoInstances();

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const shardId = (i: number): string => `shardId-00000000000${i}`;

async function refusal(client: KinesisClient, consumer: string, shard: string): Promise<{ name: string; message: string }> {
  return subscribe(client, consumer, shard, { Type: "LATEST" }).then(
    (subscription) => {
      subscription.abort();
      return { name: "no error", message: "" };
    },
    (error: Error) => ({ name: error.name, message: error.message }),
  );
}

describe("one subscription per consumer and shard, across server instances", () => {
  it("a second one within 5 s is refused; after 5 s it takes over and the first ends with ResourceInUseException", async () => {
    const stream = uniqueStreamName();
    await instances.clientA.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    const consumer = await registerConsumer(instances.clientA, await streamArnOf(instances.clientA, stream), "app");
    const inUse = (shard: string) => ({
      name: "ResourceInUseException",
      message: `Another active subscription exists for this consumer: 000000000000:${stream}:${shard}:app`,
    });

    // Shard 0 is first held through instance A, shard 1 too.
    const started = Date.now();
    const firsts = await Promise.all([0, 1].map((i) => subscribe(instances.clientA, consumer, shardId(i), { Type: "LATEST" })));
    const firstReadings = firsts.map((s) => s.read({ timeoutMs: 20_000 }));
    // Within 5 s: refused through the other instance and through the same one.
    expect(await refusal(instances.clientB, consumer, shardId(0))).toEqual(inUse(shardId(0)));
    expect(await refusal(instances.clientA, consumer, shardId(1))).toEqual(inUse(shardId(1)));

    await sleep(5_000 - (Date.now() - started) + 100);
    // After 5 s: taken over through B (another instance) and through A (the same one).
    const takers: Subscription[] = [
      await subscribe(instances.clientB, consumer, shardId(0), { Type: "LATEST" }),
      await subscribe(instances.clientA, consumer, shardId(1), { Type: "LATEST" }),
    ];
    const tookOverAt = Date.now();
    for (const [i, reading] of firstReadings.entries()) {
      const { error } = await reading;
      expect(error).toMatchObject(inUse(shardId(i)));
      expect(Date.now() - tookOverAt).toBeLessThan(1_000);
    }

    // The new holders get the records.
    await instances.clientA.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("to-0"), ExplicitHashKey: "0" }));
    await instances.clientB.send(
      new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("to-1"), ExplicitHashKey: String(2n ** 128n - 1n) }),
    );
    const readings = await Promise.all(takers.map((s) => s.read({ stop: (events) => dataOf(events).length > 0, timeoutMs: 5_000 })));
    expect(readings.map((r) => dataOf(r.events))).toEqual([["to-0"], ["to-1"]]);
  });
});

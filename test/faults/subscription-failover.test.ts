import { CreateStreamCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { registerConsumer, streamArnOf, subscribe, type Subscription } from "../support/fanout.js";
import { natsServer210 } from "../support/nats-binaries.js";
import { startInstancesOnCluster, type NatsCluster } from "../support/nats-cluster.js";
import { sdkClient, uniqueNamespace, uniqueStreamName } from "../support/server.js";

/**
 * kill -9 of the NATS node leading the metadata bucket, where SubscribeToShard leases live: a
 * takeover through another instance, made while the bucket elects a new leader, must still end
 * the first subscription, as it does on one node. The first instance learns of the takeover
 * from its copy of the bucket (bucket-follower.ts keeps it moving). Only on nats-server 2.10+,
 * as the table failover (clustered compare-and-set before 2.9.21 is not atomic).
 */
const binary = natsServer210();
const missing = "missing" in binary ? binary.missing : undefined;

let cluster: NatsCluster | undefined;
let servers: RunningServer[] = [];
const clients: KinesisClient[] = [];
const namespace = uniqueNamespace();

beforeAll(async () => {
  if ("missing" in binary) return;
  ({ cluster, servers } = await startInstancesOnCluster(binary.path, namespace));
  clients.push(...servers.map(sdkClient));
}, 60_000);
afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await Promise.all(servers.map((s) => s.close()));
  await cluster?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(missing !== undefined)(
  `kill -9 of the metadata bucket's leader (3-node cluster, R3, nats-server 2.10+)${missing ? `: skipped, ${missing}` : ""}`,
  () => {
    it("a SubscribeToShard taken over through the other instance has ended the first one within seconds", async () => {
      const [a, b] = clients as [KinesisClient, KinesisClient];
      const stream = uniqueStreamName();
      await a.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
      const consumer = await registerConsumer(a, await streamArnOf(a, stream), "app");
      const shard = "shardId-000000000000";

      const first = await subscribe(a, consumer, shard, { Type: "LATEST" });
      const subscribedAt = Date.now();
      const firstReading = first.read({ timeoutMs: 60_000 });
      cluster!.kill(await cluster!.leaderOf(`KV_${namespace}-metadata`));

      // Past the 5 s a subscription is protected for, take it over through B, retrying while the
      // bucket elects a new leader.
      await sleep(5_000 - (Date.now() - subscribedAt) + 100);
      let taker: Subscription | undefined;
      let lastError: unknown;
      for (const deadline = Date.now() + 30_000; !taker && Date.now() < deadline;) {
        taker = await subscribe(b, consumer, shard, { Type: "LATEST" }).catch((error: unknown) => {
          lastError = error;
          return undefined;
        });
        if (!taker) await sleep(500);
      }
      expect(taker, `no takeover through B: ${String(lastError)}`).toBeDefined();
      const tookOverAt = Date.now();

      const { error } = await firstReading;
      const endedAfter = Date.now() - tookOverAt;
      taker!.abort();
      // Ended by the takeover, or earlier by the node loss itself (an InternalFailureException
      // event, on which consumers subscribe again): either way, not delivering beside the new holder.
      expect(["ResourceInUseException", "InternalFailureException"]).toContain(error?.name);
      // A copy left behind would end it only after nats.js noticed the dead node (a minute).
      expect(endedAfter).toBeLessThan(10_000);
      console.log(
        `subscription failover: taken over ${tookOverAt - subscribedAt} ms after the first subscribe, the first ended ${endedAfter} ms later with ${error?.name}`,
      );
    }, 90_000);
  },
);

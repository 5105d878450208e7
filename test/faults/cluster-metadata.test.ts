import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NatsCluster } from "../support/nats-cluster.js";
import { startTestServer, uniqueNamespace } from "../support/server.js";

let cluster: NatsCluster;

beforeAll(async () => {
  cluster = await NatsCluster.start(3);
}, 60_000);
afterAll(async () => cluster?.stop());

describe("metadata on a 3-node cluster (R3)", () => {
  it("reads its own writes: a fresh service starts every time, whichever node answers", async () => {
    // Each start creates the namespace's KV bucket and its shared secrets, then reads them
    // back at once. A read served by a replica that had not applied the write yet once made
    // a start fail with "shared secret master-key vanished".
    for (let i = 0; i < 12; i++) {
      const server = await startTestServer({ natsUrl: cluster.url, namespace: uniqueNamespace(), replicas: 3, memory: false });
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await server.close();
    }
  }, 60_000);
});

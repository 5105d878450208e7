import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateStreamCommand, KinesisClient, ListShardsCommand, ListStreamConsumersCommand, RegisterStreamConsumerCommand } from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, uniqueStreamName } from "../support/server.js";

const ACCOUNT = "123456789012";
const ADMIN = { accessKeyId: "AKIDSCOPEADMIN", secretAccessKey: "admin-secret" };
const ORDERS = { accessKeyId: "AKIDSCOPEORDERS", secretAccessKey: "orders-secret" };
let server: RunningServer;
let publicServer: RunningServer;
const clients: KinesisClient[] = [];

const client = (credentials: typeof ADMIN) => {
  const kinesis = new KinesisClient({ endpoint: server.url, region: "us-east-1", credentials, maxAttempts: 1 });
  clients.push(kinesis);
  return kinesis;
};
const basic = (key: typeof ADMIN, secret = key.secretAccessKey) => `Basic ${Buffer.from(`${key.accessKeyId}:${secret}`).toString("base64")}`;

beforeAll(async () => {
  const credentials = `${ADMIN.accessKeyId}:${ADMIN.secretAccessKey}`;
  // The scoped key is in a file: only a file can limit a key to stream prefixes.
  const file = join(mkdtempSync(join(tmpdir(), "kinesis-scope-")), "keys.json");
  writeFileSync(file, JSON.stringify({ accessKeys: [{ ...ORDERS, user: "orders-reader", streamPrefixes: ["orders-"] }] }));
  server = await startTestServer({ credentials, credentialsFile: file, accountId: ACCOUNT });
  publicServer = await startTestServer({ credentials, accountId: ACCOUNT, metricsPublic: true });
});
afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await Promise.all([server?.close(), publicServer?.close()]);
});

describe("a NextToken is checked against the caller's scope like the stream it pages through", () => {
  it("a key limited to orders-* cannot list another stream's shards with a token issued to someone else", async () => {
    const secret = uniqueStreamName("payroll");
    const admin = client(ADMIN);
    await admin.send(new CreateStreamCommand({ StreamName: secret, ShardCount: 3 }));
    const first = await admin.send(new ListShardsCommand({ StreamName: secret, MaxResults: 1 }));
    expect(first.NextToken).toBeDefined();
    await expect(client(ORDERS).send(new ListShardsCommand({ NextToken: first.NextToken }))).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: `User: arn:aws:iam::${ACCOUNT}:user/orders-reader is not authorized to perform: kinesis:ListShards on resource: arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${secret} because no identity-based policy allows the kinesis:ListShards action`,
    });
    // Its own streams it pages through as before.
    const own = uniqueStreamName("orders-");
    await admin.send(new CreateStreamCommand({ StreamName: own, ShardCount: 2 }));
    const page = await client(ORDERS).send(new ListShardsCommand({ StreamName: own, MaxResults: 1 }));
    const next = await client(ORDERS).send(new ListShardsCommand({ NextToken: page.NextToken }));
    expect(next.Shards?.map((s) => s.ShardId)).toEqual(["shardId-000000000001"]);
  });

  it("a ListStreamConsumers token given to ListShards is a 400 InvalidArgumentException", async () => {
    const stream = uniqueStreamName("tokens");
    const admin = client(ADMIN);
    await admin.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const arn = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${stream}`;
    for (const name of ["a", "b"]) await admin.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: name }));
    const { NextToken } = await admin.send(new ListStreamConsumersCommand({ StreamARN: arn, MaxResults: 1 }));
    expect(NextToken).toBeDefined();
    await expect(admin.send(new ListShardsCommand({ NextToken }))).rejects.toMatchObject({
      name: "InvalidArgumentException",
      message: "Invalid NextToken.",
      $metadata: expect.objectContaining({ httpStatusCode: 400 }),
    });
  });
});

describe("/metrics, which names every stream, takes the access keys when they are configured", () => {
  it("401 with a Basic challenge without credentials or with a wrong secret; 200 with a key's id and secret", async () => {
    const bare = await fetch(`${server.url}/metrics`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get("www-authenticate")).toBe('Basic realm="kinesis-nats metrics"');
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: basic(ADMIN, "wrong") } })).status).toBe(401);
    const scraped = await fetch(`${server.url}/metrics`, { headers: { authorization: basic(ORDERS) } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain("api_requests_total");
  });

  it("--metrics-public serves it to anyone", async () => {
    expect((await fetch(`${publicServer.url}/metrics`)).status).toBe(200);
  });
});

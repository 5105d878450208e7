import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, TEST_CREDENTIALS, uniqueNamespace } from "../support/server.js";

let servers: RunningServer[] = [];
const clients: DynamoDBClient[] = [];

beforeAll(async () => {
  const namespace = uniqueNamespace();
  servers = await Promise.all([startTestServer({ namespace }), startTestServer({ namespace })]);
});
afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await Promise.all(servers.map((s) => s.close()));
});

const clientOf = (server: RunningServer): DynamoDBClient => {
  const client = new DynamoDBClient({ endpoint: server.url, region: "us-east-1", credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  clients.push(client);
  return client;
};

describe("conditional writes hold across server instances on one NATS", () => {
  it("16 clients on two instances increment one counter by read-then-conditional-update: the final value is the number of successes", async () => {
    const setup = clientOf(servers[0]!);
    const TableName = `counter-${process.pid}`;
    await setup.send(
      new CreateTableCommand({
        TableName,
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    const Key = { id: { S: "c" } };
    await setup.send(new PutItemCommand({ TableName, Item: { ...Key, n: { N: "0" } } }));
    const workers = Array.from({ length: 16 }, (_, i) => clientOf(servers[i % 2]!));
    let succeeded = 0;
    let refused = 0;
    const deadline = Date.now() + 4_000;
    await Promise.all(
      workers.map(async (client) => {
        while (Date.now() < deadline) {
          const read = await client.send(new GetItemCommand({ TableName, Key, ConsistentRead: true }));
          const n = Number(read.Item!.n!.N);
          try {
            await client.send(
              new UpdateItemCommand({
                TableName,
                Key,
                UpdateExpression: "SET n = :next",
                ConditionExpression: "n = :read",
                ExpressionAttributeValues: { ":next": { N: String(n + 1) }, ":read": { N: String(n) } },
              }),
            );
            succeeded++;
          } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
            refused++;
          }
        }
      }),
    );
    const final = await setup.send(new GetItemCommand({ TableName, Key, ConsistentRead: true }));
    console.log(`16 clients, 2 instances, 4 s: ${succeeded} increments succeeded, ${refused} refused by their condition`);
    expect(succeeded).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(0);
    expect(Number(final.Item!.n!.N)).toBe(succeeded);
  });
});

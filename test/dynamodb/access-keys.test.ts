import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchWriteItemCommand, CreateTableCommand, DynamoDBClient, GetItemCommand, ListTablesCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { rawRequest } from "../support/raw-http.js";
import { startTestServer } from "../support/server.js";
import { signedHeaders } from "../support/signing.js";

/** DynamoDB calls are signed with scope `dynamodb` by the same access keys as Kinesis, and keys keep their scopes. */
const ADMIN = { accessKeyId: "AKIDADMIN", secretAccessKey: "admin-secret" };
const READER = { accessKeyId: "AKIDREADER", secretAccessKey: "reader-secret" };
const ORDERS = { accessKeyId: "AKIDORDERS", secretAccessKey: "orders-secret" };
const ACCOUNT = "123456789012";
let server: RunningServer;
const clients: DynamoDBClient[] = [];
const suffix = `${process.pid}-${Date.now().toString(36)}`;
const ordersTable = `orders-app-${suffix}`;
const paymentsTable = `payments-app-${suffix}`;

beforeAll(async () => {
  const file = join(mkdtempSync(join(tmpdir(), "kinesis-keys-")), "keys.json");
  writeFileSync(
    file,
    JSON.stringify({
      accessKeys: [
        { ...ADMIN, user: "admin" },
        { ...READER, user: "dashboards", access: "read-only" },
        { ...ORDERS, user: "orders", streamPrefixes: ["orders-"] },
      ],
    }),
  );
  server = await startTestServer({ credentialsFile: file, accountId: ACCOUNT });
  for (const table of [ordersTable, paymentsTable]) {
    await dynamo(ADMIN).send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: "leaseKey", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "leaseKey", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  }
});
afterAll(async () => {
  for (const client of clients) client.destroy();
  await server?.close();
});

function dynamo(credentials: { accessKeyId: string; secretAccessKey: string }): DynamoDBClient {
  const client = new DynamoDBClient({ endpoint: server.url, region: "us-east-1", credentials, maxAttempts: 1 });
  clients.push(client);
  return client;
}

const lease = (table: string, id = "shardId-000000000000") => new PutItemCommand({ TableName: table, Item: { leaseKey: { S: id }, leaseCounter: { N: "0" } } });
const denied = (user: string, action: string, table: string) => ({
  name: "AccessDeniedException",
  $metadata: { httpStatusCode: 400 },
  message: `User: arn:aws:iam::${ACCOUNT}:user/${user} is not authorized to perform: dynamodb:${action} on resource: arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${table} because no identity-based policy allows the dynamodb:${action} action`,
});

describe("SigV4 on DynamoDB calls (the Kinesis access keys, scope dynamodb)", () => {
  it("accepts a configured key, refuses a wrong secret and an unknown key", async () => {
    await dynamo(ADMIN).send(lease(ordersTable));
    await expect(dynamo({ ...ADMIN, secretAccessKey: "not-it" }).send(lease(ordersTable))).rejects.toMatchObject({
      name: "InvalidSignatureException",
      $metadata: { httpStatusCode: 400 },
      message: expect.stringMatching(/^The request signature we calculated does not match the signature you provided/),
    });
    await expect(dynamo({ accessKeyId: "AKIDNOBODY", secretAccessKey: "x" }).send(lease(ordersTable))).rejects.toMatchObject({
      name: "UnrecognizedClientException",
      $metadata: { httpStatusCode: 400 },
      message: "The security token included in the request is invalid.",
    });
  });

  it("refuses a signature scoped to Kinesis, with DynamoDB's Coral error type", async () => {
    const body = JSON.stringify({ TableName: ordersTable });
    const headers = { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.DescribeTable" };
    const signed = await signedHeaders(new URL("/", server.url).href, headers, body, { credentials: ADMIN, service: "kinesis" });
    const answer = await rawRequest(server.url, { headers: signed, body });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body.toString())).toMatchObject({
      __type: "com.amazon.coral.service#InvalidSignatureException",
      message: expect.stringContaining("Credential should be scoped to correct service: 'dynamodb'."),
    });
  });
});

describe("what a key may do with tables", () => {
  it("a read-only key reads and lists, and may not write", async () => {
    const reader = dynamo(READER);
    await dynamo(ADMIN).send(lease(paymentsTable));
    const { Item } = await reader.send(new GetItemCommand({ TableName: paymentsTable, Key: { leaseKey: { S: "shardId-000000000000" } } }));
    expect(Item?.leaseCounter).toEqual({ N: "0" });
    expect((await reader.send(new ListTablesCommand({}))).TableNames).toEqual(expect.arrayContaining([ordersTable, paymentsTable]));
    await expect(reader.send(lease(paymentsTable, "shardId-000000000001"))).rejects.toMatchObject(denied("dashboards", "PutItem", paymentsTable));
    const { Item: untouched } = await reader.send(new GetItemCommand({ TableName: paymentsTable, Key: { leaseKey: { S: "shardId-000000000001" } } }));
    expect(untouched).toBeUndefined();
  });

  it("a key limited to prefixes writes its own tables only, every table of a batch counted, and may list the account's", async () => {
    const orders = dynamo(ORDERS);
    await orders.send(lease(ordersTable, "shardId-000000000002"));
    await expect(orders.send(lease(paymentsTable, "shardId-000000000002"))).rejects.toMatchObject(denied("orders", "PutItem", paymentsTable));
    const batch = new BatchWriteItemCommand({
      RequestItems: {
        [ordersTable]: [{ PutRequest: { Item: { leaseKey: { S: "shardId-000000000003" } } } }],
        [paymentsTable]: [{ PutRequest: { Item: { leaseKey: { S: "shardId-000000000003" } } } }],
      },
    });
    await expect(orders.send(batch)).rejects.toMatchObject(denied("orders", "BatchWriteItem", paymentsTable));
    const { Item } = await dynamo(ADMIN).send(new GetItemCommand({ TableName: ordersTable, Key: { leaseKey: { S: "shardId-000000000003" } } }));
    expect(Item).toBeUndefined();
    expect((await orders.send(new ListTablesCommand({}))).TableNames).toContain(paymentsTable);
  });
});

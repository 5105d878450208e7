import { crc32 } from "node:zlib";
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, TEST_CREDENTIALS } from "../support/server.js";
import { signedHeaders } from "../support/signing.js";

let server: RunningServer;
let dynamo: DynamoDBClient;
let counter = 0;
const tableName = (prefix = "table"): string => `${prefix}-${process.pid}.${counter++}`;

beforeAll(async () => {
  server = await startTestServer();
  // The SDK's defaults; only the endpoint is ours.
  dynamo = new DynamoDBClient({ endpoint: server.url, region: "us-east-1", credentials: TEST_CREDENTIALS });
});
afterAll(async () => {
  dynamo?.destroy();
  await server?.close();
});

/** A lease table as KCL creates it. */
async function leaseTable(name = tableName("lease")): Promise<string> {
  await dynamo.send(
    new CreateTableCommand({
      TableName: name,
      KeySchema: [{ AttributeName: "leaseKey", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "leaseKey", AttributeType: "S" }],
      BillingMode: "PAY_PER_REQUEST",
      DeletionProtectionEnabled: false,
    }),
  );
  return name;
}

describe("tables", () => {
  it("are ACTIVE at once, described as KCL reads them, listed, and deleted", async () => {
    const name = await leaseTable();
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: name }));
    expect(Table).toMatchObject({
      TableName: name,
      TableStatus: "ACTIVE",
      TableArn: `arn:aws:dynamodb:us-east-1:000000000000:table/${name}`,
      KeySchema: [{ AttributeName: "leaseKey", KeyType: "HASH" }],
      BillingModeSummary: { BillingMode: "PAY_PER_REQUEST" },
      ProvisionedThroughput: { ReadCapacityUnits: 0, WriteCapacityUnits: 0, NumberOfDecreasesToday: 0 },
      ItemCount: 0,
      TableSizeBytes: 0,
    });
    expect((await dynamo.send(new ListTablesCommand({}))).TableNames).toContain(name);
    await expect(
      dynamo.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: [{ AttributeName: "k", KeyType: "HASH" }],
          AttributeDefinitions: [{ AttributeName: "k", AttributeType: "S" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      ),
    ).rejects.toMatchObject({
      name: "ResourceInUseException",
      message: `Table already exists: ${name}`,
    });
    await dynamo.send(new DeleteTableCommand({ TableName: name }));
    await expect(dynamo.send(new DescribeTableCommand({ TableName: name }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
      message: `Requested resource not found: Table: ${name} not found`,
      $metadata: expect.objectContaining({ httpStatusCode: 400 }),
    });
  });

  it("UpdateTable adds KCL's GSI, listed in its answer and queried", async () => {
    const name = await leaseTable();
    const { TableDescription } = await dynamo.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: [
          { AttributeName: "leaseOwner", AttributeType: "S" },
          { AttributeName: "leaseKey", AttributeType: "S" },
        ],
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: "LeaseOwnerToLeaseKeyIndex",
              KeySchema: [
                { AttributeName: "leaseOwner", KeyType: "HASH" },
                { AttributeName: "leaseKey", KeyType: "RANGE" },
              ],
              Projection: { ProjectionType: "KEYS_ONLY" },
            },
          },
        ],
      }),
    );
    expect(TableDescription?.GlobalSecondaryIndexes?.map((i) => [i.IndexName, i.IndexStatus])).toEqual([["LeaseOwnerToLeaseKeyIndex", "ACTIVE"]]);
    for (const [shard, owner] of [
      ["shardId-2", "w1"],
      ["shardId-1", "w1"],
      ["shardId-3", "w2"],
      ["shardId-4", undefined],
    ] as const) {
      await dynamo.send(
        new PutItemCommand({ TableName: name, Item: { leaseKey: { S: shard }, leaseCounter: { N: "1" }, ...(owner && { leaseOwner: { S: owner } }) } }),
      );
    }
    const owned = await dynamo.send(
      new QueryCommand({
        TableName: name,
        IndexName: "LeaseOwnerToLeaseKeyIndex",
        KeyConditionExpression: "leaseOwner = :leaseOwner",
        ExpressionAttributeValues: { ":leaseOwner": { S: "w1" } },
      }),
    );
    // KEYS_ONLY: the keys, sorted by the index's range key; the unowned lease is not in the (sparse) index.
    expect(owned.Items).toEqual([
      { leaseOwner: { S: "w1" }, leaseKey: { S: "shardId-1" } },
      { leaseOwner: { S: "w1" }, leaseKey: { S: "shardId-2" } },
    ]);
    expect(owned.LastEvaluatedKey).toBeUndefined();
  });
});

describe("conditional writes as KCL makes them", () => {
  it("create if not exists (Expected Exists:false), then renew by leaseCounter, with DynamoDB's refusal", async () => {
    const name = await leaseTable();
    const lease = {
      leaseKey: { S: "shardId-000000000000" },
      leaseCounter: { N: "0" },
      checkpoint: { S: "TRIM_HORIZON" },
      ownerSwitchesSinceCheckpoint: { N: "0" },
    };
    await dynamo.send(new PutItemCommand({ TableName: name, Item: lease, Expected: { leaseKey: { Exists: false } } }));
    const again = dynamo.send(new PutItemCommand({ TableName: name, Item: lease, Expected: { leaseKey: { Exists: false } } }));
    await expect(again).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    await expect(again).rejects.toMatchObject({ message: "The conditional request failed", $metadata: expect.objectContaining({ httpStatusCode: 400 }) });

    // renewLease: ADD leaseCounter 1 expecting the counter read, ALL_NEW.
    const renewed = await dynamo.send(
      new UpdateItemCommand({
        TableName: name,
        Key: { leaseKey: { S: "shardId-000000000000" } },
        Expected: { leaseCounter: { Value: { N: "0" } } },
        AttributeUpdates: {
          leaseCounter: { Action: "ADD", Value: { N: "1" } },
          leaseOwner: { Action: "PUT", Value: { S: "worker-1" } },
          checkpointOwner: { Action: "DELETE" },
        },
        ReturnValues: "ALL_NEW",
      }),
    );
    expect(renewed.Attributes).toMatchObject({ leaseCounter: { N: "1" }, leaseOwner: { S: "worker-1" } });
    // A stale counter fails, and with ALL_OLD the failure carries the item as it is.
    const stale = await dynamo
      .send(
        new UpdateItemCommand({
          TableName: name,
          Key: { leaseKey: { S: "shardId-000000000000" } },
          Expected: { leaseCounter: { Value: { N: "0" } } },
          AttributeUpdates: { leaseCounter: { Action: "ADD", Value: { N: "1" } } },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      )
      .catch((e: unknown) => e as ConditionalCheckFailedException);
    expect(stale).toBeInstanceOf(ConditionalCheckFailedException);
    expect((stale as ConditionalCheckFailedException).Item).toMatchObject({ leaseCounter: { N: "1" } });

    const { Item } = await dynamo.send(new GetItemCommand({ TableName: name, Key: { leaseKey: { S: "shardId-000000000000" } }, ConsistentRead: true }));
    expect(Item).toEqual({ ...lease, leaseCounter: { N: "1" }, leaseOwner: { S: "worker-1" } });
    // A miss has no Item at all.
    expect(await dynamo.send(new GetItemCommand({ TableName: name, Key: { leaseKey: { S: "none" } } }))).not.toHaveProperty("Item");
  });

  it("the lock client's expressions, spaced as clients send them, and numbers with exponents", async () => {
    const name = await leaseTable();
    await dynamo.send(
      new PutItemCommand({
        TableName: name,
        Item: { leaseKey: { S: "Leader" }, ownerName: { S: "w1" }, recordVersionNumber: { S: "v1" }, throughputKBps: { N: "1.0E-4" } },
        ConditionExpression: "attribute_not_exists(#pk)",
        ExpressionAttributeNames: { "#pk": "leaseKey" },
      }),
    );
    await dynamo.send(
      new UpdateItemCommand({
        TableName: name,
        Key: { leaseKey: { S: "Leader" } },
        UpdateExpression: "SET #ld = :ld, #rvn = :newRvn",
        ConditionExpression: "attribute_exists(#pk)AND #rvn = :rvn AND #on = :on",
        ExpressionAttributeNames: { "#pk": "leaseKey", "#ld": "leaseDuration", "#rvn": "recordVersionNumber", "#on": "ownerName" },
        ExpressionAttributeValues: { ":ld": { S: "120000" }, ":newRvn": { S: "v2" }, ":rvn": { S: "v1" }, ":on": { S: "w1" } },
      }),
    );
    const { Item } = await dynamo.send(new GetItemCommand({ TableName: name, Key: { leaseKey: { S: "Leader" } } }));
    expect(Item).toMatchObject({ leaseDuration: { S: "120000" }, recordVersionNumber: { S: "v2" }, throughputKBps: { N: "0.0001" } });
    await expect(
      dynamo.send(
        new DeleteItemCommand({
          TableName: name,
          Key: { leaseKey: { S: "Leader" } },
          ConditionExpression: "#key = :value AND attribute_exists (ownerName)",
          ExpressionAttributeNames: { "#key": "recordVersionNumber" },
          ExpressionAttributeValues: { ":value": { S: "v1" } },
        }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  it("lifion-kinesis's nested paths: SET under maps, if_not_exists, REMOVE, BOOL and NULL", async () => {
    const name = tableName("state");
    await dynamo.send(
      new CreateTableCommand({
        TableName: name,
        KeySchema: [
          { AttributeName: "consumerGroup", KeyType: "HASH" },
          { AttributeName: "streamName", KeyType: "RANGE" },
        ],
        AttributeDefinitions: [
          { AttributeName: "consumerGroup", AttributeType: "S" },
          { AttributeName: "streamName", AttributeType: "S" },
        ],
        BillingMode: "PAY_PER_REQUEST",
        SSESpecification: { Enabled: true },
      }),
    );
    const Key = { consumerGroup: { S: "app" }, streamName: { S: "orders" } };
    await dynamo.send(
      new PutItemCommand({
        TableName: name,
        Item: { ...Key, consumers: { M: {} }, enhancedConsumers: { M: {} } },
        ConditionExpression: "attribute_not_exists(streamName)",
      }),
    );
    // Two paths of one update overlap ([consumers, c-1] and [consumers, c-1, isActive]): DynamoDB refuses it.
    await expect(
      dynamo.send(
        new UpdateItemCommand({
          TableName: name,
          Key,
          UpdateExpression: "SET #a0.#a1 = if_not_exists(#a0.#a1, :z), #a0.#a1.#b = :flag REMOVE #gone",
          ConditionExpression: "attribute_exists(#a0)",
          ExpressionAttributeNames: { "#a0": "consumers", "#a1": "c-1", "#b": "isActive", "#gone": "enhancedConsumers" },
          ExpressionAttributeValues: { ":z": { M: { since: { NULL: true } } }, ":flag": { BOOL: true } },
        }),
      ),
    ).rejects.toMatchObject({
      name: "ValidationException",
      message:
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [consumers, c-1], path two: [consumers, c-1, isActive]",
    });
    await dynamo.send(
      new UpdateItemCommand({
        TableName: name,
        Key,
        UpdateExpression: "REMOVE #gone SET #a0.#a1 = if_not_exists(#a0.#a1, :z)",
        ExpressionAttributeNames: { "#a0": "consumers", "#a1": "c-1", "#gone": "enhancedConsumers" },
        ExpressionAttributeValues: { ":z": { M: { since: { NULL: true }, isActive: { BOOL: true } } } },
      }),
    );
    const { Item } = await dynamo.send(new GetItemCommand({ TableName: name, Key, ConsistentRead: true }));
    expect(Item).toEqual({ ...Key, consumers: { M: { "c-1": { M: { since: { NULL: true }, isActive: { BOOL: true } } } } } });
    await expect(
      dynamo.send(
        new UpdateItemCommand({
          TableName: name,
          Key,
          UpdateExpression: "SET #a.#b.#c = :v",
          ExpressionAttributeNames: { "#a": "consumers", "#b": "missing", "#c": "x" },
          ExpressionAttributeValues: { ":v": { S: "y" } },
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException", message: "The document path provided in the update expression is invalid for update" });
  });

  it("a TransactWriteItems whose condition fails writes nothing and gives a reason per item", async () => {
    const name = await leaseTable();
    await dynamo.send(new PutItemCommand({ TableName: name, Item: { leaseKey: { S: "taken" } } }));
    const refused = await dynamo
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: name, Item: { leaseKey: { S: "new" } }, ConditionExpression: "attribute_not_exists(leaseKey)" } },
            { Put: { TableName: name, Item: { leaseKey: { S: "taken" } }, ConditionExpression: "attribute_not_exists(leaseKey)" } },
          ],
        }),
      )
      .catch((e: { name: string; CancellationReasons?: { Code?: string }[] }) => e);
    expect(refused).toMatchObject({ name: "TransactionCanceledException" });
    expect((refused as { CancellationReasons: { Code: string }[] }).CancellationReasons.map((r) => r.Code)).toEqual(["None", "ConditionalCheckFailed"]);
    expect(await dynamo.send(new GetItemCommand({ TableName: name, Key: { leaseKey: { S: "new" } } }))).not.toHaveProperty("Item");
  });
});

describe("Scan", () => {
  it("pages with Limit and ExclusiveStartKey, has no LastEvaluatedKey on the last page, splits into segments", async () => {
    const name = await leaseTable();
    for (let i = 0; i < 25; i++)
      await dynamo.send(new PutItemCommand({ TableName: name, Item: { leaseKey: { S: `shard-${i}` }, streamName: { S: i % 2 ? "a" : "b" } } }));
    const seen: string[] = [];
    let start: Record<string, unknown> | undefined;
    let pages = 0;
    do {
      const page = await dynamo.send(new ScanCommand({ TableName: name, Limit: 10, ExclusiveStartKey: start as never }));
      seen.push(...page.Items!.map((i) => i.leaseKey!.S!));
      start = page.LastEvaluatedKey;
      pages++;
    } while (start);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(25);
    const filtered = await dynamo.send(
      new ScanCommand({ TableName: name, FilterExpression: "streamName = :s", ExpressionAttributeValues: { ":s": { S: "a" } } }),
    );
    expect(filtered.Count).toBe(12);
    expect(filtered.ScannedCount).toBe(25);
    const segments = await Promise.all([0, 1, 2].map((Segment) => dynamo.send(new ScanCommand({ TableName: name, Segment, TotalSegments: 3 }))));
    expect(segments.reduce((sum, s) => sum + s.Count!, 0)).toBe(25);
  });
});

describe("large attributes", () => {
  it("keeps a 120 KB binary and two 70–90 KB strings of an item byte for byte (values longer than the JSON parser's 48 KiB pieces)", async () => {
    const name = await leaseTable();
    const blob = Buffer.alloc(120_000);
    for (let i = 0; i < blob.length; i++) blob[i] = (i * 7919) & 0xff;
    // Multi-byte text without an escape (kept as bytes by the parser), and with quotes (parsed whole).
    const plain = "ünïcode ✓ text ".repeat(5_000);
    const text = 'ü "quoted" ✓ '.repeat(5_000);
    await dynamo.send(new PutItemCommand({ TableName: name, Item: { leaseKey: { S: "big" }, blob: { B: blob }, plain: { S: plain }, text: { S: text } } }));
    const { Item } = await dynamo.send(new GetItemCommand({ TableName: name, Key: { leaseKey: { S: "big" } } }));
    expect(Buffer.from(Item!.blob!.B!).equals(blob)).toBe(true);
    expect(Item!.plain!.S).toBe(plain);
    expect(Item!.text!.S).toBe(text);
  });
});

describe("errors in DynamoDB's words", () => {
  it("a missing table, a wrong key, mixed parameters, unused placeholders", async () => {
    await expect(dynamo.send(new GetItemCommand({ TableName: "no-such-table", Key: { k: { S: "x" } } }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
      message: "Requested resource not found",
    });
    const name = await leaseTable();
    await expect(dynamo.send(new GetItemCommand({ TableName: name, Key: { other: { S: "x" } } }))).rejects.toMatchObject({
      name: "ValidationException",
      message: "The provided key element does not match the schema",
    });
    await expect(
      dynamo.send(
        new PutItemCommand({
          TableName: name,
          Item: { leaseKey: { S: "x" } },
          Expected: { leaseKey: { Exists: false } },
          ConditionExpression: "attribute_not_exists(leaseKey)",
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException", message: expect.stringContaining("Can not use both expression and non-expression parameters") });
    await expect(
      dynamo.send(
        new PutItemCommand({
          TableName: name,
          Item: { leaseKey: { S: "x" } },
          ExpressionAttributeValues: { ":unused": { S: "u" } },
          ConditionExpression: "attribute_not_exists(leaseKey)",
        }),
      ),
    ).rejects.toMatchObject({ name: "ValidationException", message: "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}" });
    await expect(dynamo.send(new PutItemCommand({ TableName: name, Item: { leaseKey: { N: "1" } } }))).rejects.toMatchObject({
      name: "ValidationException",
      message: "One or more parameter values were invalid: Type mismatch for key leaseKey expected: S actual: N",
    });
  });

  it("answers carry the CRC32 of their body in x-amz-crc32, and the JSON 1.0 error namespaces", async () => {
    const request = JSON.stringify({ TableName: "no-such-table" });
    const headers = { "content-type": "application/x-amz-json-1.0", "x-amz-target": "DynamoDB_20120810.DescribeTable" };
    const response = await fetch(server.url, {
      method: "POST",
      headers: await signedHeaders(server.url, headers, request, { service: "dynamodb" }),
      body: request,
    });
    const body = Buffer.from(await response.arrayBuffer());
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amz-crc32")).toBe(String(crc32(body)));
    expect(JSON.parse(body.toString())).toEqual({
      __type: "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
      message: "Requested resource not found: Table: no-such-table not found",
    });
  });

  it("a reserved word as a bare attribute name is refused in every expression, and is fine behind a #name", async () => {
    const name = await leaseTable();
    const key = { leaseKey: { S: "shardId-000000000000" } };
    const refusals = [
      [
        new UpdateItemCommand({ TableName: name, Key: key, UpdateExpression: "SET status = :s", ExpressionAttributeValues: { ":s": { S: "up" } } }),
        "UpdateExpression",
        "status",
      ],
      [new PutItemCommand({ TableName: name, Item: key, ConditionExpression: "attribute_not_exists(Owner)" }), "ConditionExpression", "Owner"],
      [new ScanCommand({ TableName: name, ProjectionExpression: "leaseKey, checkpoint.data" }), "ProjectionExpression", "data"],
      [
        new ScanCommand({
          TableName: name,
          FilterExpression: "#o = :o OR counter > :n",
          ExpressionAttributeNames: { "#o": "owner" },
          ExpressionAttributeValues: { ":o": { S: "a" }, ":n": { N: "1" } },
        }),
        "FilterExpression",
        "counter",
      ],
    ] as const;
    for (const [command, expression, word] of refusals) {
      await expect(dynamo.send(command as never)).rejects.toMatchObject({
        name: "ValidationException",
        message: `Invalid ${expression}: Attribute name is a reserved keyword; reserved keyword: ${word}`,
      });
    }
    const set = await dynamo.send(
      new UpdateItemCommand({
        TableName: name,
        Key: key,
        UpdateExpression: "SET #status = :s, leaseOwner = :o",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":s": { S: "up" }, ":o": { S: "worker-a" } },
        ReturnValues: "ALL_NEW",
      }),
    );
    expect(set.Attributes).toEqual({ ...key, status: { S: "up" }, leaseOwner: { S: "worker-a" } });
  });
});

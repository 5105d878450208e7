import { crc32 } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { rawRequest, type RawAnswer } from "../support/raw-http.js";
import { startTestServer } from "../support/server.js";
import { signedHeaders } from "../support/signing.js";

/**
 * The DynamoDB requests KCL makes, replayed in the shapes its source sends them
 * (../shared/KCL-DYNAMODB-FACTS.md §2–§4): the Java SDK v2's awsJson1_0 over HTTP/1.1, the
 * lease refresher's legacy Expected/AttributeUpdates, the lock client's and the enhanced
 * client's expressions, and the answers each caller reads. A field KCL reads that is missing,
 * or one it must not see (LastEvaluatedKey on the last page), stalls or crashes it.
 */

let server: RunningServer;
let fixture = 0;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

interface DynamoAnswer {
  readonly status: number;
  readonly type?: string;
  readonly body: Record<string, unknown>;
  readonly raw: RawAnswer;
}

/** One request as the Java SDK v2 sends it: JSON 1.0, the target header, SigV4 for `dynamodb`. */
async function kcl(operation: string, input: Record<string, unknown>): Promise<DynamoAnswer> {
  const body = JSON.stringify(input);
  const headers = {
    "content-type": "application/x-amz-json-1.0",
    "x-amz-target": `DynamoDB_20120810.${operation}`,
    "amz-sdk-invocation-id": `kcl-fixture-${process.pid}-${fixture++}`,
    "amz-sdk-request": "attempt=1; max=4",
    "user-agent": "aws-sdk-java/2.31.0 ua/2.1 os/Linux lang/java#17 md/internal exec-env/AWS_KCL app/amazon-kinesis-client-library-java-3.5.1",
  };
  const signed = await signedHeaders(new URL("/", server.url).href, headers, body, { service: "dynamodb" });
  const raw = await rawRequest(server.url, { headers: signed, body });
  expect(raw.headers["content-type"]).toBe("application/x-amz-json-1.0");
  // The Java SDK v2 checks the CRC32 of every DynamoDB answer that carries one.
  expect(Number(raw.headers["x-amz-crc32"])).toBe(crc32(raw.body));
  const parsed = JSON.parse(raw.body.toString()) as Record<string, unknown>;
  const type = typeof parsed.__type === "string" ? parsed.__type.split("#")[1] : undefined;
  return { status: raw.status, type, body: parsed, raw };
}

const APP = (): string => `kcl-app-${process.pid}-${Date.now().toString(36)}`;
const HASH_KEY_MAX = "340282366920938463463374607431768211455";

/** The lease item DynamoDBLeaseSerializer#toDynamoRecord writes for a new shard lease. */
function newLease(shardId: string, startingHashKey: string, endingHashKey: string): Record<string, unknown> {
  return {
    leaseKey: { S: shardId },
    leaseCounter: { N: "0" },
    ownerSwitchesSinceCheckpoint: { N: "0" },
    checkpoint: { S: "TRIM_HORIZON" },
    checkpointSubSequenceNumber: { N: "0" },
    startingHashKey: { S: startingHashKey },
    endingHashKey: { S: endingHashKey },
  };
}

/** CreateTable exactly as DynamoDBLeaseRefresher#createTableRequestBuilder sends it (on demand). */
const createLeaseTable = (table: string): Promise<DynamoAnswer> =>
  kcl("CreateTable", {
    TableName: table,
    KeySchema: [{ AttributeName: "leaseKey", KeyType: "HASH" }],
    AttributeDefinitions: [{ AttributeName: "leaseKey", AttributeType: "S" }],
    BillingMode: "PAY_PER_REQUEST",
    DeletionProtectionEnabled: false,
  });

const createLease = (table: string, item: Record<string, unknown>): Promise<DynamoAnswer> =>
  kcl("PutItem", { TableName: table, Item: item, Expected: { leaseKey: { Exists: false } } });

const getLease = async (table: string, shardId: string): Promise<Record<string, unknown> | undefined> => {
  const answer = await kcl("GetItem", { TableName: table, Key: { leaseKey: { S: shardId } }, ConsistentRead: false });
  expect(answer.status).toBe(200);
  return answer.body.Item as Record<string, unknown> | undefined;
};

describe("KCL's lease table lifecycle (2.x and 3.x)", () => {
  it("DescribeTable of a missing table, CreateTable, a second CreateTable, DescribeTable as the refresher reads it", async () => {
    const table = APP();
    const missing = await kcl("DescribeTable", { TableName: table });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({
      __type: "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
      message: `Requested resource not found: Table: ${table} not found`,
    });

    const created = await createLeaseTable(table);
    expect(created.status).toBe(200);
    expect(created.body.TableDescription).toMatchObject({ TableName: table, KeySchema: [{ AttributeName: "leaseKey", KeyType: "HASH" }] });

    const again = await createLeaseTable(table);
    expect(again.status).toBe(400);
    expect(again.type).toBe("ResourceInUseException");
    expect(again.body.message).toBe(`Table already exists: ${table}`);

    const described = await kcl("DescribeTable", { TableName: table });
    expect(described.status).toBe(200);
    const description = described.body.Table as Record<string, unknown>;
    // ACTIVE at once: any CREATING a poll sees costs KCL 10 s.
    expect(description.TableStatus).toBe("ACTIVE");
    expect(description.TableArn).toMatch(new RegExp(`^arn:aws:dynamodb:us-east-1:\\d{12}:table/${table}$`));
    expect(description.BillingModeSummary).toMatchObject({ BillingMode: "PAY_PER_REQUEST" });
    // KCL dereferences these even for on-demand tables.
    expect(description.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 0, WriteCapacityUnits: 0, NumberOfDecreasesToday: 0 });
    expect(typeof description.TableSizeBytes).toBe("number");
    expect(typeof description.ItemCount).toBe("number");
  });

  it("3.5: the two legacy tables are only described, and are not there", async () => {
    const app = APP();
    for (const suffix of ["CoordinatorState", "WorkerMetricStats"]) {
      const answer = await kcl("DescribeTable", { TableName: `${app}-${suffix}` });
      expect(answer.status).toBe(400);
      expect(answer.type).toBe("ResourceNotFoundException");
    }
  });

  it("3.x: UpdateTable adds LeaseOwnerToLeaseKeyIndex, and the answer already names it (KCL NPEs otherwise)", async () => {
    const table = APP();
    await createLeaseTable(table);
    const answer = await kcl("UpdateTable", {
      TableName: table,
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
    });
    expect(answer.status).toBe(200);
    const indexes = (answer.body.TableDescription as { GlobalSecondaryIndexes?: { IndexName: string; IndexStatus: string }[] }).GlobalSecondaryIndexes;
    expect(indexes?.map((index) => index.IndexName)).toEqual(["LeaseOwnerToLeaseKeyIndex"]);
    expect(indexes?.[0]?.IndexStatus).toBeDefined();

    const described = await kcl("DescribeTable", { TableName: table });
    const gsi = (described.body.Table as { GlobalSecondaryIndexes: Record<string, unknown>[] }).GlobalSecondaryIndexes;
    expect(gsi).toHaveLength(1);
    expect(gsi[0]).toMatchObject({ IndexName: "LeaseOwnerToLeaseKeyIndex", IndexStatus: "ACTIVE", Projection: { ProjectionType: "KEYS_ONLY" } });
  });
});

describe("the lease refresher's legacy conditional writes", () => {
  it("createLeaseIfNotExists: Expected Exists:false creates once; the second answers the bare conditional failure", async () => {
    const table = APP();
    await createLeaseTable(table);
    const lease = newLease("shardId-000000000000", "0", HASH_KEY_MAX);
    const first = await createLease(table, lease);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({});
    const second = await createLease(table, lease);
    expect(second.status).toBe(400);
    // Without ReturnValuesOnConditionCheckFailure the body is exactly this.
    expect(second.body).toEqual({ __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException", message: "The conditional request failed" });
    expect(await getLease(table, "shardId-000000000000")).toEqual(lease);
    // A miss has no Item key at all.
    const miss = await kcl("GetItem", { TableName: table, Key: { leaseKey: { S: "shardId-000000000009" } }, ConsistentRead: false });
    expect(miss.body).toEqual({});
  });

  it("takeLease, renewLease, a stale renew with ALL_OLD, evictLease with ALL_NEW, and a graceful handoff", async () => {
    const table = APP();
    await createLeaseTable(table);
    const shard = "shardId-000000000001";
    await createLease(table, newLease(shard, "0", HASH_KEY_MAX));

    // takeLease: the counter as last seen, the new owner, the counter moved on, a switch counted.
    const take = await kcl("UpdateItem", {
      TableName: table,
      Key: { leaseKey: { S: shard } },
      Expected: { leaseCounter: { Value: { N: "0" } } },
      AttributeUpdates: {
        leaseOwner: { Value: { S: "worker-a" }, Action: "PUT" },
        leaseCounter: { Value: { N: "1" }, Action: "PUT" },
        ownerSwitchesSinceCheckpoint: { Value: { N: "1" }, Action: "ADD" },
      },
    });
    expect(take.status).toBe(200);
    expect(take.body).toEqual({});

    // renewLease (3.x): counter must match and no checkpoint owner; ALL_OLD on failure.
    const renew = (counter: string, next: string): Promise<DynamoAnswer> =>
      kcl("UpdateItem", {
        TableName: table,
        Key: { leaseKey: { S: shard } },
        Expected: { leaseCounter: { Value: { N: counter } }, checkpointOwner: { Exists: false } },
        AttributeUpdates: { leaseCounter: { Value: { N: next }, Action: "PUT" } },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      });
    expect((await renew("1", "2")).status).toBe(200);
    // Numeric equality: 2.0 is the counter 2.
    expect((await renew("2.0", "3")).status).toBe(200);
    const stale = await renew("1", "2");
    expect(stale.status).toBe(400);
    expect(stale.type).toBe("ConditionalCheckFailedException");
    expect(stale.body.message).toBe("The conditional request failed");
    expect(stale.body.Item).toMatchObject({
      leaseKey: { S: shard },
      leaseCounter: { N: "3" },
      leaseOwner: { S: "worker-a" },
      ownerSwitchesSinceCheckpoint: { N: "1" },
    });

    // initiateGracefulLeaseHandoff: owner as seen, no checkpoint owner yet, the lease exists.
    const handoff = await kcl("UpdateItem", {
      TableName: table,
      Key: { leaseKey: { S: shard } },
      Expected: {
        leaseOwner: { Value: { S: "worker-a" } },
        checkpointOwner: { Exists: false },
        leaseKey: { Exists: true, Value: { S: shard } },
      },
      AttributeUpdates: {
        leaseOwner: { Value: { S: "worker-b" }, Action: "PUT" },
        checkpointOwner: { Value: { S: "worker-a" }, Action: "PUT" },
      },
      ReturnValues: "ALL_NEW",
    });
    expect(handoff.status).toBe(200);
    expect((handoff.body.Attributes as Record<string, unknown>).checkpointOwner).toEqual({ S: "worker-a" });

    // evictLease: both owners as seen; the owners removed, the counter moved on; ALL_NEW read back.
    const evict = await kcl("UpdateItem", {
      TableName: table,
      Key: { leaseKey: { S: shard } },
      Expected: {
        leaseOwner: { Value: { S: "worker-b" } },
        checkpointOwner: { Value: { S: "worker-a" } },
        leaseKey: { Exists: true, Value: { S: shard } },
      },
      AttributeUpdates: {
        leaseOwner: { Action: "DELETE" },
        checkpointOwner: { Action: "DELETE" },
        // DELETE of an attribute that is not there is not an error.
        pendingCheckpoint: { Action: "DELETE" },
        leaseCounter: { Value: { N: "4" }, Action: "PUT" },
      },
      ReturnValues: "ALL_NEW",
    });
    expect(evict.status).toBe(200);
    const evicted = evict.body.Attributes as Record<string, unknown>;
    expect(evicted.leaseOwner).toBeUndefined();
    expect(evicted.checkpointOwner).toBeUndefined();
    expect(evicted.leaseCounter).toEqual({ N: "4" });
  });

  it("ADD of 1 to an absent counter creates it at 1; an UpdateItem with no Expected is an upsert", async () => {
    const table = APP();
    await createLeaseTable(table);
    const shard = "shardId-000000000002";
    const answer = await kcl("UpdateItem", {
      TableName: table,
      Key: { leaseKey: { S: shard } },
      AttributeUpdates: { leaseCounter: { Value: { N: "1" }, Action: "ADD" }, checkpoint: { Value: { S: "LATEST" }, Action: "PUT" } },
      ReturnValues: "ALL_NEW",
    });
    expect(answer.status).toBe(200);
    expect(answer.body.Attributes).toEqual({ leaseKey: { S: shard }, leaseCounter: { N: "1" }, checkpoint: { S: "LATEST" } });
  });

  it("a checkpoint: the sequence number, a pending checkpoint state in B, childShardIds as SS, then SHARD_END", async () => {
    const table = APP();
    await createLeaseTable(table);
    const shard = "shardId-000000000003";
    await createLease(table, { ...newLease(shard, "0", HASH_KEY_MAX), leaseOwner: { S: "worker-a" }, leaseCounter: { N: "7" } });
    const state = Buffer.from("pending state").toString("base64");
    const checkpoint = await kcl("UpdateItem", {
      TableName: table,
      Key: { leaseKey: { S: shard } },
      Expected: { leaseCounter: { Value: { N: "7" } } },
      AttributeUpdates: {
        leaseCounter: { Value: { N: "8" }, Action: "PUT" },
        checkpoint: { Value: { S: "49590338271490256608559692538361571095921575989136588898" }, Action: "PUT" },
        checkpointSubSequenceNumber: { Value: { N: "0" }, Action: "PUT" },
        pendingCheckpoint: { Value: { S: "49590338271490256608559692538361571095921575989136588899" }, Action: "PUT" },
        pendingCheckpointState: { Value: { B: state }, Action: "PUT" },
        childShardIds: { Value: { SS: ["shardId-000000000004", "shardId-000000000005"] }, Action: "PUT" },
        ownerSwitchesSinceCheckpoint: { Value: { N: "0" }, Action: "PUT" },
      },
    });
    expect(checkpoint.status).toBe(200);
    const lease = await getLease(table, shard);
    expect(lease).toMatchObject({
      pendingCheckpointState: { B: state },
      childShardIds: { SS: ["shardId-000000000004", "shardId-000000000005"] },
      checkpoint: { S: "49590338271490256608559692538361571095921575989136588898" },
    });
    const end = await kcl("UpdateItem", {
      TableName: table,
      Key: { leaseKey: { S: shard } },
      Expected: { leaseCounter: { Value: { N: "8" } } },
      AttributeUpdates: {
        leaseCounter: { Value: { N: "9" }, Action: "PUT" },
        checkpoint: { Value: { S: "SHARD_END" }, Action: "PUT" },
        pendingCheckpoint: { Action: "DELETE" },
        pendingCheckpointState: { Action: "DELETE" },
      },
    });
    expect(end.status).toBe(200);
    const ended = await getLease(table, shard);
    expect(ended?.checkpoint).toEqual({ S: "SHARD_END" });
    expect(ended?.pendingCheckpoint).toBeUndefined();
    expect(ended?.pendingCheckpointState).toBeUndefined();
  });

  it("3.x throughputKBps as Java's Double.toString writes it: exponents are numbers", async () => {
    const table = APP();
    await createLeaseTable(table);
    const shard = "shardId-000000000006";
    await createLease(table, newLease(shard, "0", HASH_KEY_MAX));
    for (const value of ["1.0E-4", "1.2345678E7", "0.0", "42.5"]) {
      const answer = await kcl("UpdateItem", {
        TableName: table,
        Key: { leaseKey: { S: shard } },
        AttributeUpdates: { throughputKBps: { Value: { N: value }, Action: "PUT" } },
        ReturnValues: "ALL_NEW",
      });
      expect(answer.status, value).toBe(200);
      expect(Number((answer.body.Attributes as { throughputKBps: { N: string } }).throughputKBps.N)).toBe(Number(value));
    }
  });

  it("mixing Expected with a ConditionExpression is refused, as DynamoDB refuses it", async () => {
    const table = APP();
    await createLeaseTable(table);
    const answer = await kcl("PutItem", {
      TableName: table,
      Item: newLease("shardId-000000000007", "0", HASH_KEY_MAX),
      Expected: { leaseKey: { Exists: false } },
      ConditionExpression: "attribute_not_exists(leaseKey)",
    });
    expect(answer.status).toBe(400);
    expect(answer.type).toBe("ValidationException");
    expect(answer.body.message).toBe(
      "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
    );
  });

  it("deleteLease: the key only, unconditional, a missing lease too", async () => {
    const table = APP();
    await createLeaseTable(table);
    await createLease(table, newLease("shardId-000000000008", "0", HASH_KEY_MAX));
    for (const shard of ["shardId-000000000008", "shardId-000000000008"]) {
      const answer = await kcl("DeleteItem", { TableName: table, Key: { leaseKey: { S: shard } } });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({});
    }
    expect(await getLease(table, "shardId-000000000008")).toBeUndefined();
  });
});

describe("listing leases", () => {
  /** 25 leases, half owned by each of two workers, one by nobody. */
  async function leaseTableWith25(): Promise<string> {
    const table = APP();
    await createLeaseTable(table);
    for (let n = 0; n < 25; n++) {
      const lease = newLease(`shardId-${String(n).padStart(12, "0")}`, String(n), String(n));
      if (n > 0) lease.leaseOwner = { S: n % 2 ? "worker-a" : "worker-b" };
      lease.streamName = { S: n < 10 ? "orders" : "payments" };
      expect((await createLease(table, lease)).status).toBe(200);
    }
    return table;
  }

  it("Scan pages by ExclusiveStartKey to the end, and the last page has no LastEvaluatedKey (KCL loops on it)", async () => {
    const table = await leaseTableWith25();
    const empty = await kcl("Scan", { TableName: table, Limit: 1 });
    expect(empty.body.Count).toBe(1);
    const seen: string[] = [];
    let start: unknown;
    for (let page = 0; page < 10; page++) {
      const answer = await kcl("Scan", { TableName: table, Limit: 10, ...(start ? { ExclusiveStartKey: start } : {}) });
      expect(answer.status).toBe(200);
      seen.push(...(answer.body.Items as { leaseKey: { S: string } }[]).map((item) => item.leaseKey.S));
      expect(answer.body.Count).toBe((answer.body.Items as unknown[]).length);
      start = answer.body.LastEvaluatedKey;
      if (!("LastEvaluatedKey" in answer.body)) break;
    }
    expect(start).toBeUndefined();
    expect(seen.sort()).toEqual(Array.from({ length: 25 }, (_, n) => `shardId-${String(n).padStart(12, "0")}`));
  });

  it("3.x parallel scan: Segment/TotalSegments with ConsistentRead split the table into disjoint parts that cover it", async () => {
    const table = await leaseTableWith25();
    const seen: string[] = [];
    for (let segment = 0; segment < 4; segment++) {
      let start: unknown;
      do {
        const answer = await kcl("Scan", {
          TableName: table,
          Segment: segment,
          TotalSegments: 4,
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        });
        expect(answer.status).toBe(200);
        seen.push(...(answer.body.Items as { leaseKey: { S: string } }[]).map((item) => item.leaseKey.S));
        start = answer.body.LastEvaluatedKey;
      } while (start);
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
  });

  it("multi-stream listLeasesForStream: FilterExpression streamName = :streamName", async () => {
    const table = await leaseTableWith25();
    const answer = await kcl("Scan", {
      TableName: table,
      FilterExpression: "streamName = :streamName",
      ExpressionAttributeValues: { ":streamName": { S: "orders" } },
    });
    expect(answer.status).toBe(200);
    expect(answer.body.Count).toBe(10);
    expect(answer.body.ScannedCount).toBe(25);
  });

  it("3.x listLeaseKeysForWorker: Query on the GSI by owner gives the keys, sparse (no unowned lease)", async () => {
    const table = await leaseTableWith25();
    await kcl("UpdateTable", {
      TableName: table,
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
    });
    const keys: string[] = [];
    let start: unknown;
    // GSIs are eventually consistent: the index may need a moment to hold all of the table.
    for (let attempt = 0; attempt < 50; attempt++) {
      keys.length = 0;
      start = undefined;
      do {
        const answer = await kcl("Query", {
          TableName: table,
          IndexName: "LeaseOwnerToLeaseKeyIndex",
          KeyConditionExpression: "leaseOwner = :leaseOwner",
          ExpressionAttributeValues: { ":leaseOwner": { S: "worker-a" } },
          Limit: 5,
          ...(start ? { ExclusiveStartKey: start } : {}),
        });
        expect(answer.status).toBe(200);
        for (const item of answer.body.Items as Record<string, { S: string }>[]) {
          // KEYS_ONLY: the table's key and the index's key, nothing else.
          expect(Object.keys(item).sort()).toEqual(["leaseKey", "leaseOwner"]);
          keys.push(item.leaseKey!.S);
        }
        start = answer.body.LastEvaluatedKey;
      } while (start);
      if (keys.length === 12) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(keys).toEqual(Array.from({ length: 12 }, (_, n) => `shardId-${String(2 * n + 1).padStart(12, "0")}`));

    const missingIndex = await kcl("Query", {
      TableName: table,
      IndexName: "NoSuchIndex",
      KeyConditionExpression: "leaseOwner = :leaseOwner",
      ExpressionAttributeValues: { ":leaseOwner": { S: "worker-a" } },
    });
    expect(missingIndex.status).toBe(400);
    expect(missingIndex.type).toBe("ValidationException");
  });
});

describe("3.x leader election (dynamodb-lock-client) and worker metrics (the enhanced client)", () => {
  it("the Leader lock: acquire if absent, heartbeat on the version, a stale heartbeat and release refused, release", async () => {
    const table = APP();
    await createLeaseTable(table);
    const lock = (rvn: string): Record<string, unknown> => ({
      leaseKey: { S: "Leader" },
      ownerName: { S: "worker-a" },
      leaseDuration: { S: "120000" },
      recordVersionNumber: { S: rvn },
      entityType: { S: "LEADER" },
    });
    const acquire = (rvn: string): Promise<DynamoAnswer> =>
      kcl("PutItem", { TableName: table, Item: lock(rvn), ConditionExpression: "attribute_not_exists(#pk)", ExpressionAttributeNames: { "#pk": "leaseKey" } });
    expect((await acquire("rvn-1")).status).toBe(200);
    const taken = await acquire("rvn-x");
    expect(taken.status).toBe(400);
    expect(taken.type).toBe("ConditionalCheckFailedException");

    const heartbeat = (rvn: string, next: string): Promise<DynamoAnswer> =>
      kcl("UpdateItem", {
        TableName: table,
        Key: { leaseKey: { S: "Leader" } },
        UpdateExpression: "SET #ld = :ld, #rvn = :newRvn",
        ConditionExpression: "attribute_exists(#pk) AND #rvn = :rvn AND #on = :on",
        ExpressionAttributeNames: { "#pk": "leaseKey", "#ld": "leaseDuration", "#rvn": "recordVersionNumber", "#on": "ownerName" },
        ExpressionAttributeValues: { ":ld": { S: "120000" }, ":newRvn": { S: next }, ":rvn": { S: rvn }, ":on": { S: "worker-a" } },
      });
    expect((await heartbeat("rvn-1", "rvn-2")).status).toBe(200);
    expect((await heartbeat("rvn-1", "rvn-3")).type).toBe("ConditionalCheckFailedException");

    // Taking over an expired lock: it exists and its version is the one last seen.
    const takeover = await kcl("PutItem", {
      TableName: table,
      Item: { ...lock("rvn-4"), ownerName: { S: "worker-b" } },
      ConditionExpression: "attribute_exists(#pk) AND #rvn = :rvn",
      ExpressionAttributeNames: { "#pk": "leaseKey", "#rvn": "recordVersionNumber" },
      ExpressionAttributeValues: { ":rvn": { S: "rvn-2" } },
    });
    expect(takeover.status).toBe(200);

    const release = (owner: string): Promise<DynamoAnswer> =>
      kcl("DeleteItem", {
        TableName: table,
        Key: { leaseKey: { S: "Leader" } },
        ConditionExpression: "attribute_exists(#pk) AND #rvn = :rvn AND #on = :on",
        ExpressionAttributeNames: { "#pk": "leaseKey", "#rvn": "recordVersionNumber", "#on": "ownerName" },
        ExpressionAttributeValues: { ":rvn": { S: "rvn-4" }, ":on": { S: owner } },
      });
    expect((await release("worker-a")).type).toBe("ConditionalCheckFailedException");
    expect((await release("worker-b")).status).toBe(200);
    expect(await getLease(table, "Leader")).toBeUndefined();
  });

  it("WorkerMetricStats: an upsert by SET of #AMZN_MAPPED_ names with ALL_NEW, M of L of N, an empty M, then the stale-worker delete", async () => {
    const table = APP();
    await createLeaseTable(table);
    const values = {
      ":AMZN_MAPPED_lut": { N: "1764979200" },
      ":AMZN_MAPPED_sts": { M: { CPU: { L: [{ N: "12.5" }, { N: "13.0" }] }, NETWORK_IN: { L: [] } } },
      ":AMZN_MAPPED_opr": { M: {} },
      ":AMZN_MAPPED_properties": { M: {} },
      ":AMZN_MAPPED_entityType": { S: "WORKER_METRIC_STATS" },
    };
    const update = await kcl("UpdateItem", {
      TableName: table,
      Key: { leaseKey: { S: "worker-a" } },
      UpdateExpression:
        "SET #AMZN_MAPPED_lut = :AMZN_MAPPED_lut, #AMZN_MAPPED_sts = :AMZN_MAPPED_sts, #AMZN_MAPPED_opr = :AMZN_MAPPED_opr, #AMZN_MAPPED_properties = :AMZN_MAPPED_properties, #AMZN_MAPPED_entityType = :AMZN_MAPPED_entityType",
      ExpressionAttributeNames: {
        "#AMZN_MAPPED_lut": "lut",
        "#AMZN_MAPPED_sts": "sts",
        "#AMZN_MAPPED_opr": "opr",
        "#AMZN_MAPPED_properties": "properties",
        "#AMZN_MAPPED_entityType": "entityType",
      },
      ExpressionAttributeValues: values,
      ReturnValues: "ALL_NEW",
    });
    expect(update.status).toBe(200);
    // Numbers come back in DynamoDB's own form: 13.0 is 13.
    const sts = { M: { CPU: { L: [{ N: "12.5" }, { N: "13" }] }, NETWORK_IN: { L: [] } } };
    expect(update.body.Attributes).toEqual({
      leaseKey: { S: "worker-a" },
      lut: values[":AMZN_MAPPED_lut"],
      sts,
      opr: { M: {} },
      properties: { M: {} },
      entityType: { S: "WORKER_METRIC_STATS" },
    });

    const listed = await kcl("Scan", {
      TableName: table,
      FilterExpression: "#et = :etVal",
      ExpressionAttributeNames: { "#et": "entityType" },
      ExpressionAttributeValues: { ":etVal": { S: "WORKER_METRIC_STATS" } },
    });
    expect(listed.body.Count).toBe(1);

    // deleteMetrics: a literal attribute name and a space before the parenthesis.
    const remove = await kcl("DeleteItem", {
      TableName: table,
      Key: { leaseKey: { S: "worker-a" } },
      ConditionExpression: "#key = :value AND attribute_exists (leaseKey)",
      ExpressionAttributeNames: { "#key": "lut" },
      ExpressionAttributeValues: { ":value": { N: "1764979200" } },
      ReturnValues: "ALL_OLD",
    });
    expect(remove.status).toBe(200);
    expect((remove.body.Attributes as Record<string, unknown>).sts).toEqual(sts);
  });

  it("3.5 migration: TransactWriteItems into the lease table, refused with its reasons when an entry is already there", async () => {
    const app = APP();
    const legacy = `${app}-CoordinatorState`;
    await createLeaseTable(app);
    await kcl("CreateTable", {
      TableName: legacy,
      KeySchema: [{ AttributeName: "key", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "key", AttributeType: "S" }],
      BillingMode: "PAY_PER_REQUEST",
      DeletionProtectionEnabled: false,
    });
    const migration = {
      cv: { S: "CLIENT_VERSION_3x" },
      mb: { S: "worker-a" },
      mts: { N: "1764979200000" },
      h: { L: [{ M: { cv: { S: "CLIENT_VERSION_2x" }, mb: { S: "worker-a" }, mts: { N: "1764970000000" } } }] },
    };
    expect((await kcl("PutItem", { TableName: legacy, Item: { key: { S: "Migration3.0" }, ...migration } })).status).toBe(200);
    const move = (): Promise<DynamoAnswer> =>
      kcl("TransactWriteItems", {
        TransactItems: [
          {
            Put: {
              TableName: app,
              Item: { leaseKey: { S: "Migration3.0" }, entityType: { S: "CLIENT_VERSION_MIGRATION" }, ...migration },
              ConditionExpression: "attribute_not_exists(leaseKey)",
            },
          },
          { Delete: { TableName: legacy, Key: { key: { S: "Migration3.0" } } } },
        ],
      });
    const moved = await move();
    expect(moved.status).toBe(200);
    expect((await getLease(app, "Migration3.0"))?.h).toEqual(migration.h);
    const legacyLeft = await kcl("GetItem", { TableName: legacy, Key: { key: { S: "Migration3.0" } }, ConsistentRead: true });
    expect(legacyLeft.body).toEqual({});

    const again = await move();
    expect(again.status).toBe(400);
    expect(again.type).toBe("TransactionCanceledException");
    expect(again.body.message).toBe("Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]");
    expect(again.body.CancellationReasons).toEqual([{ Code: "ConditionalCheckFailed", Message: "The conditional request failed" }, { Code: "None" }]);
  });
});

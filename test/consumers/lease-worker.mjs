// A consumer worker in the spirit of KCL, as a process of its own so a test can kill -9 it.
// It keeps its leases and checkpoints in a DynamoDB lease table the way KCL's lease refresher
// does (legacy Expected/AttributeUpdates on leaseCounter, ../shared/KCL-DYNAMODB-FACTS.md §3.1):
// every lease write is conditional on the counter last seen, a lease whose counter has not
// moved for LEASE_MS is expired and may be taken, a worker over its fair share gives one up to
// a worker under it by being stolen from. It reads its shards by GetRecords from the checkpoint
// and prints what it processed, one JSON line per event, on stdout.
//
//   node lease-worker.mjs <endpoint> <stream> <lease table> <worker id>
import { CreateTableCommand, DynamoDBClient, PutItemCommand, ScanCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from "@aws-sdk/client-kinesis";

const [endpoint, stream, table, me] = process.argv.slice(2);
const LEASE_MS = 3_000;
const TICK_MS = 500;
const credentials = { accessKeyId: "AKIDTEST", secretAccessKey: "test-secret" };
const kinesis = new KinesisClient({ endpoint, region: "us-east-1", credentials });
const dynamo = new DynamoDBClient({ endpoint, region: "us-east-1", credentials });

const say = (event) => process.stdout.write(`${JSON.stringify({ worker: me, ...event })}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const conditionFailed = (error) => error?.name === "ConditionalCheckFailedException";

/** The leases this worker holds: shard → { counter, checkpoint, busy }. */
const held = new Map();
/** What each lease's counter was when first seen at that value, to tell an expired lease. */
const seen = new Map();

async function createLeaseTable() {
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: "leaseKey", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "leaseKey", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  } catch (error) {
    if (error?.name !== "ResourceInUseException") throw error;
  }
}

async function createLeases() {
  const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  for (const shard of Shards) {
    const item = {
      leaseKey: { S: shard.ShardId },
      leaseCounter: { N: "0" },
      checkpoint: { S: "TRIM_HORIZON" },
      ownerSwitchesSinceCheckpoint: { N: "0" },
      startingHashKey: { S: shard.HashKeyRange.StartingHashKey },
      endingHashKey: { S: shard.HashKeyRange.EndingHashKey },
    };
    try {
      await dynamo.send(new PutItemCommand({ TableName: table, Item: item, Expected: { leaseKey: { Exists: false } } }));
    } catch (error) {
      if (!conditionFailed(error)) throw error;
    }
  }
}

/** One conditional write of a held lease: the counter as last seen, moved on by one. */
async function writeLease(shard, updates) {
  const lease = held.get(shard);
  if (!lease) return false;
  const next = lease.counter + 1;
  try {
    await dynamo.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { leaseKey: { S: shard } },
        Expected: { leaseCounter: { Value: { N: String(lease.counter) } }, leaseOwner: { Value: { S: me } } },
        AttributeUpdates: { ...updates, leaseCounter: { Value: { N: String(next) }, Action: "PUT" } },
      }),
    );
    lease.counter = next;
    return true;
  } catch (error) {
    if (!conditionFailed(error)) throw error;
    held.delete(shard);
    say({ event: "lost", shard });
    return false;
  }
}

/** Lease writes of one lease go one at a time, so the counter this process knows stays true. */
function serially(shard, write) {
  const lease = held.get(shard);
  if (!lease) return Promise.resolve(false);
  const run = lease.queue.then(write, write);
  lease.queue = run.catch(() => undefined);
  return run;
}

async function take(lease) {
  const counter = Number(lease.leaseCounter.N);
  try {
    await dynamo.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { leaseKey: lease.leaseKey },
        Expected: { leaseCounter: { Value: { N: String(counter) } } },
        AttributeUpdates: {
          leaseOwner: { Value: { S: me }, Action: "PUT" },
          leaseCounter: { Value: { N: String(counter + 1) }, Action: "PUT" },
          ownerSwitchesSinceCheckpoint: { Value: { N: "1" }, Action: "ADD" },
        },
      }),
    );
  } catch (error) {
    if (conditionFailed(error)) return;
    throw error;
  }
  const shard = lease.leaseKey.S;
  const checkpoint = lease.checkpoint.S;
  held.set(shard, { counter: counter + 1, checkpoint, queue: Promise.resolve() });
  say({ event: "took", shard, checkpoint, from: lease.leaseOwner?.S ?? null });
  void consume(shard);
}

/** Renews what it holds, then takes expired leases and, under its fair share, steals one. */
async function leaseTick() {
  await Promise.all([...held.keys()].map((shard) => serially(shard, () => writeLease(shard, {}))));
  const { Items } = await dynamo.send(new ScanCommand({ TableName: table, ConsistentRead: true }));
  const now = Date.now();
  const expired = [];
  const byOwner = new Map([[me, 0]]);
  for (const lease of Items) {
    const shard = lease.leaseKey.S;
    const counter = lease.leaseCounter.N;
    const last = seen.get(shard);
    if (!last || last.counter !== counter) seen.set(shard, { counter, since: now });
    const owner = lease.leaseOwner?.S;
    const stale = !owner || (owner === me && !held.has(shard)) || (last && last.counter === counter && now - last.since > LEASE_MS);
    if (owner === me && held.has(shard)) byOwner.set(me, byOwner.get(me) + 1);
    else if (stale) expired.push(lease);
    else byOwner.set(owner, (byOwner.get(owner) ?? 0) + 1);
  }
  const target = Math.ceil(Items.length / byOwner.size);
  let mine = byOwner.get(me);
  for (const lease of expired) {
    if (mine >= target) break;
    await take(lease);
    mine = held.size;
  }
  if (mine < target) {
    const [richest, count] = [...byOwner].filter(([owner]) => owner !== me).sort((a, b) => b[1] - a[1])[0] ?? [];
    if (richest && count > target) {
      const victim = Items.find((lease) => lease.leaseOwner?.S === richest);
      if (victim) await take(victim);
    }
  }
  say({ event: "leases", held: [...held.keys()].sort() });
}

/** Reads a held shard from its checkpoint, prints each record, checkpoints after each batch. */
async function consume(shard) {
  const lease = held.get(shard);
  try {
    await consumeLease(shard, lease);
  } catch (error) {
    // As KCL does: the lease is given up, and taken again (from its checkpoint) by whoever is free.
    say({ event: "error", shard, message: String(error) });
    if (held.get(shard) === lease) held.delete(shard);
  }
}

async function consumeLease(shard, lease) {
  const start =
    lease.checkpoint === "TRIM_HORIZON"
      ? { ShardIteratorType: "TRIM_HORIZON" }
      : { ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: lease.checkpoint };
  let { ShardIterator: iterator } = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard, ...start }));
  while (held.get(shard) === lease && iterator) {
    const answer = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
    if (held.get(shard) !== lease) return;
    for (const record of answer.Records) say({ event: "record", shard, seq: record.SequenceNumber, data: Buffer.from(record.Data).toString() });
    const last = answer.Records.at(-1);
    if (last) {
      // Said before the write: a kill -9 after the table took it and before its answer was read
      // leaves this the lease's checkpoint with no "checkpoint" line after it.
      say({ event: "checkpointing", shard, seq: last.SequenceNumber });
      const checkpointed = await serially(shard, () => writeLease(shard, { checkpoint: { Value: { S: last.SequenceNumber }, Action: "PUT" } }));
      if (!checkpointed) return;
      say({ event: "checkpoint", shard, seq: last.SequenceNumber });
    } else await sleep(100);
    iterator = answer.NextShardIterator;
  }
}

await createLeaseTable();
await createLeases();
say({ event: "started" });
for (;;) {
  try {
    await leaseTick();
  } catch (error) {
    say({ event: "error", message: String(error) });
  }
  await sleep(TICK_MS);
}

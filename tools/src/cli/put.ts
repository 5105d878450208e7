import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from "@aws-sdk/client-kinesis";
import { emit, kinesisClient, parseVerbArgs, runVerb, UsageError } from "./common.js";

export const PUT_USAGE = `usage: kinesis-nats put STREAM [DATA...] [--partition-key K | --key-field F]

Puts each DATA argument as a record; with none, each line of stdin. Records go in PutRecords
batches (500 records or 5 MiB); entries the service refuses (throttled, internal) are retried.
  --partition-key K   every record's partition key (default: a random one per record)
  --key-field F       each line is JSON: its field F (text or number) is the partition key`;

const OPTIONS = { "partition-key": { type: "string" }, "key-field": { type: "string" } } as const;

const MAX_BATCH_RECORDS = 500;
const MAX_BATCH_BYTES = 5 * 1024 * 1024;
/** A batch is sent this long after its first record when no more arrive: lines typed by hand go out as they come. */
const LINGER_MS = 50;
const MAX_ATTEMPTS = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Exponential back-off with full jitter, capped at 2 s. */
const backoffMs = (attempt: number): number => Math.random() * Math.min(2_000, 50 * 2 ** attempt);

type KeyOf = (line: string, index: number) => string;

function keyChooser(partitionKey: string | undefined, keyField: string | undefined): KeyOf {
  if (partitionKey !== undefined && keyField !== undefined) throw new UsageError("--partition-key and --key-field: one or the other");
  if (partitionKey !== undefined) return () => partitionKey;
  if (keyField === undefined) return () => randomUUID();
  return (line, index) => {
    let value: unknown;
    try {
      value = (JSON.parse(line) as Record<string, unknown>)[keyField];
    } catch {
      throw new Error(`record ${index + 1} is not JSON, so it has no field ${keyField}: ${line.slice(0, 80)}`);
    }
    if (typeof value !== "string" && typeof value !== "number") throw new Error(`record ${index + 1} has no text or number field ${keyField}`);
    return String(value);
  };
}

/** Where the records went: per shard, and how many entries had to be sent again. */
interface PutTally {
  records: number;
  retried: number;
  shards: Record<string, number>;
}

/** Sends one batch, sending the entries refused again until every one is stored. */
async function putBatch(kinesis: KinesisClient, streamName: string, entries: PutRecordsRequestEntry[], tally: PutTally): Promise<void> {
  let pending = entries;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt === MAX_ATTEMPTS) throw new Error(`${pending.length} records still refused after ${MAX_ATTEMPTS} attempts`);
    if (attempt > 0) await sleep(backoffMs(attempt));
    const { Records = [] } = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: pending }));
    const refused: PutRecordsRequestEntry[] = [];
    Records.forEach((result, i) => {
      if (result.ErrorCode) refused.push(pending[i]!);
      else tally.shards[result.ShardId!] = (tally.shards[result.ShardId!] ?? 0) + 1;
    });
    tally.records += pending.length - refused.length;
    tally.retried += refused.length;
    pending = refused;
  }
}

/** Records in, PutRecords batches out, one batch in flight at a time so that order per key is kept. */
export class Batcher {
  private batch: PutRecordsRequestEntry[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  readonly tally: PutTally = { records: 0, retried: 0, shards: {} };

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
  ) {}

  /** Resolves when the record is queued; waits for the batch before to be sent when this one is full. */
  async add(data: Uint8Array, partitionKey: string, explicitHashKey?: string): Promise<void> {
    const size = data.length + Buffer.byteLength(partitionKey);
    if (this.batch.length === MAX_BATCH_RECORDS || this.bytes + size > MAX_BATCH_BYTES) await this.flush();
    this.batch.push({ Data: data, PartitionKey: partitionKey, ...(explicitHashKey !== undefined && { ExplicitHashKey: explicitHashKey }) });
    this.bytes += size;
    this.timer ??= setTimeout(() => void this.flush().catch(() => undefined), LINGER_MS);
  }

  /** Sends what is queued after the batches before it; rejects with the first failure. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const entries = this.batch;
    this.batch = [];
    this.bytes = 0;
    this.sending = this.sending.then(() => (entries.length > 0 ? putBatch(this.kinesis, this.streamName, entries, this.tally) : undefined));
    return this.sending;
  }
}

async function* stdinLines(): AsyncGenerator<string> {
  for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) if (line !== "") yield line;
}

async function* argumentsOf(data: string[]): AsyncGenerator<string> {
  yield* data;
}

async function put(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseVerbArgs(argv, OPTIONS);
  const [streamName, ...data] = positionals;
  if (!streamName) throw new UsageError("put: which stream?");
  const keyOf = keyChooser(values["partition-key"], values["key-field"]);
  const kinesis = kinesisClient(values.endpoint);
  const batcher = new Batcher(kinesis, streamName);
  try {
    let index = 0;
    for await (const line of data.length > 0 ? argumentsOf(data) : stdinLines()) {
      await batcher.add(Buffer.from(line), keyOf(line, index++));
    }
    await batcher.flush();
  } finally {
    kinesis.destroy();
  }
  const { tally } = batcher;
  emit(values.json, { StreamName: streamName, Records: tally.records, Retried: tally.retried, Shards: tally.shards }, () => {
    const perShard = Object.entries(tally.shards).map(([shard, count]) => `${shard}: ${count}`);
    return `put ${tally.records} record${tally.records === 1 ? "" : "s"} to ${streamName}${perShard.length ? ` (${perShard.join(", ")})` : ""}`;
  });
}

/** `kinesis-nats put ...`. */
export const runPut = (argv: readonly string[]): Promise<void> => runVerb(PUT_USAGE, argv, put);

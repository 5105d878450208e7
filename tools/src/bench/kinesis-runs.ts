import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordsCommand,
  SubscribeToShardCommand,
  type KinesisClient,
  type PutRecordsRequestEntry,
  type StartingPosition,
} from "@aws-sdk/client-kinesis";
import type { BenchStream } from "./kinesis-target.js";
import { msSince, partitionKey, readStamp, RecordMaker } from "./record-stamp.js";
import { DeliveryTally } from "./stats.js";
import { ReadLoops, type Reader } from "./reader.js";

/**
 * The workloads through the Kinesis API: publish-only by PutRecords, replay by GetRecords, and
 * the two ways an application reads as records arrive (GetRecords polling, SubscribeToShard).
 */
export interface PublishPlan {
  readonly run: number;
  readonly recordBytes: number;
  readonly batch: number;
  readonly inFlight: number;
  readonly seconds: number;
}

export interface PublishOutcome {
  /** Records written, acknowledged: indices 0 … written-1. */
  readonly written: number;
  readonly seconds: number;
  /** Per record, ms from its send to its acknowledgement. */
  readonly latencies: number[];
  /** Records refused by the endpoint and sent again. */
  readonly retried: number;
  /** Per shard: how many records went there and the sequence number of the first. */
  readonly shards: ReadonlyMap<string, { count: number; first: string }>;
}

/** Per-record errors worth sending again, as the KPL does. */
const RETRYABLE = new Set(["ProvisionedThroughputExceededException", "InternalFailure", "KMSThrottlingException"]);
const MAX_ATTEMPTS = 10;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * One PutRecords request, and again for the records it refused for throughput (as the KPL
 * does), until all are stored; `stored` hears of each. Resolves to the count sent again.
 */
export async function putRecords(
  client: KinesisClient,
  streamName: string,
  entries: PutRecordsRequestEntry[],
  stored: (entry: PutRecordsRequestEntry, shardId: string, sequence: string) => void,
): Promise<number> {
  let retried = 0;
  for (let attempt = 1; entries.length > 0; attempt++) {
    const out = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: entries }));
    const again: PutRecordsRequestEntry[] = [];
    (out.Records ?? []).forEach((result, i) => {
      if (!result.ErrorCode) stored(entries[i]!, result.ShardId!, result.SequenceNumber!);
      else if (RETRYABLE.has(result.ErrorCode) && attempt < MAX_ATTEMPTS) again.push(entries[i]!);
      else throw new Error(`PutRecords refused a record: ${result.ErrorCode}: ${result.ErrorMessage}`);
    });
    retried += again.length;
    entries = again;
    if (entries.length > 0) await sleep(Math.min(1000, 25 * 2 ** attempt));
  }
  return retried;
}

/** PutRecords as fast as `inFlight` requests of `batch` records allow, for `seconds`. */
export async function kinesisPublish(client: KinesisClient, stream: BenchStream, plan: PublishPlan): Promise<PublishOutcome> {
  const maker = new RecordMaker(plan.recordBytes);
  const latencies: number[] = [];
  const shards = new Map<string, { count: number; first: string }>();
  let next = 0;
  let retried = 0;
  const started = performance.now();
  const deadline = started + plan.seconds * 1000;

  const noteStored = (shardId: string, sequence: string): void => {
    const shard = shards.get(shardId);
    if (!shard) shards.set(shardId, { count: 1, first: sequence });
    else {
      shard.count++;
      if (BigInt(sequence) < BigInt(shard.first)) shard.first = sequence;
    }
  };

  await Promise.all(
    Array.from({ length: plan.inFlight }, async () => {
      while (performance.now() < deadline) {
        const first = next;
        next += plan.batch;
        const entries = Array.from({ length: plan.batch }, (_, i) => ({
          PartitionKey: partitionKey(plan.run, first + i),
          Data: maker.make(plan.run, first + i),
        }));
        retried += await putRecords(client, stream.name, entries, (entry, shardId, sequence) => {
          noteStored(shardId, sequence);
          latencies.push(msSince(readStamp(entry.Data!)!.sentNs));
        });
      }
    }),
  );
  return { written: next, seconds: (performance.now() - started) / 1000, latencies, retried, shards };
}

/** At most 10 MiB per GetRecords answer: ask for no more records than fit. */
const limitFor = (recordBytes: number): number => Math.max(1, Math.min(10_000, Math.floor((10 * 1024 * 1024) / recordBytes)));

/** Reads back what a publish run stored, every shard at once, from each shard's first record of the run. */
export async function kinesisReplay(
  client: KinesisClient,
  stream: BenchStream,
  run: number,
  recordBytes: number,
  published: PublishOutcome,
): Promise<{ seconds: number; tally: DeliveryTally }> {
  const tally = new DeliveryTally(published.written);
  const started = performance.now();
  await Promise.all(
    [...published.shards].map(async ([shardId, { count, first }]) => {
      let iterator = (
        await client.send(
          new GetShardIteratorCommand({ StreamName: stream.name, ShardId: shardId, ShardIteratorType: "AT_SEQUENCE_NUMBER", StartingSequenceNumber: first }),
        )
      ).ShardIterator;
      let seen = 0;
      while (iterator && seen < count) {
        const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limitFor(recordBytes) }));
        for (const record of out.Records ?? []) {
          const stamp = readStamp(record.Data!);
          if (stamp?.run !== run) continue;
          tally.record(stamp.index);
          seen++;
        }
        // Caught up with nothing more to read: whatever is still missing is not there.
        if ((out.Records?.length ?? 0) === 0 && out.MillisBehindLatest === 0) break;
        iterator = out.NextShardIterator;
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000, tally };
}

/** An application polling every shard with GetRecords, pausing `pollMs` between calls, as KCL's polling mode does. */
export function pollingApplication(client: KinesisClient, stream: BenchStream, pollMs: number): Reader {
  let running = false;
  const loops = new ReadLoops();
  return {
    async start(deliver) {
      running = true;
      const iterators = await Promise.all(
        stream.shardIds.map(
          async (ShardId) => (await client.send(new GetShardIteratorCommand({ StreamName: stream.name, ShardId, ShardIteratorType: "LATEST" }))).ShardIterator,
        ),
      );
      for (let iterator of iterators) {
        loops.add(
          (async () => {
            while (running && iterator) {
              const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
              for (const record of out.Records ?? []) deliver(record.Data!);
              iterator = out.NextShardIterator;
              await sleep(pollMs);
            }
          })(),
        );
      }
    },
    async stop() {
      running = false;
      await loops.settle();
    },
  };
}

/** Within 5 s of a subscription of the same consumer and shard, Kinesis refuses a new one: try again for a while. */
async function retryInUse<T>(call: () => Promise<T>): Promise<T> {
  for (const deadline = Date.now() + 10_000; ;) {
    try {
      return await call();
    } catch (error) {
      if ((error as Error).name !== "ResourceInUseException" || Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

/**
 * An application reading every shard by SubscribeToShard as a registered consumer. A
 * subscription ends after 5 minutes; it subscribes again after the last record it had.
 */
export function subscribingApplication(client: KinesisClient, stream: BenchStream, consumerArn: string): Reader {
  const controller = new AbortController();
  const loops = new ReadLoops();
  const subscribe = (ShardId: string, StartingPosition: StartingPosition) =>
    retryInUse(() => client.send(new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId, StartingPosition }), { abortSignal: controller.signal }));
  return {
    async start(deliver) {
      const first = await Promise.all(stream.shardIds.map((shardId) => subscribe(shardId, { Type: "LATEST" })));
      stream.shardIds.forEach((shardId, i) => {
        const read = async (): Promise<void> => {
          let subscription = first[i]!;
          for (;;) {
            let continuation: string | undefined;
            for await (const event of subscription.EventStream!) {
              for (const record of event.SubscribeToShardEvent?.Records ?? []) deliver(record.Data!);
              continuation = event.SubscribeToShardEvent?.ContinuationSequenceNumber ?? continuation;
            }
            if (controller.signal.aborted || !continuation) return;
            subscription = await subscribe(shardId, { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: continuation });
          }
        };
        // Aborting the subscriptions at the end is how they stop, not a failure.
        loops.add(
          read().catch((error: unknown) => {
            if (!controller.signal.aborted) throw error;
          }),
        );
      });
    },
    async stop() {
      controller.abort();
      await loops.settle();
    },
  };
}

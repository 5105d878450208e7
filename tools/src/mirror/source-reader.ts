import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  SubscribeToShardCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  type StartingPosition,
  type SubscribeToShardEventStream,
  type _Record,
} from "@aws-sdk/client-kinesis";
import { sleep, withThrottleRetry } from "./backoff.js";
import type { MirrorStart } from "./position-store.js";

/** One read of a source shard. */
export interface ReadBatch {
  readonly records: readonly _Record[];
  readonly millisBehindLatest?: number;
  /** The shard is closed and this was its last read. */
  readonly ended: boolean;
}

export interface ShardReader {
  next(): Promise<ReadBatch>;
  close(): void;
}

/** Where a reader begins: after the last copied record, or at the mirror's start. */
export type ReadFrom = { readonly after: string } | MirrorStart;

export interface ReaderContext {
  readonly client: KinesisClient;
  readonly stream: string;
  readonly pollMs: number;
  readonly signal: AbortSignal;
  onThrottle(): void;
}

const LIMIT = 10_000;

function iteratorInput(stream: string, shardId: string, from: ReadFrom): GetShardIteratorCommandInput {
  if ("after" in from) return { StreamName: stream, ShardId: shardId, ShardIteratorType: "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber: from.after };
  if (from.type === "AT_TIMESTAMP") return { StreamName: stream, ShardId: shardId, ShardIteratorType: "AT_TIMESTAMP", Timestamp: new Date(from.timestamp!) };
  return { StreamName: stream, ShardId: shardId, ShardIteratorType: "TRIM_HORIZON" };
}

const lastSequenceOf = (records: readonly _Record[], previous: string | undefined): string | undefined =>
  records.length > 0 ? records[records.length - 1]!.SequenceNumber : previous;

/** GetRecords, as KCL's polling reader does: an iterator renewed when it expires, a pause after an empty read. */
export function pollingReader(ctx: ReaderContext, shardId: string, from: ReadFrom): ShardReader {
  let iterator: string | undefined;
  let last = "after" in from ? from.after : undefined;
  let idle = false;
  const newIterator = async (): Promise<string | undefined> => {
    const input = iteratorInput(ctx.stream, shardId, last === undefined ? from : { after: last });
    return (await withThrottleRetry(() => ctx.client.send(new GetShardIteratorCommand(input)), ctx.onThrottle, ctx.signal)).ShardIterator;
  };
  return {
    async next() {
      if (idle) await sleep(ctx.pollMs, ctx.signal);
      iterator ??= await newIterator();
      let out;
      try {
        out = await withThrottleRetry(() => ctx.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: LIMIT })), ctx.onThrottle, ctx.signal);
      } catch (error) {
        if ((error as Error).name !== "ExpiredIteratorException") throw error;
        iterator = undefined;
        return { records: [], ended: false };
      }
      const records = out.Records ?? [];
      last = lastSequenceOf(records, last);
      iterator = out.NextShardIterator;
      idle = records.length === 0;
      return { records, ended: iterator === undefined, ...(out.MillisBehindLatest !== undefined && { millisBehindLatest: out.MillisBehindLatest }) };
    },
    close() {},
  };
}

const RESUBSCRIBE_RETRY_MS = 1000;

function startingPosition(from: ReadFrom): StartingPosition {
  if ("after" in from) return { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: from.after };
  if (from.type === "AT_TIMESTAMP") return { Type: "AT_TIMESTAMP", Timestamp: new Date(from.timestamp!) };
  return { Type: "TRIM_HORIZON" };
}

/**
 * SubscribeToShard as a registered consumer. A subscription ends after five minutes (or when the
 * connection drops); the reader subscribes again after the last record it delivered, waiting
 * out the ResourceInUseException of a subscription the service has not yet let go.
 */
export function fanOutReader(ctx: ReaderContext, consumerArn: string, shardId: string, from: ReadFrom): ShardReader {
  let events: AsyncIterator<SubscribeToShardEventStream> | undefined;
  let continuation = "after" in from ? from.after : undefined;
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  ctx.signal.addEventListener("abort", abort, { once: true });
  const subscribe = async (): Promise<AsyncIterator<SubscribeToShardEventStream>> => {
    for (;;) {
      try {
        const StartingPosition = startingPosition(continuation === undefined ? from : { after: continuation });
        const command = new SubscribeToShardCommand({ ConsumerARN: consumerArn, ShardId: shardId, StartingPosition });
        const out = await withThrottleRetry(() => ctx.client.send(command, { abortSignal: controller.signal }), ctx.onThrottle, ctx.signal);
        return out.EventStream![Symbol.asyncIterator]();
      } catch (error) {
        if ((error as Error).name !== "ResourceInUseException" || ctx.signal.aborted) throw error;
        await sleep(RESUBSCRIBE_RETRY_MS, ctx.signal);
      }
    }
  };
  return {
    async next() {
      events ??= await subscribe();
      const { value, done } = await events.next();
      const event = done ? undefined : value.SubscribeToShardEvent;
      if (!event) {
        // The subscription's end (its lifetime, or another event type): the next read subscribes again.
        events = undefined;
        return { records: [], ended: false };
      }
      const records = event.Records ?? [];
      continuation = event.ContinuationSequenceNumber ?? lastSequenceOf(records, continuation);
      return {
        records,
        ended: (event.ChildShards?.length ?? 0) > 0,
        ...(event.MillisBehindLatest !== undefined && { millisBehindLatest: event.MillisBehindLatest }),
      };
    },
    close() {
      ctx.signal.removeEventListener("abort", abort);
      controller.abort();
    },
  };
}

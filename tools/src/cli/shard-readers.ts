import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  SubscribeToShardCommand,
  type _Record,
  type KinesisClient,
  type StartingPosition,
} from "@aws-sdk/client-kinesis";

/**
 * Reading one shard to its end (or until stopped), by GetRecords polling or by enhanced fan-out.
 * Both resolve once a closed shard is read to its end, and when the signal aborts.
 */
export type OnRecords = (shardId: string, records: readonly _Record[]) => void;

export interface ShardReader {
  read(shardId: string, start: StartingPosition, onRecords: OnRecords, signal: AbortSignal): Promise<void>;
}

/** Kinesis allows five GetRecords a second per shard: a caught-up reader asks four times. */
const POLL_MS = 250;
/** A subscription to a shard that one just ended may still count as in use for a moment. */
const RESUBSCRIBE_MS = 1_000;
const THROTTLED = new Set(["ProvisionedThroughputExceededException", "LimitExceededException", "KMSThrottlingException"]);

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

const isAbort = (error: unknown, signal: AbortSignal): boolean => signal.aborted || (error as Error).name === "AbortError";

/** Where to go on after the last record read (or the starting position, if none was). */
const after = (last: string | undefined, start: StartingPosition): StartingPosition => (last ? { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: last } : start);

export class PollingReader implements ShardReader {
  /** `stopAtTip`: an open shard is done once read to its newest record, instead of followed. */
  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
    private readonly stopAtTip = false,
  ) {}

  private async iterator(shardId: string, position: StartingPosition, signal: AbortSignal): Promise<string | undefined> {
    const answer = await this.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: this.streamName,
        ShardId: shardId,
        ShardIteratorType: position.Type,
        StartingSequenceNumber: position.SequenceNumber,
        Timestamp: position.Timestamp,
      }),
      { abortSignal: signal },
    );
    return answer.ShardIterator;
  }

  async read(shardId: string, start: StartingPosition, onRecords: OnRecords, signal: AbortSignal): Promise<void> {
    let last: string | undefined;
    try {
      let iterator = await this.iterator(shardId, start, signal);
      while (iterator && !signal.aborted) {
        let answer;
        try {
          answer = await this.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }), { abortSignal: signal });
        } catch (error) {
          const name = (error as Error).name;
          if (THROTTLED.has(name)) await sleep(POLL_MS * 4 * Math.random() + POLL_MS, signal);
          else if (name !== "ExpiredIteratorException") throw error;
          iterator = await this.iterator(shardId, after(last, start), signal);
          continue;
        }
        const records = answer.Records ?? [];
        if (records.length > 0) {
          last = records.at(-1)!.SequenceNumber;
          onRecords(shardId, records);
        }
        iterator = answer.NextShardIterator;
        if (iterator && records.length === 0) {
          if (this.stopAtTip && answer.MillisBehindLatest === 0) return;
          await sleep(POLL_MS, signal);
        }
      }
    } catch (error) {
      if (!isAbort(error, signal)) throw error;
    }
  }
}

/** SubscribeToShard through a registered consumer; a subscription lasts minutes, then the next one goes on from where it ended. */
export class FanOutReader implements ShardReader {
  constructor(
    private readonly kinesis: KinesisClient,
    private readonly consumerArn: string,
  ) {}

  async read(shardId: string, start: StartingPosition, onRecords: OnRecords, signal: AbortSignal): Promise<void> {
    let position = start;
    try {
      while (!signal.aborted) {
        let continuation: string | null | undefined;
        try {
          continuation = await this.subscription(shardId, position, onRecords, signal);
        } catch (error) {
          if (isAbort(error, signal) || (error as Error).name !== "ResourceInUseException") throw error;
          await sleep(RESUBSCRIBE_MS, signal);
          continue;
        }
        // No continuation: the shard is closed and every record of it delivered.
        if (continuation === null) return;
        if (continuation !== undefined) position = { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: continuation };
      }
    } catch (error) {
      if (!isAbort(error, signal)) throw error;
    }
  }

  /** One subscription: the last continuation sequence number, or null once the shard has ended. */
  private async subscription(shardId: string, position: StartingPosition, onRecords: OnRecords, signal: AbortSignal): Promise<string | null | undefined> {
    const answer = await this.kinesis.send(new SubscribeToShardCommand({ ConsumerARN: this.consumerArn, ShardId: shardId, StartingPosition: position }), {
      abortSignal: signal,
    });
    let continuation: string | undefined;
    for await (const event of answer.EventStream ?? []) {
      const shardEvent = event.SubscribeToShardEvent;
      if (!shardEvent) continue;
      if (shardEvent.Records?.length) onRecords(shardId, shardEvent.Records);
      if (!shardEvent.ContinuationSequenceNumber) return null;
      continuation = shardEvent.ContinuationSequenceNumber;
    }
    return continuation;
  }
}

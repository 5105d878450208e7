import type { _Record, KinesisClient, Shard, StartingPosition } from "@aws-sdk/client-kinesis";
import { kinesisClient, parseVerbArgs, runVerb, UsageError, wholeNumber } from "./common.js";
import { consumerArnOf } from "./consumer.js";
import { isClosed, readyShards } from "./lineage.js";
import { isDataFormat, printedRecord, recordLine, type DataFormat } from "./record-format.js";
import { FanOutReader, PollingReader, type ShardReader } from "./shard-readers.js";
import { listAllShards } from "./streams.js";

export const TAIL_USAGE = `usage: kinesis-nats tail STREAM [--from LATEST|TRIM_HORIZON|TIME] [--format text|base64|hex]
                         [--consumer NAME] [--max N] [--idle-exit MS]

Prints the records of every shard as they arrive, following reshards: a child shard is read
once its parents are read to their end, so each partition key's records keep their order.
Each line is shard, partition key and data, tab-separated; --json prints one object a line
(shardId, sequenceNumber, partitionKey, arrival, data).
  --from       LATEST (default), TRIM_HORIZON, or a time (ISO 8601, e.g. 2026-01-31T12:00:00Z)
  --format     how data is printed (default text, as UTF-8)
  --consumer   read through enhanced fan-out as this registered consumer (registered if missing)
  --max        stop after N records
  --idle-exit  stop once no record came for MS milliseconds`;

const OPTIONS = {
  from: { type: "string", default: "LATEST" },
  format: { type: "string", default: "text" },
  consumer: { type: "string" },
  max: { type: "string" },
  "idle-exit": { type: "string" },
} as const;

/** How often the shard list is read again to find the children of a reshard. */
const DISCOVERY_MS = 1_000;

function startingPosition(from: string): StartingPosition {
  if (from === "LATEST" || from === "TRIM_HORIZON") return { Type: from };
  const time = Date.parse(from);
  if (Number.isNaN(time)) throw new UsageError(`--from must be LATEST, TRIM_HORIZON or a time: ${from}`);
  return { Type: "AT_TIMESTAMP", Timestamp: new Date(time) };
}

interface TailOptions {
  readonly start: StartingPosition;
  readonly format: DataFormat;
  readonly json: boolean;
  readonly max?: number;
  readonly idleExitMs?: number;
}

/** Follows a stream's shards, starting each once its parents are done, until stopped. */
class Tail {
  private readonly started = new Set<string>();
  private readonly finished = new Set<string>();
  private readonly knownAtStart = new Set<string>();
  private readonly controller = new AbortController();
  private readonly readings: Promise<void>[] = [];
  private printed = 0;
  private lastRecordAt = Date.now();
  private failure: unknown;
  /** Ends the wait for the next listing of the shards. */
  private wake: () => void = () => undefined;

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly streamName: string,
    private readonly reader: ShardReader,
    private readonly options: TailOptions,
  ) {}

  stop(): void {
    this.controller.abort();
  }

  private print(shardId: string, records: readonly _Record[]): void {
    for (const record of records) {
      if (this.stopped) return;
      const printed = printedRecord(shardId, record, this.options.format);
      process.stdout.write(`${this.options.json ? JSON.stringify(printed) : recordLine(printed)}\n`);
      this.lastRecordAt = Date.now();
      if (++this.printed === this.options.max) this.stop();
    }
  }

  private get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  private startShard(shard: Shard, position: StartingPosition): void {
    const shardId = shard.ShardId!;
    this.started.add(shardId);
    const reading = this.reader
      .read(shardId, position, (id, records) => this.print(id, records), this.controller.signal)
      .then(
        () => {
          this.finished.add(shardId);
          // Its children may be ready now: no need to wait for the next listing.
          this.wake();
        },
        (error: unknown) => {
          this.failure ??= error;
          this.stop();
        },
      );
    this.readings.push(reading);
  }

  /** Starts every shard whose parents are done: those listed at the start at the chosen position, later ones from their beginning. */
  private startReady(shards: readonly Shard[]): void {
    for (const shard of readyShards(shards, this.started, this.finished)) {
      this.startShard(shard, this.knownAtStart.has(shard.ShardId!) ? this.options.start : { Type: "TRIM_HORIZON" });
    }
  }

  /** The first listing: at LATEST a shard closed already holds nothing new, and counts as read. */
  private begin(shards: readonly Shard[]): void {
    for (const shard of shards) {
      this.knownAtStart.add(shard.ShardId!);
      if (this.options.start.Type === "LATEST" && isClosed(shard)) {
        this.started.add(shard.ShardId!);
        this.finished.add(shard.ShardId!);
      }
    }
  }

  async run(): Promise<void> {
    const signal = this.controller.signal;
    const idle = this.options.idleExitMs;
    const idleTimer = idle ? setInterval(() => Date.now() - this.lastRecordAt >= idle && this.stop(), Math.min(idle, 100)) : undefined;
    try {
      for (let first = true; !signal.aborted; first = false) {
        const shards = await listAllShards(this.kinesis, this.streamName);
        if (first) this.begin(shards);
        this.startReady(shards);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => this.wake(), DISCOVERY_MS);
          this.wake = () => {
            clearTimeout(timer);
            signal.removeEventListener("abort", this.wake);
            resolve();
          };
          signal.addEventListener("abort", this.wake, { once: true });
        });
      }
    } catch (error) {
      this.failure ??= error;
      this.stop();
    } finally {
      clearInterval(idleTimer);
      await Promise.all(this.readings);
    }
    if (this.failure) throw this.failure;
  }
}

async function tail(argv: readonly string[]): Promise<void> {
  const { values, positionals } = parseVerbArgs(argv, OPTIONS);
  const [streamName, ...extra] = positionals;
  if (!streamName) throw new UsageError("tail: which stream?");
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`);
  if (!isDataFormat(values.format)) throw new UsageError(`--format must be text, base64 or hex: ${values.format}`);
  const options: TailOptions = {
    start: startingPosition(values.from),
    format: values.format,
    json: values.json,
    max: wholeNumber(values.max, "--max"),
    idleExitMs: wholeNumber(values["idle-exit"], "--idle-exit"),
  };
  const kinesis = kinesisClient(values.endpoint);
  try {
    const reader = values.consumer
      ? new FanOutReader(kinesis, await consumerArnOf(kinesis, streamName, values.consumer))
      : new PollingReader(kinesis, streamName);
    const following = new Tail(kinesis, streamName, reader, options);
    const stop = (): void => following.stop();
    // A reader that went away (`| head`) ends the tail, as it ends `tail -f`.
    const closedOutput = (error: NodeJS.ErrnoException): void => {
      if (error.code !== "EPIPE") throw error;
      stop();
    };
    process.once("SIGINT", stop).once("SIGTERM", stop);
    process.stdout.on("error", closedOutput);
    await following.run();
    process.off("SIGINT", stop).off("SIGTERM", stop);
    process.stdout.off("error", closedOutput);
  } finally {
    kinesis.destroy();
  }
}

/** `kinesis-nats tail ...`. */
export const runTail = (argv: readonly string[]): Promise<void> => runVerb(TAIL_USAGE, argv, tail);

import { Readable } from "node:stream";
import { effectiveConsumerStatus, type ConsumerMetadata } from "../../jetstream/consumer-metadata.js";
import type { StoredRecord } from "../../jetstream/record-format.js";
import type { FeedEnd, FeedReceiver, ShardFeed } from "../../jetstream/shard-feed.js";
import type { Lease } from "../../jetstream/subscription-leases.js";
import { effectiveStatus, type StreamMetadata } from "../../jetstream/stream-metadata.js";
import type { Shard } from "../../shards/shard.js";
import { shardIdOf } from "../../shards/shard-id.js";
import type { RequestContext } from "../context.js";
import { consumerArnOf, consumerNotFound } from "../resources/consumer-ref.js";
import { InternalFailureException, AwsError, KMSAccessDeniedException, ResourceInUseException } from "../errors.js";
import type { ChildShard, SubscribeToShardEvent, SubscribeToShardEventStream } from "../generated/model.js";
import { toWireRecords } from "../resources/record-view.js";
import { sequenceNumberFrom } from "../codecs/sequence-number.js";
import type { ReadStart } from "../../jetstream/read-consumer.js";
import { childShardsOf, sequenceBaseOf } from "../resources/shard-view.js";

import { EventBatch, shardEndReached } from "./subscription-events.js";
import { streamNotFound } from "../messages.js";

/** What SubscribeToShard found and checked before the stream starts. */
export interface SubscriptionPlan {
  readonly ctx: RequestContext;
  readonly stream: StreamMetadata;
  readonly shard: Shard;
  readonly consumer: ConsumerMetadata;
  readonly start: ReadStart;
}

/** Events waiting for the reader beyond which no more records are asked of JetStream. */
const EVENTS_BUFFERED = 1;
/** A subscription younger than this cannot be taken over (Kinesis: 5 s). */
const TAKEOVER_AFTER_MS = 5_000;
/** Room for headers on top of a record's data in a JetStream message. */
const HEADER_ALLOWANCE_BYTES = 4096;
/** A JetStream consumer idle this long past the subscription's lifetime is removed by JetStream. */
const CONSUMER_IDLE_MARGIN_MS = 30_000;
/** Before calling a lost consumer an internal failure, how long to wait for news of a stream deletion. */
const DELETION_NEWS_MS = 1_000;
const INTERNAL_FAILURE = "Internal service failure.";

const anotherSubscription = (ctx: RequestContext, consumer: ConsumerMetadata, shard: Shard): ResourceInUseException =>
  new ResourceInUseException(
    `Another active subscription exists for this consumer: ${ctx.settings.accountId}:${consumer.streamName}:${shardIdOf(shard.index)}:${consumer.name}`,
  );

/**
 * Starts a SubscribeToShard stream: takes the consumer's lease on the shard (shared by every
 * instance through NATS), then opens a live read of the shard. Throws ResourceInUseException
 * when another subscription took the lease less than five seconds ago.
 */
export async function openSubscription(plan: SubscriptionPlan): Promise<ShardSubscription> {
  const { ctx, consumer, shard } = plan;
  const subscription = new ShardSubscription(plan);
  const name = [consumer.streamName, consumer.name, String(Math.floor(consumer.createdAt / 1000)), String(shard.index)];
  const outcome = await ctx.engine.leases.acquire(name, ctx.now, TAKEOVER_AFTER_MS, () => subscription.takenOver());
  if (!outcome.lease) throw anotherSubscription(ctx, consumer, shard);
  try {
    await subscription.begin(outcome.lease);
  } catch (error) {
    await outcome.lease.release();
    throw error;
  }
  return subscription;
}

/**
 * The events of one SubscribeToShard call, as a readable stream of the model's event-stream
 * members. Records arrive from a ShardFeed as JetStream stores them and go out together when
 * they came in one burst (one read from NATS) or while the reader was behind, at most
 * MAX_EVENT_BYTES an event. An
 * empty event goes out when nothing else did for half the heartbeat interval. The stream ends
 * cleanly after the subscription's lifetime, with ChildShards at the end of a closed shard, or
 * with an exception event. Reading slowly pauses the feed; destroying it (the client went
 * away) deletes the JetStream consumer and releases the lease at once.
 */
export class ShardSubscription extends Readable implements FeedReceiver {
  private readonly ctx: RequestContext;
  private readonly stream: StreamMetadata;
  private readonly shard: Shard;
  private readonly consumer: ConsumerMetadata;
  private readonly start: ReadStart;
  private readonly sequenceBase: bigint;
  private feed: ShardFeed | undefined;
  private lease: Lease | undefined;
  private readonly batch = new EventBatch();
  private flushScheduled = false;
  /** Position of the last record sent to the client, or of the starting point. */
  private continuation = 0n;
  /**
   * The arrival second of the record at `continuation`, so the continuation equals that
   * record's sequence number; before any record, the shard's creation second (any number with
   * the right position resumes at the same place).
   */
  private continuationSeconds = 0;
  /** Position of the last record received from JetStream. */
  private lastReceived = 0n;
  private lastArrivalMs = 0;
  private pendingAfterLast = 0;
  private lastEventAt = 0;
  /** Set once the shard is known to be closed: its last possible position. */
  private endingPosition: bigint | undefined;
  private finished = false;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Set while the consumer's 2 MiB/s on this shard is spent (--enforce-limits): records wait and the feed stays paused until then. */
  private heldUntil = 0;
  private holdTimer: NodeJS.Timeout | undefined;
  private readonly consumerArn: string;
  private readonly shardName: string;

  constructor(plan: SubscriptionPlan) {
    super({ objectMode: true, highWaterMark: EVENTS_BUFFERED });
    ({ ctx: this.ctx, stream: this.stream, shard: this.shard, consumer: this.consumer, start: this.start } = plan);
    this.sequenceBase = sequenceBaseOf(this.shard);
    this.consumerArn = consumerArnOf(this.ctx.settings, this.consumer);
    this.shardName = shardIdOf(this.shard.index);
    this.continuationSeconds = Math.floor(this.shard.createdAt / 1000);
  }

  /** @internal Opens the feed; called once the lease is held. */
  async begin(lease: Lease): Promise<void> {
    this.lease = lease;
    const { subscriptionMs, subscriptionHeartbeatMs } = this.ctx.settings;
    this.feed = await this.ctx.engine.openShardFeed(
      this.stream.name,
      this.shard.index,
      {
        start: this.start,
        maxMessageBytes: this.stream.maxRecordSizeKiB * 1024 + HEADER_ALLOWANCE_BYTES,
        maxIdleMs: subscriptionMs + CONSUMER_IDLE_MARGIN_MS,
      },
      this,
    );
    const before = this.feed.positionBefore;
    this.continuation = this.lastReceived = before > this.shard.startingPosition ? before : this.shard.startingPosition;
    this.pendingAfterLast = this.feed.pendingAtOpen;
    this.timers.push(setTimeout(() => this.complete(), subscriptionMs));
    this.timers.push(setInterval(() => this.tick(), subscriptionHeartbeatMs / 2));
    this.lastEventAt = Date.now();
    this.checkShardClosed();
    // Nothing to catch up on: say so at once rather than at the first heartbeat.
    if (this.pendingAfterLast === 0 && !this.finished) this.emitEvent([]);
    this.ctx.log.debug({ stream: this.stream.name, shard: shardIdOf(this.shard.index), consumer: this.consumer.name }, "subscription started");
  }

  record(record: StoredRecord, pendingAfter: number): void {
    if (this.finished) return;
    const full = this.batch.add(record);
    if (full) this.send(full);
    this.lastReceived = record.sequence;
    this.lastArrivalMs = record.arrivalMs;
    this.pendingAfterLast = pendingAfter;
    // Once the shard is closed, a record with nothing after it is its last.
    if (
      this.endingPosition !== undefined &&
      shardEndReached(this.endingPosition, record.sequence, pendingAfter === 0 ? { count: 0, sentUpTo: record.sequence } : undefined)
    ) {
      this.endOfShard();
      return;
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // After every message of the same read from NATS, before anything else runs.
      queueMicrotask(this.flushScheduledBatch);
    }
  }

  passed(position: bigint, pendingAfter: number): void {
    if (this.finished) return;
    this.lastReceived = position;
    this.pendingAfterLast = pendingAfter;
    if (
      this.endingPosition !== undefined &&
      shardEndReached(this.endingPosition, position, pendingAfter === 0 ? { count: 0, sentUpTo: position } : undefined)
    ) {
      this.endOfShard();
    }
  }

  ended(reason: FeedEnd): void {
    if (reason === "shutdown") this.complete();
    else if (reason === "consumer-deleted") this.failAfterDeletionNews();
    else if (reason === "undecryptable") this.fail(new KMSAccessDeniedException("A record of the shard does not decrypt with this server's master key."));
    else this.fail(new InternalFailureException(INTERNAL_FAILURE));
  }

  /** @internal Another subscription took the lease over. */
  takenOver(): void {
    this.fail(anotherSubscription(this.ctx, this.consumer, this.shard));
  }

  override _read(): void {
    // The reader asks for more: what came while it was behind goes out now, as one event (the
    // event it is taking is still counted in readableLength here, so the check is skipped).
    this.flush(true);
    if (Date.now() >= this.heldUntil) this.feed?.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    void this.release();
    callback(error);
  }

  private readonly flushScheduledBatch = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  /**
   * Sends what was gathered. While the reader is behind (an event is already waiting for it),
   * records stay gathered and go out together once it asks for more: a client that fell behind
   * then catches up with a few large events rather than one per read from NATS, each of which
   * costs it (and us) a frame to encode and decode. `force` (the stream is ending) sends anyway.
   */
  private flush(force = false): void {
    if (this.finished || this.batch.length === 0) return;
    if (!force && this.readableLength >= this.readableHighWaterMark) return;
    const { limits } = this.ctx;
    const now = Date.now();
    if (!limits) this.send(this.batch.take());
    else if (now >= this.heldUntil) this.send(this.batch.takeUpTo(limits.pushAllowance(this.consumerArn, this.shardName, now)));
  }

  private send(records: readonly StoredRecord[]): void {
    const last = records[records.length - 1]!;
    this.continuation = last.sequence;
    this.continuationSeconds = Math.floor(last.receivedMs / 1000);
    this.emitEvent(records);
    this.pace(records);
  }

  /**
   * Keeps the consumer within its rate on the shard (--enforce-limits): after an event that
   * spent more than there was, records wait and the feed pauses until the debt is paid off;
   * records already gathered then go out as far as the rate allows.
   */
  private pace(records: readonly StoredRecord[]): void {
    const { limits } = this.ctx;
    if (!limits) return;
    const bytes = records.reduce((sum, record) => sum + record.data.length, 0);
    const now = Date.now();
    const waitMs = limits.pushed(this.consumerArn, this.shardName, bytes, now);
    if (waitMs === 0) {
      if (this.batch.length > 0) queueMicrotask(() => this.flush());
      return;
    }
    this.heldUntil = now + waitMs;
    this.feed?.pause();
    this.endHoldLater();
  }

  /**
   * Sends what waited and resumes the feed once the hold is over. Node's timers keep their own
   * clock, and one can fire a millisecond before `heldUntil` by Date.now(); then it waits
   * again, rather than leaving the subscription held with nothing left to wake it.
   */
  private endHoldLater(): void {
    clearTimeout(this.holdTimer);
    this.holdTimer = setTimeout(
      () => {
        if (this.finished) return;
        if (Date.now() < this.heldUntil) return this.endHoldLater();
        this.flush();
        if (Date.now() >= this.heldUntil && this.readableLength < this.readableHighWaterMark) this.feed?.resume();
      },
      Math.max(1, this.heldUntil - Date.now()),
    );
  }

  /** One SubscribeToShardEvent; at the end of a closed shard it lists the children instead of a continuation. */
  private emitEvent(records: readonly StoredRecord[], childShards?: ChildShard[]): void {
    const behind = this.pendingAfterLast === 0 || childShards ? 0 : Math.max(0, Date.now() - this.lastArrivalMs);
    const event = {
      Records: toWireRecords(this.shard, records),
      ...(childShards
        ? { ChildShards: childShards }
        : { ContinuationSequenceNumber: sequenceNumberFrom(this.sequenceBase, this.continuation, this.continuationSeconds) }),
      MillisBehindLatest: behind,
    } as SubscribeToShardEvent; // The model marks the continuation required; Kinesis leaves it out at shard end.
    this.deliver({ SubscribeToShardEvent: event });
  }

  private deliver(item: SubscribeToShardEventStream): void {
    this.lastEventAt = Date.now();
    if (!this.push(item)) this.feed?.pause();
  }

  private tick(): void {
    if (this.finished) return;
    const now = Date.now();
    const gone = this.goneError(now);
    if (gone) return this.fail(gone);
    this.checkShardClosed();
    const quiet = now - this.lastEventAt >= this.ctx.settings.subscriptionHeartbeatMs / 2;
    if (quiet && !this.finished && this.batch.length === 0 && this.readableLength < this.readableHighWaterMark) this.emitEvent([]);
  }

  /** The error to end with if the stream or the consumer is no longer there. */
  private goneError(now: number): AwsError | undefined {
    const { catalog, consumers } = this.ctx.engine;
    const stream = catalog.get(this.stream.name, now);
    if (!stream || stream.createdAt !== this.stream.createdAt || effectiveStatus(stream, now) === "DELETING") {
      return streamNotFound(this.ctx.settings, this.stream.name);
    }
    const consumer = consumers.get(stream.name, this.consumer.name);
    if (!consumer || consumer.createdAt !== this.consumer.createdAt || effectiveConsumerStatus(consumer, stream, now) !== "ACTIVE") {
      return consumerNotFound(this.ctx.settings, stream.name, this.consumer.name);
    }
    return undefined;
  }

  /** Notices a reshard that closed the shard, and ends the stream once everything in it was read. */
  private checkShardClosed(): void {
    if (this.endingPosition !== undefined || this.finished) return;
    const latest = this.ctx.engine.catalog.get(this.stream.name);
    const ending = latest?.shards.find((shard) => shard.index === this.shard.index)?.endingPosition;
    if (ending === undefined) return;
    this.endingPosition = ending;
    if (shardEndReached(ending, this.lastReceived, undefined)) return this.endOfShard();
    this.feed?.lastRecordPosition().then(
      (last) => {
        // Everything of the shard arrived once nothing of it lies past what was received.
        if (!this.finished && (shardEndReached(ending, this.lastReceived, undefined) || last <= this.lastReceived)) this.endOfShard();
      },
      (error: unknown) => this.ctx.log.warn({ err: error, stream: this.stream.name }, "could not ask JetStream what is left of a closed shard"),
    );
  }

  private endOfShard(): void {
    if (this.finished) return;
    const records = this.batch.take();
    const latest = this.ctx.engine.catalog.get(this.stream.name) ?? this.stream;
    this.emitEvent(records, childShardsOf(latest, this.shard.index));
    this.finish("shard end");
  }

  /** Ends cleanly: the subscription's time is up, or the server is shutting down. */
  private complete(): void {
    this.flush(true);
    this.finish("complete");
  }

  private fail(error: AwsError): void {
    if (this.finished) return;
    this.flush(true);
    // Server faults travel as the event stream's InternalFailureException.
    const type = error.statusCode >= 500 ? "InternalFailureException" : error.type;
    this.deliver({ [type]: { message: error.message } } as SubscribeToShardEventStream);
    this.finish(type);
  }

  /** JetStream dropped the consumer: a stream deletion reaches the catalog within moments, else it is a fault. */
  private failAfterDeletionNews(): void {
    const decide = (last: boolean): void => {
      if (this.finished) return;
      const gone = this.goneError(Date.now());
      if (gone) this.fail(gone);
      else if (last) this.fail(new InternalFailureException(INTERNAL_FAILURE));
      else this.timers.push(setTimeout(() => decide(true), DELETION_NEWS_MS));
    };
    decide(false);
  }

  /**
   * Ends the stream after its last event. The lease is given up first, so that a client
   * resubscribing the moment its stream ends is not refused as a second subscriber.
   */
  private finish(reason: string): void {
    if (this.finished) return;
    const released = this.release();
    void released.finally(() => this.push(null));
    this.ctx.log.debug({ stream: this.stream.name, shard: shardIdOf(this.shard.index), consumer: this.consumer.name, reason }, "subscription ended");
  }

  /** Lets go of JetStream at once and of the lease (resolves when done); idempotent. */
  private release(): Promise<void> {
    if (this.finished) return Promise.resolve();
    this.finished = true;
    for (const timer of this.timers) clearTimeout(timer);
    clearTimeout(this.holdTimer);
    this.feed?.close();
    return this.lease?.release() ?? Promise.resolve();
  }
}

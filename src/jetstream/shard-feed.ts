import { createInbox, nanos, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { statusCodeOf } from "./delivered-headers.js";
import { JetStreamApiError, type ConsumerInfo, type JetStreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { RecordDecryptionError, type RecordCipher } from "./record-cipher.js";
import { storedRecordOf, type StoredRecord } from "./record-format.js";
import { ReadPlanner } from "./read-plan.js";
import { deliveryOf, readConsumerConfig, type ReadStart } from "./read-consumer.js";

/** Why a feed stopped on its own. */
export type FeedEnd =
  /** This server is shutting down. */
  | "shutdown"
  /** The connection to NATS dropped. */
  | "nats-unavailable"
  /** JetStream removed the consumer: its stream was deleted, or someone deleted it. */
  | "consumer-deleted"
  /** No message, heartbeat or end of pull from JetStream for too long. */
  | "stalled"
  /** A record stored encrypted does not decrypt with this server's master key. */
  | "undecryptable";

/** Who receives what a feed delivers. Called synchronously, in shard order. */
export interface FeedReceiver {
  /** One record, and how many of the shard's records JetStream had not yet sent after it. */
  record(record: StoredRecord, pendingAfter: number): void;
  /**
   * A record of another shard went by: only while reading a closed shard through all of the
   * stream's subjects (see ShardFeed). `pendingAfter` then counts every shard's records.
   */
  passed(position: bigint, pendingAfter: number): void;
  /** The feed ended by itself (not by close()); called once. */
  ended(reason: FeedEnd): void;
}

export interface FeedRequest {
  readonly jetStreamName: string;
  readonly subject: string;
  readonly start: ReadStart;
  /** The largest message the shard can hold: a pull must be allowed at least this many bytes. */
  readonly maxMessageBytes: number;
  /** The longest the reader may leave the feed paused; JetStream drops the consumer after that. */
  readonly maxIdleMs: number;
}

/** Messages per pull: a pull is renewed when it is used up, so this only bounds one round trip's worth. */
const PULL_BATCH = 1000;
/**
 * Byte budget of a pull: what may be under way toward a reader that stopped reading. A record
 * larger than this gets a pull of its own sized for the shard's largest record.
 */
const PULL_BYTES = 256 * 1024;
const PULL_EXPIRES_MS = 30_000;
/** JetStream sends a heartbeat this often while a pull waits: proof that the consumer is alive. */
const PULL_HEARTBEAT_MS = 1_000;
/**
 * No message and no heartbeat for this long while a pull is open: JetStream no longer holds the
 * pull (nats-server 2.9 can end one on its byte budget without the 409 that says so), so the
 * pull is sent again on the same consumer, at once and cheaply. Should the first pull still be
 * held after all (a heartbeat late on a busy machine), JetStream serves both: one more pull's
 * worth on the way, and no second repeat before a message comes.
 */
const REPULL_MS = 1.5 * PULL_HEARTBEAT_MS;
/**
 * The same, once the pull has brought nearly its byte budget (less than its largest message is
 * left): JetStream answers such a pull's end at once (409) or, on 2.9, perhaps never.
 */
const NEAR_BUDGET_REPULL_MS = 250;
/** Room for headers when estimating what a message costs of a pull's byte budget. */
const HEADER_ESTIMATE_BYTES = 64;
/** Still silent this long after the pull was sent again: the consumer itself is replaced (reopen). */
const STALL_MS = 3_000;
/** Silent consumers replaced in a row before a feed gives up. */
const REOPENINGS = 3;
/** JetStream's JSConsumerFilterNotSubsetErr: the filter names a subject the stream no longer takes. */
const FILTER_NOT_IN_STREAM = 10093;

/**
 * A live read of one shard: an ephemeral JetStream consumer filtered on the shard's subject,
 * fed by one pull request at a time that stays open until it is used up or expires, so records
 * arrive the moment JetStream stores them. Back-pressure: while paused no new pull is sent, so
 * at most one pull's worth (PULL_BYTES, or one record larger than that) is in flight toward a
 * reader that does not keep up. close() deletes the consumer at once.
 *
 * A closed shard's subject is no longer one the JetStream stream takes, and JetStream refuses a
 * consumer filtered on it; its records are still stored, so such a shard is read through a
 * consumer of the whole stream, skipping the other shards' records. So is an open shard whose
 * feed starts where a filtered consumer would be slow on an old nats-server (ReadPlanner): the
 * choice holds for the feed's life, which is one subscription's (five minutes at most).
 */
export class ShardFeed {
  private readonly inbox = createInbox();
  private subscription: Subscription | undefined;
  private pullOpen = false;
  private deliveredInPull = 0;
  /** What the open pull may bring and (estimated) has brought, in bytes; the largest message seen. */
  private pullBudget = 0;
  private bytesInPull = 0;
  private largestMessage = 0;
  /** The next record did not fit the usual budget: ask for one the size of the largest record. */
  private largePull = false;
  private lastHeardAt = Date.now();
  private paused = false;
  private closed = false;
  /** The stream position of the last message this feed delivered or passed: where a reopened consumer resumes. */
  private lastSeen = 0n;
  /** Reopenings since the last message: a consumer that stays silent through them ends the feed. */
  private reopenings = 0;
  private reopening = false;
  /** The open pull was sent again after a silence (REPULL_MS); cleared by the next message. */
  private repulled = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly feeds: ShardFeeds,
    private readonly request: FeedRequest,
    private consumerName: string,
    /** Reading all of the stream's subjects (a closed shard): other shards' records are skipped. */
    private readonly wholeStream: boolean,
    /** The JetStream position just before the first record this feed delivers. */
    readonly positionBefore: bigint,
    /** Records of the shard waiting to be delivered when the feed opened. */
    readonly pendingAtOpen: number,
    private readonly receiver: FeedReceiver,
  ) {}

  /** @internal Opened through ShardFeeds.open. */
  static async open(nc: NatsConnection, jsm: JetStreamManager, feeds: ShardFeeds, request: FeedRequest, receiver: FeedReceiver): Promise<ShardFeed> {
    let wholeStream = (await feeds.planner.scopeOf(request.jetStreamName, request.start)) === "stream";
    let info: ConsumerInfo | undefined;
    if (!wholeStream) {
      try {
        info = await jsm.consumers.add(request.jetStreamName, readConsumerConfig(request.start, { filter: request.subject, idleMs: request.maxIdleMs }));
      } catch (error) {
        if (!(error instanceof JetStreamApiError && error.code === FILTER_NOT_IN_STREAM)) throw error;
        wholeStream = true;
      }
    }
    // No filter rather than the all-shards wildcard: old nats-servers recount a wildcard
    // consumer's pending messages as slowly as a one-subject one (see read-plan.ts).
    info ??= await jsm.consumers.add(request.jetStreamName, readConsumerConfig(request.start, { idleMs: request.maxIdleMs }));
    const feed = new ShardFeed(nc, jsm, feeds, request, info.name, wholeStream, BigInt(info.delivered.stream_seq), info.num_pending, receiver);
    feed.subscription = nc.subscribe(feed.inbox, { callback: (_error, msg) => feed.onMessage(msg) });
    feed.pull();
    return feed;
  }

  /** Stops asking JetStream for more (what an open pull still brings is delivered). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pull();
  }

  /**
   * The position of the shard's last stored record (0 when it has none), from the stream
   * itself: a consumer info would do, but on nats-server before 2.9.15 it puts a consumer inside
   * the newest block back into recounting its pending messages per delivery (read-plan.ts).
   */
  async lastRecordPosition(): Promise<bigint> {
    const last = await this.jsm.streams.getMessage(this.request.jetStreamName, { last_by_subj: this.request.subject });
    return last ? BigInt(last.seq) : 0n;
  }

  /** Stops delivery and deletes the consumer; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.feeds.forget(this);
    this.subscription?.unsubscribe();
    this.jsm.consumers.delete(this.request.jetStreamName, this.consumerName).catch(() => {
      // Gone with its stream, or NATS is away: inactive_threshold removes it anyway.
    });
  }

  /** @internal Ends the feed from outside (shutdown, lost connection). */
  end(reason: FeedEnd): void {
    if (this.closed) return;
    this.close();
    this.receiver.ended(reason);
  }

  /** @internal Checked periodically by ShardFeeds. */
  checkAlive(now: number): void {
    if (!this.pullOpen || this.reopening) return;
    const silentMs = now - this.lastHeardAt;
    const nearBudget = this.pullBudget - this.bytesInPull < this.largestMessage;
    if (!this.repulled && silentMs > (nearBudget ? NEAR_BUDGET_REPULL_MS : REPULL_MS)) {
      this.repulled = true;
      this.pullOpen = false;
      this.pull();
    } else if (this.repulled && silentMs > STALL_MS) void this.reopen();
  }

  /**
   * JetStream dropped the consumer: with its stream (a deleted stream), which ends the feed; or
   * alone (a restarted nats-server forgets in-memory consumers, a cluster may lose one with its
   * node), which a new consumer where this one stopped makes good.
   */
  private async consumerGone(): Promise<void> {
    if (this.closed || this.reopening) return;
    const streamExists = await this.jsm.streams.info(this.request.jetStreamName).then(
      () => true,
      () => false,
    );
    if (streamExists) await this.reopen();
    else this.end("consumer-deleted");
  }

  /**
   * A silent consumer (no message, no heartbeat, even after its pull was sent again: a
   * saturated machine, a consumer JetStream dropped) is replaced by a new one starting right after the last
   * message seen, rather than failing the subscription: a slow store must never end a read.
   * Only a consumer that stays silent through REOPENINGS in a row ends the feed.
   */
  private async reopen(): Promise<void> {
    if (this.closed) return;
    if (++this.reopenings > REOPENINGS) return this.end("stalled");
    this.reopening = true;
    const { jetStreamName, subject, maxIdleMs } = this.request;
    this.feeds.log.warn(
      { subject, consumer: this.consumerName, lastSeen: String(this.lastSeen), attempt: this.reopenings },
      "shard feed silent: reopening it where it stopped",
    );
    const start: ReadStart = this.lastSeen > 0n ? { kind: "sequence", sequence: this.lastSeen + 1n } : this.request.start;
    const previous = this.consumerName;
    try {
      const info = await this.jsm.consumers.add(jetStreamName, readConsumerConfig(start, { ...(!this.wholeStream && { filter: subject }), idleMs: maxIdleMs }));
      if (this.closed) {
        await this.jsm.consumers.delete(jetStreamName, info.name).catch(() => undefined);
        return;
      }
      this.consumerName = info.name;
    } catch (error) {
      this.feeds.log.warn({ err: error, subject }, "shard feed could not be reopened");
      return this.end("stalled");
    } finally {
      this.reopening = false;
    }
    this.jsm.consumers.delete(jetStreamName, previous).catch(() => undefined);
    this.pullOpen = false;
    this.repulled = false;
    this.lastHeardAt = Date.now();
    this.pull();
  }

  private pull(): void {
    if (this.pullOpen || this.paused || this.closed) return;
    this.pullOpen = true;
    this.deliveredInPull = 0;
    this.bytesInPull = 0;
    this.lastHeardAt = Date.now();
    const maxBytes = this.largePull ? Math.max(PULL_BYTES, this.request.maxMessageBytes) : PULL_BYTES;
    this.largePull = false;
    this.pullBudget = maxBytes;
    const pullRequest = { batch: PULL_BATCH, max_bytes: maxBytes, expires: nanos(PULL_EXPIRES_MS), idle_heartbeat: nanos(PULL_HEARTBEAT_MS) };
    this.nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${this.request.jetStreamName}.${this.consumerName}`, JSON.stringify(pullRequest), { reply: this.inbox });
  }

  private onMessage(msg: Msg): void {
    if (this.closed) return;
    this.lastHeardAt = Date.now();
    this.repulled = false;
    const status = statusCodeOf(msg);
    if (status) return this.onStatus(status, msg.headers?.description ?? "");
    const delivery = deliveryOf(msg.reply ?? "");
    // What a replaced consumer's last pull still brings was delivered already, or will be by the new one.
    if (delivery.streamSequence <= this.lastSeen) return;
    this.lastSeen = delivery.streamSequence;
    this.reopenings = 0;
    // The shard's subject stands for the message's: asking nats.js for that would decode it.
    const bytes = this.request.subject.length + (msg.reply?.length ?? 0) + msg.data.length + HEADER_ESTIMATE_BYTES;
    this.bytesInPull += bytes;
    this.largestMessage = Math.max(this.largestMessage, bytes);
    if (this.wholeStream && msg.subject !== this.request.subject) {
      this.receiver.passed(delivery.streamSequence, delivery.pending);
    } else {
      let record: StoredRecord;
      try {
        record = storedRecordOf(msg, delivery.streamSequence, delivery.timestampMs, this.feeds.cipher);
      } catch (error) {
        if (error instanceof RecordDecryptionError) return this.end("undecryptable");
        throw error;
      }
      this.receiver.record(record, delivery.pending);
    }
    if (++this.deliveredInPull >= PULL_BATCH) this.pullEnded();
  }

  private onStatus(status: number, description: string): void {
    // 100: heartbeat of a waiting pull. 408: the pull expired. 409 with the byte budget
    // reached: the pull is used up. Any other 409 means the consumer is gone.
    if (status === 100) return;
    if (status === 408) return this.pullEnded();
    // nats-server 2.10+ ends a pull that asked for heartbeats with "409 Batch Completed" once
    // its batch is delivered; the count already renewed it, and this may even come after the
    // next pull went out: nothing to do.
    if (status === 409 && description.startsWith("Batch Completed")) return;
    if (status === 409 && description.startsWith("Message Size Exceeds MaxBytes")) {
      // Nothing fit at all: the next record alone is larger than the usual budget.
      if (this.deliveredInPull === 0) this.largePull = true;
      return this.pullEnded();
    }
    if (status === 409) return void this.consumerGone();
    this.feeds.log.warn({ status, description, subject: this.request.subject }, "unexpected JetStream pull status");
    void this.reopen();
  }

  private pullEnded(): void {
    this.pullOpen = false;
    this.pull();
  }
}

/**
 * The open feeds of this process: ends them all when the NATS connection drops (their pulls
 * are lost with it) or at shutdown, and ends any whose JetStream consumer went silent.
 */
export class ShardFeeds {
  private readonly open = new Set<ShardFeed>();
  private watchdog: NodeJS.Timeout | undefined;
  /** @internal Whether a feed reads its shard's subject or the whole stream. */
  readonly planner: ReadPlanner;

  constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    /** Decrypts records stored encrypted (encryption at rest). */
    readonly cipher: RecordCipher,
    readonly log: Logger,
  ) {
    this.planner = new ReadPlanner(nc, jsm);
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === "disconnect") this.endAll("nats-unavailable");
      }
    })().catch((error: unknown) => log.error({ err: error }, "NATS status watch ended"));
  }

  async openFeed(request: FeedRequest, receiver: FeedReceiver): Promise<ShardFeed> {
    const feed = await ShardFeed.open(this.nc, this.jsm, this, request, receiver);
    this.open.add(feed);
    this.watchdog ??= setInterval(() => this.checkAll(), PULL_HEARTBEAT_MS / 2).unref();
    return feed;
  }

  endAll(reason: FeedEnd): void {
    for (const feed of [...this.open]) feed.end(reason);
  }

  /** @internal */
  forget(feed: ShardFeed): void {
    this.open.delete(feed);
    if (this.open.size === 0 && this.watchdog) {
      clearInterval(this.watchdog);
      this.watchdog = undefined;
    }
  }

  private checkAll(): void {
    const now = Date.now();
    for (const feed of [...this.open]) feed.checkAlive(now);
  }
}

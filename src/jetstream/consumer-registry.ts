import type { KV, KvEntry } from "@nats-io/kv";
import type { Logger } from "pino";
import { decodeConsumerMetadata, encodeConsumerMetadata, type ConsumerMetadata } from "./consumer-metadata.js";
import type { PrefixRoutes } from "./bucket-follower.js";
import { isWrongLastSequence, keyToken, updateEntry, type EntryCodec } from "./kv-support.js";

/** The name is held by a registration that still counts. */
export class ConsumerNameTakenError extends Error {}
/** The stream already had as many registrations as allowed when this one was made. */
export class ConsumerLimitError extends Error {}

interface CachedConsumer {
  readonly consumer: ConsumerMetadata;
  readonly revision: number;
  /** Revision that made this registration (later status changes keep it): orders registrations. */
  readonly registeredRevision: number;
}

/** What decides a registration: which existing ones still count, and how many may. */
export interface RegistrationRules {
  readonly counts: (existing: ConsumerMetadata) => boolean;
  readonly limit: number;
}

const PREFIX = "consumers.";
const keyOf = (streamName: string, consumerName: string): string => `${PREFIX}${keyToken(streamName)}.${keyToken(consumerName)}`;
const streamPrefixOf = (streamName: string): string => `${PREFIX}${keyToken(streamName)}.`;
const registrationCodec: EntryCodec<ConsumerMetadata> = { decode: decodeConsumerMetadata, encode: encodeConsumerMetadata };
/** How long a registration waits for the local copy to catch up with its own write. */
const CATCH_UP_MS = 5_000;

/**
 * Registered consumers in the metadata KV bucket, one entry per consumer (every instance sees
 * them). Reads come from a local copy kept by the bucket's follower; writes are compare-and-set. The
 * per-stream limit holds across instances because registrations are ordered by the revision
 * that made them: a registration counts only those before it, and withdraws itself when they
 * already fill the limit, so of two racing for the last place exactly the earlier one stays.
 */
export class ConsumerRegistry {
  private readonly entries = new Map<string, CachedConsumer>();
  private appliedRevision = 0;
  private readonly catchUps: { revision: number; done: () => void }[] = [];

  private constructor(
    private readonly kv: KV,
    private readonly log: Logger,
  ) {}

  /** The registry over the metadata bucket, its copy kept by the bucket's follower through `routes`. */
  static open(kv: KV, routes: PrefixRoutes, log: Logger): ConsumerRegistry {
    const registry = new ConsumerRegistry(kv, log);
    routes.on(PREFIX, (entry) => registry.watched(entry));
    return registry;
  }

  /** Every registration under a stream name this instance knows of, any incarnation and state. */
  registrations(streamName: string): ConsumerMetadata[] {
    const prefix = streamPrefixOf(streamName);
    const found: ConsumerMetadata[] = [];
    for (const [key, cached] of this.entries) if (key.startsWith(prefix)) found.push(cached.consumer);
    return found;
  }

  /** The registration as this instance last saw it. */
  get(streamName: string, consumerName: string): ConsumerMetadata | undefined {
    return this.entries.get(keyOf(streamName, consumerName))?.consumer;
  }

  /** Like get, but asks NATS when it has none (made elsewhere a moment ago). */
  async find(streamName: string, consumerName: string): Promise<ConsumerMetadata | undefined> {
    const key = keyOf(streamName, consumerName);
    if (!this.entries.has(key)) {
      const entry = await this.kv.get(key);
      if (entry?.operation === "PUT") this.apply(entry);
    }
    return this.entries.get(key)?.consumer;
  }

  /** Stores a new registration; throws ConsumerNameTakenError or ConsumerLimitError per `rules`. */
  async register(consumer: ConsumerMetadata, rules: RegistrationRules): Promise<void> {
    const key = keyOf(consumer.streamName, consumer.name);
    const revision = await this.claim(key, consumer, rules);
    await this.caughtUp(revision);
    const prefix = streamPrefixOf(consumer.streamName);
    let earlier = 0;
    for (const [other, cached] of this.entries) {
      if (other !== key && other.startsWith(prefix) && cached.registeredRevision < revision && rules.counts(cached.consumer)) earlier++;
    }
    if (earlier < rules.limit) return;
    await this.kv.delete(key, { previousSeq: revision }).catch((error: unknown) => {
      if (!isWrongLastSequence(error)) throw error;
    });
    throw new ConsumerLimitError(`${earlier} registrations came first`);
  }

  /**
   * Applies `change` to the stored registration and writes it back if nobody wrote in between;
   * undefined when there is none. `change` may throw to refuse.
   */
  async update(streamName: string, consumerName: string, change: (consumer: ConsumerMetadata) => ConsumerMetadata): Promise<ConsumerMetadata | undefined> {
    const written = await updateEntry(this.kv, keyOf(streamName, consumerName), registrationCodec, (current) => current && change(current));
    return written?.value;
  }

  /** Deletes the stored registrations of a stream that `isGone` says are over (best effort, compare-and-set). */
  async purge(streamName: string, isGone: (consumer: ConsumerMetadata) => boolean): Promise<void> {
    const prefix = streamPrefixOf(streamName);
    const stale = [...this.entries].filter(([key, cached]) => key.startsWith(prefix) && isGone(cached.consumer));
    await Promise.all(
      stale.map(([key, cached]) =>
        this.kv.delete(key, { previousSeq: cached.revision }).catch((error: unknown) => {
          if (!isWrongLastSequence(error)) this.log.warn({ err: error, key }, "could not purge a consumer registration");
        }),
      ),
    );
  }

  /** Creates the entry, or replaces one that no longer counts; returns the revision written. */
  private async claim(key: string, consumer: ConsumerMetadata, rules: RegistrationRules): Promise<number> {
    const value = encodeConsumerMetadata(consumer);
    try {
      return await this.kv.create(key, value);
    } catch (error) {
      if (!isWrongLastSequence(error)) throw error;
    }
    const entry = await this.kv.get(key);
    if (!entry || (entry.operation === "PUT" && rules.counts(decodeConsumerMetadata(entry.value)))) throw new ConsumerNameTakenError(consumer.name);
    try {
      return await this.kv.update(key, value, entry.revision);
    } catch (error) {
      throw isWrongLastSequence(error) ? new ConsumerNameTakenError(consumer.name) : error;
    }
  }

  /** Resolves once the watch has applied `revision` (and so everything written before it). */
  private caughtUp(revision: number): Promise<void> {
    if (this.appliedRevision >= revision) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the consumer registry did not see revision ${revision} in time`)), CATCH_UP_MS);
      this.catchUps.push({
        revision,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  private apply(entry: KvEntry): void {
    const cached = this.entries.get(entry.key);
    if (cached && cached.revision >= entry.revision) return;
    if (entry.operation !== "PUT") this.entries.delete(entry.key);
    else this.remember(entry, cached);
  }

  /** An entry from the watch, which sees the bucket in revision order. */
  private watched(entry: KvEntry): void {
    this.apply(entry);
    if (entry.revision > this.appliedRevision) {
      this.appliedRevision = entry.revision;
      for (let i = this.catchUps.length - 1; i >= 0; i--) {
        const waiter = this.catchUps[i]!;
        if (waiter.revision > entry.revision) continue;
        this.catchUps.splice(i, 1);
        waiter.done();
      }
    }
  }

  private remember(entry: KvEntry, previous: CachedConsumer | undefined): void {
    try {
      const consumer = decodeConsumerMetadata(entry.value);
      const sameRegistration = previous !== undefined && previous.consumer.createdAt === consumer.createdAt;
      this.entries.set(entry.key, { consumer, revision: entry.revision, registeredRevision: sameRegistration ? previous.registeredRevision : entry.revision });
    } catch (error) {
      this.log.error({ err: error, key: entry.key }, "unreadable consumer registration in the KV bucket: ignored");
    }
  }
}

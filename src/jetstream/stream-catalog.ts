import { randomBytes } from "node:crypto";
import type { KV, KvEntry } from "@nats-io/kv";
import type { Logger } from "pino";
import type { PrefixRoutes } from "./bucket-follower.js";
import { isWrongLastSequence, keyToken, nameOfKeyToken, updateEntry, type EntryCodec } from "./kv-support.js";
import { decodeStreamMetadata, effectiveStatus, encodeStreamMetadata, type StreamMetadata } from "./stream-metadata.js";

interface CachedStream {
  readonly stream: StreamMetadata;
  readonly revision: number;
}

/** A stream name taken by another stream (or by a concurrent CreateStream). */
export class StreamExistsError extends Error {}

const STREAM_PREFIX = "streams.";
const keyOf = (name: string): string => STREAM_PREFIX + keyToken(name);
const metadataCodec: EntryCodec<StreamMetadata> = { decode: decodeStreamMetadata, encode: encodeStreamMetadata };

/**
 * Stream metadata in a JetStream KV bucket, shared by every server instance. Reads come from a
 * local copy kept current by the bucket's follower (changes made elsewhere arrive within
 * milliseconds); writes are compare-and-set on the entry's revision, so concurrent changes
 * never overwrite each other.
 */
export class StreamCatalog {
  private readonly streams = new Map<string, CachedStream>();

  private constructor(
    private readonly kv: KV,
    private readonly log: Logger,
  ) {}

  /** The catalog over a KV bucket, its copy kept by the bucket's follower through `routes`. */
  static open(kv: KV, routes: PrefixRoutes, log: Logger): StreamCatalog {
    const catalog = new StreamCatalog(kv, log);
    routes.on(STREAM_PREFIX, (entry) => catalog.apply(entry));
    return catalog;
  }

  /** The stream as this instance last saw it (undefined if unknown or gone). */
  get(name: string, now = Date.now()): StreamMetadata | undefined {
    const cached = this.streams.get(name);
    return cached && effectiveStatus(cached.stream, now) !== "GONE" ? cached.stream : undefined;
  }

  /**
   * Like get, but asks NATS when the local copy has no such stream: a stream created a moment
   * ago on another instance may not have reached our watch yet.
   */
  async find(name: string, now = Date.now()): Promise<StreamMetadata | undefined> {
    if (this.streams.has(name)) return this.get(name, now);
    const entry = await this.kv.get(keyOf(name));
    if (entry?.operation === "PUT") this.apply(entry);
    return this.get(name, now);
  }

  /** The stream as stored right now, read from KV rather than from the local copy. */
  async refresh(name: string, now = Date.now()): Promise<StreamMetadata | undefined> {
    const entry = await this.kv.get(keyOf(name));
    if (entry?.operation === "PUT") this.apply(entry);
    else if (entry) this.streams.delete(name);
    return this.get(name, now);
  }

  /** Every live stream, sorted by name. */
  list(now = Date.now()): StreamMetadata[] {
    return [...this.streams.values()]
      .map((cached) => cached.stream)
      .filter((stream) => effectiveStatus(stream, now) !== "GONE")
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every stream this instance knows of, gone ones included (for maintenance). */
  all(): StreamMetadata[] {
    return [...this.streams.values()].map((cached) => cached.stream);
  }

  /** Claims the name; fails with StreamExistsError if a live stream holds it. */
  async create(stream: StreamMetadata): Promise<void> {
    const key = keyOf(stream.name);
    const value = encodeStreamMetadata(stream);
    let revision: number;
    try {
      revision = await this.kv.create(key, value);
    } catch (error) {
      if (!isWrongLastSequence(error)) throw error;
      // The key holds a stream: free only if it finished deleting and nobody purged it yet.
      const entry = await this.kv.get(key);
      const existing = entry?.operation === "PUT" ? decodeStreamMetadata(entry.value) : undefined;
      if (!entry || (existing && effectiveStatus(existing, Date.now()) !== "GONE")) throw new StreamExistsError(stream.name);
      try {
        revision = await this.kv.update(key, value, entry.revision);
      } catch (retry) {
        throw isWrongLastSequence(retry) ? new StreamExistsError(stream.name) : retry;
      }
    }
    this.remember(stream, revision);
  }

  /**
   * Applies `change` to the latest stored metadata and writes it back if nobody wrote in
   * between, retrying on conflicts. `change` may throw to refuse (e.g. a Kinesis error).
   */
  async update(name: string, change: (stream: StreamMetadata) => StreamMetadata): Promise<StreamMetadata> {
    const written = await updateEntry(this.kv, keyOf(name), metadataCodec, (current) => {
      if (!current) throw new Error(`no metadata for stream ${name}`);
      return change(current);
    });
    this.remember(written!.value, written!.revision);
    return written!.value;
  }

  /** Drops the entry whatever its state: undoes a create whose storage could not be made. */
  async forget(name: string): Promise<void> {
    await this.kv.delete(keyOf(name));
    this.streams.delete(name);
  }

  /** Removes the entry of a stream that has finished deleting. */
  async purge(name: string): Promise<void> {
    const entry = await this.kv.get(keyOf(name));
    if (!entry || entry.operation !== "PUT") return;
    if (effectiveStatus(decodeStreamMetadata(entry.value), Date.now()) !== "GONE") return;
    try {
      await this.kv.delete(keyOf(name), { previousSeq: entry.revision });
    } catch (error) {
      if (!isWrongLastSequence(error)) throw error;
    }
  }

  /** A random secret shared by all instances, made by whichever instance asks first. */
  async sharedSecret(name: string): Promise<Uint8Array> {
    const key = `secrets.${name}`;
    const existing = await this.kv.get(key);
    if (existing?.operation === "PUT") return existing.value;
    try {
      await this.kv.create(key, randomBytes(32));
    } catch (error) {
      if (!isWrongLastSequence(error)) throw error;
    }
    const entry = await this.kv.get(key);
    if (!entry || entry.operation !== "PUT") throw new Error(`shared secret ${name} vanished`);
    return entry.value;
  }

  private remember(stream: StreamMetadata, revision: number): void {
    const cached = this.streams.get(stream.name);
    if (!cached || cached.revision < revision) this.streams.set(stream.name, { stream, revision });
  }

  private apply(entry: KvEntry): void {
    const name = nameOfKeyToken(entry.key.slice(STREAM_PREFIX.length));
    const cached = this.streams.get(name);
    if (cached && cached.revision >= entry.revision) return;
    if (entry.operation !== "PUT") {
      this.streams.delete(name);
      return;
    }
    try {
      this.streams.set(name, { stream: decodeStreamMetadata(entry.value), revision: entry.revision });
    } catch (error) {
      this.log.error({ err: error, key: entry.key }, "unreadable stream metadata in the KV bucket: ignored");
    }
  }
}

import { jetstream, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm, type KV, type KvEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { BucketFollower, FOLLOWER_PROBE_MS, type BucketFollowerOptions } from "../bucket-follower.js";
import { isWrongLastSequence, updateEntry, type EntryCodec } from "../kv-support.js";

/**
 * Tables of items, each item an opaque value under an opaque key, written by compare-and-set on
 * its revision. The engine's words: a table, its description (a document the service owns),
 * its items (key, bytes, revision). What a key or a value means is the service's business.
 *
 * Layout: one KV bucket `<namespace>-tables` of descriptions, one KV bucket per table
 * (`<namespace>-table-<name>`) of items. Each instance keeps every table it has served in
 * memory from a watch of its bucket, for reads that may be eventually consistent (DynamoDB's
 * default) and for scans; a consistent read asks the bucket itself, or waits until the watch
 * has applied the bucket's last write.
 */

export interface TableStoreOptions {
  readonly namespace: string;
  readonly replicas: number;
  readonly storage: "file" | "memory";
  /** A bucket request unanswered this long fails (and is retried by the client): a leader lost mid-request drops it. */
  readonly timeoutMs: number;
  readonly log: Logger;
}

export interface StoredItem {
  readonly key: string;
  readonly value: Uint8Array;
  readonly revision: number;
}

/** What a write expects of the item first: this revision, no item at all, or anything. */
export type WriteExpectation = { readonly revision: number } | "absent" | "any";

/** A write found the item changed since it was read: read it again and decide again. */
export class RevisionConflict extends Error {}

const json: EntryCodec<unknown> = {
  decode: (bytes) => JSON.parse(Buffer.from(bytes).toString("utf8")),
  encode: (value) => Buffer.from(JSON.stringify(value)),
};

const followerOptions = (options: TableStoreOptions): BucketFollowerOptions => ({ probeMs: FOLLOWER_PROBE_MS, stallMs: options.timeoutMs, log: options.log });

/** Table names may hold '.', which bucket names may not: '-' escapes ('--' a dash, '-_' a dot). */
const bucketToken = (name: string): string => name.replaceAll("-", "--").replaceAll(".", "-_");

export class TableStore {
  private readonly tables = new Map<string, Promise<TableItems>>();

  private readonly kvm: Kvm;

  /**
   * Every description as this instance last saw it, from a watch of their bucket, so that a
   * request finds its table without a round trip; a name not seen yet is asked of the bucket.
   * Kept as bytes: each caller gets a copy of its own.
   */
  private readonly known = new Map<string, Uint8Array>();
  private watching?: Promise<BucketFollower>;

  /** `descriptions`: the bucket of table descriptions, opened as start-up opens buckets (metadata-bucket.ts). */
  constructor(
    nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly descriptions: KV,
    private readonly options: TableStoreOptions,
  ) {
    this.kvm = new Kvm(jetstream(nc, { timeout: options.timeoutMs }));
  }

  /** Stores a new table's description and makes its bucket; false when a table of that name exists. */
  async create(name: string, description: unknown): Promise<boolean> {
    try {
      await this.descriptions.create(bucketToken(name), json.encode(description));
    } catch (error) {
      if (isWrongLastSequence(error)) return false;
      throw error;
    }
    await this.items(name);
    return true;
  }

  async describe<T>(name: string): Promise<T | undefined> {
    await this.watchDescriptions();
    const known = this.known.get(bucketToken(name));
    if (known) return json.decode(known) as T;
    const entry = await this.descriptions.get(bucketToken(name));
    return entry?.operation === "PUT" ? (json.decode(entry.value) as T) : undefined;
  }

  private watchDescriptions(): Promise<BucketFollower> {
    const remember = (entry: KvEntry): void => {
      if (entry.operation === "PUT") this.known.set(entry.key, entry.value);
      else this.known.delete(entry.key);
    };
    this.watching ??= (async () => {
      const { bucket } = await this.descriptions.status();
      return BucketFollower.start(this.descriptions, this.jsm, `KV_${bucket}`, remember, followerOptions(this.options));
    })();
    this.watching.catch(() => (this.watching = undefined));
    return this.watching;
  }

  /** Changes a description by compare-and-set; `change` may throw to refuse. Undefined when there is no such table. */
  async update<T>(name: string, change: (current: T) => T): Promise<T | undefined> {
    let missing = false;
    const written = await updateEntry(this.descriptions, bucketToken(name), json as EntryCodec<T>, (current) => {
      if (current === undefined) {
        missing = true;
        return undefined;
      }
      return change(current);
    });
    return missing ? undefined : written?.value;
  }

  /** Every table's description. */
  async list<T>(): Promise<T[]> {
    const found: T[] = [];
    for await (const key of await this.descriptions.keys()) {
      const description = await this.describe<T>(key.replaceAll("-_", ".").replaceAll("--", "-"));
      if (description !== undefined) found.push(description);
    }
    return found;
  }

  /** Removes a table: its description, then its items. */
  async delete(name: string): Promise<void> {
    await this.descriptions.delete(bucketToken(name));
    const open = this.tables.get(name);
    this.tables.delete(name);
    (await open?.catch(() => undefined))?.close();
    await this.jsm.streams.delete(`KV_${this.bucketOf(name)}`).catch(() => undefined);
  }

  /** The items of a table (its bucket opened, or made, and watched). */
  items(name: string): Promise<TableItems> {
    let open = this.tables.get(name);
    if (!open) {
      open = TableItems.open(this.kvm, this.jsm, this.bucketOf(name), this.options);
      this.tables.set(name, open);
      open.catch(() => this.tables.delete(name));
    }
    return open;
  }

  close(): void {
    void this.watching?.then((follower) => follower.stop()).catch(() => undefined);
    for (const open of this.tables.values())
      void open.then(
        (items) => items.close(),
        () => undefined,
      );
    this.tables.clear();
  }

  private bucketOf(name: string): string {
    return `${this.options.namespace}-table-${bucketToken(name)}`;
  }
}

/** One table's items: read from a watched copy or from the bucket, written by compare-and-set. */
export class TableItems {
  private constructor(
    private readonly kv: KV,
    private readonly copy: ReadonlyMap<string, StoredItem>,
    private readonly follower: BucketFollower,
  ) {}

  static async open(kvm: Kvm, jsm: JetStreamManager, bucket: string, options: TableStoreOptions): Promise<TableItems> {
    const kv = await kvm.create(bucket, { history: 1, replicas: options.replicas, storage: options.storage, allow_direct: false });
    const copy = new Map<string, StoredItem>();
    const apply = (entry: KvEntry): void => {
      if (entry.operation === "PUT") copy.set(entry.key, { key: entry.key, value: entry.value, revision: entry.revision });
      else copy.delete(entry.key);
    };
    const follower = await BucketFollower.start(kv, jsm, `KV_${bucket}`, apply, followerOptions(options));
    try {
      await follower.caughtUp();
    } catch (error) {
      follower.stop();
      throw error;
    }
    return new TableItems(kv, copy, follower);
  }

  /** The item under `key`: from the bucket itself when `consistent`, else from the watched copy. */
  async get(key: string, consistent: boolean): Promise<StoredItem | undefined> {
    if (!consistent) return this.copy.get(key);
    const entry = await this.kv.get(key);
    return entry?.operation === "PUT" ? { key, value: entry.value, revision: entry.revision } : undefined;
  }

  /**
   * Writes `value` under `key` (or deletes it: null) if the item is as `expect` says; throws
   * RevisionConflict otherwise. Returns the new revision.
   */
  async write(key: string, value: Uint8Array | null, expect: WriteExpectation): Promise<number> {
    try {
      if (value === null) {
        if (expect === "absent") throw new RevisionConflict(key);
        // A delete of nothing still writes a marker; harmless, and it keeps deletes unconditional when asked.
        await this.kv.delete(key, expect === "any" ? undefined : { previousSeq: expect.revision });
        return 0;
      }
      if (expect === "absent") return await this.createOrRevive(key, value);
      if (expect === "any") return await this.kv.put(key, value);
      return await this.kv.update(key, value, expect.revision);
    } catch (error) {
      if (isWrongLastSequence(error)) throw new RevisionConflict(key);
      throw error;
    }
  }

  /** Every item, from the copy; `consistent`: once the copy has every write made so far. */
  async all(consistent: boolean): Promise<StoredItem[]> {
    if (consistent) await this.follower.caughtUp();
    return [...this.copy.values()];
  }

  close(): void {
    this.follower.stop();
  }

  /**
   * Creates the item, where a deleted one may have left a marker: KV's create takes a marker
   * as absent, but only at the marker's own revision under concurrency, so a marker is
   * replaced by compare-and-set on it.
   */
  private async createOrRevive(key: string, value: Uint8Array): Promise<number> {
    const entry = await this.kv.get(key);
    if (entry?.operation === "PUT") throw new RevisionConflict(key);
    return entry ? await this.kv.update(key, value, entry.revision) : await this.kv.create(key, value);
  }
}

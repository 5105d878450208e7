import type { NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { BucketFollower, FOLLOWER_PROBE_MS, PrefixRoutes } from "./bucket-follower.js";
import { ConsumerRegistry } from "./consumer-registry.js";
import { RecordReader, type ReadRequest, type ReadResult } from "./record-reader.js";
import { RecordWriter, type OutgoingRecord, type PublishOutcome } from "./record-writer.js";
import { DocumentStore } from "./document-store.js";
import { startMaintenance } from "./maintenance.js";
import { RecordCipher } from "./record-cipher.js";
import { receivedMsOf } from "./record-format.js";
import { StreamCatalog } from "./stream-catalog.js";
import { StreamStorage } from "./stream-storage.js";
import { ShardFeeds, type FeedReceiver, type FeedRequest, type ShardFeed } from "./shard-feed.js";
import { SubscriptionLeases } from "./subscription-leases.js";
import { TableStore } from "./tables/table-store.js";
import { UsageExchange, type Usage } from "./usage-exchange.js";
import { openMetadataBucket } from "./metadata-bucket.js";
import { waitFor } from "./startup-wait.js";

export interface EngineOptions {
  /** Prefix of every JetStream name and subject: several independent services can share a NATS. */
  readonly namespace: string;
  readonly replicas: number;
  readonly storage: "file" | "memory";
  /** How long to wait for JetStream to acknowledge a write or answer a read. */
  readonly timeoutMs: number;
  /** How long JetStream remembers message ids to drop retried writes (ms). */
  readonly duplicateWindowMs: number;
  /** Master key for encryption at rest; without one, a key generated once and kept in KV. */
  readonly masterKey?: Uint8Array;
  /** How often this instance runs the maintenance sweep. */
  readonly maintenanceIntervalMs?: number;
  /** How long start-up waits for the metadata bucket (and its leader) before giving up. */
  readonly startupWaitMs?: number;
  readonly log: Logger;
}

const DEFAULT_MAINTENANCE_MS = 5_000;
const DEFAULT_STARTUP_WAIT_MS = 30_000;

/** A read of one shard's records, in the service's words; the engine knows where they are. */
export type ShardRead = Omit<ReadRequest, "jetStreamName" | "subject">;
/** A live feed of one shard's records (SubscribeToShard). */
export type ShardFeedRequest = Omit<FeedRequest, "jetStreamName" | "subject">;
/** A record to store in the shard with this index. */
export type RecordToStore = OutgoingRecord;

/**
 * Everything the Kinesis operations need from NATS, opened once per server: the metadata
 * catalog, the JetStream streams, the record writer and reader, and enhanced fan-out.
 */
export class Engine {
  private connected = true;
  private readonly exchanges: UsageExchange[] = [];
  /** Times the NATS connection was lost and found again (for the metrics). */
  reconnects = 0;

  private constructor(
    readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    readonly catalog: StreamCatalog,
    readonly storage: StreamStorage,
    private readonly writer: RecordWriter,
    private readonly reader: RecordReader,
    /** Key that signs shard iterators and page tokens; shared by every instance through KV. */
    readonly tokenKey: Uint8Array,
    /** Account settings and resource policies. */
    readonly documents: { readonly account: DocumentStore; readonly policies: DocumentStore },
    /** Enhanced fan-out: registered consumers, SubscribeToShard leases, live shard reads. */
    readonly consumers: ConsumerRegistry,
    /** DynamoDB's tables: descriptions and items, by compare-and-set. */
    readonly tables: TableStore,
    readonly leases: SubscriptionLeases,
    private readonly feeds: ShardFeeds,
    private readonly stopMaintenance: () => void,
    /** The copy of the metadata bucket that the catalog, the consumers and the leases read. */
    private readonly metadata: BucketFollower,
    private readonly log: Logger,
  ) {}

  static async open(nc: NatsConnection, options: EngineOptions): Promise<Engine> {
    const jsm = await waitFor("JetStream", () => jetstreamManager(nc, { timeout: options.timeoutMs }), {
      withinMs: options.startupWaitMs ?? DEFAULT_STARTUP_WAIT_MS,
    });
    const bucket = `${options.namespace}-metadata`;
    const withinMs = options.startupWaitMs ?? DEFAULT_STARTUP_WAIT_MS;
    const kv = await openMetadataBucket(nc, bucket, { replicas: options.replicas, storage: options.storage, withinMs, timeoutMs: options.timeoutMs });
    // Each later step in words, so that a start that fails says what it was waiting for.
    const once = { withinMs: 0 };
    const again = { withinMs };
    // Streams, consumers and leases: one copy of the metadata bucket, kept by one follower.
    const routes = new PrefixRoutes();
    const catalog = StreamCatalog.open(kv, routes, options.log);
    const consumers = ConsumerRegistry.open(kv, routes, options.log);
    const leases = SubscriptionLeases.open(kv, routes, options.log);
    const metadata = await waitFor(
      `the copy of ${bucket}`,
      () => BucketFollower.start(kv, jsm, `KV_${bucket}`, routes.apply, { probeMs: FOLLOWER_PROBE_MS, stallMs: options.timeoutMs, log: options.log }),
      once,
    );
    await waitFor(`the copy of ${bucket}`, () => metadata.caughtUp(), again);
    const documents = { account: new DocumentStore(kv, "account"), policies: new DocumentStore(kv, "policies") };
    const storage = new StreamStorage(jsm, options);
    const secret = (name: string) => waitFor(`the shared secret ${name} in ${bucket}`, () => catalog.sharedSecret(name), again);
    const cipher = new RecordCipher(options.masterKey ?? (await secret("master-key")));
    const writer = new RecordWriter(nc, options.timeoutMs, cipher);
    const reader = new RecordReader(nc, jsm, options.timeoutMs, cipher);
    const tokenKey = await secret("token-key");
    const feeds = new ShardFeeds(nc, jsm, cipher, options.log);
    const stopMaintenance = startMaintenance(catalog, storage, options.log, options.maintenanceIntervalMs ?? DEFAULT_MAINTENANCE_MS);
    const tableBucket = `${options.namespace}-tables`;
    const tableDescriptions = await openMetadataBucket(nc, tableBucket, {
      replicas: options.replicas,
      storage: options.storage,
      withinMs,
      timeoutMs: options.timeoutMs,
    });
    const tables = new TableStore(nc, jsm, tableDescriptions, {
      namespace: options.namespace,
      replicas: options.replicas,
      storage: options.storage,
      timeoutMs: options.timeoutMs,
      log: options.log,
    });
    const engine = new Engine(
      nc,
      jsm,
      catalog,
      storage,
      writer,
      reader,
      tokenKey,
      documents,
      consumers,
      tables,
      leases,
      feeds,
      stopMaintenance,
      metadata,
      options.log,
    );
    void engine.followConnection(options.log);
    return engine;
  }

  /** Stores records in their shards, pipelined; an outcome per record, in order. */
  putRecords(streamName: string, records: readonly RecordToStore[]): Promise<PublishOutcome[]> {
    const { layout } = this.storage;
    return this.writer.publish(records, (shardIndex) => layout.shardSubject(streamName, shardIndex));
  }

  /** When the server received the record stored at `sequence` (a deduplicated retry answers the first write's time). */
  async receivedAt(streamName: string, sequence: bigint): Promise<number> {
    const stored = await this.jsm.streams.getMessage(this.storage.layout.jetStreamName(streamName), { seq: Number(sequence) });
    if (!stored) throw new Error(`record ${sequence} of stream ${streamName} is gone`);
    return receivedMsOf(stored.header, stored.time.getTime());
  }

  /** Reads a batch of one shard's records (GetRecords). */
  readShard(streamName: string, shardIndex: number, read: ShardRead): Promise<ReadResult> {
    return this.reader.read({ ...this.shardAddress(streamName, shardIndex), ...read });
  }

  /** Opens a live feed of one shard's records (SubscribeToShard). */
  openShardFeed(streamName: string, shardIndex: number, request: ShardFeedRequest, receiver: FeedReceiver): Promise<ShardFeed> {
    return this.feeds.openFeed({ ...this.shardAddress(streamName, shardIndex), ...request }, receiver);
  }

  /**
   * Opens this instance's end of the usage reports every instance of the namespace shares
   * (`<namespace>.usage`: two tokens, so never a shard's subject).
   */
  openUsageExchange(listener: (usage: Usage) => void): UsageExchange {
    const exchange = new UsageExchange(this.nc, `${this.storage.layout.namespace}.usage`, listener, this.log);
    this.exchanges.push(exchange);
    return exchange;
  }

  /** Ends every live feed of this process (at shutdown, before the HTTP server closes). */
  endSubscriptions(): void {
    this.feeds.endAll("shutdown");
  }

  private shardAddress(streamName: string, shardIndex: number): { jetStreamName: string; subject: string } {
    return { jetStreamName: this.storage.layout.jetStreamName(streamName), subject: this.storage.layout.shardSubject(streamName, shardIndex) };
  }

  /** Ready to serve: connected to NATS, and JetStream answers. */
  async ready(): Promise<boolean> {
    if (!this.available) return false;
    try {
      await this.jsm.getAccountInfo();
      return true;
    } catch {
      return false;
    }
  }

  /** False while the NATS connection is down: requests then fail at once instead of waiting. */
  get available(): boolean {
    return this.connected && !this.nc.isClosed();
  }

  private async followConnection(log: Logger): Promise<void> {
    for await (const status of this.nc.status()) {
      if (status.type === "disconnect") {
        this.connected = false;
        log.warn({ server: status.server }, "NATS connection lost; reconnecting");
      } else if (status.type === "reconnect") {
        // nats.js recreates the metadata watch's consumer by itself (the outage test shows it).
        this.connected = true;
        this.reconnects++;
        log.info({ server: status.server }, "NATS connection back");
      }
    }
  }

  /** The largest message the NATS server accepts, headers included. */
  get maxPayload(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
  }

  close(): void {
    this.stopMaintenance();
    for (const exchange of this.exchanges) exchange.close();
    this.feeds.endAll("shutdown");
    this.metadata.stop();
    this.tables.close();
    this.writer.close();
  }
}

import type { NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { ConsumerRegistry } from "./consumer-registry.js";
import { RecordReader } from "./record-reader.js";
import { RecordWriter } from "./record-writer.js";
import { StreamCatalog } from "./stream-catalog.js";
import { StreamStorage } from "./stream-storage.js";
import { ShardFeeds } from "./shard-feed.js";
import { SubscriptionLeases } from "./subscription-leases.js";

export interface EngineOptions {
  /** Prefix of every JetStream name and subject: several independent services can share a NATS. */
  readonly namespace: string;
  readonly replicas: number;
  readonly storage: "file" | "memory";
  /** How long to wait for JetStream to acknowledge a write or answer a read. */
  readonly timeoutMs: number;
  readonly log: Logger;
}

/**
 * Everything the Kinesis operations need from NATS, opened once per server: the metadata
 * catalog, the JetStream streams, the record writer and reader, and enhanced fan-out.
 */
export class Engine {
  private constructor(
    readonly nc: NatsConnection,
    readonly catalog: StreamCatalog,
    readonly storage: StreamStorage,
    readonly writer: RecordWriter,
    readonly reader: RecordReader,
    /** Key that signs shard iterators and page tokens; shared by every instance through KV. */
    readonly tokenKey: Uint8Array,
    /** Enhanced fan-out: registered consumers, SubscribeToShard leases, live shard reads. */
    readonly consumers: ConsumerRegistry,
    readonly leases: SubscriptionLeases,
    readonly feeds: ShardFeeds,
  ) {}

  static async open(nc: NatsConnection, options: EngineOptions): Promise<Engine> {
    const jsm = await jetstreamManager(nc, { timeout: options.timeoutMs });
    const bucket = `${options.namespace}-metadata`;
    const catalog = await StreamCatalog.open(nc, {
      bucket,
      replicas: options.replicas,
      storage: options.storage,
      log: options.log,
    });
    const storage = new StreamStorage(jsm, options);
    const writer = new RecordWriter(nc, options.timeoutMs);
    const reader = new RecordReader(nc, jsm, options.timeoutMs);
    const tokenKey = await catalog.sharedSecret("token-key");
    const consumers = await ConsumerRegistry.open(nc, bucket, options.log);
    const leases = await SubscriptionLeases.open(nc, bucket, options.log);
    const feeds = new ShardFeeds(nc, jsm, options.log);
    return new Engine(nc, catalog, storage, writer, reader, tokenKey, consumers, leases, feeds);
  }

  /** The largest message the NATS server accepts, headers included. */
  get maxPayload(): number {
    return this.nc.info?.max_payload ?? 1024 * 1024;
  }

  close(): void {
    this.feeds.endAll("shutdown");
    this.leases.close();
    this.consumers.close();
    this.writer.close();
    this.catalog.close();
  }
}

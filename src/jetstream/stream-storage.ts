import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager } from "@nats-io/jetstream";
import { isOpen } from "../shards/shard.js";
import { keyToken } from "./kv-support.js";
import type { StreamMetadata } from "./stream-metadata.js";

export interface StorageOptions {
  /** Prefix of every JetStream stream name and subject this server uses: `[A-Za-z0-9_-]+`. */
  readonly namespace: string;
  readonly replicas: number;
  readonly storage: "file" | "memory";
  /** How long JetStream remembers message ids to drop retried writes (ms). */
  readonly duplicateWindowMs: number;
}

const NANOS_PER_HOUR = 3_600_000_000_000;

/**
 * Where a Kinesis stream lives in JetStream: one JetStream stream per Kinesis stream, one
 * subject per shard. A Kinesis name may hold dots, which neither a JetStream stream name nor a
 * subject token may: '=' (not allowed in Kinesis names) stands for each dot.
 */
export class StreamLayout {
  constructor(readonly namespace: string) {}

  jetStreamName(streamName: string): string {
    return `${this.namespace}_${keyToken(streamName)}`;
  }

  shardSubject(streamName: string, shardIndex: number): string {
    return `${this.namespace}.${keyToken(streamName)}.${shardIndex}`;
  }

  /** The subjects of every shard of a stream, open or closed, as one wildcard. */
  allShardsSubject(streamName: string): string {
    return `${this.namespace}.${keyToken(streamName)}.*`;
  }

  /** The subjects the JetStream stream accepts: only open shards take records. */
  acceptedSubjects(stream: StreamMetadata): string[] {
    return stream.shards.filter(isOpen).map((shard) => this.shardSubject(stream.name, shard.index));
  }
}

/** Creates, changes and removes the JetStream streams behind Kinesis streams. */
export class StreamStorage {
  readonly layout: StreamLayout;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly options: StorageOptions,
  ) {
    this.layout = new StreamLayout(options.namespace);
  }

  async create(stream: StreamMetadata): Promise<void> {
    await this.jsm.streams.add({
      name: this.layout.jetStreamName(stream.name),
      description: `Kinesis stream ${stream.name}`,
      subjects: this.layout.acceptedSubjects(stream),
      storage: this.options.storage === "memory" ? "memory" : "file",
      num_replicas: this.options.replicas,
      retention: "limits",
      discard: "old",
      max_age: stream.retentionHours * NANOS_PER_HOUR,
      duplicate_window: this.options.duplicateWindowMs * 1_000_000,
      allow_direct: true,
    });
  }

  /** Deletes the JetStream stream; one that is already gone is not an error. */
  async delete(streamName: string): Promise<void> {
    try {
      await this.jsm.streams.delete(this.layout.jetStreamName(streamName));
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
    }
  }

  /**
   * Brings the JetStream stream in line with the metadata: it accepts exactly the subjects of
   * the open shards and keeps records for the retention period. Answers the stream's last
   * sequence once JetStream has applied it: a closed shard's records all lie at or before it.
   */
  async reconfigure(stream: StreamMetadata): Promise<bigint> {
    const info = await this.jsm.streams.update(this.layout.jetStreamName(stream.name), {
      subjects: this.layout.acceptedSubjects(stream),
      max_age: stream.retentionHours * NANOS_PER_HOUR,
    });
    return BigInt(info.state.last_seq);
  }

  /** The sequence of the newest record in the stream (0 when it never held one). */
  async lastSequence(streamName: string): Promise<bigint> {
    const info = await this.jsm.streams.info(this.layout.jetStreamName(streamName));
    return BigInt(info.state.last_seq);
  }
}

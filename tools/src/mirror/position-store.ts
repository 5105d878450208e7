import { Kvm, type KV } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";

/**
 * Where the copy of one source shard stands. `sourceSequence` and `targetSequence` are the last
 * record written and acknowledged, in the source shard and in the target shard that copies it:
 * after a crash between a write and the store of its position, the records the target shard
 * holds after `targetSequence` are exactly the source records after `sourceSequence` that were
 * written, in order, since nothing else writes to a mirrored shard.
 */
export interface ShardPosition {
  readonly targetShardId: string;
  readonly sourceSequence?: string;
  readonly targetSequence?: string;
  /** The source shard is closed and every record of it is copied. */
  readonly done?: boolean;
}

/** What a mirror fixes at its first start and keeps: where shards with no position begin. */
export interface MirrorStart {
  readonly type: "TRIM_HORIZON" | "AT_TIMESTAMP";
  /** ISO time; a LATEST start is kept as the time of the first start, so a restart begins at the same place. */
  readonly timestamp?: string;
}

const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

/**
 * The mirror's positions in a KV bucket of its own, one key per source stream and shard under
 * the target stream's name (so one source can be mirrored into several targets).
 */
export class PositionStore {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly kv: KV,
    private readonly prefix: string,
  ) {}

  static async open(natsUrl: string, bucket: string, targetStream: string, sourceStream: string): Promise<PositionStore> {
    const nc = await connect({ servers: natsUrl, name: "kinesis-nats mirror" });
    try {
      const kv = await new Kvm(nc).create(bucket, { history: 1, allow_direct: false });
      // Stream names may hold dots, which KV keys take as token separators: fine, keys stay distinct.
      return new PositionStore(nc, kv, `${targetStream}/${sourceStream}`);
    } catch (error) {
      await nc.close();
      throw error;
    }
  }

  async start(): Promise<MirrorStart | undefined> {
    return (await this.kv.get(`${this.prefix}/start`))?.json<MirrorStart>();
  }

  async saveStart(start: MirrorStart): Promise<void> {
    await this.kv.put(`${this.prefix}/start`, encode(start));
  }

  async position(sourceShardId: string): Promise<ShardPosition | undefined> {
    return (await this.kv.get(`${this.prefix}/shards/${sourceShardId}`))?.json<ShardPosition>();
  }

  async save(sourceShardId: string, position: ShardPosition): Promise<void> {
    await this.kv.put(`${this.prefix}/shards/${sourceShardId}`, encode(position));
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}

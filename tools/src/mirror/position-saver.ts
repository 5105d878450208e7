import type { PositionStore, ShardPosition } from "./position-store.js";

/**
 * Stores a shard's newest position in the background, one put at a time, skipping those
 * overtaken while a put was under way. A stored position may lag the writes: after a crash the
 * copier finds what was written after it in the target shard, so the lag costs nothing but
 * that read, and the writes do not wait for NATS.
 */
export class PositionSaver {
  private latest: ShardPosition | undefined;
  private running: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    private readonly store: PositionStore,
    private readonly shardId: string,
  ) {}

  set(position: ShardPosition): void {
    if (this.failure !== undefined) throw this.failure;
    this.latest = position;
    this.running ??= this.drain().catch((error: unknown) => {
      this.failure = error;
      this.running = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.latest) {
      const position = this.latest;
      this.latest = undefined;
      await this.store.save(this.shardId, position);
    }
    this.running = undefined;
  }

  /** Resolves once the newest position is stored. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (this.failure !== undefined) throw this.failure;
  }
}

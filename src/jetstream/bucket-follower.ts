import type { JetStreamManager } from "@nats-io/jetstream";
import type { KV, KvEntry } from "@nats-io/kv";
import type { Logger } from "pino";

export interface BucketFollowerOptions {
  /** How often the follower asks the bucket whether it has fallen behind without moving. */
  readonly probeMs: number;
  /** How long `caughtUp` waits for a copy that does not move before it gives up. */
  readonly stallMs: number;
  readonly log: Logger;
}

/** How often a followed bucket is asked, by default, whether its watch has fallen behind. */
export const FOLLOWER_PROBE_MS = 2_000;

/** Longest pause between attempts to start a watch again. */
const RESTART_MAX_PAUSE_MS = 2_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Applies every write of a whole KV bucket, in order, from its current values on, and keeps
 * doing so when the NATS node serving the watch dies. A KV watch is an ordered consumer that
 * notices a dead node only after two missed idle heartbeats, which nats.js sets to 30 s each:
 * a minute in which an instance's copy stands still while the bucket moves on. So the follower
 * checks on its own: when the bucket's last write is past what the copy has applied, and the
 * copy has not moved since the last check, it starts the watch again from the first write not
 * applied. Nothing is skipped or applied twice: entries at or below the applied revision are
 * dropped.
 */
export class BucketFollower {
  /** The bucket's stream sequence the copy has applied up to. */
  private applied = 0;
  private readonly waiters: { readonly sequence: number; readonly resolve: () => void }[] = [];
  private watcher?: { stop(): void };
  private stopped = false;
  private restarting = false;
  private readonly probe: NodeJS.Timeout;
  private probedAt = -1;

  private constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly stream: string,
    private readonly apply: (entry: KvEntry) => void,
    private readonly options: BucketFollowerOptions,
  ) {
    this.probe = setInterval(() => void this.check(), options.probeMs).unref();
  }

  /** Starts following `kv` (the KV bucket behind JetStream stream `stream`). */
  static async start(kv: KV, jsm: JetStreamManager, stream: string, apply: (entry: KvEntry) => void, options: BucketFollowerOptions): Promise<BucketFollower> {
    const follower = new BucketFollower(kv, jsm, stream, apply, options);
    try {
      await follower.watch();
    } catch (error) {
      follower.stop();
      throw error;
    }
    return follower;
  }

  /**
   * Resolves once the copy has applied every write the bucket had when asked. When the copy
   * stands still for `stallMs` the watch is started again, and after another `stallMs` without
   * a move this fails: a retryable error for the client, while the bucket elects a new leader.
   */
  async caughtUp(): Promise<void> {
    const { state } = await this.jsm.streams.info(this.stream);
    if (state.last_seq <= this.applied || state.messages === 0) return;
    await new Promise<void>((resolve, reject) => {
      let seen = this.applied;
      let restarted = false;
      const stalled = (): void => {
        if (this.applied > seen || !restarted) {
          if (this.applied === seen) {
            restarted = true;
            void this.restart();
          }
          seen = this.applied;
          timer = setTimeout(stalled, this.options.stallMs);
          return;
        }
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`the copy of ${this.stream} stopped at sequence ${this.applied}, short of ${state.last_seq}`));
      };
      let timer = setTimeout(stalled, this.options.stallMs);
      const waiter = {
        sequence: state.last_seq,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
      this.waiters.sort((a, b) => a.sequence - b.sequence);
    });
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.probe);
    this.watcher?.stop();
  }

  private async watch(): Promise<void> {
    const resume = this.applied > 0 ? { resumeFromRevision: this.applied + 1 } : {};
    const watcher = await this.kv.watch({ key: ">", ...resume });
    this.watcher = watcher;
    void (async () => {
      for await (const entry of watcher) {
        if (entry.revision <= this.applied) continue;
        this.apply(entry);
        this.applied = entry.revision;
        while (this.waiters.length > 0 && this.waiters[0]!.sequence <= this.applied) this.waiters.shift()!.resolve();
      }
    })()
      .catch((error: unknown) => this.options.log.warn({ err: error, stream: this.stream }, "bucket watch ended"))
      // A watch that ends on its own (its consumer could not be made again) is started again.
      .then(() => (this.watcher === watcher ? this.restart() : undefined));
  }

  /** Stops the watch and starts it again from the first write not applied, retrying until it starts. */
  private async restart(): Promise<void> {
    if (this.restarting || this.stopped) return;
    this.restarting = true;
    this.watcher?.stop();
    this.watcher = undefined;
    try {
      for (let pause = 100; !this.stopped; pause = Math.min(pause * 2, RESTART_MAX_PAUSE_MS)) {
        try {
          await this.watch();
          this.options.log.info({ stream: this.stream, from: this.applied + 1 }, "bucket watch started again");
          return;
        } catch (error) {
          this.options.log.warn({ err: error, stream: this.stream }, "bucket watch could not start again yet");
          await sleep(pause);
        }
      }
    } finally {
      this.restarting = false;
    }
  }

  /** The periodic check: behind the bucket and not moving since the last check means a dead watch. */
  private async check(): Promise<void> {
    if (this.restarting || this.stopped) return;
    try {
      const { state } = await this.jsm.streams.info(this.stream);
      const behind = state.messages > 0 && state.last_seq > this.applied;
      if (behind && this.applied === this.probedAt) await this.restart();
      this.probedAt = behind ? this.applied : -1;
    } catch {
      // The bucket does not answer (no leader yet): the next check asks again.
    }
  }
}

/**
 * Hands each entry of a followed bucket to whoever asked for its key prefix: the parts of the
 * metadata bucket (streams, consumers, leases) share one follower.
 */
export class PrefixRoutes {
  private readonly routes: (readonly [prefix: string, apply: (entry: KvEntry) => void])[] = [];

  on(prefix: string, apply: (entry: KvEntry) => void): void {
    this.routes.push([prefix, apply]);
  }

  readonly apply = (entry: KvEntry): void => {
    for (const [prefix, apply] of this.routes) if (entry.key.startsWith(prefix)) apply(entry);
  };
}

import { randomUUID } from "node:crypto";
import type { KV, KvEntry } from "@nats-io/kv";
import type { Logger } from "pino";
import { z } from "zod";
import type { PrefixRoutes } from "./bucket-follower.js";
import { isWrongLastSequence, keyToken } from "./kv-support.js";

const leaseSchema = z.object({ holder: z.string(), since: z.number() });
type LeaseValue = z.infer<typeof leaseSchema>;

const PREFIX = "leases.";
const ATTEMPTS = 5;

/** The outcome of asking for a lease: held now, or held by someone else since `heldSince` (epoch ms). */
export type LeaseOutcome = { readonly lease: Lease } | { readonly lease?: undefined; readonly heldSince: number };

/**
 * Exclusive, stealable leases in the metadata KV bucket, one entry per key: who holds it and
 * since when. A lease younger than the takeover age cannot be taken; an older one can, by a
 * compare-and-set write. The instance that held it sees the write through its watch and tells
 * its holder, which ends. Every instance sharing the NATS server sees the same leases.
 */
export class SubscriptionLeases {
  /** The leases held in this process, by key. */
  private readonly held = new Map<string, Lease>();
  private readonly instance = randomUUID();
  private nextHolder = 0;

  private constructor(
    private readonly kv: KV,
    private readonly log: Logger,
  ) {}

  /**
   * The leases in the metadata bucket; the bucket's follower tells them, through `routes`, of
   * every change, so a lease held here learns of its takeover by another instance.
   */
  static open(kv: KV, routes: PrefixRoutes, log: Logger): SubscriptionLeases {
    const leases = new SubscriptionLeases(kv, log);
    routes.on(PREFIX, (entry) => leases.changed(entry));
    return leases;
  }

  /**
   * Takes the lease named by `name` (its parts, any text a Kinesis name may hold) unless someone
   * took it less than `takeoverAfterMs` ago. `onLost` is called (once) when someone else takes
   * it over later.
   */
  async acquire(name: readonly string[], now: number, takeoverAfterMs: number, onLost: () => void): Promise<LeaseOutcome> {
    const key = PREFIX + name.map(keyToken).join(".");
    const mine: LeaseValue = { holder: `${this.instance}/${this.nextHolder++}`, since: now };
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const entry = await this.kv.get(key);
      const current = entry?.operation === "PUT" ? this.decode(entry) : undefined;
      if (current && now - current.since < takeoverAfterMs) return { heldSince: current.since };
      try {
        const value = JSON.stringify(mine);
        const revision = entry ? await this.kv.update(key, value, entry.revision) : await this.kv.create(key, value);
        const lease = new Lease(this, key, mine.holder, revision, onLost);
        // A holder in this process learns of the takeover here; one elsewhere through its watch.
        this.held.get(key)?.lost();
        this.held.set(key, lease);
        return { lease };
      } catch (error) {
        if (!isWrongLastSequence(error)) throw error;
      }
    }
    return { heldSince: now };
  }

  /** @internal Called by Lease.release. */
  async release(lease: Lease): Promise<void> {
    if (this.held.get(lease.key) === lease) this.held.delete(lease.key);
    try {
      await this.kv.delete(lease.key, { previousSeq: lease.revision });
    } catch (error) {
      // Taken over meanwhile (the new holder's entry stays), or NATS is away: it ages out anyway.
      if (!isWrongLastSequence(error)) this.log.debug({ err: error, key: lease.key }, "lease not released");
    }
  }

  private changed(entry: KvEntry): void {
    const lease = this.held.get(entry.key);
    if (!lease || entry.revision <= lease.revision || entry.operation !== "PUT") return;
    if (this.decode(entry)?.holder === lease.holder) return;
    this.held.delete(entry.key);
    lease.lost();
  }

  private decode(entry: KvEntry): LeaseValue | undefined {
    try {
      return leaseSchema.parse(entry.json());
    } catch {
      this.log.error({ key: entry.key }, "unreadable lease in the KV bucket: treated as free");
      return undefined;
    }
  }
}

/** One lease held by this process. */
export class Lease {
  private over = false;

  constructor(
    private readonly leases: SubscriptionLeases,
    readonly key: string,
    readonly holder: string,
    readonly revision: number,
    private readonly onLost: () => void,
  ) {}

  /** @internal Someone else holds it now. */
  lost(): void {
    if (this.over) return;
    this.over = true;
    this.onLost();
  }

  /** Gives the lease up, unless it was already taken over. */
  async release(): Promise<void> {
    if (this.over) return;
    this.over = true;
    await this.leases.release(this);
  }
}

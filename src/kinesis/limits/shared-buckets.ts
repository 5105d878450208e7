import type { Usage, UsageExchange } from "../../jetstream/usage-exchange.js";
import { TokenBucket, type Rate } from "./token-bucket.js";

/** A kind of limit: its name (the first part of every key of it) and its rate. */
export interface Limit {
  readonly name: string;
  readonly rate: Rate;
}

/** One bucket of a limit (a shard's writes, an account's DescribeStream calls) and what to spend from it. */
export interface Spend {
  readonly limit: Limit;
  readonly scope: string;
  readonly cost: number;
}

/** How often this instance tells the others what it used. */
const REPORT_INTERVAL_MS = 100;

const keyOf = (limit: Limit, scope: string): string => `${limit.name}|${scope}`;

/**
 * Token buckets that hold across the instances of a namespace without a round trip per call:
 * each instance spends from its own buckets, reports what it spent about every 100 ms, and
 * charges the others' reports to its buckets. Every bucket so sees all the usage, a report
 * interval late: together the instances let through the rate, plus at most what the others
 * spent in the last interval before this one heard of it.
 */
export class SharedBuckets {
  private readonly buckets = new Map<string, TokenBucket>();
  private unreported = new Map<string, number>();
  private readonly exchange: UsageExchange;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly limits: ReadonlyMap<string, Limit>,
    openExchange: (listener: (usage: Usage) => void) => UsageExchange,
  ) {
    this.exchange = openExchange((usage) => this.heard(usage));
    this.timer = setInterval(() => this.report(), REPORT_INTERVAL_MS);
    this.timer.unref();
  }

  /** Spends every cost if every bucket allows it, else nothing; says which it was. */
  trySpend(spends: readonly Spend[], now: number): boolean {
    if (!spends.every(({ limit, scope, cost }) => this.bucket(limit, scope, now).allows(cost, now))) return false;
    for (const spend of spends) this.spend(spend, now);
    return true;
  }

  /** Spends whether or not the bucket allows it (what a read turned out to cost): it may go into debt. */
  spend({ limit, scope, cost }: Spend, now: number): void {
    if (cost <= 0) return;
    const key = keyOf(limit, scope);
    this.bucket(limit, scope, now).charge(cost, now);
    this.unreported.set(key, (this.unreported.get(key) ?? 0) + cost);
  }

  available(limit: Limit, scope: string, now: number): number {
    return this.bucket(limit, scope, now).available(now);
  }

  msUntilClear(limit: Limit, scope: string, now: number): number {
    return this.bucket(limit, scope, now).msUntilClear(now);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private bucket(limit: Limit, scope: string, now: number): TokenBucket {
    const key = keyOf(limit, scope);
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(limit.rate, now)));
    return bucket;
  }

  private heard(usage: Usage): void {
    const now = Date.now();
    for (const [key, amount] of usage) {
      const bar = key.indexOf("|");
      const limit = this.limits.get(key.slice(0, bar));
      if (limit && Number.isFinite(amount) && amount > 0) this.bucket(limit, key.slice(bar + 1), now).charge(amount, now);
    }
  }

  private report(): void {
    if (this.unreported.size > 0) {
      this.exchange.publish(this.unreported);
      this.unreported = new Map();
    }
    // A full bucket is what a new one would be: dropping it bounds memory to what is in use.
    const now = Date.now();
    for (const [key, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(key);
  }
}

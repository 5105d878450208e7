/** A rate and how much of it may be spent at once. */
export interface Rate {
  /** Units added per second. */
  readonly perSecond: number;
  /** The most the bucket holds: what a client idle for a while may spend at once. */
  readonly burst: number;
}

/**
 * A token bucket that may go into debt: a read whose size is known only once it is done (a
 * GetRecords of 10 MiB on a 2 MiB/s shard) is charged in full, and the debt is paid off at the
 * rate before anything else is let through, as Kinesis throttles the calls after a big read.
 * Other instances' usage is charged the same way, so every instance's bucket sees all of it.
 */
export class TokenBucket {
  private balance: number;
  private updatedAt: number;

  constructor(
    readonly rate: Rate,
    now: number,
  ) {
    this.balance = rate.burst;
    this.updatedAt = now;
  }

  /** What may be spent now (negative while in debt). */
  available(now: number): number {
    if (now > this.updatedAt) {
      this.balance = Math.min(this.rate.burst, this.balance + ((now - this.updatedAt) * this.rate.perSecond) / 1000);
      this.updatedAt = now;
    }
    return this.balance;
  }

  /** Whether `cost` may be spent now: the balance covers it, or, for a cost beyond the burst, the bucket is full. */
  allows(cost: number, now: number): boolean {
    return this.available(now) >= Math.min(cost, this.rate.burst);
  }

  charge(cost: number, now: number): void {
    this.available(now);
    this.balance -= cost;
  }

  /** How long until the balance is back to zero (0 when not in debt). */
  msUntilClear(now: number): number {
    const balance = this.available(now);
    return balance >= 0 ? 0 : Math.ceil((-balance * 1000) / this.rate.perSecond);
  }

  /** Full again: keeping it would change nothing. */
  isFull(now: number): boolean {
    return this.available(now) >= this.rate.burst;
  }
}

/**
 * Bytes that requests in progress hold in memory, across every connection of both ports: a
 * request takes its share while it works and gives it back when its answer is done or the client
 * went away. The server keeps one budget for request bodies and one for the record data of read
 * answers; the first refuses what does not fit, the second makes answers smaller and, when
 * nothing is free, has reads wait their turn. Without the first, 128 slow uploads of 16 MiB took
 * the server from 272 MB to 1.8 GB; without the second, every GetRecords of a full shard held
 * 10 MiB of records and a 14 MB answer, however many came.
 */
export class MemoryBudget {
  private held = 0;
  /** Takers waiting for memory, first come first served. */
  private readonly waiting: Waiter[] = [];

  constructor(readonly capacityBytes: number) {}

  get heldBytes(): number {
    return this.held;
  }

  get freeBytes(): number {
    return Math.max(0, this.capacityBytes - this.held);
  }

  /** Takes `bytes` if they fit. */
  take(bytes: number): boolean {
    if (this.held + bytes > this.capacityBytes) return false;
    this.held += bytes;
    return true;
  }

  /**
   * Takes what is free of `wanted` once at least `floor` of it is, waiting behind earlier takers
   * for at most `waitMs`; 0 when the wait ran out.
   */
  takeWhenFree(wanted: number, floor: number, waitMs: number): Promise<number> {
    const least = Math.min(floor, wanted);
    if (this.waiting.length === 0 && this.freeBytes >= least) return Promise.resolve(this.grant(wanted));
    return new Promise((resolve) => {
      const waiter: Waiter = {
        wanted,
        least,
        resolve,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          resolve(0);
          // The first in line may have been waiting for more than those behind it need.
          this.serveWaiting();
        }, waitMs),
      };
      this.waiting.push(waiter);
    });
  }

  give(bytes: number): void {
    this.held -= bytes;
    this.serveWaiting();
  }

  private grant(wanted: number): number {
    const granted = Math.min(wanted, this.freeBytes);
    this.held += granted;
    return granted;
  }

  private serveWaiting(): void {
    while (this.waiting.length > 0 && this.freeBytes >= this.waiting[0]!.least) {
      const waiter = this.waiting.shift()!;
      clearTimeout(waiter.timer);
      waiter.resolve(this.grant(waiter.wanted));
    }
  }
}

interface Waiter {
  readonly wanted: number;
  readonly least: number;
  readonly resolve: (granted: number) => void;
  readonly timer: NodeJS.Timeout;
}

/** A share of a request's answer in memory, as operations see it (api-call.ts has no HTTP objects). */
export interface AnswerMemory {
  /** Up to `wanted` bytes, as many as are free once at least `floor` is, waiting up to `waitMs`; 0 if none came. */
  takeWhenFree(wanted: number, floor: number, waitMs: number): Promise<number>;
  /** Gives back part of what was taken, once the answer is known to need less. */
  giveBack(bytes: number): void;
}

/** What one request holds of a budget, given back once when its answer is done. */
export class MemoryHold implements AnswerMemory {
  private bytes = 0;
  private released = false;

  constructor(private readonly budget: MemoryBudget) {}

  take(bytes: number): boolean {
    if (this.released || !this.budget.take(bytes)) return false;
    this.bytes += bytes;
    return true;
  }

  async takeWhenFree(wanted: number, floor: number, waitMs: number): Promise<number> {
    // The client went away: what is read now is never sent.
    if (this.released) return 0;
    const granted = await this.budget.takeWhenFree(wanted, floor, waitMs);
    if (!this.released) {
      this.bytes += granted;
      return granted;
    }
    this.budget.give(granted);
    return 0;
  }

  giveBack(bytes: number): void {
    const given = Math.min(Math.max(0, bytes), this.bytes);
    this.bytes -= given;
    this.budget.give(given);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.budget.give(this.bytes);
    this.bytes = 0;
  }
}

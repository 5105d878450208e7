/**
 * Bytes that requests in progress hold in memory, across every connection of both ports: a
 * request takes its share while it works and gives it back when its answer is done or the client
 * went away. The server keeps one budget for request bodies and one for the record data of read
 * answers; the first refuses what does not fit, the second makes answers smaller. Without the
 * first, 128 slow uploads of 16 MiB took the server from 272 MB to 1.8 GB; without the second,
 * every GetRecords of a full shard held 10 MiB of records and a 14 MB answer, however many came.
 */
export class MemoryBudget {
  private held = 0;

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

  /** Takes what is free of `wanted`, but never less than `floor` (even past the capacity). */
  takeUpTo(wanted: number, floor: number): number {
    const granted = Math.max(Math.min(floor, wanted), Math.min(wanted, this.freeBytes));
    this.held += granted;
    return granted;
  }

  give(bytes: number): void {
    this.held -= bytes;
  }
}

/** A share of a request's answer in memory, as operations see it (api-call.ts has no HTTP objects). */
export interface AnswerMemory {
  /** Up to `wanted` bytes, as many as are free, at least `floor`: the answer may hold that much. */
  takeUpTo(wanted: number, floor: number): number;
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

  takeUpTo(wanted: number, floor: number): number {
    // The client went away: what is read now is never sent, so read as little as may be.
    if (this.released) return Math.min(floor, wanted);
    const granted = this.budget.takeUpTo(wanted, floor);
    this.bytes += granted;
    return granted;
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

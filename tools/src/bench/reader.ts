/** A consuming application: hands over every record of every shard it reads, as data bytes. */
export interface Reader {
  start(deliver: (data: Uint8Array) => void): Promise<void>;
  /** Stops reading; rejects with the first failure of its reading loops, if any. */
  stop(): Promise<void>;
}

/** Background reading loops whose first failure is reported when they are stopped (and never goes unhandled). */
export class ReadLoops {
  private readonly running: Promise<void>[] = [];
  private failure: unknown;

  add(loop: Promise<void>): void {
    this.running.push(loop.catch((error: unknown) => void (this.failure ??= error)));
  }

  async settle(): Promise<void> {
    await Promise.all(this.running);
    if (this.failure !== undefined) throw this.failure;
  }
}

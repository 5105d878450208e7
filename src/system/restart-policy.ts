/** How a dead embedded nats-server is brought back, and when to stop trying. */
export interface RestartPolicy {
  /** Pause before the first restart; it doubles with each restart in the window. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** More restarts than this within `windowMs` and the server gives up. */
  readonly maxRestarts: number;
  readonly windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { firstDelayMs: 100, maxDelayMs: 5_000, maxRestarts: 5, windowMs: 60_000 };

/** Restart attempts in a sliding window: the next pause, or none when the budget is spent. */
export class RestartBudget {
  private readonly attempts: number[] = [];

  constructor(private readonly policy: RestartPolicy) {}

  /** Counts an attempt at `now`; the pause to take before it, or undefined to give up. */
  next(now = Date.now()): number | undefined {
    while (this.attempts.length > 0 && this.attempts[0]! <= now - this.policy.windowMs) this.attempts.shift();
    if (this.attempts.length >= this.policy.maxRestarts) return undefined;
    this.attempts.push(now);
    return Math.min(this.policy.firstDelayMs * 2 ** (this.attempts.length - 1), this.policy.maxDelayMs);
  }

  /** Attempts counted in the current window. */
  get count(): number {
    return this.attempts.length;
  }
}

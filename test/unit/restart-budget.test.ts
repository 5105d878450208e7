import { describe, expect, it } from "vitest";
import { DEFAULT_RESTART_POLICY, RestartBudget } from "../../src/system/restart-policy.js";

describe("the embedded nats-server's restart budget", () => {
  it("pauses 0.1 s before the first restart, doubling, and gives up after five in a minute", () => {
    const budget = new RestartBudget(DEFAULT_RESTART_POLICY);
    const pauses = [0, 1, 2, 3, 4, 5].map((i) => budget.next(1_000 + i));
    expect(pauses).toEqual([100, 200, 400, 800, 1600, undefined]);
  });

  it("forgets restarts older than the window, and never pauses longer than the cap", () => {
    const budget = new RestartBudget({ firstDelayMs: 1_000, maxDelayMs: 3_000, maxRestarts: 3, windowMs: 60_000 });
    expect([budget.next(0), budget.next(1), budget.next(2)]).toEqual([1_000, 2_000, 3_000]);
    expect(budget.next(59_999)).toBeUndefined();
    // At 60 001 ms the restarts at 0 and 1 ms have left the window; the one at 2 ms has not.
    expect(budget.next(60_001)).toBe(2_000);
    expect(budget.count).toBe(2);
    expect(budget.next(200_000)).toBe(1_000);
  });
});

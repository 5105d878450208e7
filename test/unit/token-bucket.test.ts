import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { TokenBucket } from "../../src/kinesis/limits/token-bucket.js";

const rate = { perSecond: 1000, burst: 1000 };

describe("token buckets (--enforce-limits)", () => {
  it("let through at most the burst plus the rate over any run of spends, whatever their sizes and times", () => {
    fc.assert(
      fc.property(fc.array(fc.record({ afterMs: fc.integer({ min: 0, max: 50 }), cost: fc.integer({ min: 1, max: 1500 }) }), { maxLength: 300 }), (spends) => {
        const bucket = new TokenBucket(rate, 0);
        let now = 0;
        let admitted = 0;
        let largest = 0;
        for (const { afterMs, cost } of spends) {
          now += afterMs;
          if (!bucket.allows(cost, now)) continue;
          bucket.charge(cost, now);
          admitted += cost;
          largest = Math.max(largest, cost);
        }
        // A cost beyond the burst is let through once the bucket is full, and paid off after.
        expect(admitted).toBeLessThanOrEqual(rate.burst + (rate.perSecond * now) / 1000 + Math.max(0, largest - rate.burst));
      }),
      { numRuns: 200 },
    );
  });

  it("pays a debt off at the rate: after a 3,000-unit charge on a full bucket, nothing for two seconds", () => {
    const bucket = new TokenBucket(rate, 0);
    bucket.charge(3000, 0);
    expect(bucket.msUntilClear(0)).toBe(2000);
    expect(bucket.allows(1, 1999)).toBe(false);
    expect(bucket.allows(1, 2001)).toBe(true);
    expect(bucket.isFull(3000)).toBe(true);
  });

  it("shared as the instances share them (each charged the others' usage a report later), two busy instances get about 1x, not 2x", () => {
    const reportMs = 100;
    const buckets = [new TokenBucket(rate, 0), new TokenBucket(rate, 0)];
    const unreported = [0, 0];
    const admitted = [0, 0];
    const runMs = 10_000;
    for (let now = 1; now <= runMs; now++) {
      // Each instance tries ten one-unit calls a millisecond: ten times the rate each.
      buckets.forEach((bucket, i) => {
        for (let call = 0; call < 10; call++) {
          if (!bucket.allows(1, now)) break;
          bucket.charge(1, now);
          admitted[i]!++;
          unreported[i]!++;
        }
      });
      if (now % reportMs === 0) {
        buckets[0]!.charge(unreported[1]!, now);
        buckets[1]!.charge(unreported[0]!, now);
        unreported.fill(0);
      }
    }
    const total = admitted[0]! + admitted[1]!;
    const allowed = rate.burst + (rate.perSecond * runMs) / 1000;
    expect(total).toBeLessThanOrEqual(allowed * 1.1);
    expect(total).toBeGreaterThanOrEqual(allowed * 0.9);
  });
});

describe("--enforce-limits in the configuration", () => {
  it("is off by default, on with the bare flag or KINESIS_ENFORCE_LIMITS=1, and the flag wins", () => {
    expect(loadConfig([], {}).enforceLimits).toBe(false);
    expect(loadConfig(["--enforce-limits"], {}).enforceLimits).toBe(true);
    expect(loadConfig([], { KINESIS_ENFORCE_LIMITS: "1" }).enforceLimits).toBe(true);
    expect(loadConfig([], { KINESIS_ENFORCE_LIMITS: "false" }).enforceLimits).toBe(false);
    expect(loadConfig(["--enforce-limits"], { KINESIS_ENFORCE_LIMITS: "0" }).enforceLimits).toBe(true);
  });
});

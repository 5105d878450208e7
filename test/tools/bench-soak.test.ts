import { describe, expect, it } from "vitest";
import { parseBenchOptions } from "../../tools/src/bench/options.js";
import { soakLine, soakVerdict } from "../../tools/src/bench/soak-verdict.js";

const minute = (n: number, mb: number, exactlyOnce = true) => ({ minute: n, rssBytes: mb * 1e6, peakRssBytes: mb * 1e6, records: 60_000, exactlyOnce });

describe("the soak's verdict", () => {
  it("compares the last minute's RSS with the RSS after the first (warm-up) minute", () => {
    const flat = soakVerdict([minute(1, 120), minute(2, 150), minute(3, 130)], 3);
    expect(flat).toMatchObject({ startRssBytes: 120e6, endRssBytes: 130e6, flat: true, exactlyOnce: true });
    expect(flat.changeRatio).toBeCloseTo(1 / 12);
    expect(soakLine(flat)).toContain("120.0 MB after warm-up (minute 1) -> 130.0 MB after minute 3: +8.3% (target within ±10%: met)");
    const grew = soakVerdict([minute(1, 120), minute(2, 125), minute(3, 140, false)], 3);
    expect(grew).toMatchObject({ flat: false, exactlyOnce: false });
    expect(soakLine(grew)).toContain("MISSED");
  });

  it("gives no verdict on memory where the server's RSS is not known (--endpoint), yet still checks exactly once", () => {
    const unknown = (n: number, exactlyOnce = true) => ({ minute: n, records: 60_000, exactlyOnce });
    const result = soakVerdict([unknown(1), unknown(2)], 2);
    expect(result).toMatchObject({ rssMeasured: false, flat: false, exactlyOnce: true });
    expect(result.startRssBytes).toBeUndefined();
    expect(soakLine(result)).toBe(
      "Soak: no verdict on memory, the RSS of a server the bench did not start (--endpoint) is not known; exactly once every minute: yes",
    );
    expect(soakLine(soakVerdict([unknown(1), unknown(2, false)], 2))).toContain("exactly once every minute: NO");
  });

  it("gives no verdict for a soak of one minute, and is off unless asked", () => {
    expect(soakVerdict([minute(1, 120)], 1).flat).toBe(false);
    expect(soakLine(soakVerdict([minute(1, 120)], 1))).toContain("no verdict");
    expect(parseBenchOptions([]).soakMinutes).toBe(0);
    expect(parseBenchOptions(["--soak", "10"]).soakMinutes).toBe(10);
    expect(() => parseBenchOptions(["--soak", "-1"])).toThrow(/--soak/);
  });
});

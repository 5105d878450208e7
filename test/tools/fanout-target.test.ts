import { describe, expect, it } from "vitest";
import { judgeFanout } from "../../tools/src/bench/fanout-target.js";

const latency = (p50: number) => ({ count: 100, p50, p95: p50, p99: p50, max: p50 });
const run = {
  method: "SubscribeToShard",
  consumers: 4,
  recordsPerSecond: 995,
  writtenPerSecond: 1000,
  storedPerSecond: 1000,
  latency: latency(7),
  putLatency: latency(5),
  delivery: { missing: 0 },
};

describe("the fan-out target of issue 15", () => {
  it("judges only 4 applications by SubscribeToShard on 4 shards", () => {
    expect(judgeFanout(run, 4)).toMatchObject({ gapMs: 2, withinGap: true, fullRate: true, met: true });
    expect(judgeFanout(run, 2)).toBeUndefined();
    expect(judgeFanout({ ...run, consumers: 3 }, 4)).toBeUndefined();
    expect(judgeFanout({ ...run, method: "GetRecords polling" }, 4)).toBeUndefined();
  });

  it("misses on a gap over 3 ms, a slow application or a missing record", () => {
    expect(judgeFanout({ ...run, latency: latency(8.5) }, 4)).toMatchObject({ withinGap: false, met: false });
    expect(judgeFanout({ ...run, recordsPerSecond: 900 }, 4)).toMatchObject({ fullRate: false, met: false });
    expect(judgeFanout({ ...run, delivery: { missing: 1 } }, 4)).toMatchObject({ fullRate: false, met: false });
  });

  it("tells a shortfall of the writes themselves from one of the fan-out", () => {
    expect(judgeFanout({ ...run, recordsPerSecond: 880, storedPerSecond: 885 }, 4)!.slowestShareOfStored).toBeCloseTo(880 / 885);
  });
});

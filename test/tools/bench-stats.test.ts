import { describe, expect, it } from "vitest";
import { batchFor, parseBenchOptions, parseSize, UsageError } from "../../tools/src/bench/options.js";
import { readStamp, RecordMaker } from "../../tools/src/bench/record-stamp.js";
import { combineChecks, DeliveryTally, percentile, summarizeLatency } from "../../tools/src/bench/stats.js";

describe("the bench's arithmetic", () => {
  it("takes nearest-rank percentiles and leaves out records that never came", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99), percentile(sorted, 100)]).toEqual([50, 95, 99, 100]);
    expect(summarizeLatency([3, Number.NaN, 1, 2])).toEqual({ count: 3, p50: 2, p95: 3, p99: 3, max: 3 });
    expect(summarizeLatency([Number.NaN])).toBeUndefined();
  });

  it("counts missing, duplicated and foreign records", () => {
    const tally = new DeliveryTally(4);
    for (const index of [0, 1, 1, 3, 7]) tally.record(index);
    expect(tally.result()).toEqual({ expected: 4, delivered: 3, missing: 1, duplicated: 1, unexpected: 1, exactlyOnce: false });
    const whole = new DeliveryTally(2);
    whole.record(1);
    whole.record(0);
    expect(combineChecks([whole.result(), tally.result()])).toMatchObject({ expected: 6, missing: 1, exactlyOnce: false });
    expect(whole.result().exactlyOnce).toBe(true);
  });

  it("stamps each record with its run and index, at the asked size", () => {
    const data = new RecordMaker(1024).make(7, 42);
    expect(data.length).toBe(1024);
    expect(readStamp(data)).toMatchObject({ run: 7, index: 42 });
    expect(readStamp(new Uint8Array(8))).toBeUndefined();
  });
});

describe("the bench's flags", () => {
  it("reads sizes in KiB, B or MiB and refuses what cannot carry a stamp", () => {
    expect([parseSize("1"), parseSize("512B"), parseSize("1MiB"), parseSize("0.5")]).toEqual([1024, 512, 1024 * 1024, 512]);
    expect(() => parseSize("8B")).toThrow(UsageError);
    expect(() => parseSize("ten")).toThrow(UsageError);
  });

  it("keeps a PutRecords request within 5 MiB of data", () => {
    expect(batchFor(500, 1024)).toBe(500);
    expect(batchFor(500, 100 * 1024)).toBe(51);
  });

  it("has defaults for the whole matrix and refuses unknown flags", () => {
    const options = parseBenchOptions([], {});
    expect(options).toMatchObject({
      sizes: [1024, 5120, 10240, 102400],
      fanout: [1, 2, 3, 4],
      shards: 4,
      batch: 500,
      inFlight: 4,
      throughput: true,
      live: true,
    });
    expect(parseBenchOptions(["--price", "shardHour=0.02"], {}).cost.prices.shardHour).toBe(0.02);
    expect(() => parseBenchOptions(["--records", "5"], {})).toThrow(UsageError);
    expect(() => parseBenchOptions(["--workloads", "soak"], {})).toThrow(UsageError);
  });
});

import { describe, expect, it } from "vitest";
import { cpuPerRecord, deliveryCosts } from "../../tools/src/bench/cpu-per-record.js";
import type { RunResult } from "../../tools/src/bench/results.js";

const run = (fields: Partial<RunResult>): RunResult => ({
  side: "kinesis",
  workload: "publish",
  method: "PutRecords",
  recordBytes: 1024,
  consumers: 0,
  records: 1000,
  seconds: 1,
  recordsPerSecond: 1000,
  mibPerSecond: 1,
  totalRecordsPerSecond: 1000,
  cpu: { client: 0.5, server: 0.02, nats: 0.005 },
  ...fields,
});

describe("CPU per record", () => {
  it("divides each process's CPU time by the records the run moved, per application in live runs", () => {
    const [put, live] = cpuPerRecord([
      run({}),
      run({ workload: "live", method: "SubscribeToShard", consumers: 4, cpu: { client: 1, server: 0.08, nats: 0.01 } }),
    ]);
    expect(put).toMatchObject({ records: 1000, serverMicros: 20, natsMicros: 5, targetMicros: 12 });
    expect(live).toMatchObject({ records: 4000, serverMicros: 20, natsMicros: 2.5, targetMicros: 8 });
  });

  it("prices one more application from the live runs with the fewest and the most of them", () => {
    const live = (consumers: number, server: number) => run({ workload: "live", method: "SubscribeToShard", consumers, cpu: { client: 1, server } });
    // 1 app: 300 µs per written record (writes and idle included); 4 apps: 330 µs: 10 µs per added application.
    const [cost] = deliveryCosts([live(1, 0.3), live(4, 0.33), live(2, 0.31)]);
    expect(cost).toMatchObject({ method: "SubscribeToShard", fromApps: 1, toApps: 4, targetMicros: 8 });
    expect(cost!.serverMicros).toBeCloseTo(10, 6);
    expect(deliveryCosts([live(1, 0.3)])).toEqual([]);
  });
});

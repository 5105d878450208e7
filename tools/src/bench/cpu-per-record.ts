import type { RunResult } from "./results.js";

/**
 * CPU per record: the figure that says what the Kinesis API costs beyond JetStream itself, free
 * of what the client and a shared machine do to the rates. From each process's own CPU time
 * over the run (user + system), divided by the records the run moved: written for a publish
 * run, read for a replay, delivered to all applications together for a live run (so a
 * SubscribeToShard figure is per record per subscription).
 */
export interface CpuPerRecord {
  readonly run: RunResult;
  readonly records: number;
  readonly serverMicros?: number;
  readonly natsMicros?: number;
  /** What issue 15 asks of the server at 1 KiB, µs per record. */
  readonly targetMicros?: number;
}

const KiB = 1024;
/** Targets for 1 KiB records: PutRecords, GetRecords (replay and polling), SubscribeToShard delivery. */
const TARGET_MICROS: Record<string, number> = { PutRecords: 12, GetRecords: 8, "GetRecords polling": 8, SubscribeToShard: 8 };

export function cpuPerRecord(runs: readonly RunResult[]): CpuPerRecord[] {
  return runs
    .filter((run) => !run.error && !run.skipped && run.records > 0)
    .map((run) => {
      const records = run.workload === "live" ? run.records * Math.max(1, run.consumers) : run.records;
      const per = (seconds: number | undefined): number | undefined => (seconds === undefined ? undefined : (seconds * 1e6) / records);
      const target = run.side === "kinesis" && run.recordBytes === KiB ? TARGET_MICROS[run.method] : undefined;
      return { run, records, serverMicros: per(run.cpu.server), natsMicros: per(run.cpu.nats), ...(target !== undefined && { targetMicros: target }) };
    });
}

/**
 * What one more reading application costs the server, µs per record it receives: between the
 * live runs of one method with the fewest and the most applications, the growth of server CPU
 * per record written, divided by the applications added. The write path (PutRecords) and the
 * idle costs are the same in both runs, so they cancel: this is the delivery cost alone.
 */
export interface DeliveryCost {
  readonly method: string;
  readonly recordBytes: number;
  readonly fromApps: number;
  readonly toApps: number;
  readonly serverMicros: number;
  readonly targetMicros?: number;
}

export function deliveryCosts(runs: readonly RunResult[]): DeliveryCost[] {
  const live = runs.filter((run) => run.side === "kinesis" && run.workload === "live" && !run.error && run.records > 0 && run.cpu.server !== undefined);
  const groups = new Map<string, RunResult[]>();
  for (const run of live) groups.set(`${run.method}/${run.recordBytes}`, [...(groups.get(`${run.method}/${run.recordBytes}`) ?? []), run]);
  return [...groups.values()].flatMap((group) => {
    const sorted = [...group].sort((a, b) => a.consumers - b.consumers);
    const [few, many] = [sorted[0]!, sorted.at(-1)!];
    if (many.consumers <= few.consumers) return [];
    const perWritten = (run: RunResult): number => (run.cpu.server! * 1e6) / run.records;
    const target = few.recordBytes === KiB ? TARGET_MICROS[few.method] : undefined;
    return [
      {
        method: few.method,
        recordBytes: few.recordBytes,
        fromApps: few.consumers,
        toApps: many.consumers,
        serverMicros: (perWritten(many) - perWritten(few)) / (many.consumers - few.consumers),
        ...(target !== undefined && { targetMicros: target }),
      },
    ];
  });
}

import { soakLine } from "./soak-verdict.js";
import { cpuPerRecord, deliveryCosts } from "./cpu-per-record.js";
import { FANOUT_TARGET } from "./fanout-target.js";
import { runLabel, sizeLabel, type BenchResult, type RunResult } from "./results.js";

/** The bench's results as text tables: the target and server, throughput, live runs. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

export const count = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "—");
export const ms = (value: number | undefined): string =>
  value === undefined || !Number.isFinite(value) ? "—" : value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0);
export const megabytes = (bytes: number | undefined): string => (bytes === undefined ? "—" : `${(bytes / 1e6).toFixed(1)} MB`);

/** CPU each process used, as a share of one core over the run ("—" for a process the bench does not know). */
export const cpuShares = (run: Pick<RunResult, "cpu" | "seconds">): string =>
  [run.cpu.client, run.cpu.server, run.cpu.nats].map((s) => (s === undefined || run.seconds <= 0 ? "—" : `${Math.round((s / run.seconds) * 100)}%`)).join(" ");

/** "yes", or what went wrong; "—" where the run does not read. */
export function exactlyOnceCell(run: Pick<RunResult, "error" | "delivery">): string {
  if (run.error) return "ERROR";
  const d = run.delivery;
  if (!d) return "—";
  if (d.exactlyOnce) return "yes";
  const parts = [d.missing && `${d.missing} missing`, d.duplicated && `${d.duplicated} duplicated`, d.unexpected && `${d.unexpected} unexpected`].filter(
    Boolean,
  );
  return `NO: ${parts.join(", ")}`;
}

function header(result: BenchResult): string[] {
  const t = result.target;
  const who = t.kind === "spawned" ? "our server, started for the run" : "given with --endpoint";
  const lines = [
    `kinesis-nats bench, ${result.startedAt}: ${t.endpoint} (${who}; HTTP/${t.http})` +
      `${t.natsUrl ? `, native on ${t.natsUrl}` : ", no native runs"}${t.storage ? `, ${t.storage} storage` : ""}${(t.workers ?? 1) > 1 ? `, ${t.workers} workers` : ""}, ` +
      `${result.settings.shards} shards; ${result.machine.cpus} CPUs, Node ${result.machine.node}`,
  ];
  const s = result.server;
  if (s) {
    const verdict = (ok: boolean): string => (ok ? "met" : "MISSED");
    const rss = s.sustainedPeakRssBytes;
    const rssVerdict = rss === undefined ? "no sustained run" : verdict(rss < s.targets.rssBytes);
    lines.push(
      `Server: ready ${Math.round(s.startupMs)} ms after spawn, embedded nats-server included (/health/ready; target < ${s.targets.startupMs / 1000} s: ${verdict(s.startupMs < s.targets.startupMs)})`,
      `Server RSS: peak ${megabytes(rss)} during the sustained runs (target < ${megabytes(s.targets.rssBytes)}: ${rssVerdict}), its nats-server ${megabytes(s.natsSustainedPeakRssBytes)}; ` +
        `whole bench: ${megabytes(s.lifetimePeakRssBytes)}, nats-server ${megabytes(s.natsLifetimePeakRssBytes)}`,
    );
  }
  return lines;
}

function throughputSection(result: BenchResult): string[] {
  const runs = result.runs.filter((r) => r.workload !== "live");
  if (runs.length === 0) return [];
  const { batch, inFlight, seconds } = result.settings;
  const rows = runs.map((r) => [
    sizeLabel(r.recordBytes),
    runLabel(r),
    count(r.records),
    count(r.recordsPerSecond),
    r.mibPerSecond.toFixed(1),
    ms(r.latency?.p50),
    ms(r.latency?.p95),
    ms(r.latency?.p99),
    exactlyOnceCell(r),
    cpuShares(r),
    megabytes(r.serverRssBytes),
  ]);
  const out = [
    "",
    `Publish-only for ${seconds} s (PutRecords: ${batch} records a request, ${inFlight} requests in flight; js.publish: ${batch * inFlight} in flight), then replay of what was stored. Latency: put→ack, ms.`,
    formatTable(
      ["size", "path", "records", "rec/s", "MiB/s", "p50", "p95", "p99", "exactly once", "cpu client server nats", "server RSS"],
      rows,
      new Set([2, 3, 4, 5, 6, 7]),
    ),
  ];
  const ratios = ratioLines(runs);
  if (ratios.length > 0) out.push("Kinesis API ÷ native, records/s:", ...ratios);
  return out;
}

/** Per size, how the Kinesis API's rates compare with the native ones. */
function ratioLines(runs: readonly RunResult[]): string[] {
  const sizes = [...new Set(runs.map((r) => r.recordBytes))];
  const rate = (size: number, side: string, workload: string): number | undefined =>
    runs.find((r) => r.recordBytes === size && r.side === side && r.workload === workload && !r.error)?.recordsPerSecond;
  return sizes.flatMap((size) => {
    const [put, publish, get, consume] = [
      rate(size, "kinesis", "publish"),
      rate(size, "native", "publish"),
      rate(size, "kinesis", "replay"),
      rate(size, "native", "replay"),
    ];
    if (put === undefined || publish === undefined || get === undefined || consume === undefined) return [];
    return [
      `  ${sizeLabel(size).padEnd(8)} PutRecords / js.publish ${(put / publish).toFixed(2)}   GetRecords / ordered consumer ${(get / consume).toFixed(2)}`,
    ];
  });
}

function liveSection(result: BenchResult): string[] {
  const runs = result.runs.filter((r) => r.workload === "live");
  if (runs.length === 0) return [];
  const { rate, seconds, liveBatch, pollMs } = result.settings;
  const rows = runs.map((r) => [
    sizeLabel(r.recordBytes),
    String(r.consumers),
    `${r.side === "kinesis" ? "Kinesis" : "Native"} ${r.method}`,
    count(r.writtenPerSecond ?? Number.NaN),
    count(r.recordsPerSecond),
    count(r.totalRecordsPerSecond),
    ms(r.putLatency?.p50),
    ms(r.latency?.p50),
    gap(r),
    ms(r.latency?.p95),
    ms(r.latency?.p99),
    ms(r.latency?.max),
    exactlyOnceCell(r),
    cpuShares(r),
    megabytes(r.serverRssBytes),
  ]);
  const put = liveBatch === 1 ? "one PutRecord each" : `PutRecords of ${liveBatch}`;
  return [
    "",
    `Publish at ${count(rate)} records/s for ${seconds} s (${put}; natively one js.publish each) while n applications consume every record ` +
      `(GetRecords every ${pollMs} ms per shard, SubscribeToShard as registered consumers, ordered consumers). ` +
      `Latency, ms: put p50 the writer's own requests (send to acknowledgement); p50 … max put→delivery, all applications; gap = p50 − put p50.`,
    formatTable(
      [
        "size",
        "apps",
        "path",
        "written/s",
        "rec/s each",
        "total rec/s",
        "put p50",
        "p50",
        "gap",
        "p95",
        "p99",
        "max",
        "exactly once",
        "cpu client server nats",
        "server RSS",
      ],
      rows,
      new Set([1, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
    ),
    ...fanoutVerdictLines(runs),
  ];
}

const gap = (r: RunResult): string =>
  r.latency && r.putLatency ? `${r.latency.p50 >= r.putLatency.p50 ? "+" : "−"}${ms(Math.abs(r.latency.p50 - r.putLatency.p50))}` : "—";

const percent = (share: number): string => `${(share * 100).toFixed(1)}%`;

/** Issue 15's fan-out target, for the 4 applications × 4 shards SubscribeToShard run (when there is one). */
function fanoutVerdictLines(runs: readonly RunResult[]): string[] {
  const judged = runs.filter((r) => r.fanout);
  if (judged.length === 0)
    return [`Fan-out target (${FANOUT_TARGET.apps} applications × ${FANOUT_TARGET.shards} shards by SubscribeToShard): not judged, no such run`];
  const verdict = (ok: boolean): string => (ok ? "met" : "MISSED");
  return judged.map((r) => {
    const f = r.fanout!;
    return (
      `Fan-out target, ${f.apps} applications × ${f.shards} shards by SubscribeToShard, ${sizeLabel(r.recordBytes)}: ` +
      `put→delivery p50 ${ms(f.deliveryP50Ms)} ms vs PutRecords p50 ${ms(f.putP50Ms)} ms, gap ${ms(f.gapMs)} ms (within ${FANOUT_TARGET.gapMs} ms: ${verdict(f.withinGap)}); ` +
      `every application at the full rate (slowest ${percent(f.slowestShare)} of written/s, ≥ ${FANOUT_TARGET.fullRateShare * 100}%: ${verdict(f.fullRate)}` +
      `${f.slowestShareOfStored === undefined ? "" : `; ${percent(f.slowestShareOfStored)} of the rate the writes were acknowledged at`})`
    );
  });
}

const micros = (value: number | undefined): string => (value === undefined ? "—" : value < 10 ? value.toFixed(2) : value.toFixed(1));

/** The table under the runs: server and nats-server µs per record side by side, their ratio, the target. */
function cpuPerRecordSection(runs: readonly RunResult[]): string[] {
  const rows = cpuPerRecord(runs)
    .filter((figure) => figure.run.side === "kinesis")
    .map((figure) => {
      const { serverMicros: server, natsMicros: nats, targetMicros: target } = figure;
      const ratio = server !== undefined && nats !== undefined && nats > 0 ? (server / nats).toFixed(1) : "—";
      const verdict = target === undefined || server === undefined ? "" : `≤ ${target}: ${server <= target ? "met" : "MISSED"}`;
      return [sizeLabel(figure.run.recordBytes), runLabel(figure.run), figure.records.toLocaleString("en-US"), micros(server), micros(nats), ratio, verdict];
    });
  if (rows.length === 0) return [];
  const lines = [
    "",
    "CPU per record (each process's own CPU time over the run ÷ records moved; live runs: per record per application, the writes included), µs:",
    formatTable(["size", "path", "records", "server", "nats-server", "server ÷ nats", "target at 1 KiB"], rows, new Set([2, 3, 4, 5])),
  ];
  const deliveries = deliveryCosts(runs).map((cost) => {
    const verdict = cost.targetMicros === undefined ? "" : `≤ ${cost.targetMicros}: ${cost.serverMicros <= cost.targetMicros ? "met" : "MISSED"}`;
    return `  ${sizeLabel(cost.recordBytes).padEnd(8)} ${cost.method.padEnd(20)} ${micros(cost.serverMicros).padStart(7)} µs per record per application (×${cost.fromApps} → ×${cost.toApps}) ${verdict}`;
  });
  if (deliveries.length > 0)
    lines.push("Delivery alone: server CPU each added application costs, from the live runs (writes and idle costs cancel out):", ...deliveries);
  return lines;
}

function verdictLines(result: BenchResult): string[] {
  const checked = result.runs.filter((r) => r.delivery);
  const lines = [""];
  if (result.ok)
    lines.push(`Exactly once: every record arrived exactly once in all ${checked.length} runs that read (replays and every application of the live runs).`);
  else lines.push(`NOT EXACTLY ONCE OR FAILED (${result.failures.length}):`, ...result.failures.map((f) => `  ${f}`));
  if (result.notes.length > 0) lines.push("Notes:", ...result.notes.map((n) => `  ${n}`));
  return lines;
}

export function renderTables(result: BenchResult): string {
  return [
    ...header(result),
    ...throughputSection(result),
    ...liveSection(result),
    ...cpuPerRecordSection(result.runs),
    ...(result.soak ? ["", soakLine(result.soak)] : []),
    ...verdictLines(result),
  ].join("\n");
}

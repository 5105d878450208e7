import { dollars, describeWorkload, type CostComparison } from "./cost-comparison.js";
import { runLabel, sizeLabel, type BenchResult, type RunResult } from "./results.js";
import { escapeXml as escape, groupedBarChart, horizontalBarChart } from "./svg-chart.js";
import { count, exactlyOnceCell, megabytes, ms } from "./table.js";

/**
 * `--report FILE.html`: one self-contained page (inline SVG and CSS, no script, nothing fetched)
 * with the runs' figures as charts and tables: throughput by record size, put→delivery latency
 * by fan-out, and the monthly cost comparison.
 */
export const REPORT_STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child,td.l{text-align:left}
th{background:#f3f3f3}.bad{color:#b00;font-weight:bold}svg{display:block;margin:1em 0;font-size:11px}svg .t{font-size:14px;font-weight:bold}
svg .v{font-size:9px;fill:#444}.note{color:#555}`;

export function htmlTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = `<tr>${headers.map((h) => `<th>${escape(h)}</th>`).join("")}</tr>`;
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td${/^NO|ERROR/.test(cell) ? ' class="bad"' : ""}>${escape(cell)}</td>`).join("")}</tr>`).join("");
  return `<table>${head}${body}</table>`;
}

function summary(result: BenchResult): string {
  const t = result.target;
  const s = result.settings;
  const lines = [
    `Endpoint ${t.endpoint} (${t.kind === "spawned" ? "our server, started for the run" : "given with --endpoint"}, HTTP/${t.http})` +
      `${t.natsUrl ? `; native runs on ${t.natsUrl}` : "; no native runs"}${t.storage ? `; ${t.storage} storage` : ""}.`,
    `${s.shards} shards; publish-only: ${s.batch} records a PutRecords request, ${s.inFlight} in flight, ${s.seconds} s; live: ${count(s.rate)} records/s, ` +
      `PutRecords of ${s.liveBatch}, GetRecords every ${s.pollMs} ms. Machine: ${result.machine.cpus} CPUs, Node ${result.machine.node}, ${result.machine.platform}. Started ${result.startedAt}.`,
  ];
  const server = result.server;
  if (server) {
    lines.push(
      `Server ready ${Math.round(server.startupMs)} ms after spawn (/health/ready; target < ${server.targets.startupMs} ms). ` +
        `Peak RSS during the sustained runs ${megabytes(server.sustainedPeakRssBytes)} (target < ${megabytes(server.targets.rssBytes)}), ` +
        `its nats-server ${megabytes(server.natsSustainedPeakRssBytes)}; over the whole bench ${megabytes(server.lifetimePeakRssBytes)} and ${megabytes(server.natsLifetimePeakRssBytes)}.`,
    );
  }
  return lines.map((line) => `<p>${escape(line)}</p>`).join("");
}

function throughputChart(runs: readonly RunResult[]): string {
  const sizes = [...new Set(runs.map((r) => r.recordBytes))];
  const series = [...new Set(runs.map(runLabel))];
  const groups = sizes.map((size) => ({
    label: sizeLabel(size),
    bars: runs.filter((r) => r.recordBytes === size && !r.error).map((r) => ({ series: runLabel(r), value: r.mibPerSecond })),
  }));
  return groupedBarChart({ title: "Throughput by record size: publish-only and replay", unit: "MiB/s", series, groups });
}

function latencyCharts(runs: readonly RunResult[]): string {
  const sizes = [...new Set(runs.map((r) => r.recordBytes))];
  return sizes
    .map((size) => {
      const ofSize = runs.filter((r) => r.recordBytes === size && r.latency);
      const series = [...new Set(ofSize.map((r) => `${r.side === "kinesis" ? "Kinesis" : "Native"} ${r.method}`))];
      const fanouts = [...new Set(ofSize.map((r) => r.consumers))];
      const groups = fanouts.map((n) => ({
        label: `${n} app${n === 1 ? "" : "s"}`,
        bars: ofSize
          .filter((r) => r.consumers === n)
          .map((r) => ({ series: `${r.side === "kinesis" ? "Kinesis" : "Native"} ${r.method}`, value: r.latency!.p50, whisker: r.latency!.p99 })),
      }));
      return groupedBarChart({
        title: `Put→delivery latency by fan-out, ${sizeLabel(size)} records: bar p50, whisker p99`,
        unit: "ms",
        series,
        groups,
        logScale: true,
      });
    })
    .join("");
}

function runTable(runs: readonly RunResult[]): string {
  const rows = runs.map((r) => [
    runLabel(r),
    r.workload,
    sizeLabel(r.recordBytes),
    String(r.consumers),
    count(r.records),
    count(r.recordsPerSecond),
    r.mibPerSecond.toFixed(1),
    r.latency ? `${ms(r.latency.p50)} / ${ms(r.latency.p95)} / ${ms(r.latency.p99)} (${r.latency.of})` : "—",
    exactlyOnceCell(r) + (r.delivery ? ` (${count(r.delivery.delivered)} of ${count(r.delivery.expected)})` : ""),
    megabytes(r.serverRssBytes),
    r.error ?? "",
  ]);
  return htmlTable(
    ["path", "workload", "size", "apps", "records", "rec/s", "MiB/s", "latency p50 / p95 / p99 ms", "exactly once", "server RSS", "error"],
    rows,
  );
}

export function costSection(cost: CostComparison): string {
  const chart = horizontalBarChart(
    `Monthly cost: ${describeWorkload(cost.workload)}`,
    cost.options.map((o) => ({ label: o.name, value: o.estimate.monthly, text: dollars(o.estimate.monthly) })),
  );
  const rows = cost.options.flatMap((o) => [[o.name, dollars(o.estimate.monthly)], ...o.estimate.lines.map((l) => [`  ${l.item}`, dollars(l.monthly)])]);
  return `<h2>Cost comparison</h2><p class="note">${escape(cost.basis)}; prices: AWS us-east-1 list prices of January 2025 unless overridden.</p>${chart}${htmlTable(["item", "per month"], rows)}`;
}

export function renderHtmlReport(result: BenchResult): string {
  const throughput = result.runs.filter((r) => r.workload !== "live");
  const live = result.runs.filter((r) => r.workload === "live");
  const verdict = result.ok
    ? `<p>Every record arrived exactly once in every run that reads.</p>`
    : `<p class="bad">Failures:</p><ul>${result.failures.map((f) => `<li>${escape(f)}</li>`).join("")}</ul>`;
  const notes = result.notes.length > 0 ? `<h2>Notes</h2><ul>${result.notes.map((n) => `<li>${escape(n)}</li>`).join("")}</ul>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kinesis-nats bench ${escape(result.startedAt)}</title><style>${REPORT_STYLE}</style></head>
<body><h1>kinesis-nats bench: the Kinesis API and native JetStream, side by side</h1>
${summary(result)}${verdict}
${throughput.length > 0 ? `<h2>Throughput</h2>${throughputChart(throughput)}` : ""}
${live.length > 0 ? `<h2>Sustained publish while consuming</h2>${latencyCharts(live)}` : ""}
<h2>All runs</h2>${runTable(result.runs)}
${result.cost ? costSection(result.cost) : ""}
${notes}
</body></html>
`;
}

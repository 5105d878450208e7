import { writeFileSync } from "node:fs";
import { DescribeStreamSummaryCommand, ListStreamConsumersCommand, type KinesisClient } from "@aws-sdk/client-kinesis";
import { compareCosts, type CostComparison } from "../bench/cost-comparison.js";
import { costSection, htmlTable, REPORT_STYLE } from "../bench/html-report.js";
import { parseCostCommandOptions } from "../bench/options.js";
import { sizeLabel } from "../bench/results.js";
import { escapeXml as escape } from "../bench/svg-chart.js";
import { SIZE_BUCKETS, type Traffic } from "./traffic.js";

/** What the source stream tells of itself: the parts of the price that are not traffic. */
export interface ObservedStream {
  readonly name: string;
  readonly openShards: number;
  readonly retentionHours: number;
  /** Registered consumers (enhanced fan-out), the mirror's own left out. */
  readonly consumers: readonly string[];
  readonly notes: readonly string[];
}

export async function observeStream(client: KinesisClient, stream: string, ownConsumer?: string): Promise<ObservedStream> {
  const { StreamDescriptionSummary: summary } = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
  const notes: string[] = [];
  let consumers: string[] = [];
  try {
    const out = await client.send(new ListStreamConsumersCommand({ StreamARN: summary!.StreamARN! }));
    consumers = (out.Consumers ?? []).map((c) => c.ConsumerName!).filter((name) => name !== ownConsumer);
  } catch (error) {
    notes.push(`the source does not list its registered consumers (${(error as Error).name}): none counted`);
  }
  return { name: stream, openShards: summary!.OpenShardCount ?? 0, retentionHours: summary!.RetentionPeriodHours ?? 24, consumers, notes };
}

/**
 * The monthly cost of the traffic seen, through the bench's cost model. The rate is the
 * producers': records over the span of their arrival times at the source. Flags given on the
 * command line (--retention-hours, --fanout-consumers, ...) win over what was observed.
 */
export function trafficCost(traffic: Traffic, stream: ObservedStream, costArgv: readonly string[], spanSeconds = traffic.arrivalSeconds): CostComparison {
  const { cost } = parseCostCommandOptions(costArgv);
  const given = (flag: string): boolean => costArgv.includes(`--${flag}`);
  const seconds = spanSeconds > 0 ? spanSeconds : traffic.copySeconds;
  const rate = seconds > 0 ? traffic.records / seconds : 0;
  const recordBytes = traffic.records > 0 ? Math.max(1, Math.round(traffic.bytes / traffic.records)) : 1;
  const basis = `${traffic.records.toLocaleString("en-US")} records of stream ${stream.name} over ${seconds.toFixed(1)} s of arrivals`;
  return compareCosts(rate, recordBytes, cost, basis, {
    shards: stream.openShards,
    ...(traffic.records > 0 && { putUnitsPerRecord: traffic.putUnits / traffic.records }),
    ...(!given("retention-hours") && { retentionHours: stream.retentionHours }),
    ...(!given("fanout-consumers") && { fanOutConsumers: stream.consumers.length }),
  });
}

function sizeRows(traffic: Traffic): string[][] {
  let lower = 0;
  return SIZE_BUCKETS.map((limit, i) => {
    const row = [i === 0 ? `up to ${sizeLabel(limit)}` : `over ${sizeLabel(lower)}, up to ${sizeLabel(limit)}`, traffic.sizeCounts[i]!.toLocaleString("en-US")];
    lower = limit;
    return row;
  });
}

/** One self-contained page: the stream, the traffic seen, its record sizes, and the monthly cost. */
export function renderTrafficReport(traffic: Traffic, stream: ObservedStream, cost: CostComparison): string {
  const facts = [
    ["open shards", String(stream.openShards)],
    ["retention", `${stream.retentionHours} h`],
    ["registered consumers", stream.consumers.length > 0 ? stream.consumers.join(", ") : "none"],
    ["records seen", traffic.records.toLocaleString("en-US")],
    ["bytes seen (data and partition keys)", traffic.bytes.toLocaleString("en-US")],
    ["records/s at the source", cost.workload.recordsPerSecond.toFixed(1)],
    ["bytes/s at the source", (cost.workload.recordsPerSecond * cost.workload.recordBytes).toFixed(0)],
  ];
  const notes = stream.notes.length > 0 ? `<ul>${stream.notes.map((n) => `<li>${escape(n)}</li>`).join("")}</ul>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kinesis-nats: the cost of stream ${escape(stream.name)}</title><style>${REPORT_STYLE}</style></head>
<body><h1>The cost of stream ${escape(stream.name)}, from its traffic</h1>
<h2>What was observed</h2>${htmlTable(["", ""], facts)}${notes}
<h2>Record sizes</h2>${htmlTable(["size", "records"], sizeRows(traffic))}
${costSection(cost)}
</body></html>
`;
}

export function writeTrafficReport(file: string, traffic: Traffic, stream: ObservedStream, cost: CostComparison): void {
  writeFileSync(file, renderTrafficReport(traffic, stream, cost));
}

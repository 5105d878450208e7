import { kinesisOnDemand, kinesisProvisioned, natsCluster, type Estimate, type NatsCluster, type Workload } from "../cost/cost-model.js";
import type { Prices } from "../cost/prices.js";
import { parseCostCommandOptions, type CostOptions } from "./options.js";
import { sizeLabel } from "./results.js";

/** The monthly cost of one workload on Kinesis provisioned, Kinesis on-demand and a NATS cluster. */
export interface CostComparison {
  readonly workload: Workload;
  readonly cluster: NatsCluster;
  /** Where the rate comes from (measured in which runs, or given). */
  readonly basis: string;
  readonly prices: Prices;
  readonly options: readonly { readonly name: string; readonly estimate: Estimate }[];
}

/** `observed`: what a mirror saw of a real stream, in place of the flags' values. */
export function compareCosts(rate: number, recordBytes: number, options: CostOptions, basis: string, observed: Partial<Workload> = {}): CostComparison {
  const workload: Workload = {
    recordsPerSecond: rate,
    recordBytes,
    pollingConsumers: options.pollingConsumers,
    fanOutConsumers: options.fanOutConsumers,
    retentionHours: options.retentionHours,
    ...observed,
  };
  const cluster: NatsCluster = { instances: options.natsInstances, replicas: options.natsReplicas };
  return {
    workload,
    cluster,
    basis,
    prices: options.prices,
    options: [
      { name: "Kinesis provisioned", estimate: kinesisProvisioned(workload, options.prices) },
      { name: "Kinesis on-demand", estimate: kinesisOnDemand(workload, options.prices) },
      { name: `NATS cluster (${cluster.instances} instances, R${cluster.replicas})`, estimate: natsCluster(workload, cluster, options.prices) },
    ],
  };
}

export const dollars = (amount: number): string => `$${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** The workload in one line: rate, size, readers, retention. */
export function describeWorkload(w: Workload): string {
  const readers = [
    w.pollingConsumers > 0 ? `${w.pollingConsumers} polling consumer${w.pollingConsumers === 1 ? "" : "s"}` : "",
    w.fanOutConsumers > 0 ? `${w.fanOutConsumers} enhanced fan-out consumer${w.fanOutConsumers === 1 ? "" : "s"}` : "",
  ].filter(Boolean);
  const rate = Math.round(w.recordsPerSecond).toLocaleString("en-US");
  return `${rate} records/s of ${sizeLabel(w.recordBytes)}, ${readers.join(" and ") || "no consumers"}, ${w.retentionHours} h retention`;
}

/** The comparison as text, line by line, with each option's total. */
export function renderCost(comparison: CostComparison): string {
  const width = Math.max(40, ...comparison.options.flatMap((o) => o.estimate.lines.map((l) => l.item.length + 2)));
  const out = [
    `Monthly cost: ${describeWorkload(comparison.workload)}`,
    `  (${comparison.basis}; prices: AWS us-east-1 list prices of January 2025 unless --price says otherwise)`,
  ];
  for (const option of comparison.options) {
    out.push(`${option.name.padEnd(width)} ${dollars(option.estimate.monthly).padStart(12)}`);
    for (const line of option.estimate.lines) out.push(`  ${line.item.padEnd(width - 2)} ${dollars(line.monthly).padStart(12)}`);
  }
  const cheapest = [...comparison.options].sort((a, b) => a.estimate.monthly - b.estimate.monthly)[0]!;
  out.push(`Cheapest: ${cheapest.name}`);
  return out.join("\n");
}

/** `bench cost`: the estimate for rates given as flags, without running anything. */
export function runCostCommand(argv: readonly string[]): void {
  const options = parseCostCommandOptions(argv);
  const comparison = compareCosts(options.rate, options.recordBytes, options.cost, "rate given with --rate");
  console.log(options.json ? JSON.stringify(comparison, null, 2) : renderCost(comparison));
}

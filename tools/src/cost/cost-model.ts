import { HOURS_PER_MONTH, type Prices } from "./prices.js";

/** A workload to price: measured by the bench or given. */
export interface Workload {
  readonly recordsPerSecond: number;
  readonly recordBytes: number;
  /** Applications reading every record by GetRecords polling. */
  readonly pollingConsumers: number;
  /** Applications reading every record by enhanced fan-out (SubscribeToShard). */
  readonly fanOutConsumers: number;
  readonly retentionHours: number;
  /** Shards the stream runs today (observed by the mirror): a provisioned stream keeps at least these. */
  readonly shards?: number;
  /** PUT payload units per record on average, when record sizes vary (observed); else from recordBytes. */
  readonly putUnitsPerRecord?: number;
}

/** A NATS cluster to price. */
export interface NatsCluster {
  readonly instances: number;
  readonly replicas: number;
}

export interface CostLine {
  readonly item: string;
  readonly monthly: number;
}

export interface Estimate {
  readonly lines: CostLine[];
  readonly monthly: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
/** A PUT payload unit covers up to 25 KiB of one record. */
const PUT_PAYLOAD_UNIT_BYTES = 25 * KiB;
/** Per shard: 1 MiB/s or 1,000 records/s in, 2 MiB/s out shared by GetRecords readers. */
const SHARD_WRITE_BYTES = MiB;
const SHARD_WRITE_RECORDS = 1000;
const SHARD_READ_BYTES = 2 * MiB;
const EXTENDED_RETENTION_HOURS = 7 * 24;

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
const estimate = (lines: CostLine[]): Estimate => ({ lines, monthly: lines.reduce((sum, line) => sum + line.monthly, 0) });
const ingestBytesPerSecond = (w: Workload): number => w.recordsPerSecond * w.recordBytes;
const monthlyGib = (bytesPerSecond: number): number => (bytesPerSecond * SECONDS_PER_MONTH) / GiB;

/** PUT payload units a record costs: one per started 25 KiB. */
export const putPayloadUnits = (recordBytes: number): number => Math.max(1, Math.ceil(recordBytes / PUT_PAYLOAD_UNIT_BYTES));

/** Shards a provisioned stream needs for the workload's writes and its polling readers. */
export function shardsNeeded(w: Workload): number {
  const bytes = ingestBytesPerSecond(w);
  return Math.max(
    1,
    Math.ceil(bytes / SHARD_WRITE_BYTES),
    Math.ceil(w.recordsPerSecond / SHARD_WRITE_RECORDS),
    Math.ceil((bytes * w.pollingConsumers) / SHARD_READ_BYTES),
    w.shards ?? 0,
  );
}

/** GiB stored on average: what arrives within the retention period. */
export const retainedGib = (w: Workload): number => (ingestBytesPerSecond(w) * w.retentionHours * 3600) / GiB;

/** Data older than seven days, billed as long-term retention. */
const longTermGib = (w: Workload): number => (ingestBytesPerSecond(w) * Math.max(0, w.retentionHours - EXTENDED_RETENTION_HOURS) * 3600) / GiB;

export function kinesisProvisioned(w: Workload, prices: Prices): Estimate {
  const shards = shardsNeeded(w);
  const shardHours = shards * HOURS_PER_MONTH;
  const lines: CostLine[] = [
    { item: plural(shards, "shard"), monthly: shardHours * prices.shardHour },
    {
      item: "PUT payload units",
      monthly: ((w.recordsPerSecond * (w.putUnitsPerRecord ?? putPayloadUnits(w.recordBytes)) * SECONDS_PER_MONTH) / 1e6) * prices.putPayloadUnitsPerMillion,
    },
  ];
  if (w.retentionHours > 24) lines.push({ item: "extended retention (to 7 days)", monthly: shardHours * prices.extendedRetentionShardHour });
  if (w.retentionHours > EXTENDED_RETENTION_HOURS) lines.push({ item: "long-term retention", monthly: longTermGib(w) * prices.longTermRetentionGibMonth });
  if (w.fanOutConsumers > 0) {
    lines.push({
      item: `enhanced fan-out, ${plural(w.fanOutConsumers, "consumer")} × ${plural(shards, "shard")}`,
      monthly: w.fanOutConsumers * shardHours * prices.efoConsumerShardHour,
    });
    lines.push({ item: "enhanced fan-out data", monthly: w.fanOutConsumers * monthlyGib(ingestBytesPerSecond(w)) * prices.efoRetrievalGib });
  }
  return estimate(lines);
}

export function kinesisOnDemand(w: Workload, prices: Prices): Estimate {
  const ingestGib = monthlyGib(ingestBytesPerSecond(w));
  const lines: CostLine[] = [
    { item: "stream-hours", monthly: HOURS_PER_MONTH * prices.onDemandStreamHour },
    { item: "data in", monthly: ingestGib * prices.onDemandIngestGib },
  ];
  if (w.pollingConsumers > 0) lines.push({ item: "data out, GetRecords", monthly: w.pollingConsumers * ingestGib * prices.onDemandRetrievalGib });
  if (w.fanOutConsumers > 0) lines.push({ item: "data out, enhanced fan-out", monthly: w.fanOutConsumers * ingestGib * prices.onDemandEfoRetrievalGib });
  if (w.retentionHours > 24) {
    const extendedGib = (ingestBytesPerSecond(w) * (Math.min(w.retentionHours, EXTENDED_RETENTION_HOURS) - 24) * 3600) / GiB;
    lines.push({ item: "extended retention (to 7 days)", monthly: extendedGib * prices.onDemandExtendedRetentionGibMonth });
  }
  if (w.retentionHours > EXTENDED_RETENTION_HOURS) lines.push({ item: "long-term retention", monthly: longTermGib(w) * prices.longTermRetentionGibMonth });
  return estimate(lines);
}

/**
 * A NATS cluster on EC2: its instances, each replica's disk for the retained data, and the
 * traffic between availability zones (every write goes from the stream leader to the other
 * replicas, each in another zone). Reads are served in-zone and cost nothing extra.
 */
export function natsCluster(w: Workload, cluster: NatsCluster, prices: Prices): Estimate {
  return estimate([
    { item: plural(cluster.instances, "instance"), monthly: cluster.instances * HOURS_PER_MONTH * prices.natsInstanceHour },
    { item: `storage, ${plural(cluster.replicas, "replica")}`, monthly: retainedGib(w) * cluster.replicas * prices.natsStorageGibMonth },
    { item: "replication across zones", monthly: monthlyGib(ingestBytesPerSecond(w)) * (cluster.replicas - 1) * prices.crossAzGib },
  ]);
}

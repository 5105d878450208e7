/**
 * Prices the cost model uses by default: AWS us-east-1 list prices of January 2025 (Kinesis
 * Data Streams pricing page; EC2 on-demand and EBS gp3 pricing; inter-AZ data transfer).
 * Every one can be given instead (`bench cost --price name=value`).
 */
export interface Prices {
  /** Provisioned: per shard-hour. */
  readonly shardHour: number;
  /** Provisioned: per million PUT payload units (a unit is up to 25 KiB of one record). */
  readonly putPayloadUnitsPerMillion: number;
  /** Provisioned: per shard-hour for retention beyond 24 h, up to 7 days. */
  readonly extendedRetentionShardHour: number;
  /** Per GiB-month of data older than 7 days (long-term retention). */
  readonly longTermRetentionGibMonth: number;
  /** Provisioned enhanced fan-out: per consumer-shard-hour. */
  readonly efoConsumerShardHour: number;
  /** Provisioned enhanced fan-out: per GiB delivered. */
  readonly efoRetrievalGib: number;
  /** On-demand: per stream-hour. */
  readonly onDemandStreamHour: number;
  /** On-demand: per GiB written. */
  readonly onDemandIngestGib: number;
  /** On-demand: per GiB read by GetRecords. */
  readonly onDemandRetrievalGib: number;
  /** On-demand: per GiB delivered by enhanced fan-out. */
  readonly onDemandEfoRetrievalGib: number;
  /** On-demand: per GiB-month retained beyond 24 h, up to 7 days. */
  readonly onDemandExtendedRetentionGibMonth: number;
  /** NATS: per instance-hour (default: m6i.large, 2 vCPU, 8 GiB). */
  readonly natsInstanceHour: number;
  /** NATS: per GiB-month of disk (default: EBS gp3). */
  readonly natsStorageGibMonth: number;
  /** NATS: per GiB crossing availability zones (0.01 out plus 0.01 in). */
  readonly crossAzGib: number;
}

export const JANUARY_2025_US_EAST_1: Prices = {
  shardHour: 0.015,
  putPayloadUnitsPerMillion: 0.014,
  extendedRetentionShardHour: 0.02,
  longTermRetentionGibMonth: 0.023,
  efoConsumerShardHour: 0.015,
  efoRetrievalGib: 0.013,
  onDemandStreamHour: 0.04,
  onDemandIngestGib: 0.08,
  onDemandRetrievalGib: 0.04,
  onDemandEfoRetrievalGib: 0.05,
  onDemandExtendedRetentionGibMonth: 0.1,
  natsInstanceHour: 0.096,
  natsStorageGibMonth: 0.08,
  crossAzGib: 0.02,
};

/** AWS bills a month as 730 hours. */
export const HOURS_PER_MONTH = 730;

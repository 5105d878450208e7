import { Counter, Gauge, type Registry } from "prom-client";
import type { StreamCatalog } from "../jetstream/stream-catalog.js";
import { SHARD_LEVEL_METRICS } from "./changes/monitoring.js";
import type { ShardTraffic } from "./context.js";

interface ShardTotals {
  IncomingBytes: number;
  IncomingRecords: number;
  OutgoingBytes: number;
  OutgoingRecords: number;
  IteratorAgeMilliseconds: number;
  // Stay 0 unless --enforce-limits refuses something.
  WriteProvisionedThroughputExceeded: number;
  ReadProvisionedThroughputExceeded: number;
}

/** `IncomingBytes` → `kinesis_shard_incoming_bytes_total`; the iterator age is a gauge, not a total. */
const prometheusName = (metric: string): string => {
  const snake = metric.replace(/[A-Z]/g, (c, i: number) => (i === 0 ? "" : "_") + c.toLowerCase());
  return `kinesis_shard_${snake}${metric === "IteratorAgeMilliseconds" ? "" : "_total"}`;
};

/**
 * What Kinesis shows at /metrics: records and bytes in and out per stream, and the per-shard
 * metrics EnableEnhancedMonitoring names, kept as totals here and shown only for the streams and
 * metrics that have it turned on, so they appear and disappear with it.
 */
export class KinesisTrafficMetrics implements ShardTraffic {
  private readonly streamRecords: Counter<"stream" | "direction">;
  private readonly streamBytes: Counter<"stream" | "direction">;
  private readonly shards = new Map<string, Map<string, ShardTotals>>();

  constructor(registry: Registry, catalog: StreamCatalog) {
    const registers = [registry];
    this.streamRecords = new Counter({
      name: "kinesis_stream_records_total",
      help: "Records written (in) and read (out) per stream",
      labelNames: ["stream", "direction"],
      registers,
    });
    this.streamBytes = new Counter({
      name: "kinesis_stream_bytes_total",
      help: "Data bytes written (in) and read (out) per stream",
      labelNames: ["stream", "direction"],
      registers,
    });
    const shards = this.shards;
    for (const metric of SHARD_LEVEL_METRICS) {
      new Gauge({
        name: prometheusName(metric),
        help: `Enhanced monitoring ${metric}, per shard, while enabled for the stream`,
        labelNames: ["stream", "shard"],
        registers,
        collect() {
          this.reset();
          for (const stream of catalog.list()) {
            if (!stream.shardLevelMetrics.includes(metric)) continue;
            for (const [shard, totals] of shards.get(stream.name) ?? []) this.set({ stream: stream.name, shard }, totals[metric]);
          }
        },
      });
    }
  }

  recordsIn(stream: string, shardId: string, records: number, bytes: number): void {
    this.streamRecords.inc({ stream, direction: "in" }, records);
    this.streamBytes.inc({ stream, direction: "in" }, bytes);
    const totals = this.totals(stream, shardId);
    totals.IncomingRecords += records;
    totals.IncomingBytes += bytes;
  }

  recordsOut(stream: string, shardId: string, records: number, bytes: number, iteratorAgeMs: number): void {
    this.streamRecords.inc({ stream, direction: "out" }, records);
    this.streamBytes.inc({ stream, direction: "out" }, bytes);
    const totals = this.totals(stream, shardId);
    totals.OutgoingRecords += records;
    totals.OutgoingBytes += bytes;
    totals.IteratorAgeMilliseconds = iteratorAgeMs;
  }

  throttled(stream: string, shardId: string, direction: "write" | "read", count: number): void {
    const totals = this.totals(stream, shardId);
    if (direction === "write") totals.WriteProvisionedThroughputExceeded += count;
    else totals.ReadProvisionedThroughputExceeded += count;
  }

  private totals(stream: string, shardId: string): ShardTotals {
    let byShard = this.shards.get(stream);
    if (!byShard) this.shards.set(stream, (byShard = new Map()));
    let totals = byShard.get(shardId);
    if (!totals) {
      totals = {
        IncomingBytes: 0,
        IncomingRecords: 0,
        OutgoingBytes: 0,
        OutgoingRecords: 0,
        IteratorAgeMilliseconds: 0,
        WriteProvisionedThroughputExceeded: 0,
        ReadProvisionedThroughputExceeded: 0,
      };
      byShard.set(shardId, totals);
    }
    return totals;
  }
}

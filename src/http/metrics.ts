import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Engine } from "../jetstream/engine.js";
import type { ShardTraffic } from "../kinesis/context.js";

interface ShardTotals {
  incomingBytes: number;
  incomingRecords: number;
  outgoingBytes: number;
  outgoingRecords: number;
  iteratorAgeMs: number;
}

/** The per-shard metrics EnableEnhancedMonitoring names, as Prometheus metrics. */
const SHARD_METRICS = {
  IncomingBytes: "kinesis_shard_incoming_bytes_total",
  IncomingRecords: "kinesis_shard_incoming_records_total",
  OutgoingBytes: "kinesis_shard_outgoing_bytes_total",
  OutgoingRecords: "kinesis_shard_outgoing_records_total",
  IteratorAgeMilliseconds: "kinesis_shard_iterator_age_milliseconds",
  WriteProvisionedThroughputExceeded: "kinesis_shard_write_provisioned_throughput_exceeded_total",
  ReadProvisionedThroughputExceeded: "kinesis_shard_read_provisioned_throughput_exceeded_total",
} as const;

/**
 * Everything /metrics shows. Request metrics are counted as requests finish; the per-shard
 * metrics are kept as totals here and shown only for the streams and metrics that
 * EnableEnhancedMonitoring has turned on, so they appear and disappear with it.
 */
export class ServiceMetrics implements ShardTraffic {
  readonly registry = new Registry();
  private readonly requests: Counter<"service" | "operation" | "outcome">;
  private readonly latency: Histogram<"service" | "operation">;
  private readonly streamRecords: Counter<"stream" | "direction">;
  private readonly streamBytes: Counter<"stream" | "direction">;
  private readonly shards = new Map<string, Map<string, ShardTotals>>();

  constructor(private readonly engine: Engine) {
    const registers = [this.registry];
    // Process and Node.js figures (resident memory, heap, event-loop lag, GC) beside our own.
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: "api_requests_total",
      help: "API requests by service (kinesis, dynamodb, cloudwatch), operation and outcome (ok or the error type)",
      labelNames: ["service", "operation", "outcome"],
      registers,
    });
    this.latency = new Histogram({
      name: "api_request_duration_seconds",
      help: "API request latency by service and operation",
      labelNames: ["service", "operation"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
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
    new Gauge({
      name: "nats_reconnects_total",
      help: "Times this instance's NATS connection was lost and found again",
      registers,
      collect() {
        this.set(engine.reconnects);
      },
    });
    new Gauge({
      name: "nats_connected",
      help: "1 while this instance's NATS connection is up",
      registers,
      collect() {
        this.set(engine.available ? 1 : 0);
      },
    });
    this.registerShardMetrics();
  }

  observeRequest(service: string, operation: string, outcome: string, seconds: number): void {
    this.requests.inc({ service, operation, outcome });
    this.latency.observe({ service, operation }, seconds);
  }

  recordsIn(stream: string, shardId: string, records: number, bytes: number): void {
    this.streamRecords.inc({ stream, direction: "in" }, records);
    this.streamBytes.inc({ stream, direction: "in" }, bytes);
    const totals = this.totals(stream, shardId);
    totals.incomingRecords += records;
    totals.incomingBytes += bytes;
  }

  recordsOut(stream: string, shardId: string, records: number, bytes: number, iteratorAgeMs: number): void {
    this.streamRecords.inc({ stream, direction: "out" }, records);
    this.streamBytes.inc({ stream, direction: "out" }, bytes);
    const totals = this.totals(stream, shardId);
    totals.outgoingRecords += records;
    totals.outgoingBytes += bytes;
    totals.iteratorAgeMs = iteratorAgeMs;
  }

  private totals(stream: string, shardId: string): ShardTotals {
    let byShard = this.shards.get(stream);
    if (!byShard) this.shards.set(stream, (byShard = new Map()));
    let totals = byShard.get(shardId);
    if (!totals) byShard.set(shardId, (totals = { incomingBytes: 0, incomingRecords: 0, outgoingBytes: 0, outgoingRecords: 0, iteratorAgeMs: 0 }));
    return totals;
  }

  private registerShardMetrics(): void {
    const values: Record<keyof typeof SHARD_METRICS, (t: ShardTotals) => number> = {
      IncomingBytes: (t) => t.incomingBytes,
      IncomingRecords: (t) => t.incomingRecords,
      OutgoingBytes: (t) => t.outgoingBytes,
      OutgoingRecords: (t) => t.outgoingRecords,
      IteratorAgeMilliseconds: (t) => t.iteratorAgeMs,
      // Throughput limits are not enforced: nothing is ever refused for exceeding them.
      WriteProvisionedThroughputExceeded: () => 0,
      ReadProvisionedThroughputExceeded: () => 0,
    };
    const shards = this.shards;
    const catalog = this.engine.catalog;
    for (const [metric, name] of Object.entries(SHARD_METRICS) as [keyof typeof SHARD_METRICS, string][]) {
      new Gauge({
        name,
        help: `Enhanced monitoring ${metric}, per shard, while enabled for the stream`,
        labelNames: ["stream", "shard"],
        registers: [this.registry],
        collect() {
          this.reset();
          for (const stream of catalog.list()) {
            if (!stream.shardLevelMetrics.includes(metric)) continue;
            for (const [shard, totals] of shards.get(stream.name) ?? []) this.set({ stream: stream.name, shard }, values[metric](totals));
          }
        },
      });
    }
  }
}

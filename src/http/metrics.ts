import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Metric } from "prom-client";

/** What /metrics says of the connection to NATS, asked when it is scraped. */
export interface ConnectionFigures {
  readonly reconnects: () => number;
  readonly connected: () => boolean;
}

/** One sample of a family: `name` + suffix (`_sum`, `_count` of a summary), its labels, its value. */
export interface FamilySample {
  readonly suffix?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/**
 * A metric family whose label names differ from series to series (CloudWatch dimensions), which
 * prom-client's own metric classes cannot hold: its samples are asked for at each scrape.
 */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: "gauge" | "counter" | "summary";
  samples(): Iterable<FamilySample>;
}

/**
 * The registry behind /metrics, and what the front door counts in it: requests by service,
 * operation and outcome, their latency, the process's own figures, the NATS connection. The
 * services register their own metrics in the same registry (kinesis/traffic-metrics.ts).
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"service" | "operation" | "outcome">;
  private readonly latency: Histogram<"service" | "operation">;

  constructor(connection: ConnectionFigures) {
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
    new Gauge({
      name: "nats_reconnects_total",
      help: "Times this instance's NATS connection was lost and found again",
      registers,
      collect() {
        this.set(connection.reconnects());
      },
    });
    new Gauge({
      name: "nats_connected",
      help: "1 while this instance's NATS connection is up",
      registers,
      collect() {
        this.set(connection.connected() ? 1 : 0);
      },
    });
  }

  /** Adds a family of series that a service keeps itself (cloudwatch/metric-series.ts). */
  registerFamily(family: MetricFamily): void {
    const { name, help, type } = family;
    const values = () => Array.from(family.samples(), (s) => ({ metricName: s.suffix ? `${name}${s.suffix}` : name, labels: s.labels, value: s.value }));
    // The registry asks any registered metric for get(); these are the fields it reads.
    const metric = { name, help, type, get: async () => ({ name, help, type, values: values(), aggregator: "sum" }) };
    this.registry.registerMetric(metric as unknown as Metric);
  }

  observeRequest(service: string, operation: string, outcome: string, seconds: number): void {
    this.requests.inc({ service, operation, outcome });
    this.latency.observe({ service, operation }, seconds);
  }
}

import { Counter, Gauge, type Registry } from "prom-client";
import type { FamilySample, MetricFamily } from "../http/metrics.js";
import type { DataPoint } from "./validation.js";

/** A series not written to for this long may make room for a new one when the cap is reached. */
export const IDLE_SERIES_MS = 60 * 60 * 1000;
/** How often, at most, a full store looks for idle series to let go of. */
const EVICTION_SCAN_MS = 60 * 1000;
/**
 * Longest series identity kept (namespace, name, unit, dimension names and values, in UTF-16
 * units). CloudWatch allows 30 dimensions of 255 + 1024 characters, ~38 K a series; this bounds
 * the store's memory at about maxSeries × 2 × 4 K, where KCL's series take ~200 each.
 */
export const MAX_SERIES_IDENTITY = 4096;

interface Series {
  readonly labels: Readonly<Record<string, string>>;
  last: number;
  samples: number;
  sum: number;
  updatedAt: number;
}

/** A Prometheus label name from a dimension name: `dimension_` and the name with anything but [A-Za-z0-9_] as `_`. */
export function dimensionLabel(name: string): string {
  return `dimension_${name.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

function labelsOf(namespace: string, point: DataPoint): Record<string, string> {
  const labels: Record<string, string> = { namespace, metric_name: point.metricName, unit: point.unit };
  for (const { Name, Value } of point.dimensions) {
    // Two names that sanitise alike (`a.b`, `a_b`) both stay: the later one numbered.
    const base = dimensionLabel(Name);
    let label = base;
    for (let n = 2; Object.hasOwn(labels, label); n++) label = `${base}_${n}`;
    labels[label] = Value;
  }
  return labels;
}

/**
 * What PutMetricData calls leave behind, for /metrics: one series per namespace, metric name,
 * unit and set of dimensions, holding the latest value and running sample count and sum. At
 * most `maxSeries` of them, each of at most MAX_SERIES_IDENTITY characters: past that, data
 * points of new series are dropped and counted (series idle for an hour give their place up
 * first), so a chatty client cannot exhaust memory.
 */
export class MetricSeries {
  private readonly series = new Map<string, Series>();
  private readonly dropped: Counter<"reason">;
  private lastEvictionScan = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly maxSeries: number,
    registry: Registry,
  ) {
    const registers = [registry];
    this.dropped = new Counter({
      name: "cloudwatch_datapoints_dropped_total",
      help: "PutMetricData data points (MetricDatum entries) not kept: series_limit when --cloudwatch-max-series was reached, series_too_large when the series' namespace, name and dimensions exceed 4096 characters",
      labelNames: ["reason"],
      registers,
    });
    const series = this.series;
    new Gauge({
      name: "cloudwatch_series",
      help: "CloudWatch series kept for /metrics (namespace, metric name, unit and dimensions)",
      registers,
      collect() {
        this.set(series.size);
      },
    });
  }

  get size(): number {
    return this.series.size;
  }

  record(namespace: string, points: readonly DataPoint[], now: number): void {
    for (const point of points) {
      const key = JSON.stringify([namespace, point.metricName, point.unit, point.dimensions.map((d) => [d.Name, d.Value])]);
      let series = this.series.get(key);
      if (!series) {
        if (key.length > MAX_SERIES_IDENTITY) {
          this.dropped.inc({ reason: "series_too_large" });
          continue;
        }
        if (this.series.size >= this.maxSeries && !this.evictIdle(now)) {
          this.dropped.inc({ reason: "series_limit" });
          continue;
        }
        series = { labels: labelsOf(namespace, point), last: 0, samples: 0, sum: 0, updatedAt: now };
        this.series.set(key, series);
      }
      series.last = point.last;
      series.samples += point.samples;
      series.sum += point.sum;
      series.updatedAt = now;
    }
  }

  /** Lets idle series go; whether there is room now. Scans at most once a minute: a full store of busy series stays cheap. */
  private evictIdle(now: number): boolean {
    if (now - this.lastEvictionScan < EVICTION_SCAN_MS) return false;
    this.lastEvictionScan = now;
    for (const [key, series] of this.series) if (now - series.updatedAt > IDLE_SERIES_MS) this.series.delete(key);
    return this.series.size < this.maxSeries;
  }

  /** The families /metrics shows: a gauge of the latest value and a summary (count and sum) per series. */
  families(): MetricFamily[] {
    const all = (): IterableIterator<Series> => this.series.values();
    return [
      {
        name: "cloudwatch_metric_last",
        help: "Latest value sent by PutMetricData (a Value, the last of Values, or a statistic set's Sum/SampleCount)",
        type: "gauge",
        *samples(): Iterable<FamilySample> {
          for (const s of all()) yield { labels: s.labels, value: s.last };
        },
      },
      {
        name: "cloudwatch_metric",
        help: "Samples sent by PutMetricData since this instance started: _count of samples, _sum of their values",
        type: "summary",
        *samples(): Iterable<FamilySample> {
          for (const s of all()) {
            yield { suffix: "_sum", labels: s.labels, value: s.sum };
            yield { suffix: "_count", labels: s.labels, value: s.samples };
          }
        },
      },
    ];
  }
}

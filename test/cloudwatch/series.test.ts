import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MetricSeries, IDLE_SERIES_MS } from "../../src/cloudwatch/metric-series.js";
import { checkPutMetricData, type DataPoint } from "../../src/cloudwatch/validation.js";
import { loadConfig } from "../../src/config.js";
import { ServiceMetrics } from "../../src/http/metrics.js";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, TEST_CREDENTIALS, uniqueNamespace } from "../support/server.js";
import { scrape } from "./metrics-text.js";

const point = (metricName: string, value: number, dimensions: [string, string][] = []): DataPoint => ({
  metricName,
  unit: "None",
  dimensions: dimensions.map(([Name, Value]) => ({ Name, Value })),
  samples: 1,
  sum: value,
  last: value,
});

/** The registry's text, as /metrics serves it. */
async function exposition(maxSeries: number, record: (series: MetricSeries) => void): Promise<string> {
  const metrics = new ServiceMetrics({ reconnects: () => 0, connected: () => true });
  const series = new MetricSeries(maxSeries, metrics.registry);
  for (const family of series.families()) metrics.registerFamily(family);
  record(series);
  return metrics.registry.metrics();
}

describe("CloudWatch series on /metrics", () => {
  it("labels a series by namespace, metric name, unit and dimensions, with dimension names made label names", async () => {
    const text = await exposition(10, (series) =>
      // In the order validation leaves them: sorted by name.
      series.record(
        "My App/1",
        [
          point("Time", 2, [
            ["9lives", "y"],
            ["Shard.Id", 'a"b\\c'],
            ["Shard_Id", "x"],
          ]),
        ],
        0,
      ),
    );
    expect(text).toContain("# TYPE cloudwatch_metric_last gauge");
    expect(text).toContain("# TYPE cloudwatch_metric summary");
    const labels = 'namespace="My App/1",metric_name="Time",unit="None",dimension_9lives="y",dimension_Shard_Id="a\\"b\\\\c",dimension_Shard_Id_2="x"';
    expect(text).toContain(`cloudwatch_metric_last{${labels}} 2`);
    expect(text).toContain(`cloudwatch_metric_sum{${labels}} 2`);
    expect(text).toContain(`cloudwatch_metric_count{${labels}} 1`);
  });

  it("is one series whatever the order of the dimensions (validation sorts them)", () => {
    const [a] = checkPutMetricData(
      {
        Namespace: "n",
        MetricData: [
          {
            MetricName: "m",
            Value: 1,
            Dimensions: [
              { Name: "b", Value: "1" },
              { Name: "a", Value: "2" },
            ],
          },
        ],
      },
      0,
    );
    const [b] = checkPutMetricData(
      {
        Namespace: "n",
        MetricData: [
          {
            MetricName: "m",
            Value: 1,
            Dimensions: [
              { Name: "a", Value: "2" },
              { Name: "b", Value: "1" },
            ],
          },
        ],
      },
      0,
    );
    const series = new MetricSeries(10, new Registry());
    series.record("n", [a!, b!], 0);
    expect(series.size).toBe(1);
  });

  it("keeps at most maxSeries series, counts the data points it drops, and lets an idle series make room", async () => {
    const registry = new Registry();
    const series = new MetricSeries(2, registry);
    series.record("n", [point("a", 1), point("b", 1), point("c", 1), point("c", 1)], 0);
    series.record("n", [point("a", 5)], 1000);
    expect(series.size).toBe(2);
    expect(await registry.getSingleMetricAsString("cloudwatch_datapoints_dropped_total")).toMatch(
      /cloudwatch_datapoints_dropped_total\{reason="series_limit"\} 2$/,
    );
    // b has not been written to for longer than the idle window: c takes its place.
    series.record("n", [point("c", 1)], IDLE_SERIES_MS + 500);
    expect(series.size).toBe(2);
    expect(await registry.getSingleMetricAsString("cloudwatch_datapoints_dropped_total")).toMatch(/ 2$/);
  });

  it("drops a series whose identity is longer than MAX_SERIES_IDENTITY, however much room there is", async () => {
    const registry = new Registry();
    const series = new MetricSeries(100, registry);
    const long = Array.from({ length: 4 }, (_, i): [string, string] => [`d${i}`, "v".repeat(1024)]);
    series.record("n", [point("big", 1, long), point("small", 1, long.slice(0, 3))], 0);
    expect(series.size).toBe(1);
    expect(await registry.getSingleMetricAsString("cloudwatch_datapoints_dropped_total")).toMatch(
      /cloudwatch_datapoints_dropped_total\{reason="series_too_large"\} 1$/,
    );
  });
});

describe("--cloudwatch-max-series", () => {
  it("is read from the flag and from KINESIS_CLOUDWATCH_MAX_SERIES, 10000 by default", () => {
    expect(loadConfig([], {}).cloudwatchMaxSeries).toBe(10_000);
    expect(loadConfig(["--cloudwatch-max-series", "50"], {}).cloudwatchMaxSeries).toBe(50);
    expect(loadConfig([], { KINESIS_CLOUDWATCH_MAX_SERIES: "7" }).cloudwatchMaxSeries).toBe(7);
    expect(() => loadConfig([], { KINESIS_CLOUDWATCH_MAX_SERIES: "-1" })).toThrow(/cloudwatchMaxSeries/);
  });

  let server: RunningServer;
  let client: CloudWatchClient;
  beforeAll(async () => {
    server = await startTestServer({ cloudwatchMaxSeries: 3 });
    client = new CloudWatchClient({ endpoint: server.url, region: "us-east-1", credentials: TEST_CREDENTIALS });
  });
  afterAll(async () => {
    client?.destroy();
    await server?.close();
  });

  it("caps a chatty client: the call succeeds, new series past the cap are dropped and counted, known ones still update", async () => {
    const namespace = uniqueNamespace();
    const shards = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({
        MetricName: "RecordsProcessed",
        Value: 1,
        Dimensions: [{ Name: "ShardId", Value: `shard-${from + i}` }],
      }));
    await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: shards(0, 5) }));
    await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: shards(0, 10) }));
    const kept = await scrape(server, "cloudwatch_metric_count", { namespace });
    expect(kept.map((s) => s.value)).toEqual([2, 2, 2]);
    expect(await scrape(server, "cloudwatch_datapoints_dropped_total")).toEqual([{ labels: '{reason="series_limit"}', value: 2 + 7 }]);
    expect(await scrape(server, "cloudwatch_series")).toEqual([{ labels: "", value: 3 }]);
  });
});

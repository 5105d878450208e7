import { CloudWatchClient, ListMetricsCommand, PutMetricDataCommand, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import { AwsSmithyRpcV2CborProtocol } from "@aws-sdk/core/protocols";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, TEST_CREDENTIALS, uniqueNamespace } from "../support/server.js";
import { scrape } from "./metrics-text.js";

let server: RunningServer;
const clients: CloudWatchClient[] = [];
/** What the client put on the wire, by a middleware after signing. */
const sent: { path: string; headers: Record<string, string> }[] = [];

function client(extra: object = {}): CloudWatchClient {
  const cloudwatch = new CloudWatchClient({ endpoint: server.url, region: "us-east-1", credentials: TEST_CREDENTIALS, maxAttempts: 1, ...extra });
  cloudwatch.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { path: string; headers: Record<string, string> };
      sent.push({ path: request.path, headers: { ...request.headers } });
      return next(args);
    },
    { step: "finalizeRequest", priority: "low" },
  );
  clients.push(cloudwatch);
  return cloudwatch;
}

async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number; Code?: string; Type?: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number }; Code?: string; Type?: string };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode, Code: e.Code, Type: e.Type };
  }
  throw new Error("the call succeeded");
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.close();
});

/** The statistic set KCL sends for each of its metrics (CloudWatchMetricsScope#end). */
const kclDatum = (name: string, shard: string): MetricDatum => ({
  MetricName: name,
  Unit: "Milliseconds",
  Dimensions: [
    { Name: "Operation", Value: "ProcessTask" },
    { Name: "ShardId", Value: shard },
  ],
  StatisticValues: { SampleCount: 4, Sum: 10, Minimum: 1, Maximum: 4 },
});

describe("@aws-sdk/client-cloudwatch with its default settings", () => {
  it("speaks AWS JSON 1.0 (X-Amz-Target GraniteServiceVersion20100801, query-compatible), and its data points land on /metrics", async () => {
    const namespace = uniqueNamespace();
    sent.length = 0;
    const output = await client().send(
      new PutMetricDataCommand({
        Namespace: namespace,
        MetricData: [kclDatum("Time", "shardId-000000000000"), { MetricName: "Records", Value: 7, Unit: "Count" }],
      }),
    );
    expect(output.$metadata.httpStatusCode).toBe(200);
    expect(sent[0]!.headers["content-type"]).toBe("application/x-amz-json-1.0");
    expect(sent[0]!.headers["x-amz-target"]).toBe("GraniteServiceVersion20100801.PutMetricData");
    expect(sent[0]!.headers["x-amzn-query-mode"]).toBe("true");
    expect(sent[0]!.headers.authorization).toContain("/us-east-1/monitoring/aws4_request");

    const labels = { namespace, metric_name: "Time", unit: "Milliseconds", dimension_Operation: "ProcessTask", dimension_ShardId: "shardId-000000000000" };
    expect(await scrape(server, "cloudwatch_metric_count", labels)).toMatchObject([{ value: 4 }]);
    expect(await scrape(server, "cloudwatch_metric_sum", labels)).toMatchObject([{ value: 10 }]);
    expect(await scrape(server, "cloudwatch_metric_last", labels)).toMatchObject([{ value: 2.5 }]);
    expect(await scrape(server, "cloudwatch_metric_last", { namespace, metric_name: "Records", unit: "Count" })).toMatchObject([{ value: 7 }]);
  });

  it("adds up repeated data points of one series; Values and Counts count as many samples", async () => {
    const namespace = uniqueNamespace();
    const cloudwatch = client();
    await cloudwatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: "Latency", Values: [1, 2, 3], Counts: [1, 1, 2] }] }));
    await cloudwatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: "Latency", Value: 5 }] }));
    const labels = { namespace, metric_name: "Latency", unit: "None" };
    expect(await scrape(server, "cloudwatch_metric_count", labels)).toMatchObject([{ value: 5 }]);
    expect(await scrape(server, "cloudwatch_metric_sum", labels)).toMatchObject([{ value: 1 + 2 + 6 + 5 }]);
    expect(await scrape(server, "cloudwatch_metric_last", labels)).toMatchObject([{ value: 5 }]);
  });

  it("sends a large batch gzip-compressed (the operation's requestCompression), which is accepted", async () => {
    const namespace = uniqueNamespace();
    sent.length = 0;
    const data = Array.from({ length: 200 }, (_, i) => kclDatum(`Metric${i}`, `shardId-${String(i).padStart(12, "0")}`));
    await client().send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data }));
    expect(sent[0]!.headers["content-encoding"]).toBe("gzip");
    expect(await scrape(server, "cloudwatch_metric_count", { namespace })).toHaveLength(200);
  });

  it("gets CloudWatch's errors as the modelled exceptions, with the query codes", async () => {
    const namespace = uniqueNamespace();
    const cloudwatch = client();
    const badUnit = await failure(
      cloudwatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: "m", Value: 1, Unit: "Parsecs" as never }] })),
    );
    expect(badUnit).toMatchObject({ name: "InvalidParameterValueException", status: 400, Code: "InvalidParameterValue", Type: "Sender" });
    expect(badUnit.message).toMatch(
      /^The parameter MetricData\.member\.1\.Unit must be a value in the set \[ Seconds, Microseconds, .*, Count\/Second, None \]\.$/,
    );

    const both = await failure(
      cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: namespace,
          MetricData: [{ MetricName: "m", Value: 1, StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 } }],
        }),
      ),
    );
    expect(both).toMatchObject({
      name: "InvalidParameterCombinationException",
      Code: "InvalidParameterCombination",
      message: "The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually exclusive and you have specified both.",
    });

    const many = await failure(
      cloudwatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: Array.from({ length: 1001 }, () => ({ MetricName: "m", Value: 1 })) })),
    );
    expect(many).toMatchObject({ name: "InvalidParameterValueException", message: "The collection MetricData must not have a size greater than 1000." });

    const reserved = await failure(cloudwatch.send(new PutMetricDataCommand({ Namespace: "AWS/Kinesis", MetricData: [{ MetricName: "m", Value: 1 }] })));
    expect(reserved).toMatchObject({ name: "InvalidParameterValueException", message: "The value AWS/Kinesis for parameter Namespace is invalid." });
    expect(await scrape(server, "cloudwatch_metric_count", { namespace })).toEqual([]);
  });

  it("answers another CloudWatch operation as an unknown one (the client names it by the query code, InvalidAction)", async () => {
    const unknown = await failure(client().send(new ListMetricsCommand({})));
    expect(unknown).toMatchObject({ name: "InvalidAction", Code: "InvalidAction", Type: "Sender", status: 400 });
  });
});

describe("@aws-sdk/client-cloudwatch set to Smithy RPC v2 CBOR (the Java SDK's default from 2.40.6)", () => {
  it("puts data points and gets the same errors", async () => {
    const namespace = uniqueNamespace();
    sent.length = 0;
    const cloudwatch = client({ protocol: AwsSmithyRpcV2CborProtocol });
    await cloudwatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ ...kclDatum("Time", "shardId-1"), Timestamp: new Date() }] }));
    expect(sent[0]!.path).toBe("/service/GraniteServiceVersion20100801/operation/PutMetricData");
    expect(sent[0]!.headers["smithy-protocol"]).toBe("rpc-v2-cbor");
    expect(await scrape(server, "cloudwatch_metric_count", { namespace, metric_name: "Time" })).toMatchObject([{ value: 4 }]);

    const old = await failure(
      cloudwatch.send(
        new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: "m", Value: 1, Timestamp: new Date(Date.now() - 15 * 86_400_000) }] }),
      ),
    );
    expect(old).toMatchObject({
      name: "InvalidParameterValueException",
      Code: "InvalidParameterValue",
      message: "The parameter MetricData.member.1.Timestamp must specify a time within the past two weeks.",
    });
  });
});

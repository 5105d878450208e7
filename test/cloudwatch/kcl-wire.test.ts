import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, uniqueNamespace } from "../support/server.js";
import { scrape } from "./metrics-text.js";
import { gzipped, jsonRequest, queryRequest, rpcV2Request, send, xmlField } from "./wire.js";

let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

/**
 * One MetricDatum of KCL's CloudWatchMetricsScope#end: a statistic set with Unit and dimensions,
 * no Timestamp, no Values; the Java SDK writes doubles with Double.toString (`1.0`, `3.0E7`).
 */
function kclQueryDatum(n: number, name: string, shard: string, statistics: [string, string, string, string]): Record<string, string> {
  const at = `MetricData.member.${n}`;
  const [count, sum, min, max] = statistics;
  return {
    [`${at}.MetricName`]: name,
    [`${at}.Dimensions.member.1.Name`]: "Operation",
    [`${at}.Dimensions.member.1.Value`]: "ProcessTask",
    [`${at}.Dimensions.member.2.Name`]: "ShardId",
    [`${at}.Dimensions.member.2.Value`]: shard,
    [`${at}.StatisticValues.SampleCount`]: count,
    [`${at}.StatisticValues.Sum`]: sum,
    [`${at}.StatisticValues.Minimum`]: min,
    [`${at}.StatisticValues.Maximum`]: max,
    [`${at}.Unit`]: name === "Time" ? "Milliseconds" : "Count",
  };
}

const kclCborDatum = (name: string, shard: string, statistics: { SampleCount: number; Sum: number; Minimum: number; Maximum: number }) => ({
  MetricName: name,
  Dimensions: [
    { Name: "Operation", Value: "ProcessTask" },
    { Name: "ShardId", Value: shard },
  ],
  StatisticValues: statistics,
  Unit: name === "Time" ? "Milliseconds" : "Count",
});

describe("PutMetricData as KCL's Java SDK sends it", () => {
  it("query protocol (SDK 2.25-2.37: KCL 2.x, 3.0-3.3): the XML answer carries the request id of the header", async () => {
    const namespace = uniqueNamespace();
    const reply = await send(
      server,
      queryRequest({
        Namespace: namespace,
        ...kclQueryDatum(1, "RecordsProcessed", "shardId-000000000000", ["1.0", "3.0E7", "3.0E7", "3.0E7"]),
        ...kclQueryDatum(2, "Time", "shardId-000000000000", ["2.0", "12.5", "4.0", "8.5"]),
      }),
    );
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toBe("text/xml");
    expect(reply.text).toMatch(/^<PutMetricDataResponse xmlns="http:\/\/monitoring\.amazonaws\.com\/doc\/2010-08-01\/">\s*<ResponseMetadata>\s*<RequestId>/);
    expect(xmlField(reply.text, "RequestId")).toBe(reply.headers.get("x-amzn-requestid"));
    const labels = { namespace, dimension_Operation: "ProcessTask", dimension_ShardId: "shardId-000000000000" };
    expect(await scrape(server, "cloudwatch_metric_sum", { ...labels, metric_name: "RecordsProcessed", unit: "Count" })).toMatchObject([{ value: 3e7 }]);
    expect(await scrape(server, "cloudwatch_metric_count", { ...labels, metric_name: "Time", unit: "Milliseconds" })).toMatchObject([{ value: 2 }]);
  });

  it("query protocol errors: ErrorResponse XML with Type, Code, Message and RequestId", async () => {
    const reply = await send(server, queryRequest({ "MetricData.member.1.MetricName": "m", "MetricData.member.1.Value": "1" }));
    expect(reply.status).toBe(400);
    expect(reply.text).toMatch(/^<ErrorResponse xmlns="http:\/\/monitoring\.amazonaws\.com\/doc\/2010-08-01\/">/);
    expect([xmlField(reply.text, "Type"), xmlField(reply.text, "Code"), xmlField(reply.text, "Message")]).toEqual([
      "Sender",
      "MissingParameter",
      "The parameter Namespace is required.",
    ]);
    expect(xmlField(reply.text, "RequestId")).toBe(reply.headers.get("x-amzn-requestid"));

    const datum = (n: number, unit: string) => ({
      [`MetricData.member.${n}.MetricName`]: "m",
      [`MetricData.member.${n}.Value`]: "1",
      [`MetricData.member.${n}.Unit`]: unit,
    });
    const units = await send(server, queryRequest({ Namespace: "app", ...datum(1, "Bogus"), ...datum(2, "Count"), ...datum(3, "Furlongs") }));
    expect(xmlField(units.text, "Code")).toBe("InvalidParameterValue");
    // Every problem of the first kind, one per line.
    expect(xmlField(units.text, "Message")!.split("\n")).toEqual([
      expect.stringMatching(/^The parameter MetricData\.member\.1\.Unit must be a value in the set \[ Seconds, .* \]\.$/),
      expect.stringMatching(/^The parameter MetricData\.member\.3\.Unit must be a value in the set /),
    ]);
    const notANumber = await send(server, queryRequest({ Namespace: "app", "MetricData.member.1.MetricName": "m", "MetricData.member.1.Value": "x" }));
    expect(xmlField(notANumber.text, "Message")).toBe("The value x for parameter MetricData.member.1.Value is invalid.");

    const twice = await send(
      server,
      queryRequest({
        Namespace: "app",
        "MetricData.member.1.MetricName": "m",
        "MetricData.member.1.Value": "1",
        "MetricData.member.1.Dimensions.member.1.Name": "d",
        "MetricData.member.1.Dimensions.member.1.Value": "1",
        "MetricData.member.1.Dimensions.member.2.Name": "d",
        "MetricData.member.1.Dimensions.member.2.Value": "2",
      }),
    );
    expect([xmlField(twice.text, "Code"), xmlField(twice.text, "Message")]).toEqual([
      "InvalidParameterValue",
      "No metric may specify the same dimension name twice.",
    ]);
  });

  it("query protocol: another Action, or another Version, is InvalidAction", async () => {
    const other = await send(server, queryRequest({ Action: "ListMetrics" }));
    expect(other.status).toBe(400);
    expect([xmlField(other.text, "Code"), xmlField(other.text, "Message")]).toEqual([
      "InvalidAction",
      "Could not find operation ListMetrics for version 2010-08-01",
    ]);
    const version = await send(server, queryRequest({ Version: "2009-01-01", Namespace: "app" }));
    expect([xmlField(version.text, "Code"), xmlField(version.text, "Message")]).toEqual([
      "InvalidAction",
      "Could not find operation PutMetricData for version 2009-01-01",
    ]);
  });

  it("RPC v2 CBOR (SDK 2.40.6 on: KCL 3.4+): 200 with an empty CBOR map and the smithy-protocol header", async () => {
    const namespace = uniqueNamespace();
    const reply = await send(
      server,
      rpcV2Request({
        Namespace: namespace,
        MetricData: [
          kclCborDatum("RecordsProcessed", "shardId-000000000001", { SampleCount: 1, Sum: 250, Minimum: 250, Maximum: 250 }),
          kclCborDatum("Time", "shardId-000000000001", { SampleCount: 3, Sum: 1.5, Minimum: 0.25, Maximum: 1 }),
        ],
      }),
    );
    expect(reply.status).toBe(200);
    expect(reply.headers.get("smithy-protocol")).toBe("rpc-v2-cbor");
    expect(reply.headers.get("content-type")).toBe("application/cbor");
    expect(reply.decoded).toEqual({});
    const labels = { namespace, dimension_ShardId: "shardId-000000000001" };
    expect(await scrape(server, "cloudwatch_metric_sum", { ...labels, metric_name: "RecordsProcessed" })).toMatchObject([{ value: 250 }]);
    expect(await scrape(server, "cloudwatch_metric_last", { ...labels, metric_name: "Time" })).toMatchObject([{ value: 0.5 }]);
  });

  it("RPC v2 CBOR errors: __type and message in CBOR, the query code in x-amzn-query-error", async () => {
    const reply = await send(
      server,
      rpcV2Request({ Namespace: "app", MetricData: [{ MetricName: "m", StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1 } }] }),
    );
    expect(reply.status).toBe(400);
    expect(reply.headers.get("x-amzn-query-error")).toBe("MissingParameter;Sender");
    expect(reply.decoded).toEqual({
      __type: "com.amazonaws.cloudwatch#MissingRequiredParameterException",
      message: "The parameter MetricData.member.1.StatisticValues.Maximum is required.",
    });
    const other = await send(server, rpcV2Request({}, "GetMetricData"));
    expect(other.status).toBe(400);
    expect(other.headers.get("x-amzn-query-error")).toBe("InvalidAction;Sender");
  });

  it("JSON 1.0 errors: the namespaced shape name, and NaN refused", async () => {
    const reply = await send(server, jsonRequest({ Namespace: "app", MetricData: [{ MetricName: "m", Value: "NaN" }] }));
    expect(reply.status).toBe(400);
    expect(reply.headers.get("x-amzn-query-error")).toBe("InvalidParameterValue;Sender");
    expect(reply.decoded).toEqual({
      __type: "com.amazonaws.cloudwatch#InvalidParameterValueException",
      message: "The value NaN for parameter MetricData.member.1.Value is invalid.",
    });
    const wrongType = await send(server, jsonRequest({ Namespace: "app", MetricData: [{ MetricName: "m", Value: "one" }] }));
    expect(wrongType.decoded).toMatchObject({ __type: "SerializationException" });
  });

  it("takes gzip bodies in every form, and refuses more than 1 MB once inflated", async () => {
    const namespace = uniqueNamespace();
    const datum = { MetricName: "Zipped", Value: 3 };
    for (const request of [
      queryRequest({ Namespace: namespace, "MetricData.member.1.MetricName": "Zipped", "MetricData.member.1.Value": "3" }),
      jsonRequest({ Namespace: namespace, MetricData: [datum] }),
      rpcV2Request({ Namespace: namespace, MetricData: [datum] }),
    ]) {
      expect((await send(server, gzipped(request))).status).toBe(200);
    }
    expect(await scrape(server, "cloudwatch_metric_count", { namespace, metric_name: "Zipped" })).toMatchObject([{ value: 3 }]);

    const huge = gzipped(jsonRequest({ Namespace: namespace, MetricData: [{ MetricName: "x".repeat(2 * 1024 * 1024), Value: 1 }] }));
    const refused = await send(server, huge);
    expect(refused.status).toBe(413);
    expect(refused.headers.get("x-amzn-query-error")).toBe("RequestEntityTooLarge;Sender");
  });
});

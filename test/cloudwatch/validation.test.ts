import { describe, expect, it } from "vitest";
import { checkPutMetricData } from "../../src/cloudwatch/validation.js";
import { decodeQueryInput } from "../../src/cloudwatch/query-input.js";
import { cloudWatchModel } from "../../src/cloudwatch/model.js";

const NOW = Date.UTC(2026, 0, 15);

/** The error a check throws, as a client would see its parts. */
function refusal(input: object): { type: string; code: string; message: string } {
  try {
    checkPutMetricData(input, NOW);
  } catch (error) {
    const e = error as { type: string; code: string; message: string };
    return { type: e.type, code: e.code, message: e.message };
  }
  throw new Error("accepted");
}

describe("PutMetricData checks", () => {
  it("turns each kind of datum into samples, sum and latest value", () => {
    const points = checkPutMetricData(
      {
        Namespace: "app",
        MetricData: [
          { MetricName: "a", Value: 0 },
          { MetricName: "b", Values: [2, 4], Counts: [3, 1], Unit: "Bytes" },
          { MetricName: "c", StatisticValues: { SampleCount: 4, Sum: 10, Minimum: 1, Maximum: 4 } },
        ],
      },
      NOW,
    );
    expect(points.map(({ metricName, unit, samples, sum, last }) => ({ metricName, unit, samples, sum, last }))).toEqual([
      { metricName: "a", unit: "None", samples: 1, sum: 0, last: 0 },
      { metricName: "b", unit: "Bytes", samples: 4, sum: 10, last: 4 },
      { metricName: "c", unit: "None", samples: 4, sum: 10, last: 2.5 },
    ]);
  });

  it("refuses what CloudWatch refuses, with the parameter's query path", () => {
    const datum = (extra: object) => ({
      Namespace: "app",
      MetricData: [
        { MetricName: "m", Value: 1 },
        { MetricName: "m", ...extra },
      ],
    });
    expect(refusal(datum({ Value: 1, Values: [1] }))).toEqual({
      type: "InvalidParameterCombinationException",
      code: "InvalidParameterCombination",
      message: "The parameters MetricData.member.2.Value and MetricData.member.2.Values are mutually exclusive and you have specified both.",
    });
    expect(refusal(datum({}))).toMatchObject({
      code: "InvalidParameterCombination",
      message: "At least one of the parameters MetricData.member.2.Value and MetricData.member.2.StatisticValues must be specified.",
    });
    expect(refusal(datum({ Value: 2 ** 361 }))).toMatchObject({
      code: "InvalidParameterValue",
      message: `The value ${2 ** 361} for parameter MetricData.member.2.Value is invalid.`,
    });
    expect(refusal(datum({ Values: Array(151).fill(1) }))).toMatchObject({
      message: "The collection MetricData.member.2.Values must not have a size greater than 150.",
    });
    expect(refusal(datum({ Value: 1, Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: "v" })) }))).toMatchObject({
      message: "The collection MetricData.member.2.Dimensions must not have a size greater than 30.",
    });
    expect(refusal(datum({ Value: 1, Dimensions: [{ Name: "d" }] }))).toMatchObject({
      code: "MissingParameter",
      message: "The parameter MetricData.member.2.Dimensions.member.1.Value is required.",
    });
    expect(refusal(datum({ Value: 1, Timestamp: new Date(NOW + 3 * 3600_000) }))).toMatchObject({
      message: "The parameter MetricData.member.2.Timestamp must specify a time no more than two hours in the future.",
    });
    expect(refusal(datum({ Value: 1, StorageResolution: 5 }))).toMatchObject({
      message: "The value 5 for parameter MetricData.member.2.StorageResolution is invalid.",
    });
    expect(refusal({ Namespace: ":app", MetricData: [] })).toMatchObject({ message: "The value :app for parameter Namespace is invalid." });
    expect(refusal({ Namespace: "x".repeat(256) })).toMatchObject({ code: "InvalidParameterValue" });
  });

  it("counts EntityMetricData's data towards the 1,000 and names its paths", () => {
    const data = (n: number) => Array.from({ length: n }, () => ({ MetricName: "m", Value: 1 }));
    expect(refusal({ Namespace: "app", MetricData: data(600), EntityMetricData: [{ MetricData: data(401) }] })).toMatchObject({
      message: "The collection MetricData must not have a size greater than 1000.",
    });
    expect(refusal({ Namespace: "app", EntityMetricData: [{ MetricData: [{ Value: 1 }] }] })).toMatchObject({
      code: "MissingParameter",
      message: "The parameter EntityMetricData.member.1.MetricData.member.1.MetricName is required.",
    });
  });
});

describe("the query form's input", () => {
  it("reads lists, maps, numbers as Java writes them, timestamps, and ignores the unknown", () => {
    const params = new URLSearchParams({
      Namespace: "app",
      "MetricData.member.2.MetricName": "second",
      "MetricData.member.2.Values.member.1": "1.5E3",
      "MetricData.member.1.MetricName": "first",
      "MetricData.member.1.Timestamp": "2026-01-15T00:00:00.250Z",
      "MetricData.member.1.StatisticValues.SampleCount": "2.0",
      "EntityMetricData.member.1.Entity.KeyAttributes.entry.1.key": "Type",
      "EntityMetricData.member.1.Entity.KeyAttributes.entry.1.value": "Service",
      "__proto__.polluted": "yes",
      Unknown: "x",
    });
    expect(decodeQueryInput(cloudWatchModel, "PutMetricDataInput", params)).toEqual({
      Namespace: "app",
      MetricData: [
        { MetricName: "first", Timestamp: new Date("2026-01-15T00:00:00.250Z"), StatisticValues: { SampleCount: 2 } },
        { MetricName: "second", Values: [1500] },
      ],
      EntityMetricData: [{ Entity: { KeyAttributes: { Type: "Service" } } }],
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(decodeQueryInput(cloudWatchModel, "PutMetricDataInput", new URLSearchParams("Namespace=a&MetricData="))).toEqual({ Namespace: "a", MetricData: [] });
  });
});

import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, uniqueNamespace } from "../support/server.js";
import { scrape } from "./metrics-text.js";

const run = promisify(execFile);
const PYTHON = process.env.PYTHON ?? "python3";
const SCRIPT = fileURLToPath(new URL("./python/boto3_cloudwatch.py", import.meta.url));
let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

const FORMS = [
  { forced: undefined, protocol: "json", path: "/", contentType: "application/x-amz-json-1.0", target: "GraniteServiceVersion20100801.PutMetricData" },
  { forced: "query", protocol: "query", path: "/", contentType: "application/x-www-form-urlencoded; charset=utf-8", target: null },
  {
    forced: "smithy-rpc-v2-cbor",
    protocol: "smithy-rpc-v2-cbor",
    path: "/service/GraniteServiceVersion20100801/operation/PutMetricData",
    contentType: "application/cbor",
    target: null,
  },
] as const;

describe("boto3's CloudWatch client", () => {
  for (const form of FORMS) {
    it(`${form.forced ? `forced to ${form.forced}` : "with its defaults"}: puts data points and gets CloudWatch's error codes`, async () => {
      const namespace = uniqueNamespace();
      const { stdout } = await run(PYTHON, [SCRIPT, server.url, namespace, ...(form.forced ? [form.forced] : [])], { timeout: 60_000 });
      const report = JSON.parse(stdout);
      expect(report.protocol).toBe(form.protocol);
      expect(report.wire).toEqual({ path: form.path, content_type: form.contentType, target: form.target });
      expect(report.put_status).toBe(200);
      // botocore's RPC v2 parser reads no metadata of an operation without output.
      if (form.protocol !== "smithy-rpc-v2-cbor") expect(report.request_id).toMatch(/^[0-9a-f-]{36}$/);

      expect(report.bad_unit).toMatchObject({ status: 400, Code: "InvalidParameterValue", Type: "Sender" });
      expect(report.bad_unit.Message).toMatch(/^The parameter MetricData\.member\.1\.Unit must be a value in the set \[ Seconds, /);
      expect(report.missing_statistic).toMatchObject({
        status: 400,
        Code: "InvalidParameterCombination",
        Message: "The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the same size.",
      });
      expect(report.list_metrics).toMatchObject({ status: 400, Code: "InvalidAction" });

      const labels = { namespace, metric_name: "MillisBehindLatest", dimension_Operation: "ProcessTask", dimension_ShardId: "shardId-000000000001" };
      expect(await scrape(server, "cloudwatch_metric_count", labels)).toMatchObject([{ value: 2 }]);
      expect(await scrape(server, "cloudwatch_metric_last", labels)).toMatchObject([{ value: 150 }]);
      expect(await scrape(server, "cloudwatch_metric_sum", { namespace, metric_name: "Records Processed", unit: "Count" })).toMatchObject([{ value: 12 }]);
    });
  }
});

describe("the AWS CLI", () => {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: "AKIDTEST",
    AWS_SECRET_ACCESS_KEY: "test-secret",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_PAGER: "",
    AWS_MAX_ATTEMPTS: "1",
  };
  const cli = (...args: string[]) => run("aws", ["--endpoint-url", server.url, "cloudwatch", "put-metric-data", ...args], { env, timeout: 30_000 });

  it("aws cloudwatch put-metric-data lands on /metrics, and its errors name CloudWatch's codes", async () => {
    const namespace = uniqueNamespace();
    await cli("--namespace", namespace, "--metric-name", "QueueDepth", "--value", "42", "--unit", "Count", "--dimensions", "Queue=orders,Region=eu");
    expect(
      await scrape(server, "cloudwatch_metric_last", { namespace, metric_name: "QueueDepth", dimension_Queue: "orders", dimension_Region: "eu" }),
    ).toMatchObject([{ value: 42 }]);
    const failed = await cli("--namespace", "AWS/EC2", "--metric-name", "m", "--value", "1").then(
      () => "",
      (error: { stderr: string }) => error.stderr,
    );
    expect(failed).toContain(
      "An error occurred (InvalidParameterValue) when calling the PutMetricData operation: The value AWS/EC2 for parameter Namespace is invalid.",
    );
  });
});

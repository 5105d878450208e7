import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { KinesisClient, ListStreamsCommand } from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, uniqueNamespace } from "../support/server.js";
import { scrape } from "./metrics-text.js";
import { jsonRequest, queryRequest, rpcV2Request, send, xmlField } from "./wire.js";

const KEY = { accessKeyId: "AKIDCLOUDWATCH", secretAccessKey: "cloudwatch-secret" };
let server: RunningServer;
const clients: { destroy(): void }[] = [];

beforeAll(async () => {
  server = await startTestServer({ credentials: `${KEY.accessKeyId}:${KEY.secretAccessKey}` });
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.close();
});

function cloudWatch(credentials: typeof KEY): CloudWatchClient {
  const client = new CloudWatchClient({ endpoint: server.url, region: "us-east-1", credentials, maxAttempts: 1 });
  clients.push(client);
  return client;
}

const WRONG_SCOPE = "Credential should be scoped to correct service: 'monitoring'.";

describe("SigV4 on CloudWatch calls (the Kinesis access keys, scope monitoring)", () => {
  it("accepts the SDK's signed calls, gzip-compressed ones too (signed as compressed)", async () => {
    const namespace = uniqueNamespace();
    const client = cloudWatch(KEY);
    await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: "one", Value: 1 }] }));
    const batch = Array.from({ length: 300 }, (_, i) => ({
      MetricName: `m${i}`,
      Value: i,
      Dimensions: [{ Name: "Worker", Value: "worker-with-a-long-identifier" }],
    }));
    await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: batch }));
    expect(await scrape(server, "cloudwatch_metric_count", { namespace }, KEY)).toHaveLength(301);
  });

  it("refuses a wrong secret and an unknown key, and stores nothing", async () => {
    const namespace = uniqueNamespace();
    const wrong = await cloudWatch({ ...KEY, secretAccessKey: "not-it" })
      .send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [{ MetricName: "m", Value: 1 }] }))
      .catch((e: { name: string; Code?: string; message: string }) => e);
    expect(wrong).toMatchObject({ Code: "SignatureDoesNotMatch" });
    expect((wrong as Error).message).toMatch(/^The request signature we calculated does not match/);
    const unknown = await send(server, queryRequest({ Namespace: namespace, "MetricData.member.1.MetricName": "m", "MetricData.member.1.Value": "1" }), {
      accessKeyId: "AKIDNOBODY",
      secretAccessKey: "x",
    });
    expect(unknown.status).toBe(403);
    expect(xmlField(unknown.text, "Code")).toBe("InvalidClientTokenId");
    expect(await scrape(server, "cloudwatch_metric_count", { namespace }, KEY)).toEqual([]);
  });

  it("refuses a signature scoped to another service, in every wire form", async () => {
    const input = { Namespace: "app", MetricData: [{ MetricName: "m", Value: 1 }] };
    const asKinesis = { ...KEY, service: "kinesis" };
    const query = await send(server, queryRequest({ Namespace: "app", "MetricData.member.1.MetricName": "m", "MetricData.member.1.Value": "1" }), asKinesis);
    expect(query.status).toBe(403);
    expect([xmlField(query.text, "Type"), xmlField(query.text, "Code"), xmlField(query.text, "Message")]).toEqual([
      "Sender",
      "SignatureDoesNotMatch",
      WRONG_SCOPE,
    ]);
    for (const request of [jsonRequest(input), rpcV2Request(input)]) {
      const reply = await send(server, request, asKinesis);
      expect(reply.status).toBe(400);
      expect(reply.headers.get("x-amzn-query-error")).toBe("SignatureDoesNotMatch;Sender");
      expect(reply.decoded).toEqual({ __type: "InvalidSignatureException", message: WRONG_SCOPE });
    }
    // And the other way round: Kinesis takes no signature scoped to monitoring.
    const kinesis = new KinesisClient({ endpoint: server.url, region: "us-east-1", credentials: KEY, maxAttempts: 1, signingName: "monitoring" } as never);
    clients.push(kinesis);
    await expect(kinesis.send(new ListStreamsCommand({}))).rejects.toMatchObject({
      name: "InvalidSignatureException",
      message: "Credential should be scoped to correct service: 'kinesis'.",
    });
  });

  it("refuses an unsigned call", async () => {
    const query = await send(server, queryRequest({ Namespace: "app" }), "unsigned");
    expect(query.status).toBe(403);
    expect([xmlField(query.text, "Code"), xmlField(query.text, "Message")]).toEqual(["MissingAuthenticationToken", "Missing Authentication Token"]);
    const cbor = await send(server, rpcV2Request({ Namespace: "app" }), "unsigned");
    expect(cbor.headers.get("x-amzn-query-error")).toBe("MissingAuthenticationToken;Sender");
  });
});

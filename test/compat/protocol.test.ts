import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, uniqueStreamName } from "../support/server.js";
import { signedHeaders } from "../support/signing.js";

let server: RunningServer;
let stream: string;
const JSON_TYPE = "application/x-amz-json-1.1";

/** A raw HTTP/1.1 call, signed as botocore signs it, without any SDK in between. */
async function call(target: string | undefined, body: string | Buffer, contentType = JSON_TYPE) {
  const headers: Record<string, string> = { "content-type": contentType };
  if (target !== undefined) headers["x-amz-target"] = target.includes(".") ? target : `Kinesis_20131202.${target}`;
  const response = await fetch(server.url, { method: "POST", headers: await signedHeaders(server.url, headers, body), body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  server = await startTestServer();
  stream = uniqueStreamName();
  const created = await call("CreateStream", JSON.stringify({ StreamName: stream, ShardCount: 1 }));
  expect(created.status).toBe(200);
});
afterAll(async () => server?.close());

describe("the AWS JSON 1.1 protocol on the wire", () => {
  it("answers like the service: request id headers, empty body for outputless operations", async () => {
    const created = await call("CreateStream", JSON.stringify({ StreamName: uniqueStreamName(), ShardCount: 1 }));
    expect(created).toMatchObject({ status: 200, text: "" });
    expect(created.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.headers.get("content-type")).toBe(JSON_TYPE);
    const described = await call("DescribeStreamSummary", JSON.stringify({ StreamName: stream }));
    expect(typeof described.json.StreamDescriptionSummary.StreamCreationTimestamp).toBe("number");
  });

  it("serves HTTP/1.1 and cleartext HTTP/2 on the same port", async () => {
    const session = http2.connect(server.url);
    const headers = await signedHeaders(server.url, { "content-type": JSON_TYPE, "x-amz-target": "Kinesis_20131202.ListStreams" }, "{}");
    try {
      const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = session.request({ ":method": "POST", ":path": "/", ...headers });
        let body = "";
        let status = 0;
        request.on("response", (headers) => (status = Number(headers[":status"])));
        request.on("data", (chunk: Buffer) => (body += chunk.toString()));
        request.on("end", () => resolve({ status, body }));
        request.on("error", reject);
        request.end("{}");
      });
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.body).StreamNames).toContain(stream);
    } finally {
      session.close();
    }
    expect((await call("ListStreams", "{}")).json.StreamNames).toContain(stream);
  });

  it("unknown operations and malformed bodies", async () => {
    expect(await call("ListStream", "{}")).toMatchObject({ status: 400, json: { __type: "UnknownOperationException" } });
    expect(await call(undefined, "{}")).toMatchObject({ status: 400, json: { __type: "UnknownOperationException" } });
    expect(await call("Kinesis_20131202.", "{}")).toMatchObject({ status: 400, json: { __type: "UnknownOperationException" } });
    // A body that is not a JSON object fails before the target is even looked at.
    expect(await call("NoSuchThing", "{not json")).toMatchObject({ status: 400, json: { __type: "SerializationException" } });
    expect(await call("ListStreams", "[1,2]")).toMatchObject({ status: 400, json: { __type: "SerializationException" } });
    expect(await call("ListStreams", "")).toMatchObject({ status: 400, json: { __type: "SerializationException" } });
    expect(await call("ListStreams", Buffer.from([0xff, 0xfe, 0x7b]))).toMatchObject({ status: 400, json: { __type: "SerializationException" } });
  });

  it("wrong JSON types get the SerializationException texts of the service", async () => {
    const cases: [string, object, string][] = [
      ["DescribeStream", { StreamName: 5 }, "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String"],
      ["DescribeStream", { StreamName: true }, "class java.lang.Boolean can not be converted to an String"],
      ["DescribeStream", { StreamName: [] }, "Start of list found where not expected"],
      ["DescribeStream", { StreamName: {} }, "Start of structure or map found where not expected."],
      ["DescribeStream", { StreamName: stream, Limit: "5" }, "class java.lang.String can not be converted to an Integer"],
      ["PutRecords", { StreamName: stream, Records: "x" }, "Expected list or null"],
      ["PutRecords", { StreamName: stream, Records: [5] }, "Expected null"],
      [
        "PutRecord",
        { StreamName: stream, PartitionKey: "k", Data: 5 },
        "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to a Blob",
      ],
      [
        "PutRecord",
        { StreamName: stream, PartitionKey: "k", Data: "abc" },
        "'abc' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 3",
      ],
      ["PutRecord", { StreamName: stream, PartitionKey: "k", Data: "ab!d" }, "'ab!d' can not be converted to a Blob: Invalid Base64 character: '!'"],
      ["PutRecord", { StreamName: stream, PartitionKey: "k", Data: "ab-_" }, "'ab-_' can not be converted to a Blob: Invalid Base64 character: '-'"],
      [
        "PutRecord",
        { StreamName: stream, PartitionKey: "k", Data: "+/+=" },
        "'+/+=' can not be converted to a Blob: Invalid last non-pad Base64 character dectected",
      ],
      [
        "GetShardIterator",
        { StreamName: stream, ShardId: "0", ShardIteratorType: "AT_TIMESTAMP", Timestamp: "yesterday" },
        "class java.lang.String can not be converted to milliseconds since epoch",
      ],
      ["CreateStream", { StreamName: "x", Tags: "t" }, "Expected map or null"],
      [
        "RemoveTagsFromStream",
        { StreamName: stream, TagKeys: [1] },
        "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String",
      ],
      ["EnableEnhancedMonitoring", { StreamName: stream, ShardLevelMetrics: [["ALL"]] }, "Start of list found where not expected"],
    ];
    for (const [operation, body, message] of cases) {
      const reply = await call(operation, JSON.stringify(body));
      expect(reply, `${operation} ${JSON.stringify(body)}`).toMatchObject({ status: 400, json: { __type: "SerializationException", Message: message } });
    }
  });

  it("ignores unknown members and nulls, and truncates fractional integers", async () => {
    const reply = await call("DescribeStream", JSON.stringify({ StreamName: stream, Surprise: 1, ExclusiveStartShardId: null, Limit: 1.9 }));
    expect(reply.status).toBe(200);
    expect(reply.json.StreamDescription.Shards).toHaveLength(1);
    const missing = await call("DescribeStream", JSON.stringify({ StreamName: null }));
    expect(missing.json).toEqual({ __type: "InvalidArgumentException", message: "Either StreamName or StreamARN should be provided." });
  });

  it("refuses an oversized body without taking it all", async () => {
    const reply = await call("PutRecords", Buffer.alloc(17 * 1024 * 1024, 32));
    expect(reply.status).toBe(413);
    expect(reply.json.__type).toBe("SerializationException");
  });

  it("rejects records of a deleted stream's old iterator over plain HTTP too", async () => {
    const reply = await call("GetRecords", JSON.stringify({ ShardIterator: "x" }));
    expect(reply.json).toEqual({ __type: "InvalidArgumentException", message: "Invalid ShardIterator." });
    const limit = await call("GetRecords", JSON.stringify({ ShardIterator: "x", Limit: 10001 }));
    expect(limit.json).toEqual({
      __type: "ValidationException",
      message: "1 validation error detected: Value '10001' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000",
    });
  });
});

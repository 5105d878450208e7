import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, uniqueStreamName } from "../support/server.js";
import { wireCall, type WireAnswer, type WireFormat } from "../support/wire-clients.js";

let server: RunningServer;
let stream: string;

const call = (format: WireFormat, operation: string, input: unknown): Promise<WireAnswer> => wireCall(server, format, operation, input);

/** Members that differ on every call by design (fresh iterators, page tokens). */
const VOLATILE = new Set(["ShardIterator", "NextShardIterator", "NextToken"]);
function withoutVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutVolatile);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, VOLATILE.has(k) ? typeof v : withoutVolatile(v)]));
  }
  return value;
}

/** The same call in JSON and in CBOR: both answers, which must agree. */
async function both(operation: string, input: unknown): Promise<{ json: WireAnswer; cbor: WireAnswer }> {
  const json = await call("json", operation, input);
  const cbor = await call("cbor", operation, input);
  expect(cbor.contentType).toBe("application/x-amz-cbor-1.1");
  expect(json.contentType).toBe("application/x-amz-json-1.1");
  expect({ status: cbor.status, body: withoutVolatile(cbor.body) }, `${operation} ${JSON.stringify(input)}`).toEqual({
    status: json.status,
    body: withoutVolatile(json.body),
  });
  return { json, cbor };
}

beforeAll(async () => {
  server = await startTestServer();
  stream = uniqueStreamName("cbor");
  const created = await call("cbor", "CreateStream", { StreamName: stream, ShardCount: 3 });
  expect(created).toMatchObject({ status: 200, raw: Buffer.alloc(0) });
});
afterAll(async () => server?.close());

describe("AWS CBOR 1.1, as the Java SDK and KCL speak it", () => {
  it("answers every implemented operation in CBOR exactly as it answers in JSON", async () => {
    await both("DescribeStream", { StreamName: stream });
    await both("DescribeStreamSummary", { StreamName: stream });
    await both("ListStreams", { Limit: 100 });
    await both("ListShards", { StreamName: stream, MaxResults: 2 });
    await both("ListShards", { StreamName: stream, ShardFilter: { Type: "AT_TIMESTAMP", Timestamp: new Date(Date.now() - 60_000) } });
    const put = await call("cbor", "PutRecord", { StreamName: stream, PartitionKey: "k", Data: new Uint8Array([0, 1, 255]), ExplicitHashKey: "0" });
    expect(put.body).toMatchObject({ ShardId: "shardId-000000000000", SequenceNumber: expect.stringMatching(/^\d{56}$/) });
    const { cbor: iterator } = await both("GetShardIterator", {
      StreamName: stream,
      ShardId: "shardId-000000000000",
      ShardIteratorType: "AT_TIMESTAMP",
      Timestamp: new Date(Date.now() - 60_000),
    });
    const { cbor: records } = await both("GetRecords", { ShardIterator: iterator.body.ShardIterator });
    expect(records.body.Records).toEqual([
      { SequenceNumber: put.body.SequenceNumber, ApproximateArrivalTimestamp: expect.any(Number), Data: "AAH/", PartitionKey: "k" },
    ]);
    // Errors: the same __type and message in both formats.
    await both("DescribeStream", { StreamName: "no-such-stream" });
    await both("DescribeStream", { StreamName: "bad name!" });
    await both("PutRecords", { StreamName: stream, Records: [] });
    await both("GetRecords", { ShardIterator: "forged" });
    await both("CreateStream", { StreamName: stream, ShardCount: 1 });
    await both("NoSuchOperation", {});
    const deleted = uniqueStreamName("cbor-del");
    await call("cbor", "CreateStream", { StreamName: deleted, ShardCount: 1 });
    expect(await call("cbor", "DeleteStream", { StreamName: deleted })).toMatchObject({ status: 200, raw: Buffer.alloc(0) });
  });

  it("writes timestamps as tag 1 holding integer epoch milliseconds, never a float", async () => {
    const answer = await call("cbor", "DescribeStreamSummary", { StreamName: stream });
    const at = answer.raw.indexOf(Buffer.from([0xc1]));
    expect(at).toBeGreaterThan(0);
    // 0x1b: an unsigned integer of 8 bytes; a float would be 0xfa/0xfb.
    expect(answer.raw[at + 1]).toBe(0x1b);
    expect(Number(answer.raw.readBigUInt64BE(at + 2))).toBe(Math.round(answer.body.StreamDescriptionSummary.StreamCreationTimestamp * 1000));
  });

  it("stores and returns any records identically through either format (property)", async () => {
    const record = fc.record(
      {
        Data: fc.uint8Array({ maxLength: 300 }),
        PartitionKey: fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }),
        ExplicitHashKey: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map(String),
      },
      { requiredKeys: ["Data", "PartitionKey"] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 30 }), async (records) => {
        const viaCbor = await call("cbor", "PutRecords", { StreamName: stream, Records: records });
        const viaJson = await call("json", "PutRecords", { StreamName: stream, Records: records });
        expect(viaCbor.status).toBe(200);
        expect(viaCbor.body.FailedRecordCount).toBe(0);
        expect(viaCbor.body.Records.map((r: { ShardId: string }) => r.ShardId)).toEqual(viaJson.body.Records.map((r: { ShardId: string }) => r.ShardId));

        // Read each shard from the first CBOR-written record on, through both formats with the
        // same iterator: the same records, and the data that was put, byte for byte.
        const firstSequenceOf = new Map<string, string>();
        viaCbor.body.Records.forEach((r: { ShardId: string; SequenceNumber: string }) => {
          if (!firstSequenceOf.has(r.ShardId)) firstSequenceOf.set(r.ShardId, r.SequenceNumber);
        });
        for (const [shardId, sequenceNumber] of firstSequenceOf) {
          const iterator = await call("cbor", "GetShardIterator", {
            StreamName: stream,
            ShardId: shardId,
            ShardIteratorType: "AT_SEQUENCE_NUMBER",
            StartingSequenceNumber: sequenceNumber,
          });
          const { cbor: read } = await both("GetRecords", { ShardIterator: iterator.body.ShardIterator, Limit: 10_000 });
          const expected = records.flatMap((r, i) => (viaCbor.body.Records[i].ShardId === shardId ? [r] : []));
          const readBack = read.body.Records.slice(0, expected.length);
          expect(readBack.map((r: { Data: string; PartitionKey: string }) => [r.Data, r.PartitionKey])).toEqual(
            expected.map((r) => [Buffer.from(r.Data).toString("base64"), r.PartitionKey]),
          );
        }
      }),
      { numRuns: 12 },
    );
  });

  it("gives SerializationException for CBOR values of the wrong type", async () => {
    const cases: [string, object, string][] = [
      ["DescribeStream", { StreamName: 5 }, "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String"],
      ["DescribeStream", { StreamName: new Uint8Array([1]) }, "class [B can not be converted to an String"],
      ["DescribeStream", { StreamName: [] }, "Start of list found where not expected"],
      ["DescribeStream", { StreamName: stream, Limit: "5" }, "class java.lang.String can not be converted to an Integer"],
      ["PutRecords", { StreamName: stream, Records: "x" }, "Expected list or null"],
      ["PutRecords", { StreamName: stream, Records: [new Uint8Array([1])] }, "Expected null"],
      ["PutRecord", { StreamName: stream, PartitionKey: "k", Data: true }, "class java.lang.Boolean can not be converted to a Blob"],
      [
        "GetShardIterator",
        { StreamName: stream, ShardId: "0", ShardIteratorType: "AT_TIMESTAMP", Timestamp: "x" },
        "class java.lang.String can not be converted to milliseconds since epoch",
      ],
    ];
    for (const [operation, input, message] of cases) {
      const answer = await call("cbor", operation, input);
      expect(answer, `${operation} ${String(Object.values(input)[0])}`).toMatchObject({
        status: 400,
        body: { __type: "SerializationException", Message: message },
      });
    }
    const notCbor = await wireCall(server, "cbor", "ListStreams", undefined, { body: Buffer.from([0xff, 0x00]) });
    expect(notCbor).toMatchObject({ status: 400, contentType: "application/x-amz-cbor-1.1", body: { __type: "SerializationException" } });
    const notAMap = await wireCall(server, "cbor", "ListStreams", undefined, { body: Buffer.from([0x83, 1, 2, 3]) });
    expect(notAMap.body).toEqual({ __type: "SerializationException" });
    // Refused before the endpoint (too large for any request): still answered in CBOR.
    const tooLarge = await wireCall(server, "cbor", "PutRecords", undefined, { body: Buffer.alloc(17 * 1024 * 1024, 0xa0) });
    expect(tooLarge).toMatchObject({ status: 413, contentType: "application/x-amz-cbor-1.1", body: { __type: "SerializationException" } });
  });

  it("reads what Jackson writes: indefinite-length maps and chunked strings, text where bytes belong", async () => {
    // {_ "StreamName": (_ "<first half>", "<second half>"), "Limit": 1} as Jackson streams it.
    const half = Math.floor(stream.length / 2);
    const text = (s: string): Buffer => Buffer.concat([Buffer.from([0x60 + s.length]), Buffer.from(s)]);
    const body = Buffer.concat([
      Buffer.from([0xbf]),
      text("StreamName"),
      Buffer.from([0x7f]),
      text(stream.slice(0, half)),
      text(stream.slice(half)),
      Buffer.from([0xff]),
      text("Limit"),
      Buffer.from([0x01]),
      Buffer.from([0xff]),
    ]);
    const answer = await wireCall(server, "cbor", "DescribeStream", undefined, { body });
    expect(answer.status).toBe(200);
    expect(answer.body.StreamDescription.StreamName).toBe(stream);
    expect(answer.body.StreamDescription.Shards).toHaveLength(1);

    // PutRecord with Data as a chunked byte string: (_ h'6869', h'21').
    const put = Buffer.concat([
      Buffer.from([0xa3]),
      text("StreamName"),
      text(stream),
      text("PartitionKey"),
      text("k"),
      text("Data"),
      Buffer.from([0x5f, 0x42, 0x68, 0x69, 0x41, 0x21, 0xff]),
    ]);
    const chunkedPut = await wireCall(server, "cbor", "PutRecord", undefined, { body: put });
    expect(chunkedPut).toMatchObject({ status: 200, body: { SequenceNumber: expect.any(String) } });
    const base64Data = await call("cbor", "PutRecord", { StreamName: stream, PartitionKey: "k", Data: "aGk=" });
    expect(base64Data.status).toBe(200);
    const iterator = await call("cbor", "GetShardIterator", {
      StreamName: stream,
      ShardId: chunkedPut.body.ShardId,
      ShardIteratorType: "AT_SEQUENCE_NUMBER",
      StartingSequenceNumber: chunkedPut.body.SequenceNumber,
    });
    const read = await call("cbor", "GetRecords", { ShardIterator: iterator.body.ShardIterator, Limit: 2 });
    expect(read.body.Records.map((r: { Data: string }) => Buffer.from(r.Data, "base64").toString())).toEqual(["hi!", "hi"]);
  });
});

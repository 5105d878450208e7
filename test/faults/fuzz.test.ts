import { decode as decodeCbor, encode as encodeCbor } from "cbor-x";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operations as model, shapes } from "../../src/kinesis/generated/model.js";
import type { RunningServer } from "../../src/server.js";
import { startTestServer } from "../support/server.js";
import { signedHeaders } from "../support/signing.js";

let server: RunningServer;
const OPERATIONS = Object.keys(model);

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

interface Reply {
  status: number;
  body: string;
  /** The error's __type, read in the reply's own format (JSON or CBOR). */
  type?: string;
}

async function post(target: string, body: Uint8Array | string, contentType = "application/x-amz-json-1.1"): Promise<Reply> {
  const response = await fetch(server.url, {
    method: "POST",
    headers: await signedHeaders(server.url, { "content-type": contentType, "x-amz-target": target }, body),
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const answerType = response.headers.get("content-type");
  const cbor = answerType === "application/x-amz-cbor-1.1";
  let type: string | undefined;
  if (answerType === null)
    type = /^<(\w+)/.exec(bytes.toString())?.[1]; // the front end's XML refusals
  else if (answerType === "application/json") type = (JSON.parse(bytes.toString()) as { Output: { __type: string } }).Output.__type.split("#")[1];
  else if (response.status >= 400) type = (cbor ? (decodeCbor(bytes) as { __type?: string }) : (JSON.parse(bytes.toString()) as { __type?: string })).__type;
  return { status: response.status, body: cbor ? `(cbor) ${type}` : bytes.toString(), type };
}

/** Anything but a server fault: a success, or an AWS error with its __type. */
function expectClientError(reply: Reply, what: string): void {
  expect(reply.status, `${what} → ${reply.status} ${reply.body.slice(0, 300)}`).toBeLessThan(500);
  if (reply.status >= 400 || reply.type !== undefined) expect(reply.type, what).toMatch(/^[A-Za-z]+$/);
}

/** The input members of an operation, from the model, and one member it does not have. */
function membersOf(operation: string): string[] {
  const input = (shapes as unknown as Record<string, { members?: Record<string, string> }>)[model[operation as keyof typeof model].input];
  return [...Object.keys(input?.members ?? {}), "NotAMember"];
}

// Values of every JSON type, and some that are valid for common members.
const jsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom("dGVzdA==", "stream-1", "shardId-000000000000", "AT_LATEST", "KMS", "ALL", "UNIFORM_SCALING"),
  fc.string({ maxLength: 300 }),
  fc.array(fc.oneof(fc.string(), fc.record({ Data: fc.jsonValue(), PartitionKey: fc.jsonValue() })), { maxLength: 3 }),
);
const call = fc
  .constantFrom(...OPERATIONS)
  .chain((operation) =>
    fc.record({ operation: fc.constant(operation), input: fc.dictionary(fc.constantFrom(...membersOf(operation)), jsonValue, { maxKeys: 6 }) }),
  );

describe("bad input never gets a server fault", () => {
  it("random bodies for every operation", async () => {
    await fc.assert(
      fc.asyncProperty(call, async ({ operation, input }) => {
        expectClientError(await post(`Kinesis_20131202.${operation}`, JSON.stringify(input)), `${operation} ${JSON.stringify(input).slice(0, 200)}`);
      }),
      { numRuns: 300 },
    );
  });

  it("broken bytes, odd targets and content types", async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.constant(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
      fc.string().map((s) => `{"StreamName":"${s}`),
      fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)),
    );
    const target = fc.oneof(
      fc.constantFrom(...OPERATIONS).map((op) => `Kinesis_20131202.${op}`),
      fc.string({ maxLength: 40 }),
      fc.constant("Kinesis_20131202."),
    );
    const contentType = fc.constantFrom("application/x-amz-json-1.1", "application/json", "text/plain", "application/x-amz-json-1.1; charset=utf-8", "");
    await fc.assert(
      fc.asyncProperty(target, bytes, contentType, async (t, b, c) => {
        expectClientError(await post(t, b, c), `${t} ${c}`);
      }),
      { numRuns: 300 },
    );
  });

  it("random CBOR bodies, valid CBOR of the wrong shapes and broken CBOR", async () => {
    const CBOR = "application/x-amz-cbor-1.1";
    const value = fc.oneof(jsonValue, fc.uint8Array({ maxLength: 64 }), fc.date({ noInvalidDate: true }), fc.bigInt(), fc.double());
    const cborCall = fc
      .constantFrom(...OPERATIONS)
      .chain((operation) =>
        fc.record({ operation: fc.constant(operation), input: fc.dictionary(fc.constantFrom(...membersOf(operation)), value, { maxKeys: 6 }) }),
      );
    await fc.assert(
      fc.asyncProperty(cborCall, async ({ operation, input }) => {
        expectClientError(await post(`Kinesis_20131202.${operation}`, encodeCbor(input), CBOR), `CBOR ${operation}`);
      }),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...OPERATIONS), fc.uint8Array({ maxLength: 200 }), async (operation, bytes) => {
        expectClientError(await post(`Kinesis_20131202.${operation}`, bytes, CBOR), `CBOR bytes ${operation}`);
      }),
      { numRuns: 200 },
    );
  });

  it("deep nesting, huge strings, wrong types in every member", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    expectClientError(await post("Kinesis_20131202.PutRecords", `{"Records":${deep}}`), "deep nesting");
    expectClientError(await post("Kinesis_20131202.DescribeStream", JSON.stringify({ StreamName: "x".repeat(5 * 1024 * 1024) })), "huge string");
    expectClientError(
      await post("Kinesis_20131202.PutRecord", JSON.stringify({ StreamName: "s", PartitionKey: "k", Data: "!".repeat(100_000) })),
      "bad base64",
    );
    for (const operation of OPERATIONS) {
      for (const wrong of [1, true, "x", [], {}, null, 1e308, -1]) {
        const input = Object.fromEntries(
          ["StreamName", "StreamARN", "ShardId", "Records", "Limit", "Tags", "ShardFilter", "ConsumerARN", "Policy"].map((m) => [m, wrong]),
        );
        expectClientError(await post(`Kinesis_20131202.${operation}`, JSON.stringify(input)), `${operation} ${JSON.stringify(wrong)}`);
      }
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { CBOR_SERIALIZATION, CBOR_UNKNOWN_OPERATION, expectAnswer, rawRequest, xmlError, type RawRequest } from "../support/raw-http.js";
import { startTestServer } from "../support/server.js";

/**
 * How Kinesis answers by method, content type, body and signature before it looks at an
 * operation: the cases kinesalite's suite asserts against the real service (statuses, content
 * types, bodies byte for byte, Content-Length, x-amzn-RequestId, a 64–80 byte x-amz-id-2).
 * No access keys are configured here: the signature's presence and syntax are checked anyway.
 */
let server: RunningServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

const send = (request: RawRequest) => rawRequest(server.url, request);
const JSON_11 = "application/x-amz-json-1.1";
const CBOR_11 = "application/x-amz-cbor-1.1";
const LIST_STREAMS = "Kinesis_20131202.ListStreams";
const ACCESS_DENIED = xmlError("AccessDeniedException", "Unable to determine service/operation name to be authorized");
const MISSING = JSON.stringify({ __type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" });
const incomplete = (message: string) => JSON.stringify({ __type: "IncompleteSignatureException", message });
const ALL_HEADER_PARTS =
  "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
  "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
const ALL_QUERY_PARTS =
  "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Credential'. " +
  "AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. " +
  "AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.";

describe("before the operation: method, content type and body", () => {
  it("refuses every method but POST with 403 AccessDeniedException in XML, without a content type", async () => {
    for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
      expectAnswer(await send({ method, sign: true }), 403, undefined, ACCESS_DENIED);
      expectAnswer(await send({ method, path: "/some/path" }), 403, undefined, ACCESS_DENIED);
    }
    expectAnswer(await send({ method: "OPTIONS" }), 403, undefined, ACCESS_DENIED);
    // Our own routes stay.
    expect((await send({ method: "GET", path: "/health/live" })).status).toBe(200);
    expect((await send({ method: "GET", path: "/metrics" })).status).toBe(200);
  });

  it("answers an empty body in CBOR unless the content type is JSON 1.1: unknown operation, or serialization for a known one", async () => {
    expectAnswer(await send({}), 400, CBOR_11, CBOR_UNKNOWN_OPERATION);
    expectAnswer(await send({ sign: true }), 400, CBOR_11, CBOR_UNKNOWN_OPERATION);
    for (const contentType of ["application/x-amz-json-1.0", "application/x-amz-json-1.1asdf", "application/json"]) {
      expectAnswer(await send({ headers: { "content-type": contentType }, sign: true }), 400, CBOR_11, CBOR_UNKNOWN_OPERATION);
    }
    for (const target of ["Whatever", "Kinesis_20131202.", "Kinesis_20131202.Whatever", "Whatever.Whatever", "Kinesis_20131202.ListStream"]) {
      expectAnswer(await send({ headers: { "x-amz-target": target }, sign: true }), 400, CBOR_11, CBOR_UNKNOWN_OPERATION);
    }
    expectAnswer(await send({ headers: { "x-amz-target": LIST_STREAMS }, sign: true }), 400, CBOR_11, CBOR_SERIALIZATION);
    expectAnswer(await send({ headers: { "content-type": "application/json", "x-amz-target": LIST_STREAMS }, sign: true }), 400, CBOR_11, CBOR_SERIALIZATION);
    expectAnswer(await send({ headers: { "content-type": CBOR_11, "x-amz-target": LIST_STREAMS } }), 400, CBOR_11, CBOR_SERIALIZATION);

    // In JSON 1.1, signed or not: the signature is not looked at for an empty body.
    for (const sign of [true, false]) {
      expectAnswer(await send({ headers: { "content-type": JSON_11 }, sign }), 400, JSON_11, '{"__type":"UnknownOperationException"}');
      expectAnswer(
        await send({ headers: { "content-type": JSON_11, "x-amz-target": LIST_STREAMS }, sign }),
        400,
        JSON_11,
        '{"__type":"SerializationException"}',
      );
    }
  });

  it("refuses a body in no content type it speaks: 403 without a target, 404 <UnknownOperationException/> with one", async () => {
    expectAnswer(await send({ body: "{}", sign: true }), 403, undefined, ACCESS_DENIED);
    expectAnswer(await send({ headers: { "content-type": "application/x-www-form-urlencoded" }, body: "{}", sign: true }), 403, undefined, ACCESS_DENIED);
    expectAnswer(await send({ headers: { "x-amz-target": "Kinesis_20131202." }, body: "{}" }), 403, undefined, ACCESS_DENIED);
    const withTarget = { "content-type": "application/x-amz-json-1.0", "x-amz-target": LIST_STREAMS };
    expectAnswer(await send({ headers: withTarget, body: "{}", sign: true }), 404, undefined, "<UnknownOperationException/>\n");
  });

  it("answers application/json with the old Coral envelope and runs nothing", async () => {
    const unknown = '{"Output":{"__type":"com.amazon.coral.service#UnknownOperationException","message":null},"Version":"1.0"}';
    const serialization = '{"Output":{"__type":"com.amazon.coral.service#SerializationException","Message":null},"Version":"1.0"}';
    expectAnswer(await send({ headers: { "content-type": "application/json", "x-amz-target": LIST_STREAMS }, body: "{}" }), 200, "application/json", unknown);
    expectAnswer(
      await send({ headers: { "content-type": "application/json", "x-amz-target": LIST_STREAMS }, body: "hello" }),
      200,
      "application/json",
      serialization,
    );
    const spaced = { "content-type": "     application/json     ;", "x-amz-target": LIST_STREAMS };
    expectAnswer(await send({ headers: spaced, body: "hello" }), 200, "application/json", serialization);
    const create = { "content-type": "application/json", "x-amz-target": "Kinesis_20131202.CreateStream" };
    expectAnswer(
      await send({ headers: create, body: JSON.stringify({ StreamName: "never-made", ShardCount: 1 }), sign: true }),
      200,
      "application/json",
      unknown,
    );
    const listed = await send({ headers: { "content-type": JSON_11, "x-amz-target": LIST_STREAMS }, body: "{}", sign: true });
    expect(JSON.parse(listed.body.toString()).StreamNames).not.toContain("never-made");
  });

  it("parses before it looks at the signature: a malformed JSON 1.1 body is a SerializationException, signed or not", async () => {
    expectAnswer(
      await send({ headers: { "content-type": JSON_11, "x-amz-target": LIST_STREAMS }, body: "hello" }),
      400,
      JSON_11,
      '{"__type":"SerializationException"}',
    );
    expectAnswer(
      await send({ headers: { "content-type": JSON_11, "x-amz-target": "Nope.Nope" }, body: "{}" }),
      400,
      JSON_11,
      '{"__type":"UnknownOperationException"}',
    );
  });
});

describe("signatures are always looked at (no keys configured)", () => {
  const listStreams = { "content-type": JSON_11, "x-amz-target": LIST_STREAMS };

  it("refuses a request with no signature, in the protocol of the request", async () => {
    expectAnswer(await send({ headers: listStreams, body: "{}" }), 400, JSON_11, MISSING);
    expectAnswer(await send({ headers: { ...listStreams, "content-type": "   application/x-amz-json-1.1   ;whatever" }, body: "{}" }), 400, JSON_11, MISSING);
    // Query parameters without X-Amz-Algorithm are no signature.
    const query = "/?X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=c&X-Amz-Date=d";
    expectAnswer(await send({ path: query, headers: listStreams, body: "{}" }), 400, JSON_11, MISSING);
    const cbor = await send({ headers: { "content-type": CBOR_11, "x-amz-target": LIST_STREAMS }, body: Buffer.from([0xa0]) });
    expect(cbor.status).toBe(400);
    expect(cbor.headers["content-type"]).toBe(CBOR_11);
    expect(cbor.body.toString("latin1")).toContain("MissingAuthenticationTokenException");
  });

  it("names every missing part of an Authorization header, with spaces or commas between its parameters", async () => {
    expectAnswer(await send({ headers: { ...listStreams, authorization: "X" }, body: "{}" }), 400, JSON_11, incomplete(`${ALL_HEADER_PARTS}Authorization=X`));
    expectAnswer(
      await send({ path: "/?X-Amz-Algorith", headers: { ...listStreams, authorization: "X" }, body: "{}" }),
      400,
      JSON_11,
      incomplete(`${ALL_HEADER_PARTS}Authorization=X`),
    );
    for (const authorization of ["AWS4- Signature=b Credential=a", "AWS4- Signature=b,Credential=a", "AWS4- Signature=b, Credential=a"]) {
      expectAnswer(
        await send({ headers: { ...listStreams, authorization, date: "a" }, body: "{}" }),
        400,
        JSON_11,
        incomplete(`Authorization header requires 'SignedHeaders' parameter. Authorization=${authorization}`),
      );
    }
    const noEquals = "AWS4-HMAC-SHA256 Signature=b,    Credential,    SignedHeaders";
    expectAnswer(
      await send({ headers: { ...listStreams, authorization: noEquals, date: "a" }, body: "{}" }),
      400,
      JSON_11,
      incomplete(`'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: '${noEquals}'.`),
    );
  });

  it("names every missing (or empty) query parameter of a presigned request, and refuses both kinds at once", async () => {
    expectAnswer(await send({ path: "/?X-Amz-Algorithm", headers: listStreams, body: "{}" }), 400, JSON_11, incomplete(ALL_QUERY_PARTS));
    expectAnswer(
      await send({ path: "/?X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d", headers: listStreams, body: "{}" }),
      400,
      JSON_11,
      incomplete("AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters."),
    );
    expectAnswer(
      await send({ path: "/?X-Amz-Algorithm", headers: { ...listStreams, authorization: "X" }, body: "{}" }),
      400,
      JSON_11,
      JSON.stringify({
        __type: "InvalidSignatureException",
        message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
      }),
    );
  });

  it("checks the syntax of a complete signature but verifies nothing without keys", async () => {
    const complete = (credential: string, algorithm = "AWS4-HMAC-SHA256") =>
      `${algorithm} Credential=${credential}, SignedHeaders=host;x-amz-date, Signature=0123456789abcdef`;
    const at = { "x-amz-date": "20150830T123600Z" };
    expectAnswer(
      await send({
        headers: { ...listStreams, ...at, authorization: complete("AKID/20150830/us-east-1/kinesis/aws4_request", "AWS4-HMAC-SHA25") },
        body: "{}",
      }),
      400,
      JSON_11,
      incomplete("Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). "),
    );
    expectAnswer(
      await send({ headers: { ...listStreams, ...at, authorization: complete("AKID/20150830/us-east-1/kinesis") }, body: "{}" }),
      400,
      JSON_11,
      incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKID/20150830/us-east-1/kinesis'"),
    );
    expectAnswer(
      await send({
        headers: { ...listStreams, "x-amz-date": "2015/08/30", authorization: complete("AKID/20150830/us-east-1/kinesis/aws4_request") },
        body: "{}",
      }),
      400,
      JSON_11,
      incomplete("Date must be in ISO-8601 'basic format'. Got '2015/08/30'. See http://en.wikipedia.org/wiki/ISO_8601"),
    );
    // Well formed, years old, another region, a made-up signature: fine without keys to check it against.
    const ok = await send({ headers: { ...listStreams, ...at, authorization: complete("AKID/20150830/eu-west-9/kinesis/aws4_request") }, body: "{}" });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body.toString())).toMatchObject({ HasMoreStreams: false });
  });
});

describe("CORS, for the AWS SDK in a browser", () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

  it("answers a preflight with 200, echoing what it asks for, with no host id, body or content type", async () => {
    for (const sign of [false, true]) {
      const preflight = await send({ method: "OPTIONS", headers: { origin: "whatever" }, sign });
      expect(preflight.status).toBe(200);
      expect(preflight.headers).toMatchObject({ "access-control-allow-origin": "*", "access-control-max-age": "172800", "content-length": "0" });
      expect(preflight.headers["x-amzn-requestid"]).toMatch(UUID);
      expect(preflight.headers).not.toHaveProperty("x-amz-id-2");
      expect(preflight.headers).not.toHaveProperty("content-type");
      expect(preflight.headers).not.toHaveProperty("access-control-allow-headers");
      expect(preflight.body.length).toBe(0);
    }
    const asking = await send({
      method: "OPTIONS",
      headers: { origin: "whatever", "access-control-request-headers": "a, b, c", "access-control-request-method": "d" },
    });
    expect(asking.status).toBe(200);
    expect(asking.headers).toMatchObject({
      "access-control-allow-headers": "a, b, c",
      "access-control-allow-methods": "d",
      "access-control-max-age": "172800",
    });
    // The preflight of the JavaScript SDK in Chromium, as the browser sends it.
    const sdk = await send({
      method: "OPTIONS",
      headers: {
        origin: "http://localhost:5173",
        "access-control-request-method": "POST",
        "access-control-request-headers":
          "amz-sdk-invocation-id,amz-sdk-request,authorization,content-type,x-amz-content-sha256,x-amz-date,x-amz-target,x-amz-user-agent",
        "sec-fetch-mode": "cors",
      },
    });
    expect(sdk.status).toBe(200);
    expect(sdk.headers["access-control-allow-headers"]).toBe(
      "amz-sdk-invocation-id,amz-sdk-request,authorization,content-type,x-amz-content-sha256,x-amz-date,x-amz-target,x-amz-user-agent",
    );
    expect(sdk.headers["access-control-allow-methods"]).toBe("POST");
  });

  it("lets the page read every answer to a request with an Origin, errors and successes alike", async () => {
    const exposed = "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date";
    const unknown = await send({ headers: { origin: "whatever" } });
    expectAnswer(unknown, 400, CBOR_11, CBOR_UNKNOWN_OPERATION);
    expect(unknown.headers).toMatchObject({ "access-control-allow-origin": "*", "access-control-expose-headers": exposed });
    const denied = await send({ method: "GET", headers: { origin: "whatever" } });
    expect(denied.status).toBe(403);
    expect(denied.headers).toMatchObject({ "access-control-allow-origin": "*", "access-control-expose-headers": exposed });
    const listed = await send({ headers: { origin: "whatever", "content-type": JSON_11, "x-amz-target": LIST_STREAMS }, body: "{}", sign: true });
    expect(listed.status).toBe(200);
    expect(listed.headers).toMatchObject({ "access-control-allow-origin": "*", "access-control-expose-headers": exposed });
    // Without an Origin, none of it.
    expect((await send({ headers: { "content-type": JSON_11, "x-amz-target": LIST_STREAMS }, body: "{}", sign: true })).headers).not.toHaveProperty(
      "access-control-allow-origin",
    );
  });
});

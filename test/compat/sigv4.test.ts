import { execFile } from "node:child_process";
import http from "node:http";
import http2 from "node:http2";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListStreamsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { cbor } from "@smithy/core/cbor";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, uniqueStreamName } from "../support/server.js";
import { signedHeaders } from "../support/signing.js";

const KEYS = {
  admin: { accessKeyId: "AKIDADMIN", secretAccessKey: "admin-secret" },
  reader: { accessKeyId: "AKIDREADER", secretAccessKey: "reader-secret" },
  orders: { accessKeyId: "AKIDORDERS", secretAccessKey: "orders-secret" },
  inline: { accessKeyId: "AKIDINLINE", secretAccessKey: "inline-secret" },
};
const MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const SKEWED = /^Signature expired: (\d{8}T\d{6}Z) is now earlier than (\d{8}T\d{6}Z) \((\d{8}T\d{6}Z) - 5 min\.\)$/;

let dir: string;
let server: RunningServer;
const clients: KinesisClient[] = [];

function client(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, extra: object = {}): KinesisClient {
  const kinesis = new KinesisClient({ endpoint: server.url, region: "us-east-1", credentials, maxAttempts: 1, ...extra });
  clients.push(kinesis);
  return kinesis;
}

/** What the admin reads back from a stream: proof of what was (not) written. */
async function readBack(stream: string): Promise<string[]> {
  const admin = client(KEYS.admin);
  const { StreamDescription } = await admin.send(new DescribeStreamCommand({ StreamName: stream }));
  const data: string[] = [];
  for (const shard of StreamDescription!.Shards!) {
    const { ShardIterator } = await admin.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: "TRIM_HORIZON" }));
    const { Records } = await admin.send(new GetRecordsCommand({ ShardIterator }));
    data.push(...(Records ?? []).map((r) => Buffer.from(r.Data!).toString()));
  }
  return data;
}

async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error("expected the request to fail");
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kinesis-keys-"));
  const file = join(dir, "keys.json");
  writeFileSync(
    file,
    JSON.stringify({
      accessKeys: [
        { ...KEYS.admin, user: "admin" },
        { ...KEYS.reader, user: "reader", access: "read-only" },
        { ...KEYS.orders, user: "orders-writer", streamPrefixes: ["orders-"] },
      ],
    }),
  );
  server = await startTestServer({
    credentialsFile: file,
    credentials: `${KEYS.inline.accessKeyId}:${KEYS.inline.secretAccessKey}`,
    accountId: "123456789012",
  });
});
afterAll(async () => {
  for (const kinesis of clients) kinesis.destroy();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("SigV4 verification with @aws-sdk/client-kinesis", () => {
  it("accepts requests signed with a configured key, from the file or the environment", async () => {
    const stream = uniqueStreamName("signed");
    await client(KEYS.admin).send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    await client(KEYS.inline).send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("signed") }));
    expect(await readBack(stream)).toEqual(["signed"]);
  });

  it("refuses a wrong secret, an unknown key and a session token, and writes nothing", async () => {
    const stream = uniqueStreamName("refused");
    await client(KEYS.admin).send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const put = (credentials: Parameters<typeof client>[0]) =>
      failure(client(credentials).send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("must not land") })));

    const wrongSecret = await put({ accessKeyId: KEYS.admin.accessKeyId, secretAccessKey: "not-the-secret" });
    expect(wrongSecret).toMatchObject({ name: "InvalidSignatureException", status: 400 });
    expect(wrongSecret.message.startsWith(`${MISMATCH}\n\nThe Canonical String for this request should have been\n'POST\n/\n\n`)).toBe(true);
    expect(wrongSecret.message).toMatch(
      /\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/us-east-1\/kinesis\/aws4_request\n[0-9a-f]{64}'\n$/,
    );
    expect(wrongSecret.message).toContain("x-amz-target:Kinesis_20131202.PutRecord\n");

    for (const credentials of [
      { accessKeyId: "AKIDNOBODY", secretAccessKey: "whatever" },
      { ...KEYS.admin, sessionToken: "FwoGZXIvYXdzE" },
    ]) {
      expect(await put(credentials)).toEqual({
        name: "UnrecognizedClientException",
        message: "The security token included in the request is invalid.",
        status: 400,
      });
    }
    expect(await readBack(stream)).toEqual([]);
  });

  it("refuses a body changed after signing", async () => {
    const stream = uniqueStreamName("tampered");
    await client(KEYS.admin).send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const tampering = client(KEYS.admin);
    // After the signer (finalizeRequest), before the wire: swap the record's data.
    tampering.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as HttpRequest;
        const sent = typeof request.body === "string" ? request.body : new TextDecoder().decode(request.body as Uint8Array);
        request.body = sent.replace(Buffer.from("honest").toString("base64"), Buffer.from("forged").toString("base64"));
        return next(args);
      },
      { step: "deserialize", name: "tamperAfterSigning" },
    );
    const refused = await failure(tampering.send(new PutRecordsCommand({ StreamName: stream, Records: [{ PartitionKey: "k", Data: Buffer.from("honest") }] })));
    expect(refused.name).toBe("InvalidSignatureException");
    expect(refused.message.startsWith(MISMATCH)).toBe(true);
    expect(await readBack(stream)).toEqual([]);
  });

  it("refuses signatures dated more than 5 minutes from the server's clock, in the service's words", async () => {
    const stream = uniqueStreamName("skew");
    await client(KEYS.admin).send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const late = await failure(
      client(KEYS.admin, { systemClockOffset: -10 * 60_000 }).send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("old") })),
    );
    expect(late).toMatchObject({ name: "InvalidSignatureException", status: 400 });
    const [, signed, limit, now] = SKEWED.exec(late.message) ?? [];
    expect(signed! < limit! && limit! < now!).toBe(true);
    const early = await failure(client(KEYS.admin, { systemClockOffset: 10 * 60_000 }).send(new ListStreamsCommand({})));
    expect(early.message).toMatch(/^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 5 min\.\)$/);
    // Within the window is fine.
    await client(KEYS.admin, { systemClockOffset: -3 * 60_000 }).send(new ListStreamsCommand({}));
    expect(await readBack(stream)).toEqual([]);
  });

  it("limits keys to read-only operations and to stream-name prefixes, with the service's AccessDeniedException", async () => {
    const orders = uniqueStreamName("orders-");
    const other = uniqueStreamName("billing");
    const admin = client(KEYS.admin);
    await admin.send(new CreateStreamCommand({ StreamName: orders, ShardCount: 1 }));
    await admin.send(new CreateStreamCommand({ StreamName: other, ShardCount: 1 }));
    const arn = (name: string) => `arn:aws:kinesis:us-east-1:123456789012:stream/${name}`;
    const denied = (user: string, action: string, resource: string) => ({
      name: "AccessDeniedException",
      status: 400,
      message: `User: arn:aws:iam::123456789012:user/${user} is not authorized to perform: kinesis:${action} on resource: ${resource} because no identity-based policy allows the kinesis:${action} action`,
    });

    const reader = client(KEYS.reader);
    expect((await reader.send(new ListStreamsCommand({}))).StreamNames).toContain(orders);
    await reader.send(new DescribeStreamCommand({ StreamName: other }));
    expect(await failure(reader.send(new PutRecordCommand({ StreamName: other, PartitionKey: "k", Data: Buffer.from("x") })))).toEqual(
      denied("reader", "PutRecord", arn(other)),
    );
    expect(await failure(reader.send(new CreateStreamCommand({ StreamName: "new-one", ShardCount: 1 })))).toEqual(
      denied("reader", "CreateStream", arn("new-one")),
    );

    const ordersWriter = client(KEYS.orders);
    await ordersWriter.send(new PutRecordCommand({ StreamName: orders, PartitionKey: "k", Data: Buffer.from("order 1") }));
    expect(await failure(ordersWriter.send(new PutRecordCommand({ StreamARN: arn(other), PartitionKey: "k", Data: Buffer.from("x") })))).toEqual(
      denied("orders-writer", "PutRecord", arn(other)),
    );
    expect(await failure(ordersWriter.send(new DeleteStreamCommand({ StreamName: other })))).toEqual(denied("orders-writer", "DeleteStream", arn(other)));
    // An iterator of another stream, obtained by someone allowed to, does not open it either.
    const { ShardIterator } = await admin.send(
      new GetShardIteratorCommand({ StreamName: other, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }),
    );
    expect(await failure(ordersWriter.send(new GetRecordsCommand({ ShardIterator })))).toEqual(denied("orders-writer", "GetRecords", arn(other)));
    expect((await ordersWriter.send(new ListStreamsCommand({}))).StreamNames).toContain(other);

    expect(await readBack(orders)).toEqual(["order 1"]);
    expect(await readBack(other)).toEqual([]);
  });
});

describe("SigV4 on the wire", () => {
  const target = (operation: string) => ({ "content-type": "application/x-amz-json-1.1", "x-amz-target": `Kinesis_20131202.${operation}` });
  async function raw(headers: Record<string, string>, body: string, query = "") {
    const response = await fetch(server.url + "/" + query, { method: "POST", headers, body });
    const text = await response.text();
    return { status: response.status, json: (text ? JSON.parse(text) : undefined) as { __type?: string; message: string; ShardId?: string } | undefined };
  }

  /** A presigned POST made by the SDK's signer; x-amz-target stays a header, as Kinesis reads it there. */
  async function presigned(operation: string, body: string, options: { signingDate?: Date; expiresIn?: number; secret?: string } = {}) {
    const url = new URL(server.url);
    const signer = new SignatureV4({
      service: "kinesis",
      region: "us-east-1",
      credentials: { ...KEYS.admin, secretAccessKey: options.secret ?? KEYS.admin.secretAccessKey },
      sha256: Hash.bind(null, "sha256"),
    });
    const request = new HttpRequest({
      method: "POST",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: "/",
      headers: { host: url.host, ...target(operation) },
      body,
    });
    const signed = await signer.presign(request, {
      expiresIn: options.expiresIn ?? 60,
      signingDate: options.signingDate,
      unhoistableHeaders: new Set(["x-amz-target"]),
    });
    return "?" + new URLSearchParams(signed.query as Record<string, string>).toString();
  }

  it("answers unsigned and malformed requests like the service", async () => {
    expect(await raw(target("ListStreams"), "{}")).toEqual({
      status: 400,
      json: { __type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" },
    });
    const authorization = "AWS4-HMAC-SHA256 Credential=AKIDADMIN/20240101/us-east-1/kinesis/aws4_request";
    expect(await raw({ ...target("ListStreams"), authorization }, "{}")).toEqual({
      status: 400,
      json: {
        __type: "IncompleteSignatureException",
        message:
          "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. " +
          "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
          `Authorization=${authorization}`,
      },
    });
    expect(await raw(target("ListStreams"), "{}", "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20240101T000000Z")).toEqual({
      status: 400,
      json: {
        __type: "IncompleteSignatureException",
        message:
          "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. " +
          "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
      },
    });
    expect((await raw({ ...target("ListStreams"), authorization }, "{}", "?X-Amz-Algorithm=AWS4-HMAC-SHA256")).json).toEqual({
      __type: "InvalidSignatureException",
      message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    });
    // With keys configured the signature is looked at before the body is read, so an unsigned
    // malformed body gets MissingAuthenticationToken (Kinesis, which parses first, says SerializationException).
    expect((await raw(target("ListStreams"), "{oops")).json).toEqual({
      __type: "MissingAuthenticationTokenException",
      message: "Missing Authentication Token",
    });
  });

  /** An Authorization header made by hand for the admin key, dated now: good in form, with a made-up signature. */
  function handMade(options: { scope?: string; signedHeaders?: string } = {}) {
    const date = new Date()
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d{3}/, "");
    const scope = options.scope ?? `${date.slice(0, 8)}/us-east-1/kinesis/aws4_request`;
    const authorization = `AWS4-HMAC-SHA256 Credential=AKIDADMIN/${scope}, SignedHeaders=${options.signedHeaders ?? "host;x-amz-date;x-amz-target"}, Signature=${"0".repeat(64)}`;
    return { "x-amz-date": date, authorization };
  }

  it("refuses a signature that leaves host or X-Amz-Target unsigned, and says everything wrong with a scope at once", async () => {
    expect((await raw({ ...target("ListStreams"), ...handMade({ signedHeaders: "x-amz-date;x-amz-target" }) }, "{}")).json).toEqual({
      __type: "InvalidSignatureException",
      message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    });
    expect((await raw({ ...target("ListStreams"), ...handMade({ signedHeaders: "host;x-amz-date" }) }, "{}")).json).toEqual({
      __type: "InvalidSignatureException",
      message: "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.",
    });
    const headers = handMade({ scope: "20150830/eu-west-9/s3/aws5_request" });
    expect((await raw({ ...target("ListStreams"), ...headers }, "{}")).json).toEqual({
      __type: "InvalidSignatureException",
      message:
        "Credential should be scoped to a valid region, not 'eu-west-9'. Credential should be scoped to correct service: 'kinesis'. " +
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. " +
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150830' != '${headers["x-amz-date"].slice(0, 8)}', from '${headers["x-amz-date"]}'.`,
    });
  });

  it("does not let a captured signed request be re-targeted at another operation", async () => {
    const stream = uniqueStreamName("retarget");
    await client(KEYS.admin).send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const body = JSON.stringify({ StreamName: stream });
    // A DescribeStreamSummary whose signer left X-Amz-Target out, sent on as a DeleteStream.
    const captured = await signedHeaders(server.url, target("DescribeStreamSummary"), body, { credentials: KEYS.admin, unsignedHeaders: ["x-amz-target"] });
    expect(await raw({ ...captured, "x-amz-target": "Kinesis_20131202.DeleteStream" }, body)).toEqual({
      status: 400,
      json: { __type: "InvalidSignatureException", message: "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization." },
    });
    // Signed as every SDK signs it, the target is part of the signature.
    const signed = await signedHeaders(server.url, target("DescribeStreamSummary"), body, { credentials: KEYS.admin });
    const retargeted = await raw({ ...signed, "x-amz-target": "Kinesis_20131202.DeleteStream" }, body);
    expect(retargeted.json?.__type).toBe("InvalidSignatureException");
    expect(retargeted.json?.message.startsWith(MISMATCH)).toBe(true);
    expect((await raw(signed, body)).json).toMatchObject({ StreamDescriptionSummary: { StreamName: stream, StreamStatus: "ACTIVE" } });
  });

  it("refuses an unsigned or unknown caller from the headers, before reading a body it announced", async () => {
    const announced = 15 * 1024 * 1024;
    const stranger = { ...target("PutRecords"), ...handMade(), authorization: handMade().authorization.replace("AKIDADMIN", "AKIDNOBODY") };
    for (const [headers, refusal] of [
      [target("PutRecords"), "MissingAuthenticationTokenException"],
      [stranger, "UnrecognizedClientException"],
    ] as const) {
      // HTTP/1.1: the answer arrives while 1 KiB of the 15 MiB body has been sent.
      const answer = await new Promise<{ status: number; json: { __type: string } }>((resolve, reject) => {
        const request = http.request(server.url, { method: "POST", headers: { ...headers, "content-length": announced }, agent: false }, (response) => {
          let text = "";
          response.on("data", (chunk: Buffer) => (text += chunk));
          response.on("end", () => resolve({ status: response.statusCode!, json: JSON.parse(text) }));
        });
        request.on("error", reject);
        request.write(Buffer.alloc(1024, 0x20));
      });
      expect(answer).toMatchObject({ status: 400, json: { __type: refusal } });
    }
    // HTTP/2, in CBOR: the same, the stream answered with its body still open.
    const session = http2.connect(server.url);
    try {
      const answer = await new Promise<{ status: number; type?: string; body: Buffer }>((resolve, reject) => {
        const stream = session.request({
          ":method": "POST",
          ":path": "/",
          "content-type": "application/x-amz-cbor-1.1",
          "x-amz-target": "Kinesis_20131202.PutRecords",
          "content-length": String(announced),
        });
        const chunks: Buffer[] = [];
        let status = 0;
        let type: string | undefined;
        stream.on("response", (headers) => {
          status = Number(headers[":status"]);
          type = headers["content-type"] as string;
        });
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => resolve({ status, type, body: Buffer.concat(chunks) }));
        stream.on("error", reject);
        stream.write(Buffer.alloc(1024, 0xa0));
      });
      expect(answer.status).toBe(400);
      expect(answer.type).toBe("application/x-amz-cbor-1.1");
      expect(cbor.deserialize(answer.body)).toEqual({ __type: "MissingAuthenticationTokenException", message: "Missing Authentication Token" });
    } finally {
      session.destroy();
    }
  });

  it("accepts a presigned request (@smithy/signature-v4 presign) and refuses it expired or with another body", async () => {
    const stream = uniqueStreamName("presigned");
    const create = JSON.stringify({ StreamName: stream, ShardCount: 1 });
    expect(await raw(target("CreateStream"), create, await presigned("CreateStream", create))).toMatchObject({ status: 200 });

    const put = JSON.stringify({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("presigned").toString("base64") });
    const query = await presigned("PutRecord", put);
    expect((await raw(target("PutRecord"), put, query)).json?.ShardId).toBe("shardId-000000000000");
    const other = JSON.stringify({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("swapped").toString("base64") });
    const swapped = await raw(target("PutRecord"), other, query);
    expect(swapped.json?.__type).toBe("InvalidSignatureException");
    expect(swapped.json?.message.startsWith(MISMATCH)).toBe(true);

    const expired = await raw(target("PutRecord"), put, await presigned("PutRecord", put, { signingDate: new Date(Date.now() - 120_000), expiresIn: 60 }));
    expect(expired.json).toEqual({
      __type: "InvalidSignatureException",
      message: expect.stringMatching(/^Signature expired: \d{8}T\d{6}Z is now earlier than .* - 60 sec\.\)$/),
    });
    const wrongSecret = await raw(target("PutRecord"), put, await presigned("PutRecord", put, { secret: "guess" }));
    expect(wrongSecret.json?.__type).toBe("InvalidSignatureException");
    expect(await readBack(stream)).toEqual(["presigned"]);
  });
});

describe("SigV4 verification with botocore", () => {
  it("accepts boto3's signatures and SigV4QueryAuth presigned URLs, refuses a wrong secret and a changed body", async () => {
    const script = fileURLToPath(new URL("./python/sigv4_scenario.py", import.meta.url));
    const stream = uniqueStreamName("boto3-signed");
    const { stdout } = await promisify(execFile)(
      process.env.PYTHON ?? "python3",
      [script, server.url, stream, KEYS.admin.accessKeyId, KEYS.admin.secretAccessKey],
      {
        timeout: 30_000,
      },
    );
    const report = JSON.parse(stdout);
    expect(report.put).toBe("shardId-000000000000");
    expect(report.wrong_secret).toMatchObject({ code: "InvalidSignatureException", status: 400 });
    expect(report.wrong_secret.message.startsWith(MISMATCH)).toBe(true);
    expect(report.presigned).toEqual([200, { ShardId: "shardId-000000000000", SequenceNumber: expect.stringMatching(/^\d{56}$/) }]);
    expect(report.presigned_tampered[0]).toBe(400);
    expect(report.presigned_tampered[1].__type).toBe("InvalidSignatureException");
    expect(report.stored).toEqual(["boto3 signed", "presigned"]);
  });
});

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http2 from "node:http2";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CreateStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListStreamsCommand, PutRecordCommand } from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, TEST_CREDENTIALS, uniqueStreamName } from "../support/server.js";
import { signedHeaders } from "../support/signing.js";
import { encodeRequest } from "../support/wire-clients.js";

const run = promisify(execFile);
const PYTHON = process.env.PYTHON ?? "python3";

let dataDir: string;
let server: RunningServer;
let ca: Buffer;

/** The AWS SDK with its defaults (HTTP/2) over https, trusting the generated certificate. */
function tlsClient(url: string, trusted: Buffer | null = ca): KinesisClient {
  return new KinesisClient({
    endpoint: url,
    region: "us-east-1",
    credentials: TEST_CREDENTIALS,
    requestHandler: trusted ? { nodeHttp2ConnectOptions: { ca: trusted } } : undefined,
    maxAttempts: 1,
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "kinesis-tls-"));
  server = await startTestServer({ tls: true, tlsPort: 0, dataDir });
  ca = readFileSync(server.tlsCertPath!);
});
afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("the TLS listener", () => {
  it("generates a self-signed certificate for localhost in the data directory", () => {
    expect(server.tlsCertPath).toBe(join(dataDir, "tls", "localhost-cert.pem"));
    expect(server.tlsUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(ca.toString()).toContain("-----BEGIN CERTIFICATE-----");
  });

  it("serves the AWS SDK for JavaScript over HTTP/2 negotiated by ALPN", async () => {
    const kinesis = tlsClient(server.tlsUrl!.replace("127.0.0.1", "localhost"));
    try {
      const stream = uniqueStreamName("tls");
      await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
      const put = await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("over tls") }));
      const { ShardIterator } = await kinesis.send(
        new GetShardIteratorCommand({ StreamName: stream, ShardId: put.ShardId, ShardIteratorType: "TRIM_HORIZON" }),
      );
      const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
      expect(Records?.map((r) => Buffer.from(r.Data!).toString())).toEqual(["over tls"]);
    } finally {
      kinesis.destroy();
    }
  });

  it("agrees on h2 with clients that offer it and on HTTP/1.1 with those that do not, CBOR included", async () => {
    const session = http2.connect(server.tlsUrl!, { ca, servername: "localhost" });
    const cborHeaders = await signedHeaders(
      server.tlsUrl!,
      { "content-type": "application/x-amz-cbor-1.1", "x-amz-target": "Kinesis_20131202.ListStreams" },
      encodeRequest("cbor", {}),
    );
    const jsonHeaders = await signedHeaders(
      server.tlsUrl!,
      { "content-type": "application/x-amz-json-1.1", "x-amz-target": "Kinesis_20131202.ListStreams" },
      "{}",
    );
    try {
      const answer = await new Promise<{ status: number; contentType: string; body: Buffer }>((resolve, reject) => {
        const request = session.request({ ":method": "POST", ":path": "/", ...cborHeaders });
        const chunks: Buffer[] = [];
        let head: http2.IncomingHttpHeaders = {};
        request.on("response", (headers) => (head = headers));
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => resolve({ status: Number(head[":status"]), contentType: String(head["content-type"]), body: Buffer.concat(chunks) }));
        request.on("error", reject);
        request.end(encodeRequest("cbor", {}));
      });
      expect(session.alpnProtocol).toBe("h2");
      expect(answer).toMatchObject({ status: 200, contentType: "application/x-amz-cbor-1.1" });
    } finally {
      session.close();
    }

    // Node's https offers no ALPN: the server must fall back to HTTP/1.1.
    const http1 = await new Promise<{ status: number; protocol: string; body: string }>((resolve, reject) => {
      const request = https.request(
        server.tlsUrl!,
        {
          method: "POST",
          ca,
          servername: "localhost",
          headers: jsonHeaders,
        },
        (response) => {
          let body = "";
          response.on("data", (chunk: Buffer) => (body += chunk.toString()));
          response.on("end", () => resolve({ status: response.statusCode!, protocol: response.httpVersion, body }));
        },
      );
      request.on("error", reject);
      request.end("{}");
    });
    expect(http1).toMatchObject({ status: 200, protocol: "1.1" });
    expect(JSON.parse(http1.body)).toHaveProperty("StreamNames");
  });

  it("serves boto3 over https with the certificate as its CA bundle", async () => {
    const script = [
      "import boto3, json, sys",
      "c = boto3.client('kinesis', endpoint_url=sys.argv[1], region_name='us-east-1', verify=sys.argv[2],",
      "                 aws_access_key_id='AKIDTEST', aws_secret_access_key='test-secret')",
      "c.create_stream(StreamName=sys.argv[3], ShardCount=1)",
      "p = c.put_record(StreamName=sys.argv[3], PartitionKey='k', Data=b'boto3 over tls')",
      "it = c.get_shard_iterator(StreamName=sys.argv[3], ShardId=p['ShardId'], ShardIteratorType='TRIM_HORIZON')['ShardIterator']",
      "print(json.dumps([r['Data'].decode() for r in c.get_records(ShardIterator=it)['Records']]))",
    ].join("\n");
    const url = server.tlsUrl!.replace("127.0.0.1", "localhost");
    const { stdout } = await run(PYTHON, ["-c", script, url, server.tlsCertPath!, uniqueStreamName("boto3-tls")], { timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual(["boto3 over tls"]);
  });

  it("serves the AWS CLI over https with --ca-bundle", async () => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: "AKIDTEST", AWS_SECRET_ACCESS_KEY: "test-secret", AWS_DEFAULT_REGION: "us-east-1", AWS_PAGER: "" };
    const url = server.tlsUrl!.replace("127.0.0.1", "localhost");
    const { stdout } = await run("aws", ["--endpoint-url", url, "--ca-bundle", server.tlsCertPath!, "--output", "json", "kinesis", "list-streams"], {
      env,
      timeout: 30_000,
    });
    expect(JSON.parse(stdout)).toHaveProperty("StreamNames");
  });

  it("is a real certificate check: a client that does not trust it fails", async () => {
    const kinesis = tlsClient(server.tlsUrl!, null);
    try {
      await expect(kinesis.send(new ListStreamsCommand({}))).rejects.toThrow(/self-signed certificate/);
    } finally {
      kinesis.destroy();
    }
  });

  it("reuses the generated certificate after a restart, and takes given certificate files", async () => {
    const again = await startTestServer({ tls: true, tlsPort: 0, dataDir });
    try {
      expect(readFileSync(again.tlsCertPath!)).toEqual(ca);
    } finally {
      await again.close();
    }
    const given = await startTestServer({ tlsPort: 0, tlsCert: server.tlsCertPath, tlsKey: join(dataDir, "tls", "localhost-key.pem") });
    const kinesis = tlsClient(given.tlsUrl!);
    try {
      expect((await kinesis.send(new ListStreamsCommand({}))).StreamNames).toEqual([]);
    } finally {
      kinesis.destroy();
      await given.close();
    }
  });
});

import { randomBytes } from "node:crypto";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { Authenticator } from "kinesis-nats/http/auth/authenticator.js";
import { kinesisCbor as cborProtocol, kinesisJson as jsonProtocol } from "kinesis-nats/kinesis/model.js";
import type { WireProtocol } from "kinesis-nats/http/protocols/protocol.js";

/**
 * The per-request cost of the Java-world protocol pieces, in process (no network, no NATS):
 * writing a full GetRecords answer and reading a full PutRecords request in JSON and in CBOR,
 * and checking a SigV4 signature. Prints the median of several runs of each.
 */
const RUNS = 9;

function median(label: string, run: () => unknown, bytes?: number): void {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(RUNS / 2)]!;
  const rate = bytes === undefined ? "" : `${(bytes / 1024 / 1024 / (ms / 1000)).toFixed(0).padStart(6)} MiB/s`;
  console.log(`${label.padEnd(48)} ${ms.toFixed(2).padStart(9)} ms ${rate}`);
}

async function medianAsync(label: string, run: () => Promise<unknown>, repeat: number): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    for (let j = 0; j < repeat; j++) await run();
    times.push((performance.now() - started) / repeat);
  }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(48)} ${(times[Math.floor(RUNS / 2)]! * 1000).toFixed(0).padStart(9)} µs per request`);
}

function getRecordsOutput(records: number, size: number) {
  const data = randomBytes(size);
  const at = new Date();
  return {
    Records: Array.from({ length: records }, (_, i) => ({
      SequenceNumber: `4960${String(i).padStart(52, "0")}`,
      ApproximateArrivalTimestamp: at,
      Data: data,
      PartitionKey: `partition-key-${i}`,
    })),
    NextShardIterator: "A".repeat(232),
    MillisBehindLatest: 0,
  };
}

function putRecordsInput(records: number, size: number) {
  return { StreamName: "bench", Records: Array.from({ length: records }, (_, i) => ({ Data: randomBytes(size), PartitionKey: `partition-key-${i}` })) };
}

/** A CBOR item head: major type and length. */
function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length]);
  if (length < 256) return Buffer.from([(major << 5) | 24, length]);
  const bytes = Buffer.alloc(5);
  bytes[0] = (major << 5) | 26;
  bytes.writeUInt32BE(length, 1);
  return bytes;
}
const text = (s: string): Buffer => Buffer.concat([head(3, Buffer.byteLength(s)), Buffer.from(s)]);
/** An indefinite-length string of two chunks (0x5f/0x7f ... 0xff), as Jackson streams long ones. */
function chunked(major: 2 | 3, bytes: Buffer): Buffer {
  const half = bytes.length >> 1;
  return Buffer.concat([
    Buffer.from([(major << 5) | 31]),
    head(major, half),
    bytes.subarray(0, half),
    head(major, bytes.length - half),
    bytes.subarray(half),
    Buffer.from([0xff]),
  ]);
}

/** A PutRecords request whose data and partition keys are all indefinite-length strings. */
function chunkedPutRecords(input: ReturnType<typeof putRecordsInput>): Buffer {
  const records = input.Records.map((r) =>
    Buffer.concat([head(5, 2), text("Data"), chunked(2, r.Data), text("PartitionKey"), chunked(3, Buffer.from(r.PartitionKey))]),
  );
  return Buffer.concat([head(5, 2), text("StreamName"), text(input.StreamName), text("Records"), head(4, records.length), ...records]);
}

function readRequest(protocol: WireProtocol, body: Buffer): void {
  protocol.decodeInput("PutRecordsInput", protocol.parseBody(body));
}

async function signatureBench(body: Buffer, label: string): Promise<void> {
  const credentials = { accessKeyId: "AKIDBENCH", secretAccessKey: "bench-secret" };
  const signer = new SignatureV4({ service: "kinesis", region: "us-east-1", credentials, sha256: Hash.bind(null, "sha256") });
  const signed = await signer.sign(
    new HttpRequest({
      method: "POST",
      hostname: "127.0.0.1",
      path: "/",
      headers: { host: "127.0.0.1:4567", "content-type": jsonProtocol.contentType, "x-amz-target": "Kinesis_20131202.PutRecords" },
      body,
    }),
  );
  const authenticator = new Authenticator(new Map([[credentials.accessKeyId, { ...credentials, user: "bench", access: "read-write" as const }]]), {
    region: "us-east-1",
    accountId: "000000000000",
  });
  const call = { method: "POST", url: "/", headers: signed.headers, body };
  await medianAsync(label, () => authenticator.authenticate(call, "kinesis", Date.now()), 50);
}

export async function runProtocolBench(): Promise<void> {
  const output = getRecordsOutput(10_000, 1024);
  const jsonAnswer = jsonProtocol.encodeOutput("GetRecordsOutput", output);
  const cborAnswer = cborProtocol.encodeOutput("GetRecordsOutput", output);
  console.log(`GetRecords answer, 10,000 × 1 KiB: JSON ${(jsonAnswer.length / 1048576).toFixed(1)} MiB, CBOR ${(cborAnswer.length / 1048576).toFixed(1)} MiB`);
  median("write GetRecords answer, JSON", () => jsonProtocol.encodeOutput("GetRecordsOutput", output), jsonAnswer.length);
  median("write GetRecords answer, CBOR", () => cborProtocol.encodeOutput("GetRecordsOutput", output), cborAnswer.length);

  const input = putRecordsInput(500, 1024);
  const jsonRequest = Buffer.from(JSON.stringify({ ...input, Records: input.Records.map((r) => ({ ...r, Data: r.Data.toString("base64") })) }));
  const cborRequest = cborProtocol.encodeOutput("PutRecordsInput", input);
  // Long strings as Jackson may stream them (indefinite length): the cbor2 path.
  const chunkedRequest = chunkedPutRecords(input);
  median("read PutRecords request (500 × 1 KiB), JSON", () => readRequest(jsonProtocol, jsonRequest), jsonRequest.length);
  median("read PutRecords request (500 × 1 KiB), CBOR", () => readRequest(cborProtocol, cborRequest), cborRequest.length);
  median("read PutRecords request, CBOR chunked strings", () => readRequest(cborProtocol, chunkedRequest), chunkedRequest.length);

  await signatureBench(Buffer.from("{}"), "check SigV4 signature, empty body");
  await signatureBench(jsonRequest, "check SigV4 signature, 500 × 1 KiB PutRecords");
}

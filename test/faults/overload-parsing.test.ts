import { encode } from "cbor-x";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRequest } from "../support/raw-http.js";
import type { ServerProcess } from "../support/server-process.js";
import { spawnTarget, underAttack } from "./overload-probe.js";

let server: ServerProcess;

beforeAll(async () => {
  server = await spawnTarget();
});
afterAll(async () => server?.kill());

const JSON_HEADERS = { "content-type": "application/x-amz-json-1.1" };
const CBOR_HEADERS = { "content-type": "application/x-amz-cbor-1.1" };
const target = (operation: string) => ({ "x-amz-target": `Kinesis_20131202.${operation}` });

// The largest body let in (16 MiB) of `[[[[…]]]]`: JSON.parse took 3.9 s over 16.8 MB of it, blocking everything else.
const LARGEST = 16 * 1024 * 1024;
const DEEP_JSON = Buffer.concat([Buffer.alloc(LARGEST / 2, "["), Buffer.alloc(LARGEST / 2, "]")]);
// The same in CBOR: arrays of one element, 16 million deep.
const DEEP_CBOR = Buffer.concat([Buffer.alloc(LARGEST - 1, 0x81), Buffer.from([0xf6])]);

function hugeObject(members: number, value: (i: number) => unknown): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (let i = 0; i < members; i++) object[`k${i}`] = value(i);
  return object;
}
const MANY_KEYS = { StreamName: "any", ...hugeObject(900_000, (i) => i) };
const MANY_TAGS = { StreamName: "any", Tags: hugeObject(800_000, () => "v") };

/** Sends a body and returns what came back and how long it took, upload included. */
async function timed(headers: Record<string, string>, body: Buffer, sign = false): Promise<{ status: number; type?: string; ms: number }> {
  const started = performance.now();
  const answer = await rawRequest(server.url, { headers, body, sign });
  const ms = performance.now() - started;
  const type = answer.headers["content-type"]?.includes("json")
    ? (JSON.parse(answer.body.toString()) as { __type?: string }).__type
    : answer.body.includes(Buffer.from("SerializationException"))
      ? "SerializationException"
      : answer.body.toString("hex");
  return { status: answer.status, type, ms: Math.round(ms) };
}

describe("bodies too deep or too large to walk are refused before they are parsed", () => {
  it("16 MiB of nested JSON arrays: SerializationException, at once", async () => {
    const answer = await timed({ ...JSON_HEADERS, ...target("PutRecords") }, DEEP_JSON);
    console.log(`[overload] 16 MiB nested JSON arrays: ${JSON.stringify(answer)}`);
    expect(answer).toMatchObject({ status: 400, type: "SerializationException" });
    expect(answer.ms).toBeLessThan(1000);
  });

  it("16 MiB of nested CBOR arrays: SerializationException, at once", async () => {
    const answer = await timed({ ...CBOR_HEADERS, ...target("PutRecords") }, DEEP_CBOR);
    console.log(`[overload] 16 MiB nested CBOR arrays: ${JSON.stringify(answer)}`);
    expect(answer).toMatchObject({ status: 400, type: "SerializationException" });
    expect(answer.ms).toBeLessThan(1000);
  });

  it("a JSON object of 900,000 keys, and AddTagsToStream with 800,000 tags: SerializationException, at once", async () => {
    for (const [label, body] of [
      ["900,000 keys, JSON", Buffer.from(JSON.stringify(MANY_KEYS))],
      ["800,000 tags, JSON", Buffer.from(JSON.stringify(MANY_TAGS))],
    ] as const) {
      const answer = await timed({ ...JSON_HEADERS, ...target("AddTagsToStream") }, body);
      console.log(`[overload] ${label} (${body.length} bytes): ${JSON.stringify(answer)}`);
      expect(answer).toMatchObject({ status: 400, type: "SerializationException" });
      expect(answer.ms).toBeLessThan(1000);
    }
    for (const [label, body] of [
      ["900,000 keys, CBOR", Buffer.from(encode(MANY_KEYS))],
      ["800,000 tags, CBOR", Buffer.from(encode(MANY_TAGS))],
    ] as const) {
      const answer = await timed({ ...CBOR_HEADERS, ...target("AddTagsToStream") }, body);
      console.log(`[overload] ${label} (${body.length} bytes): ${JSON.stringify(answer)}`);
      expect(answer).toMatchObject({ status: 400, type: "SerializationException" });
      expect(answer.ms).toBeLessThan(1000);
    }
  });

  it("a body of the largest sizes a valid call has still gets the service's own answer", async () => {
    // 501 records: the model's limit is 500, so the validation of the parsed input answers.
    const records = Array.from({ length: 501 }, (_, i) => ({ Data: "AA==", PartitionKey: `k${i}` }));
    const answer = await timed({ ...JSON_HEADERS, ...target("PutRecords") }, Buffer.from(JSON.stringify({ StreamName: "any", Records: records })), true);
    expect(answer).toMatchObject({ status: 400, type: "ValidationException" });
  });

  it("four such bodies sent in a loop: the health probe stays responsive", { timeout: 40_000 }, async () => {
    const bodies: [Record<string, string>, Buffer][] = [
      [{ ...JSON_HEADERS, ...target("PutRecords") }, DEEP_JSON],
      [{ ...CBOR_HEADERS, ...target("PutRecords") }, DEEP_CBOR],
      [{ ...JSON_HEADERS, ...target("AddTagsToStream") }, Buffer.from(JSON.stringify(MANY_KEYS))],
      [{ ...JSON_HEADERS, ...target("AddTagsToStream") }, Buffer.from(JSON.stringify(MANY_TAGS))],
    ];
    let sent = 0;
    let refused = 0;
    const figures = await underAttack("four hostile bodies in a loop", server, 8_000, async (over) => {
      await Promise.all(
        bodies.map(async ([headers, body]) => {
          while (!over()) {
            const answer = await timed(headers, body);
            sent++;
            if (answer.status === 400 && answer.type === "SerializationException") refused++;
          }
        }),
      );
    });
    console.log(`[overload] four hostile bodies in a loop: ${sent} sent, ${refused} refused`);
    expect(refused).toBe(sent);
    expect(sent).toBeGreaterThan(20);
    expect(figures.healthP99Ms).toBeLessThan(1000);
    expect(figures.growthMb).toBeLessThan(300);
  });
});

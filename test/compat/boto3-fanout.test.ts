import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, uniqueStreamName } from "../support/server.js";

const run = promisify(execFile);
const PYTHON = process.env.PYTHON ?? "python3";
const SCRIPT = fileURLToPath(new URL("./python/boto3_fanout.py", import.meta.url));
let server: RunningServer;

beforeAll(async () => {
  // Subscriptions end after 2 s here (5 minutes on Kinesis) so the script sees whole ones.
  server = await startTestServer({ subscriptionMs: 2_000, subscriptionHeartbeatMs: 1_000 });
});
afterAll(async () => server?.close());

interface Event {
  records: { seq: string; data: string }[];
  continuation: string | null;
  behind: number;
}

const data = (events: Event[]): string[] => events.flatMap((e) => e.records.map((r) => r.data));
const range = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe("boto3 subscribe_to_shard (HTTP/1.1, chunked event stream)", () => {
  it("pushes records in order with continuations, resumes after the last one, refuses a second subscriber", async () => {
    const stream = uniqueStreamName("boto3-efo");
    const { stdout } = await run(PYTHON, [SCRIPT, server.url, stream], { timeout: 60_000 });
    const report = JSON.parse(stdout);

    expect(report.consumer_arn).toMatch(
      new RegExp(`^arn:aws:kinesis:us-east-1:000000000000:stream/${stream.replaceAll(".", "\\.")}/consumer/boto-app:\\d{10}$`),
    );
    expect(report.described).toBe("ACTIVE");
    expect(report.listed).toEqual(["boto-app"]);

    // LATEST: only what was written after subscribing, in order; each event's continuation is its last record.
    const first: Event[] = report.first;
    expect(data(first)).toEqual(range("a", 10));
    for (const event of first) {
      expect(event.continuation).toMatch(/^\d{56}$/);
      if (event.records.length > 0) expect(event.continuation).toBe(event.records[event.records.length - 1]!.seq);
      expect(event.behind).toBe(0);
    }
    const seqs = first.flatMap((e) => e.records.map((r) => BigInt(r.seq)));
    expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : 1)));

    // AFTER_SEQUENCE_NUMBER of the last continuation: exactly what came after, nothing lost or repeated.
    expect(data(report.second)).toEqual(range("b", 5));
    expect(data(report.third)).toEqual([...range("before", 3), ...range("a", 10), ...range("b", 5)]);

    const acct = "000000000000";
    expect(report.while_active).toEqual({
      code: "ResourceInUseException",
      message: `Another active subscription exists for this consumer: ${acct}:${stream}:shardId-000000000000:boto-app`,
    });
    expect(report.errors.unknown_consumer).toEqual({
      code: "ResourceNotFoundException",
      message: `Consumer nobody under stream ${stream} and account ${acct} not found.`,
    });
    expect(report.errors.delete_with_consumer).toMatchObject({ code: "ResourceInUseException", message: expect.stringContaining("EnforceConsumerDeletion") });
    expect(report.after_deregister).toMatchObject({ code: "ResourceNotFoundException" });
  });
});

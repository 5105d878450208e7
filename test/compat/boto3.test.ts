import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, uniqueStreamName } from "../support/server.js";

const run = promisify(execFile);
/** The Python with boto3: `python3` here; CI may point PYTHON at Debian's when it installed python3-boto3. */
const PYTHON = process.env.PYTHON ?? "python3";
const SCRIPT = fileURLToPath(new URL("./python/boto3_scenario.py", import.meta.url));
let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

interface Observed {
  seq: string;
  data: string;
  key: string;
  arrival: number;
}

describe("boto3 (HTTP/1.1)", () => {
  it("creates, writes, reads back through every iterator type, fails like Kinesis, deletes", async () => {
    const stream = uniqueStreamName("boto3");
    const { stdout } = await run(PYTHON, [SCRIPT, server.url, stream], { timeout: 60_000 });
    const report = JSON.parse(stdout);

    expect(report.status).toBe("ACTIVE");
    expect(report.shards).toEqual(["shardId-000000000000", "shardId-000000000001"]);
    expect(report.explicit.ShardId).toBe("shardId-000000000000");
    expect(report.batch.failed).toBe(0);
    expect(report.batch.records).toHaveLength(21);
    expect(report.batch.records[20].ShardId).toBe("shardId-000000000001");

    const all: Observed[] = [...report.trim_horizon["shardId-000000000000"], ...report.trim_horizon["shardId-000000000001"]];
    expect(all.map((r) => r.data).sort()).toEqual(["one", "two", ...Array.from({ length: 20 }, (_, i) => `batch-${i}`), "explicit-last"].sort());
    for (const shard of Object.values(report.trim_horizon) as Observed[][]) {
      const numbers = shard.map((r) => BigInt(r.seq));
      expect(numbers).toEqual([...numbers].sort((a, b) => (a < b ? -1 : 1)));
    }
    const shard0: Observed[] = report.trim_horizon["shardId-000000000000"];
    expect(report.at_sequence).toEqual(shard0);
    expect(report.after_sequence).toEqual(shard0.slice(1));
    expect(report.latest.map((r: Observed) => r.data)).toEqual(["late"]);
    expect(report.at_timestamp.map((r: Observed) => r.data)).toEqual(["late"]);

    const acct = "000000000000";
    expect(report.errors.unknown_stream).toEqual({
      code: "ResourceNotFoundException",
      status: 400,
      message: `Stream no-such-stream under account ${acct} not found.`,
    });
    expect(report.errors.bad_name).toEqual({
      code: "ValidationException",
      status: 400,
      message:
        "1 validation error detected: Value 'bad/name' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    });
    expect(report.errors.forged_iterator).toEqual({ code: "InvalidArgumentException", status: 400, message: "Invalid ShardIterator." });
    expect(report.errors.too_big).toMatchObject({
      code: "ValidationException",
      message: expect.stringContaining("Member must have length less than or equal to 1048576"),
    });
    expect(report.errors.too_many).toMatchObject({
      code: "ValidationException",
      message: expect.stringContaining("Member must have length less than or equal to 500"),
    });
    expect(report.errors.hash_key).toMatchObject({ code: "InvalidArgumentException", message: expect.stringContaining("Invalid ExplicitHashKey.") });
    expect(report.after_delete).toMatchObject({ code: "ResourceNotFoundException" });
  });
});

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, uniqueStreamName } from "../support/server.js";

const execute = promisify(execFile);
let server: RunningServer;

/** Runs `aws kinesis ...` against our endpoint; returns parsed JSON, or the error line of the CLI. */
async function aws(...args: string[]): Promise<{ json?: any; error?: string }> {
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: "AKIDTEST",
    AWS_SECRET_ACCESS_KEY: "test-secret",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_PAGER: "",
    AWS_MAX_ATTEMPTS: "1",
  };
  try {
    const { stdout } = await execute("aws", ["--endpoint-url", server.url, "--output", "json", "kinesis", ...args], { env, timeout: 30_000 });
    return { json: stdout.trim() ? JSON.parse(stdout) : undefined };
  } catch (failure) {
    const stderr = String((failure as { stderr?: string }).stderr ?? failure);
    return { error: stderr.trim().split("\n").pop() };
  }
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

describe("the AWS CLI (HTTP/1.1)", () => {
  // 15 runs of the CLI, each a Python start of about a second on a busy machine: more than the default 30 s.
  it("round-trips records and reports errors as Kinesis does", { timeout: 90_000 }, async () => {
    const stream = uniqueStreamName("cli");
    expect(await aws("create-stream", "--stream-name", stream, "--shard-count", "2")).toEqual({ json: undefined });
    const described = await aws("describe-stream-summary", "--stream-name", stream);
    expect(described.json.StreamDescriptionSummary).toMatchObject({ StreamName: stream, StreamStatus: "ACTIVE", OpenShardCount: 2 });

    // The CLI (v1) takes blobs as text and base64-encodes them itself, in --records too.
    const put = await aws("put-record", "--stream-name", stream, "--partition-key", "cli-key", "--data", "hello from the CLI");
    expect(put.json.SequenceNumber).toMatch(/^\d{56}$/);
    const explicit = await aws("put-record", "--stream-name", stream, "--partition-key", "k", "--explicit-hash-key", "0", "--data", "to shard zero");
    expect(explicit.json.ShardId).toBe("shardId-000000000000");
    const batch = await aws(
      "put-records",
      "--stream-name",
      stream,
      "--records",
      JSON.stringify([
        { PartitionKey: "a", Data: "one" },
        { PartitionKey: "b", Data: "two", ExplicitHashKey: "0" },
      ]),
    );
    expect(batch.json).toMatchObject({ FailedRecordCount: 0 });

    const iterator = await aws(
      "get-shard-iterator",
      "--stream-name",
      stream,
      "--shard-id",
      put.json.ShardId,
      "--shard-iterator-type",
      "AT_SEQUENCE_NUMBER",
      "--starting-sequence-number",
      put.json.SequenceNumber,
    );
    const records = await aws("get-records", "--shard-iterator", iterator.json.ShardIterator);
    expect(records.json.Records[0]).toMatchObject({ SequenceNumber: put.json.SequenceNumber, PartitionKey: "cli-key" });
    expect(Buffer.from(records.json.Records[0].Data, "base64").toString()).toBe("hello from the CLI");

    const zero = await aws("get-shard-iterator", "--stream-name", stream, "--shard-id", "shardId-000000000000", "--shard-iterator-type", "TRIM_HORIZON");
    const shardZero = await aws("get-records", "--shard-iterator", zero.json.ShardIterator);
    const texts = shardZero.json.Records.map((r: { Data: string }) => Buffer.from(r.Data, "base64").toString());
    expect(texts).toContain("to shard zero");
    expect(texts).toContain("two");

    const shards = await aws("list-shards", "--stream-name", stream);
    expect(shards.json.Shards.map((s: { ShardId: string }) => s.ShardId)).toEqual(["shardId-000000000000", "shardId-000000000001"]);
    expect((await aws("list-streams")).json.StreamNames).toContain(stream);

    expect((await aws("describe-stream", "--stream-name", "absent")).error).toBe(
      "An error occurred (ResourceNotFoundException) when calling the DescribeStream operation: Stream absent under account 000000000000 not found.",
    );
    expect((await aws("get-records", "--shard-iterator", "bm90IGFuIGl0ZXJhdG9y")).error).toBe(
      "An error occurred (InvalidArgumentException) when calling the GetRecords operation: Invalid ShardIterator.",
    );
    expect((await aws("create-stream", "--stream-name", "no spaces", "--shard-count", "1")).error).toBe(
      "An error occurred (ValidationException) when calling the CreateStream operation: 1 validation error detected: Value 'no spaces' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
    );
    expect(await aws("delete-stream", "--stream-name", stream)).toEqual({ json: undefined });
  });
});

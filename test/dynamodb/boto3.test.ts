import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer } from "../support/server.js";

const run = promisify(execFile);
const PYTHON = process.env.PYTHON ?? "python3";
const SCRIPT = fileURLToPath(new URL("./python/boto3_dynamodb.py", import.meta.url));
let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

describe("boto3's DynamoDB client and resource, with their defaults", () => {
  it("run a lease table: conditional puts and renewals, exponents, paging, the KCL 3 index, batches, DynamoDB's errors, true CRC32s", async () => {
    const table = `boto3-leases-${process.pid}-${Date.now().toString(36)}`;
    const { stdout } = await run(PYTHON, [SCRIPT, server.url, table], { timeout: 60_000 });
    const report = JSON.parse(stdout);
    expect(report.status).toBe("ACTIVE");
    expect(report.duplicate_create).toEqual({ status: 400, code: "ConditionalCheckFailedException", message: "The conditional request failed", item: null });
    expect(report.renewed).toEqual({ leaseCounter: 1 });
    expect(report.stale_renew).toMatchObject({ status: 400, code: "ConditionalCheckFailedException", message: "The conditional request failed" });
    expect(report.stale_renew.item).toMatchObject({ leaseKey: { S: "shardId-000000000001" }, leaseCounter: { N: "1" } });
    // Numbers come back in DynamoDB's form: 1.5E-4 is 0.00015.
    expect(report.checkpointed).toEqual({
      checkpoint: "49590338271490256608559692538361571095921575989136588898",
      throughput: "0.00015",
      stats: ["12.5", "13"],
    });
    expect(report.scan).toEqual({ count: 30, distinct: 30 });
    expect(report.owned_by_a).toBe(15);
    expect(report.query_b).toEqual({ count: 15, first: "shardId-000000000000", attributes: ["leaseKey", "leaseOwner"] });
    expect(report.batch_get).toEqual(["shardId-000000000000", "shardId-000000000031", "shardId-000000000059"]);
    expect(report.missing_table).toEqual({ status: 400, code: "ResourceNotFoundException", message: "Requested resource not found", item: null });
    expect(report.bad_expression).toMatchObject({ status: 400, code: "ValidationException" });
    expect(report.bad_expression.message).toMatch(/^Invalid UpdateExpression: Syntax error; token: "<EOF>", near: /);
    expect(report.unknown_operation).toMatchObject({ status: 400, code: "UnknownOperationException" });
    expect(report.deleted).toMatchObject({ status: 400, code: "ResourceNotFoundException" });
    expect(report.crc_checked.answers).toBeGreaterThan(45);
    expect(report.crc_checked.all_true).toBe(true);
  });
});

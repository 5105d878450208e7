import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, uniqueStreamName } from "../support/server.js";

const run = promisify(execFile);
const PYTHON = process.env.PYTHON ?? "python3";
const SCRIPT = fileURLToPath(new URL("./python/boto3_control_plane.py", import.meta.url));
const ACCOUNT = "000000000000";
let server: RunningServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.close());

describe("the control plane through boto3", () => {
  it("reshards, keeps retention, tags, monitoring, limits, settings, policies, sizes, encryption and mode", async () => {
    const stream = uniqueStreamName("boto3cp");
    const { stdout } = await run(PYTHON, [SCRIPT, server.url, stream], { timeout: 60_000 });
    const r = JSON.parse(stdout);
    expect(r.after_split).toEqual(["shardId-000000000001", "shardId-000000000002", "shardId-000000000003"]);
    expect(r.after_merge).toEqual(["shardId-000000000002", "shardId-000000000004"]);
    expect(r.update_shard_count).toMatchObject({ StreamName: stream, CurrentShardCount: 2, TargetShardCount: 4 });
    expect(r.after_scaling).toBe(4);
    expect(r.split_closed).toEqual({
      code: "InvalidArgumentException",
      message: `Shard shardId-000000000000 in stream ${stream} under account ${ACCOUNT} has already been merged or split, and thus is not eligible for merging or splitting.`,
    });
    expect(r.retention).toBe(48);
    expect(r.retention_error).toMatchObject({ code: "InvalidArgumentException", message: expect.stringContaining("Use DecreaseRetentionPeriod API.") });
    expect(r.tags).toEqual([{ Key: "owner", Value: "boto" }]);
    expect(r.tags_by_arn).toEqual([{ Key: "owner", Value: "boto" }]);
    expect(r.tag_error).toMatchObject({ code: "InvalidArgumentException", message: expect.stringContaining("invalid characters") });
    expect(r.monitoring_on).toMatchObject({ CurrentShardLevelMetrics: [], DesiredShardLevelMetrics: ["IncomingRecords", "OutgoingRecords"] });
    expect(r.monitoring_off).toMatchObject({ DesiredShardLevelMetrics: ["OutgoingRecords"] });
    expect(r.limits).toMatchObject({ ShardLimit: 500, OpenShardCount: 4, OnDemandStreamCount: 0, OnDemandStreamCountLimit: 50 });
    expect(r.account_before).toEqual({ MinimumThroughputBillingCommitment: { Status: "DISABLED" } });
    expect(r.account_enabled.MinimumThroughputBillingCommitment.Status).toBe("ENABLED");
    expect(r.policy).toBe(true);
    expect(r.policy_error).toEqual({ code: "InvalidArgumentException", message: "Invalid policy document: not a JSON object." });
    expect(r.policy_after_delete).toBe("{}");
    expect(r.warm).toMatchObject({ WarmThroughput: { TargetMiBps: 50 } });
    expect(r.encrypted_put).toBe("KMS");
    expect(r.summary).toEqual({
      StreamModeDetails: { StreamMode: "ON_DEMAND" },
      MaxRecordSizeInKiB: 4096,
      EncryptionType: "NONE",
      OpenShardCount: 4,
      WarmThroughput: { TargetMiBps: 50, CurrentMiBps: 50 },
    });
    expect(r.on_demand_split).toMatchObject({ code: "ValidationException", message: expect.stringContaining("is in On-Demand mode.") });
  });
});

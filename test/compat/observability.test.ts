import {
  CreateStreamCommand,
  DescribeStreamCommand,
  DisableEnhancedMonitoringCommand,
  EnableEnhancedMonitoringCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordsCommand,
} from "@aws-sdk/client-kinesis";
import { describe, expect, it } from "vitest";
import { uniqueStreamName, useTestServer } from "../support/server.js";

const service = useTestServer();

const metrics = async (): Promise<string> => (await fetch(`${service.server.url}/metrics`)).text();
/** The value of one sample line of /metrics, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.split(" ").pop());
}

describe("health and metrics", () => {
  it("answers liveness and readiness", async () => {
    expect(await (await fetch(`${service.server.url}/health/live`)).json()).toEqual({ status: "live" });
    const ready = await fetch(`${service.server.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });

  it("counts requests by operation and outcome, and records and bytes per stream", async () => {
    const stream = uniqueStreamName();
    await service.kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    await service.kinesis.send(
      new PutRecordsCommand({ StreamName: stream, Records: Array.from({ length: 7 }, () => ({ PartitionKey: "k", Data: Buffer.alloc(100) })) }),
    );
    const { ShardIterator } = await service.kinesis.send(
      new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }),
    );
    await service.kinesis.send(new GetRecordsCommand({ ShardIterator }));
    await service.kinesis.send(new DescribeStreamCommand({ StreamName: "missing" })).catch(() => undefined);
    const text = await metrics();
    expect(sample(text, "api_requests_total", { service: "kinesis", operation: "PutRecords", outcome: "ok" })).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, "api_requests_total", { service: "kinesis", operation: "DescribeStream", outcome: "ResourceNotFoundException" }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, "api_request_duration_seconds_count", { service: "kinesis", operation: "GetRecords" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "kinesis_stream_records_total", { stream, direction: "in" })).toBe(7);
    expect(sample(text, "kinesis_stream_bytes_total", { stream, direction: "in" })).toBe(700);
    expect(sample(text, "kinesis_stream_records_total", { stream, direction: "out" })).toBe(7);
    expect(text).toMatch(/^nats_reconnects_total 0$/m);
    expect(text).toMatch(/^nats_connected 1$/m);
    // The process figures a memory or GC problem shows in first.
    expect(Number(/^process_resident_memory_bytes (\d+)$/m.exec(text)?.[1])).toBeGreaterThan(10 * 1024 * 1024);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+$/m);
  });

  it("shows the per-shard metrics EnableEnhancedMonitoring names, only while enabled", async () => {
    const stream = uniqueStreamName();
    await service.kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    await service.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: [{ PartitionKey: "k", Data: Buffer.alloc(10) }] }));
    const shard = { stream, shard: "shardId-000000000000" };
    expect(sample(await metrics(), "kinesis_shard_incoming_records_total", shard)).toBeUndefined();

    await service.kinesis.send(new EnableEnhancedMonitoringCommand({ StreamName: stream, ShardLevelMetrics: ["IncomingRecords", "IncomingBytes"] }));
    await service.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: [{ PartitionKey: "k", Data: Buffer.alloc(10) }] }));
    const enabled = await metrics();
    expect(sample(enabled, "kinesis_shard_incoming_records_total", shard)).toBe(2);
    expect(sample(enabled, "kinesis_shard_incoming_bytes_total", shard)).toBe(20);
    expect(sample(enabled, "kinesis_shard_outgoing_records_total", shard)).toBeUndefined();

    await service.kinesis.send(new DisableEnhancedMonitoringCommand({ StreamName: stream, ShardLevelMetrics: ["ALL"] }));
    expect(sample(await metrics(), "kinesis_shard_incoming_records_total", shard)).toBeUndefined();
  });
});

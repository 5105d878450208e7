import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prometheusText } from "../../tools/src/mirror/metrics.js";
import { parseMirrorOptions, UsageError } from "../../tools/src/mirror/options.js";
import { trafficCost } from "../../tools/src/mirror/report.js";
import { RateMeter, Traffic } from "../../tools/src/mirror/traffic.js";
import { hashKeyFor } from "../../tools/src/mirror/writer.js";

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const MAX = 2n ** 128n - 1n;
const md5 = (key: string): bigint => BigInt(`0x${createHash("md5").update(key).digest("hex")}`);
const record = (bytes: number, at: number) => ({
  SequenceNumber: String(at),
  PartitionKey: "k",
  Data: new Uint8Array(bytes - 1),
  ApproximateArrivalTimestamp: new Date(at),
});

describe("the mirror's pure pieces", () => {
  it("puts a record with its partition key's MD5 when that lies in the source shard's range, else the range's start", () => {
    const key = "customer-42";
    expect(hashKeyFor(key, { start: 0n, end: MAX })).toBe(md5(key).toString());
    const above = { start: md5(key) + 1n, end: MAX };
    expect(hashKeyFor(key, above)).toBe(above.start.toString());
    fc.assert(
      fc.property(fc.string(), fc.bigInt({ min: 0n, max: MAX }), fc.bigInt({ min: 0n, max: MAX }), (pk, a, b) => {
        const range = a <= b ? { start: a, end: b } : { start: b, end: a };
        const chosen = BigInt(hashKeyFor(pk, range));
        return chosen >= range.start && chosen <= range.end;
      }),
    );
  });

  it("reads its flags, passes the cost flags through, and refuses a bad starting position", () => {
    const { options, costArgv } = parseMirrorOptions(["orders", "--from", "2026-01-31T12:00:00Z", "--retention-hours", "48", "--price", "shardHour=0.02"]);
    expect(options).toMatchObject({ sourceStream: "orders", targetStream: "orders", endpoint: "http://127.0.0.1:4567", batch: 500, untilCaughtUp: false });
    expect(options.from).toEqual({ type: "AT_TIMESTAMP", timestamp: new Date("2026-01-31T12:00:00Z") });
    expect(options.sourceEndpoint).toBeUndefined();
    expect(costArgv).toEqual(["--retention-hours", "48", "--price", "shardHour=0.02"]);
    expect(() => parseMirrorOptions(["orders", "--from", "yesterday"])).toThrow(UsageError);
    expect(() => parseMirrorOptions([])).toThrow("name exactly one source stream");
    expect(() => parseMirrorOptions(["orders", "--endpoint", "localhost:4567"])).toThrow("--endpoint must be an http:// or https:// URL");
  });

  it("prices the producers' rate over the records' arrival span, with the sizes seen", () => {
    const traffic = new Traffic();
    // 100 records over 10 s of arrivals, copied in one instant; a fifth of them 30 KiB (two PUT payload units each).
    traffic.copied(Array.from({ length: 100 }, (_, i) => record(i % 5 === 0 ? 30 * 1024 : 1000, 1_000_000 + i * 101)));
    const stream = { name: "orders", openShards: 6, retentionHours: 48, consumers: ["app"], notes: [] };
    const cost = trafficCost(traffic, stream, ["--polling-consumers", "2"]);
    expect(cost.workload.recordsPerSecond).toBeCloseTo(100 / 9.999, 3);
    expect(cost.workload).toMatchObject({ shards: 6, retentionHours: 48, fanOutConsumers: 1, pollingConsumers: 2, putUnitsPerRecord: 1.2 });
    expect(cost.options[0]!.estimate.lines[0]!.item).toBe("6 shards");
    expect(traffic.sizeCounts).toEqual([0, 80, 0, 0, 20, 0]);
    // A flag wins over what was observed.
    expect(trafficCost(traffic, stream, ["--fanout-consumers", "0", "--retention-hours", "24"]).workload).toMatchObject({
      fanOutConsumers: 0,
      retentionHours: 24,
    });
  });

  it("writes Prometheus text with a lag per shard", () => {
    const traffic = new Traffic();
    traffic.copied([record(10, 1), record(20, 2)]);
    traffic.lag("shardId-000000000001", 250);
    const text = prometheusText(traffic, new RateMeter(traffic), 'a"b');
    expect(text).toContain('kinesis_nats_mirror_records_total{stream="a\\"b"} 2\n');
    expect(text).toContain('kinesis_nats_mirror_bytes_total{stream="a\\"b"} 30\n');
    expect(text).toContain('kinesis_nats_mirror_millis_behind_latest{stream="a\\"b",shard="shardId-000000000001"} 250\n');
    expect(text.split("\n").filter((l) => l.startsWith("# TYPE"))).toHaveLength(6);
  });

  it("`mirror --help` prints its usage; a bad flag fails with it", () => {
    const help = spawnSync(process.execPath, [CLI, "mirror", "--help"], { encoding: "utf8", timeout: 10_000 });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("usage: kinesis-nats mirror SOURCE-STREAM [options]");
    expect(help.stdout).toContain("kinesis-nats mirror compare SOURCE-STREAM");
    const bad = spawnSync(process.execPath, [CLI, "mirror", "orders", "--from", "soon"], { encoding: "utf8", timeout: 10_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--from must be TRIM_HORIZON, LATEST or an ISO timestamp");
  });
});

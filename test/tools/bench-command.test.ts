import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import type { BenchResult } from "../../tools/src/bench/results.js";

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const run = promisify(execFile);

/**
 * The bench as a user runs it (the built CLI, its own server and nats-server on loopback), with
 * tiny settings: a few hundred records of one size, one consuming application. Timing is
 * never asserted: only the shape of the answer and that every record arrived exactly once.
 */
describe("kinesis-nats bench", () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs every workload both ways, prints JSON alone on stdout, and writes the HTML report", async () => {
    if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: npm test builds it (npm run build)");
    const report = join(dir, "report.html");
    const args = ["bench", "--memory", "--sizes", "1", "--live-sizes", "1", "--fanout", "1", "--shards", "2"];
    args.push("--batch", "100", "--in-flight", "1", "--seconds", "0.5", "--rate", "200", "--poll-ms", "50", "--json", "--report", report);
    const { stdout } = await run(process.execPath, [CLI, ...args], { maxBuffer: 16 * 1024 * 1024 });
    const result = JSON.parse(stdout) as BenchResult;

    expect(result).toMatchObject({ tool: "kinesis-nats bench", schema: 1, target: { kind: "spawned", http: "2", storage: "memory" } });
    expect(result.failures).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.server?.startupMs).toBeGreaterThan(0);
    expect(result.server?.sustainedPeakRssBytes).toBeGreaterThan(0);
    expect(result.server?.natsSustainedPeakRssBytes).toBeGreaterThan(0);

    const paths = result.runs.map((r) => `${r.side} ${r.workload} ${r.method}`);
    expect(paths.sort()).toEqual(
      [
        "kinesis live GetRecords polling",
        "kinesis live SubscribeToShard",
        "kinesis publish PutRecords",
        "kinesis replay GetRecords",
        "native live ordered consumer",
        "native publish js.publish",
        "native replay ordered consumer",
      ].sort(),
    );
    for (const r of result.runs) {
      expect(r.error).toBeUndefined();
      expect(r.records).toBeGreaterThan(0);
      expect(r.recordsPerSecond).toBeGreaterThan(0);
      expect(r.mibPerSecond).toBeGreaterThan(0);
      if (r.workload === "publish") continue;
      expect(r.delivery).toMatchObject({ missing: 0, duplicated: 0, unexpected: 0, exactlyOnce: true });
      expect(r.delivery!.delivered).toBe(r.delivery!.expected);
    }
    for (const r of result.runs.filter((r) => r.workload === "live")) {
      expect(r.consumers).toBe(1);
      expect(r.latency).toMatchObject({ of: "put→delivery" });
      expect(r.latency!.p50).toBeLessThanOrEqual(r.latency!.p95);
      expect(r.latency!.p95).toBeLessThanOrEqual(r.latency!.p99);
    }
    expect(result.cost?.options.map((o) => o.name)).toEqual(["Kinesis provisioned", "Kinesis on-demand", "NATS cluster (3 instances, R3)"]);

    const html = readFileSync(report, "utf8");
    expect(html).toContain("<svg");
    // Self-contained: nothing for the browser to fetch or run.
    expect(html).not.toMatch(/<script|<link|\b(src|href)=/);
  }, 60_000);
});

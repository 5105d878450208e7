import { readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { inject } from "vitest";
import { spawnServer, type ServerProcess } from "../support/server-process.js";
import { uniqueNamespace } from "../support/server.js";

/** Our server as a process of its own, so its memory is its own: /proc/<pid>/status tells it. */
export async function spawnTarget(args: string[] = []): Promise<ServerProcess> {
  return spawnServer(["--nats-url", inject("natsUrl"), "--memory", "--namespace", uniqueNamespace(), ...args]);
}

/** Resident memory of a process in MB (VmRSS). */
export function rssMb(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return Number.NaN; // the process is gone: every bound on its figures fails
  }
  const line = status.split("\n").find((l) => l.startsWith("VmRSS:"));
  return Number(/(\d+)/.exec(line ?? "")?.[1] ?? Number.NaN) / 1024;
}

/**
 * Probes GET /health/live, one request after another on fresh connections, from a process of its
 * own: in this one the probe's latency would include the attack's own work on the event loop it
 * shares, not only the server's. Every 10 ms, so that a p99 is not the one slowest probe of a
 * few dozen. Prints the latencies (ms; the timeout for a probe that failed) as JSON once the
 * time is up.
 */
const PROBE = `
import { spawn } from "node:child_process";
const [url, durationMs, timeoutMs] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const latency = () => new Promise((resolve) => {
  const started = performance.now();
  const request = http.get(new URL("/health/live", url), { agent: false, timeout: timeoutMs }, (response) => {
    response.resume();
    response.on("end", () => resolve(response.statusCode === 200 ? performance.now() - started : timeoutMs));
  });
  request.on("timeout", () => request.destroy());
  request.on("error", () => resolve(Math.max(timeoutMs, performance.now() - started)));
});
const deadline = performance.now() + durationMs;
const latencies = [];
while (performance.now() < deadline) {
  latencies.push(await latency());
  await new Promise((resolve) => setTimeout(resolve, 10));
}
process.stdout.write(JSON.stringify(latencies));
`;

function probeHealth(url: string, durationMs: number): Promise<number[]> {
  const child = spawn(process.execPath, ["--input-type=module", "-e", PROBE, url, String(durationMs), "5000"], { stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(output) as number[]) : reject(new Error(`the health probe exited with ${code}`))));
  });
}

export interface AttackFigures {
  readonly baselineMb: number;
  readonly peakMb: number;
  readonly growthMb: number;
  readonly healthP50Ms: number;
  readonly healthP99Ms: number;
  readonly healthMaxMs: number;
  readonly probes: number;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;

/**
 * Runs `attack` while sampling the server's RSS every 100 ms and probing /health/live one
 * request after another from a process of its own; prints and returns the figures. The attack
 * is given a signal that says when its time is up.
 */
export async function underAttack(
  label: string,
  server: ServerProcess,
  durationMs: number,
  attack: (over: () => boolean) => Promise<void>,
): Promise<AttackFigures> {
  const pid = server.child.pid!;
  const baselineMb = rssMb(pid);
  let peakMb = baselineMb;
  let died = false;
  const sampler = setInterval(() => {
    const now = rssMb(pid);
    if (Number.isNaN(now)) died = true;
    else peakMb = Math.max(peakMb, now);
  }, 100);
  const deadline = performance.now() + durationMs;
  const over = (): boolean => performance.now() >= deadline;
  let latencies: number[] = [];
  try {
    [, latencies] = await Promise.all([attack(over), probeHealth(server.url, durationMs)]);
  } finally {
    clearInterval(sampler);
  }
  const last = rssMb(pid);
  if (died || Number.isNaN(last)) throw new Error(`${label}: the server process died during the attack`);
  peakMb = Math.max(peakMb, last);
  const sorted = [...latencies].sort((a, b) => a - b);
  const figures: AttackFigures = {
    baselineMb: Math.round(baselineMb),
    peakMb: Math.round(peakMb),
    growthMb: Math.round(peakMb - baselineMb),
    healthP50Ms: Math.round(percentile(sorted, 50)),
    healthP99Ms: Math.round(percentile(sorted, 99)),
    healthMaxMs: Math.round(sorted.at(-1) ?? Number.NaN),
    probes: sorted.length,
  };
  console.log(`[overload] ${label}: ${JSON.stringify(figures)}`);
  return figures;
}

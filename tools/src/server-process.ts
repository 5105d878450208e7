import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Our server as the bench runs it: a process of its own, as in production, so that its CPU and
 * memory are its own and can be read from /proc.
 */
export interface ServerProcess {
  readonly url: string;
  readonly natsUrl: string;
  readonly child: ChildProcess;
  /** The nats-server it started (none when given a NATS URL). */
  readonly natsPid?: number;
  /** From spawn until /health/ready answers 200: Node's start, the embedded nats-server's, JetStream's. */
  readonly startupMs: number;
}

export interface SpawnOptions {
  readonly memory: boolean;
  /** Use this NATS instead of starting one. */
  readonly natsUrl?: string;
  /** `--workers`: server processes on the same port (default 1). */
  readonly workers?: number;
}

const CLOCK_TICKS = 100;

/** The fields of /proc/<pid>/stat after the command name; undefined once the process is gone. */
function statFields(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used, from /proc; 0 when unknown. */
export function processCpu(pid: number | undefined): number {
  const fields = pid ? statFields(pid) : undefined;
  return fields ? (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS : 0;
}

/** The children of `parent`, from /proc. */
function childrenOf(parent: number | undefined): number[] {
  if (!parent) return [];
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry) && Number(statFields(Number(entry))?.[1]) === parent)
    .map(Number);
}

const isNatsServer = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("nats-server");
  } catch {
    return false;
  }
};

/** The nats-server our server started (its child; with --workers, the primary's). */
const natsChildOf = (parent: number | undefined): number | undefined => childrenOf(parent).find(isNatsServer);

/** Our server's processes: the one we started and, with --workers, its worker children. */
const serverProcesses = (root: number): number[] => [root, ...childrenOf(root).filter((pid) => !isNatsServer(pid))];

/** A memory figure of /proc/<pid>/status in bytes: VmRSS now, VmHWM the peak so far; undefined when unknown. */
function statusBytes(pid: number | undefined, field: "VmRSS" | "VmHWM"): number | undefined {
  if (!pid) return undefined;
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Polls /health/ready until it answers 200: NATS and JetStream answer through the server. */
async function untilReady(url: string, timeoutMs = 30_000): Promise<void> {
  for (const deadline = performance.now() + timeoutMs; performance.now() < deadline;) {
    const status = await fetch(`${url}/health/ready`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${url}/health/ready did not answer 200 within ${timeoutMs / 1000} s`);
}

/**
 * Node flags of `npm start` and the Dockerfile. V8 lets its young generation grow to 3 x 16 MB
 * under a steady request load, and RSS with it: 8 MB semi-spaces kept the live runs' peak
 * near 116 MB instead of 159 MB, for a few percent more scavenging.
 */
const SERVER_NODE_FLAGS = ["--max-semi-space-size=8"];

/** Our server in its own process: resolves once it logs that it is ready and /health/ready says so. */
export async function spawnServer(options: SpawnOptions, dataDir: string): Promise<ServerProcess> {
  const cli = fileURLToPath(import.meta.resolve("kinesis-nats/cli.js"));
  // Started as `npm start` and the Dockerfile start it (see SERVER_NODE_FLAGS).
  const args = [...SERVER_NODE_FLAGS, cli, "serve", "--port", "0", "--data-dir", dataDir, "--log-level", "info"];
  // Only the time a stream or consumer stays CREATING/DELETING: nothing the bench measures.
  for (const flag of ["--create-stream-ms", "--delete-stream-ms", "--register-consumer-ms", "--deregister-consumer-ms"]) args.push(flag, "0");
  if (options.memory) args.push("--memory");
  if (options.natsUrl) args.push("--nats-url", options.natsUrl);
  args.push("--workers", String(options.workers ?? 1));
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const ready = await readyLine(child);
  await untilReady(ready.url);
  const startupMs = performance.now() - started;
  return { url: ready.url, natsUrl: ready.nats, child, natsPid: options.natsUrl ? undefined : natsChildOf(child.pid), startupMs };
}

/** The server's "Kinesis endpoint ready" log line, once it is written: where it listens. */
export function readyLine(child: ChildProcess): Promise<{ url: string; nats: string }> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    const onExit = (code: number | null): void => reject(new Error(`the server exited with code ${code} before it was ready`));
    child.once("exit", onExit);
    child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = buffered.split("\n").find((l) => l.includes("Kinesis endpoint ready"));
      if (!line) return;
      child.off("exit", onExit);
      child.stdout!.removeAllListeners("data");
      child.stdout!.resume();
      resolve(JSON.parse(line) as { url: string; nats: string });
    });
  });
}

export async function stopServer(server: ServerProcess | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((resolve) => server.child.once("exit", resolve));
  server.child.kill("SIGTERM");
  await exited;
}

/** CPU seconds (user + system); server and nats only where the bench knows their processes. */
export interface CpuSeconds {
  readonly client: number;
  readonly server?: number;
  readonly nats?: number;
}

const difference = (now: number | undefined, before: number | undefined): number | undefined =>
  now === undefined || before === undefined ? undefined : now - before;

/**
 * Watches the server's and nats-server's memory every 100 ms while runs go on, and measures
 * the CPU each process spends in a run (the client is this process, all its threads).
 */
export class ProcessWatch {
  private serverPeak = 0;
  private natsPeak = 0;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    readonly serverPid?: number,
    readonly natsPid?: number,
  ) {
    this.timer = serverPid ? setInterval(() => this.sample(), 100).unref() : undefined;
  }

  /** A memory figure summed over the server's processes (with --workers, the primary and every worker). */
  private serverBytes(field: "VmRSS" | "VmHWM"): number | undefined {
    if (!this.serverPid) return undefined;
    return serverProcesses(this.serverPid).reduce((sum, pid) => sum + (statusBytes(pid, field) ?? 0), 0);
  }

  private sample(): void {
    this.serverPeak = Math.max(this.serverPeak, this.serverBytes("VmRSS") ?? 0);
    this.natsPeak = Math.max(this.natsPeak, statusBytes(this.natsPid, "VmRSS") ?? 0);
  }

  /** The server's resident memory now (summed over its processes); undefined when it is not ours. */
  serverRssNow(): number | undefined {
    return this.serverBytes("VmRSS");
  }

  cpuNow(): CpuSeconds {
    const own = process.cpuUsage();
    return {
      client: (own.user + own.system) / 1e6,
      ...(this.serverPid && { server: serverProcesses(this.serverPid).reduce((sum, pid) => sum + processCpu(pid), 0) }),
      ...(this.natsPid && { nats: processCpu(this.natsPid) }),
    };
  }

  /** Starts a run's window: its peak is measured from here. */
  beginRun(): { cpu: CpuSeconds } {
    this.serverPeak = this.serverBytes("VmRSS") ?? 0;
    this.natsPeak = statusBytes(this.natsPid, "VmRSS") ?? 0;
    return { cpu: this.cpuNow() };
  }

  /** The CPU since `begin` and the highest RSS sampled meanwhile. */
  endRun(begin: { cpu: CpuSeconds }): { cpu: CpuSeconds; serverRssBytes?: number; natsRssBytes?: number } {
    this.sample();
    const now = this.cpuNow();
    return {
      cpu: { client: now.client - begin.cpu.client, server: difference(now.server, begin.cpu.server), nats: difference(now.nats, begin.cpu.nats) },
      serverRssBytes: this.serverPid ? this.serverPeak : undefined,
      natsRssBytes: this.natsPid ? this.natsPeak : undefined,
    };
  }

  /** The kernel's own high-water marks since each process started. */
  lifetimePeaks(): { serverBytes?: number; natsBytes?: number } {
    return { serverBytes: this.serverBytes("VmHWM"), natsBytes: statusBytes(this.natsPid, "VmHWM") };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import { ensureDebianBinary, type DebianBinary } from "./debian-package.js";
import { guardAgainstOrphan, type OrphanGuard } from "./orphan-guard.js";
import { isRunningProgram, waitForExit } from "./process-state.js";
import { DEFAULT_RESTART_POLICY, RestartBudget, type RestartPolicy } from "./restart-policy.js";

/** How to start a private nats-server. */
export interface EmbeddedNatsOptions {
  /** Store directory for JetStream; undefined means a temporary one removed at stop (memory mode). */
  readonly dataDir?: string;
  /**
   * JetStream's `sync_interval` on servers that have it (2.10+): "always" syncs every write to
   * disk before acknowledging it; "default" keeps the server's own (every two minutes).
   */
  readonly syncInterval?: string;
  /** Install Debian's nats-server when it is missing (default true). */
  readonly installMissing?: boolean;
  /** When a dead nats-server is started again, and when to give up. */
  readonly restartPolicy?: RestartPolicy;
  /** Called once restarts are given up (after the log line saying why); by default the process exits with code 1. */
  readonly onGiveUp?: (reason: string) => void;
  readonly log: Logger;
}

/** Whether the embedded nats-server runs now, and why not when it does not. */
export type EmbeddedNatsHealth = { readonly running: true } | { readonly running: false; readonly reason: string };

export interface EmbeddedNats {
  readonly url: string;
  readonly version: string;
  /** The nats-server process running now; undefined while it is being restarted. */
  readonly pid: number | undefined;
  health(): EmbeddedNatsHealth;
  stop(): Promise<void>;
}

const NATS_SERVER: DebianBinary = {
  command: "nats-server",
  packageName: "nats-server",
  candidates: ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"],
};

/** The path of the nats-server binary, installing Debian's package when missing and allowed. */
export function ensureNatsServerBinary(log?: Logger, installMissing = true): string {
  return ensureDebianBinary(NATS_SERVER, { installMissing, log, alternative: " (or set NATS_URL to use a running NATS server)" });
}

/** Major and minor of "nats-server: v2.9.10". */
export function serverVersion(text: string): [number, number] {
  const match = /v?(\d+)\.(\d+)/.exec(text);
  return match ? [Number(match[1]), Number(match[2])] : [0, 0];
}

const supportsSyncInterval = ([major, minor]: [number, number]): boolean => major > 2 || (major === 2 && minor >= 10);

/** `port` undefined: any free one (the first start); a restart asks for the same one, where clients reconnect. */
export function serverConfig(storeDir: string, portsDir: string, version: string, syncInterval = "always", port?: number): string {
  // Members of a map on one line are separated by commas: without one, nats-server refuses to start.
  const sync = supportsSyncInterval(serverVersion(version)) && syncInterval !== "default" ? `, sync_interval: ${syncInterval}` : "";
  // max_payload: a 1 MiB record plus headers must fit, and UpdateMaxRecordSize may allow more;
  // 8 MB is the usual ceiling and must stay below max_pending.
  return [
    `listen: 127.0.0.1:${port ?? -1}`,
    "max_payload: 8MB",
    "max_pending: 64MB",
    `ports_file_dir: ${JSON.stringify(portsDir)}`,
    `jetstream { store_dir: ${JSON.stringify(storeDir)}${sync} }`,
    "",
  ].join("\n");
}

const STALE_EXIT_MS = 10_000;

/**
 * A nats-server left running on this store by an earlier run (one killed before its guard
 * could act, say) is stopped, and waited for: two servers must never open one store.
 */
async function stopStale(pidFile: string, log: Logger): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8"));
  // Only a process that is still nats-server: the pid may belong to something else by now.
  if (!pid || !isRunningProgram(pid, "nats-server")) return;
  log.warn({ natsPid: pid }, "stopping a nats-server left running by an earlier run on this data directory");
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(pid, name);
    } catch {
      // Gone in between.
    }
  };
  signal("SIGTERM");
  if (await waitForExit(pid, STALE_EXIT_MS)) return;
  signal("SIGKILL");
  if (!(await waitForExit(pid, 2_000))) {
    throw new Error(`waiting for the nats-server left running on this data directory (pid ${pid}) to exit: it is still running`);
  }
}

const PORTS_FILE_WAIT_MS = 10_000;

/** The client URL nats-server `child` wrote to its own ports file. */
/** The client URL in a ports file; undefined while nats-server is still writing it (seen: read empty). */
export function portsFileUrl(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { nats?: string[] }).nats?.[0];
  } catch {
    return undefined;
  }
}

async function waitForPortsFile(dir: string, child: ChildProcess, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const suffix = `_${child.pid}.ports`;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`nats-server exited with ${child.signalCode ?? `code ${child.exitCode}`} while starting`);
    }
    const file = readdirSync(dir).find((name) => name.endsWith(suffix));
    if (file) {
      const url = portsFileUrl(readFileSync(join(dir, file), "utf8"));
      if (url) return url;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("nats-server did not report its port in time");
}

interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One nats-server process, up and listening. */
interface NatsProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly guard: OrphanGuard;
  readonly exited: Promise<ExitStatus>;
  stderrTail(): string;
}

/** How every launch of this store's nats-server is made. */
interface LaunchPlan {
  readonly binary: string;
  readonly configFile: string;
  readonly runDir: string;
  readonly pidFile: string;
}

async function launch(plan: LaunchPlan): Promise<NatsProcess> {
  // A process group of its own: Ctrl-C in a terminal signals the whole foreground group, and
  // nats-server would stop at once, under requests still finishing. We stop it after them.
  const child = spawn(plan.binary, ["-c", plan.configFile], { stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderrTail = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<ExitStatus>((done) => {
    child.once("exit", (code, signal) => done({ code, signal }));
    child.once("error", () => done({ code: null, signal: null }));
  });
  if (child.pid === undefined) {
    await exited;
    throw new Error(`could not run ${plan.binary}`);
  }
  writeFileSync(plan.pidFile, String(child.pid));
  const guard = guardAgainstOrphan(child.pid);
  try {
    const url = await waitForPortsFile(plan.runDir, child, PORTS_FILE_WAIT_MS);
    return { child, pid: child.pid, url, guard, exited, stderrTail: () => stderrTail };
  } catch (error) {
    child.kill("SIGKILL");
    guard.release();
    throw new Error(`${(error as Error).message}\n${stderrTail.trim()}`.trim());
  }
}

/** The last lines nats-server wrote, for a log line about its death. */
const lastLines = (text: string, count = 3): string => text.trim().split("\n").slice(-count).join("\n");

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A nats-server that is started again, on the same store and port, when it dies: with a pause
 * that doubles from restart to restart, until too many restarts in a window say it cannot
 * come back; then `onGiveUp`.
 */
class SupervisedNats implements EmbeddedNats {
  private current: NatsProcess | undefined;
  private stopping = false;
  private downReason: string | undefined;
  private readonly budget: RestartBudget;

  constructor(
    first: NatsProcess,
    readonly url: string,
    readonly version: string,
    private readonly plan: LaunchPlan,
    private readonly policy: RestartPolicy,
    private readonly log: Logger,
    private readonly onGiveUp: (reason: string) => void,
    private readonly cleanup: () => void,
  ) {
    this.budget = new RestartBudget(policy);
    this.current = first;
    this.watch(first);
  }

  get pid(): number | undefined {
    return this.current?.pid;
  }

  health(): EmbeddedNatsHealth {
    return this.downReason === undefined ? { running: true } : { running: false, reason: this.downReason };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const running = this.current;
    if (running) {
      running.guard.release();
      if (running.child.exitCode === null && running.child.signalCode === null) {
        running.child.kill("SIGTERM");
        const timer = setTimeout(() => running.child.kill("SIGKILL"), 5_000);
        await running.exited;
        clearTimeout(timer);
      }
    }
    this.cleanup();
  }

  private watch(running: NatsProcess): void {
    void running.exited.then((status) => this.died(running, status));
  }

  private async died(dead: NatsProcess, status: ExitStatus): Promise<void> {
    dead.guard.release();
    if (this.stopping) return;
    this.current = undefined;
    const how = status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
    this.downReason = `the embedded nats-server (pid ${dead.pid}) died (${how}) and is being restarted`;
    this.log.error(
      { natsPid: dead.pid, exitCode: status.code, signal: status.signal, stderr: status.signal ? undefined : lastLines(dead.stderrTail()) || undefined },
      "embedded nats-server died",
    );
    let lastError = how;
    for (;;) {
      const delayMs = this.budget.next();
      if (delayMs === undefined) return this.giveUp(lastError);
      await sleep(delayMs);
      if (this.stopping) return;
      const attempt = this.budget.count;
      this.log.warn({ attempt, delayMs, url: this.url }, "restarting embedded nats-server");
      try {
        const next = await launch(this.plan);
        if (this.stopping) {
          next.guard.release();
          next.child.kill("SIGTERM");
          return;
        }
        this.current = next;
        this.downReason = undefined;
        this.log.info({ natsPid: next.pid, attempt, url: next.url }, "embedded nats-server restarted");
        this.watch(next);
        return;
      } catch (error) {
        lastError = (error as Error).message;
        this.downReason = `the embedded nats-server cannot be restarted (attempt ${attempt}): ${lastError}`;
        this.log.error({ attempt, err: lastError }, "embedded nats-server restart failed");
      }
    }
  }

  private giveUp(lastError: string): void {
    const reason = `the embedded nats-server cannot be kept running: ${this.policy.maxRestarts} restarts within ${this.policy.windowMs / 1000} s did not bring it back (last: ${lastError})`;
    this.downReason = reason;
    this.log.fatal({ restarts: this.budget.count, windowMs: this.policy.windowMs, lastError }, `${reason}; exiting`);
    this.onGiveUp(reason);
  }
}

const exitOnGiveUp = (): void => process.exit(1);

/** Starts nats-server with JetStream on a free loopback port, and keeps it running. */
export async function startEmbeddedNats(options: EmbeddedNatsOptions): Promise<EmbeddedNats> {
  const { log } = options;
  const binary = ensureNatsServerBinary(log, options.installMissing ?? true);
  const version = spawnSync(binary, ["--version"], { encoding: "utf8" }).stdout.trim();
  const temporary = options.dataDir === undefined;
  const home = temporary ? mkdtempSync(join(tmpdir(), "kinesis-nats-")) : resolve(options.dataDir!, "nats");
  const storeDir = join(home, "jetstream");
  const runDir = join(home, "run");
  const pidFile = join(home, "nats-server.pid");
  await stopStale(pidFile, log);
  mkdirSync(storeDir, { recursive: true });
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const configFile = join(runDir, "nats-server.conf");
  writeFileSync(configFile, serverConfig(storeDir, runDir, version, options.syncInterval));
  if (!supportsSyncInterval(serverVersion(version)) && !temporary) {
    log.warn(
      { version },
      "this nats-server acknowledges writes before syncing them to disk (every two minutes): an OS crash or power failure can lose acknowledged records; nats-server 2.10+ syncs every write",
    );
  }
  const plan: LaunchPlan = { binary, configFile, runDir, pidFile };
  const first = await launch(plan);
  log.info({ url: first.url, natsPid: first.pid, version, storeDir: temporary ? "(memory mode, temporary)" : storeDir }, "embedded nats-server started");
  // Restarts listen where the first one did: the NATS client reconnects to the URL it knows.
  const port = Number(new URL(first.url).port);
  writeFileSync(configFile, serverConfig(storeDir, runDir, version, options.syncInterval, port));
  const cleanup = (): void => {
    rmSync(pidFile, { force: true });
    if (temporary) rmSync(home, { recursive: true, force: true });
  };
  const policy = options.restartPolicy ?? DEFAULT_RESTART_POLICY;
  return new SupervisedNats(first, first.url, version, plan, policy, log, options.onGiveUp ?? exitOnGiveUp, cleanup);
}

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import { ensureDebianBinary, type DebianBinary } from "./debian-package.js";

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
  readonly log: Logger;
}

export interface EmbeddedNats {
  readonly url: string;
  readonly version: string;
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

export function serverConfig(storeDir: string, portsDir: string, version: string, syncInterval = "always"): string {
  const sync = supportsSyncInterval(serverVersion(version)) && syncInterval !== "default" ? ` sync_interval: ${syncInterval}` : "";
  // max_payload: a 1 MiB record plus headers must fit, and UpdateMaxRecordSize may allow more;
  // 8 MB is the usual ceiling and must stay below max_pending.
  return [
    "listen: 127.0.0.1:-1",
    "max_payload: 8MB",
    "max_pending: 64MB",
    `ports_file_dir: ${JSON.stringify(portsDir)}`,
    `jetstream { store_dir: ${JSON.stringify(storeDir)}${sync} }`,
    "",
  ].join("\n");
}

function killStale(pidFile: string, log: Logger): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8"));
  const cmdline = `/proc/${pid}/cmdline`;
  // Only a process that is still nats-server: the pid may belong to something else by now.
  if (!existsSync(cmdline) || !readFileSync(cmdline, "utf8").includes("nats-server")) return;
  try {
    process.kill(pid, "SIGTERM");
    log.warn({ pid }, "stopped a nats-server left running by an earlier run on this data directory");
  } catch {
    // Not running any more.
  }
}

async function waitForPortsFile(dir: string, child: ChildProcess, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with code ${child.exitCode}`);
    const file = readdirSync(dir).find((name) => name.endsWith(".ports"));
    if (file) {
      const ports = JSON.parse(readFileSync(join(dir, file), "utf8")) as { nats?: string[] };
      const url = ports.nats?.[0];
      if (url) return url;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("nats-server did not report its port in time");
}

/** Starts nats-server with JetStream on a free loopback port. */
export async function startEmbeddedNats(options: EmbeddedNatsOptions): Promise<EmbeddedNats> {
  const { log } = options;
  const binary = ensureNatsServerBinary(log, options.installMissing ?? true);
  const version = spawnSync(binary, ["--version"], { encoding: "utf8" }).stdout.trim();
  const temporary = options.dataDir === undefined;
  const home = temporary ? mkdtempSync(join(tmpdir(), "kinesis-nats-")) : resolve(options.dataDir!, "nats");
  const storeDir = join(home, "jetstream");
  const runDir = join(home, "run");
  mkdirSync(storeDir, { recursive: true });
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const pidFile = join(home, "nats-server.pid");
  killStale(pidFile, log);
  const configFile = join(runDir, "nats-server.conf");
  writeFileSync(configFile, serverConfig(storeDir, runDir, version, options.syncInterval));
  if (!supportsSyncInterval(serverVersion(version)) && !temporary) {
    log.warn(
      { version },
      "this nats-server acknowledges writes before syncing them to disk (every two minutes): an OS crash or power failure can lose acknowledged records; nats-server 2.10+ syncs every write",
    );
  }

  // A process group of its own: Ctrl-C in a terminal signals the whole foreground group, and
  // nats-server would stop at once, under requests still finishing. We stop it after them.
  const child = spawn(binary, ["-c", configFile], { stdio: ["ignore", "ignore", "pipe"], detached: true });
  let stderrTail = "";
  child.stderr!.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-4000);
  });
  writeFileSync(pidFile, String(child.pid));
  let url: string;
  try {
    url = await waitForPortsFile(runDir, child, 10_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${stderrTail}`);
  }
  log.info({ url, version, storeDir: temporary ? "(memory mode, temporary)" : storeDir }, "embedded nats-server started");

  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  return {
    url,
    version,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(pidFile, { force: true });
      if (temporary) rmSync(home, { recursive: true, force: true });
    },
  };
}

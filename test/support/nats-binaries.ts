import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureNatsServerBinary, portsFileUrl, serverConfig, serverVersion } from "../../src/system/embedded-nats.js";
import { processCpu } from "../../tools/src/server-process.js";

/**
 * Which nats-server binaries the tests run against, found in one place. The machine's own
 * (Debian bookworm: 2.9.10) always; a 2.10+ one when NATS_SERVER_2_10 names it or it lies at a
 * known path (where a private `dpkg -x` of Debian trixie's package puts it).
 */
const NATS_2_10_PATHS = ["/opt/nats-2.10/usr/sbin/nats-server", "/opt/nats-2.10/usr/bin/nats-server", "/opt/nats-2.10/nats-server"];

export interface NatsBinary {
  readonly path: string;
  /** "2.9.10" */
  readonly version: string;
}

function versionOf(path: string): string {
  const text = spawnSync(path, ["--version"], { encoding: "utf8" }).stdout ?? "";
  return /v?(\d+\.\d+\.\d+)/.exec(text)?.[1] ?? "unknown";
}

/** The machine's nats-server (Debian's package; installed when missing and allowed). */
export function systemNatsServer(): NatsBinary {
  const path = ensureNatsServerBinary();
  return { path, version: versionOf(path) };
}

/** A nats-server 2.10 or later, or why there is none. */
export function natsServer210(): NatsBinary | { readonly missing: string } {
  const fromEnv = process.env.NATS_SERVER_2_10;
  const candidates = fromEnv ? [fromEnv] : NATS_2_10_PATHS;
  const path = candidates.find((p) => existsSync(p));
  if (!path) return { missing: `no nats-server 2.10+ (set NATS_SERVER_2_10, or install one at ${NATS_2_10_PATHS[0]})` };
  const version = versionOf(path);
  const [major, minor] = serverVersion(version);
  if (major < 2 || (major === 2 && minor < 10)) return { missing: `${path} is nats-server ${version}, not 2.10+` };
  return { path, version };
}

/** A nats-server of our own with JetStream on file storage, for tests that look at its store. */
export interface FileNats {
  readonly url: string;
  readonly version: string;
  /** JetStream's store directory. */
  readonly storeDir: string;
  /** CPU seconds the nats-server process has used so far (user + system, 10 ms steps). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export async function startFileNats(binary: NatsBinary): Promise<FileNats> {
  const home = mkdtempSync(join(tmpdir(), "kinesis-nats-file-"));
  const storeDir = join(home, "jetstream");
  const configFile = join(home, "nats-server.conf");
  // The embedded server's configuration, but sync_interval left at the server's own: these
  // tests are about reads, and a sync per write would make writing their volume slow.
  writeFileSync(configFile, serverConfig(storeDir, home, `v${binary.version}`, "default"));
  const child = spawn(binary.path, ["-c", configFile], { stdio: "ignore" });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    rmSync(home, { recursive: true, force: true });
  };
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
    const ports = readdirSync(home).find((name) => name.endsWith(".ports"));
    const url = ports && portsFileUrl(readFileSync(join(home, ports), "utf8"));
    if (url) return { url, version: binary.version, storeDir, cpuSeconds: () => processCpu(child.pid), stop };
  }
  await stop();
  throw new Error(`${binary.path} did not report its port`);
}

/** Sizes in bytes of a file-storage stream's message blocks, oldest first. */
export function messageBlockSizes(storeDir: string, jetStreamName: string): number[] {
  const dir = join(storeDir, "jetstream", "$G", "streams", jetStreamName, "msgs");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(".blk"))
    .sort((a, b) => parseInt(a) - parseInt(b))
    .map((name) => statSync(join(dir, name)).size);
}

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readyLine } from "../../tools/src/server-process.js";

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

/** Our server as a process of its own (the built dist/), for tests that kill -9 it. */
export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Log lines written after the ready line (the last thousand), parsed. */
  readonly logLines: Record<string, unknown>[];
  kill(): Promise<void>;
}

const KEPT_LOG_LINES = 1000;

/** Keeps the server's JSON log lines from now on. */
function collectLog(child: ChildProcess): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  let partial = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split("\n");
    partial = parts.pop()!;
    for (const part of parts) {
      try {
        lines.push(JSON.parse(part) as Record<string, unknown>);
      } catch {
        lines.push({ msg: part });
      }
      if (lines.length > KEPT_LOG_LINES) lines.shift();
    }
  });
  return lines;
}

/** `processGroup`: the server leads a process group of its own, as a command run from a shell does. */
export async function spawnServer(args: string[], options: { processGroup?: boolean } = {}): Promise<ServerProcess> {
  if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: npm test builds it (npm run build)");
  const child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--log-level", "info", ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    detached: options.processGroup ?? false,
  });
  const { url } = await readyLine(child);
  return {
    url,
    child,
    logLines: collectLog(child),
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
}

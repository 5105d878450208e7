import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { Logger } from "pino";

/** A program the server runs, and the Debian package that ships it. */
export interface DebianBinary {
  readonly command: string;
  readonly packageName: string;
  /** Where Debian puts it, for when PATH does not include sbin. */
  readonly candidates: readonly string[];
}

export const installHint = (binary: DebianBinary): string => `sudo apt-get update && sudo apt-get install -y ${binary.packageName}`;

function findOnPath(binary: DebianBinary): string | undefined {
  const found = spawnSync("sh", ["-c", `command -v ${binary.command}`], { encoding: "utf8" });
  const path = found.stdout.trim();
  return path || binary.candidates.find((candidate) => existsSync(candidate));
}

function installPrefix(): string[] | undefined {
  if (process.getuid?.() === 0) return [];
  return spawnSync("sudo", ["-n", "true"]).status === 0 ? ["sudo", "-n"] : undefined;
}

function runApt(prefix: string[], args: string[]): boolean {
  const [cmd, ...rest] = [...prefix, "apt-get", ...args];
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  return spawnSync(cmd!, rest, { stdio: "inherit", env }).status === 0;
}

/**
 * The path of a program, installing its Debian package first when it is missing and this
 * process may (root, or password-less sudo). Throws with the command to run otherwise;
 * `alternative` says what else the user can do.
 */
export function ensureDebianBinary(binary: DebianBinary, log?: Logger, alternative = ""): string {
  const existing = findOnPath(binary);
  if (existing) return existing;
  const prefix = installPrefix();
  const hint = `Run: ${installHint(binary)}${alternative}`;
  if (!prefix) throw new Error(`${binary.command} is not installed and this user cannot install it. ${hint}`);
  log?.info({ package: binary.packageName }, `${binary.command} not found: installing the Debian package`);
  const quiet = ["-y", "-q", "install", binary.packageName];
  if (!runApt(prefix, quiet) && !(runApt(prefix, ["-q", "update"]) && runApt(prefix, quiet))) {
    throw new Error(`installing ${binary.packageName} failed. ${hint}`);
  }
  const installed = findOnPath(binary);
  if (!installed) throw new Error(`${binary.command} still missing after install. ${hint}`);
  return installed;
}

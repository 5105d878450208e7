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

/** Whether a missing program may be installed (`--install-missing`, on by default), and what else the user can do. */
export interface InstallPolicy {
  readonly installMissing: boolean;
  readonly log?: Logger;
  readonly alternative?: string;
}

/**
 * The path of a program, installing its Debian package first when it is missing, the policy
 * allows it and this process may (root, or password-less sudo); the log says what will be
 * installed, and how, before it happens. Throws with the command to run otherwise.
 */
export function ensureDebianBinary(binary: DebianBinary, policy: InstallPolicy): string {
  const existing = findOnPath(binary);
  if (existing) return existing;
  const hint = `Run: ${installHint(binary)}${policy.alternative ?? ""}`;
  if (!policy.installMissing) throw new Error(`${binary.command} is not installed, and --install-missing is false. ${hint}`);
  const prefix = installPrefix();
  if (!prefix) throw new Error(`${binary.command} is not installed and this user cannot install it. ${hint}`);
  policy.log?.info(
    { package: binary.packageName, command: [...prefix, "apt-get", "install", "-y", binary.packageName].join(" ") },
    `${binary.command} not found: installing Debian's ${binary.packageName} package now (--install-missing; --install-missing false refuses instead)`,
  );
  const quiet = ["-y", "-q", "install", binary.packageName];
  if (!runApt(prefix, quiet) && !(runApt(prefix, ["-q", "update"]) && runApt(prefix, quiet))) {
    throw new Error(`installing ${binary.packageName} failed. ${hint}`);
  }
  const installed = findOnPath(binary);
  if (!installed) throw new Error(`${binary.command} still missing after install. ${hint}`);
  return installed;
}

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A verb of the built CLI as a user runs it, its own process; `input` is written to its stdin. */
export function startCli(args: readonly string[], input?: string): { child: ChildProcess; result: Promise<CliResult> } {
  if (!existsSync(CLI)) throw new Error("dist/cli.js is missing: npm test builds it (npm run build)");
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin!.end(input);
  const result = new Promise<CliResult>((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })));
  return { child, result };
}

export const runCli = (args: readonly string[], input?: string): Promise<CliResult> => startCli(args, input).result;

/** The stdout a verb has written so far, as it goes (for a verb that runs until stopped). */
export function outputSoFar(child: ChildProcess): () => string {
  let text = "";
  child.stdout!.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return () => text;
}

/** Runs a verb that must succeed, and parses its --json output. */
export async function cliJson<T>(args: readonly string[], input?: string): Promise<T> {
  const { code, stdout, stderr } = await runCli([...args, "--json"], input);
  if (code !== 0) throw new Error(`kinesis-nats ${args.join(" ")} exited ${code}: ${stderr}`);
  return JSON.parse(stdout) as T;
}

/** `tail --json` output: one object a line. */
export const jsonLines = <T>(text: string): T[] =>
  text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 10_000 });

describe("help", () => {
  it("`serve --help` prints the options and exits 0, starting nothing", () => {
    const { status, stdout } = run("serve", "--help");
    expect(status).toBe(0);
    expect(stdout).toContain("usage: kinesis-nats [serve] [options]");
    expect(stdout).toContain("--install-missing");
  });

  it("`--help` alone does the same; an unknown option fails, naming it", () => {
    expect(run("--help").status).toBe(0);
    const unknown = run("serve", "--no-such-option");
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain("no-such-option");
  });
});

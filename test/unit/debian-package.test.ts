import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { ensureDebianBinary } from "../../src/system/debian-package.js";

const missing = { command: "no-such-binary-xyz", packageName: "no-such-pkg", candidates: [] };

describe("--install-missing", () => {
  it("is on by default, and off with false, 0 or no, as a flag or in the environment", () => {
    expect(loadConfig([], {}).installMissing).toBe(true);
    expect(loadConfig(["--install-missing", "false"], {}).installMissing).toBe(false);
    expect(loadConfig([], { KINESIS_INSTALL_MISSING: "0" }).installMissing).toBe(false);
    expect(loadConfig([], { KINESIS_INSTALL_MISSING: "no" }).installMissing).toBe(false);
    expect(loadConfig(["--install-missing", "true"], { KINESIS_INSTALL_MISSING: "0" }).installMissing).toBe(true);
  });

  it("refused, names the command to run instead of installing", () => {
    expect(() => ensureDebianBinary(missing, { installMissing: false, alternative: " (or something else)" })).toThrow(
      "no-such-binary-xyz is not installed, and --install-missing is false. Run: sudo apt-get update && sudo apt-get install -y no-such-pkg (or something else)",
    );
  });

  it("finds a program that is there without installing anything", () => {
    expect(ensureDebianBinary({ command: "sh", packageName: "dash", candidates: [] }, { installMissing: false })).toMatch(/\/sh$/);
  });
});

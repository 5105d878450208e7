import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { serverConfig, serverVersion } from "../../src/system/embedded-nats.js";
import { natsServer210, systemNatsServer } from "../support/nats-binaries.js";

describe("the embedded nats-server's configuration", () => {
  it("syncs every write to disk where the server can (2.10+), unless told otherwise", () => {
    expect(serverVersion("nats-server: v2.9.10")).toEqual([2, 9]);
    expect(serverConfig("/s", "/p", "nats-server: v2.9.10")).toContain('jetstream { store_dir: "/s" }');
    expect(serverConfig("/s", "/p", "nats-server: v2.10.22")).toContain('jetstream { store_dir: "/s", sync_interval: always }');
    expect(serverConfig("/s", "/p", "nats-server: v2.12.1", "default")).not.toContain("sync_interval");
    expect(serverConfig("/s", "/p", "nats-server: v2.11.0", "30s")).toContain("sync_interval: 30s");
  });

  it("listens on loopback only, with room for a full-size record", () => {
    const config = serverConfig("/s", "/p", "v2.9.10");
    expect(config).toContain("listen: 127.0.0.1:-1");
    expect(config).toContain("max_payload: 8MB");
  });

  it("a restart listens on the port the first start was given, where clients reconnect", () => {
    expect(serverConfig("/s", "/p", "v2.9.10", "always", 41234)).toContain("listen: 127.0.0.1:41234\n");
  });

  // The configuration as the server itself reads it (nats-server -t): a 2.10 configuration that
  // only looked right once kept the embedded default from starting on every 2.10+ machine.
  const newer = natsServer210();
  for (const binary of [systemNatsServer(), ...("missing" in newer ? [] : [newer])]) {
    it(`nats-server ${binary.version} accepts it`, () => {
      const home = mkdtempSync(join(tmpdir(), "kinesis-config-"));
      const file = join(home, "nats-server.conf");
      writeFileSync(file, serverConfig(join(home, "store"), home, binary.version));
      expect(() => execFileSync(binary.path, ["-c", file, "-t"], { stdio: "pipe" })).not.toThrow();
    });
  }
  if ("missing" in newer) it.skip(`nats-server 2.10+ accepts it (skipped: ${newer.missing})`, () => undefined);
});

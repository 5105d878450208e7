import { describe, expect, it } from "vitest";
import { serverConfig, serverVersion } from "../../src/system/embedded-nats.js";

describe("the embedded nats-server's configuration", () => {
  it("syncs every write to disk where the server can (2.10+), unless told otherwise", () => {
    expect(serverVersion("nats-server: v2.9.10")).toEqual([2, 9]);
    expect(serverConfig("/s", "/p", "nats-server: v2.9.10")).toContain('jetstream { store_dir: "/s" }');
    expect(serverConfig("/s", "/p", "nats-server: v2.10.22")).toContain('jetstream { store_dir: "/s" sync_interval: always }');
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
});

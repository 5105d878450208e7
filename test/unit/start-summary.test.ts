import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { READY_MESSAGE, startBlock, startFacts } from "../../src/start-summary.js";

const at = { url: "http://127.0.0.1:4567", natsUrl: "nats://127.0.0.1:4222", accessKeys: 0 };

describe("the start record and its block", () => {
  it("says embedded NATS, the data directory, the namespace and the signature check by default", () => {
    const facts = startFacts(loadConfig([], {}), at);
    expect(facts).toEqual({ url: at.url, nats: at.natsUrl, natsEmbedded: true, data: "./data", namespace: "kinesis", auth: "signature-check" });
    expect(startBlock(facts)).toBe(
      [
        READY_MESSAGE,
        "  endpoint   http://127.0.0.1:4567",
        "  NATS       nats://127.0.0.1:4222 (embedded)",
        "  data       ./data",
        "  namespace  kinesis",
        "  auth       any credentials, but every request must carry a well-formed SigV4 signature",
      ].join("\n"),
    );
  });

  it("shows TLS, a NATS of its own, memory, verified keys and workers when configured", () => {
    const config = loadConfig(["--nats-url", at.natsUrl, "--memory", "--namespace", "ns1", "--credentials", "AKID:secret"], {});
    const facts = startFacts(config, { ...at, tlsUrl: "https://127.0.0.1:4568", tlsCert: "data/tls/localhost-cert.pem", accessKeys: 1, workers: 2 });
    expect(facts).toMatchObject({ natsEmbedded: false, data: "memory", namespace: "ns1", auth: "verified", accessKeys: 1, workers: 2 });
    const block = startBlock(facts);
    expect(block).toContain("  TLS endpoint     https://127.0.0.1:4568\n");
    expect(block).toContain("  TLS certificate  data/tls/localhost-cert.pem (clients must trust it)\n");
    expect(block).toContain("  NATS             nats://127.0.0.1:4222\n");
    expect(block).toContain("  data             memory (nothing on disk)\n");
    expect(block).toContain("  auth             SigV4 signatures verified against 1 access key\n");
    expect(block.endsWith("  workers          2")).toBe(true);
  });

  it("says nothing is checked with --no-signature-check, and that an external NATS keeps the data", () => {
    const facts = startFacts(loadConfig(["--nats-url", at.natsUrl, "--no-signature-check"], {}), at);
    expect(facts).toMatchObject({ auth: "none", data: "nats" });
    expect(startBlock(facts)).toContain("auth       none: signatures are not looked at (--no-signature-check)");
    expect(startBlock(facts)).toContain("data       kept by the NATS server");
  });
});

describe("the logger", () => {
  const facts = startFacts(loadConfig(["--memory"], {}), at);
  const written = (terminal: boolean): string => {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    const log = createLogger({ level: "info" }, terminal, sink);
    log.info(facts, READY_MESSAGE);
    log.info({ stream: "s1" }, "something else");
    return chunks.join("");
  };

  it("writes JSON lines off a terminal, the start record with its fields", () => {
    const [start, other] = written(false)
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(start).toMatchObject({ ...facts, msg: READY_MESSAGE, level: 30 });
    expect(other).toMatchObject({ stream: "s1", msg: "something else" });
  });

  it("writes readable lines on a terminal, the start record as the block alone", () => {
    const text = written(true).replace(/\x1b\[[0-9;]*m/g, "");
    expect(text).toContain(startBlock(facts));
    expect(text).not.toContain("natsEmbedded");
    expect(text).toMatch(/INFO .*something else\n\s+stream: "s1"/);
  });
});

import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, inject, it } from "vitest";
import type { StartFacts } from "../../src/start-summary.js";
import { readyLine } from "../../tools/src/server-process.js";
import { uniqueNamespace } from "../support/server.js";

const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

/**
 * The server's start record as a log collector sees it (stdout is a pipe, so JSON): one
 * record with where it listens, which NATS, where the data is, the namespace and the auth mode.
 */
describe("the start record", () => {
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  });

  const start = async (args: string[]): Promise<StartFacts & { msg: string }> => {
    const namespace = uniqueNamespace();
    child = spawn(process.execPath, [CLI, "serve", "--port", "0", "--memory", "--nats-url", inject("natsUrl"), "--namespace", namespace, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    return (await readyLine(child)) as unknown as StartFacts & { msg: string };
  };

  it("one process: its endpoint, the NATS URL, memory, the namespace, verified keys", async () => {
    const record = await start(["--credentials", "AKID1:secret1,AKID2:secret2"]);
    expect(record).toMatchObject({
      msg: "Kinesis endpoint ready",
      nats: inject("natsUrl"),
      natsEmbedded: false,
      data: "memory",
      auth: "verified",
      accessKeys: 2,
    });
    expect(record.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(record.namespace).toMatch(/^t[0-9a-f]{10}$/);
    expect(record).not.toHaveProperty("workers");
  });

  it("--workers 2: the primary logs it once every worker listens, with the workers' count", async () => {
    const record = await start(["--workers", "2", "--no-signature-check"]);
    expect(record).toMatchObject({ msg: "Kinesis endpoint ready", nats: inject("natsUrl"), natsEmbedded: false, data: "memory", auth: "none", workers: 2 });
    expect(record.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});

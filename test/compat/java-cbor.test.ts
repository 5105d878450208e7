import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, uniqueStreamName } from "../support/server.js";

/** Debian's Jackson CBOR (libjackson2-dataformat-cbor), the parser the AWS SDKs for Java use. */
const JARS = ["/usr/share/java/jackson-core.jar", "/usr/share/java/jackson-dataformat-cbor.jar"];
const SOURCE = fileURLToPath(new URL("./java/CborClient.java", import.meta.url));
// Runs where a JDK (source launch needs its compiler) and Debian's Jackson CBOR are installed,
// as .ci/run does; on a machine without them there is nothing to run it with.
const javaAvailable = spawnSync("javac", ["-version"]).status === 0 && JARS.every((jar) => existsSync(jar));

let server: RunningServer;
beforeAll(async () => {
  // The Jackson client writes requests by hand and does not sign them: it is about CBOR.
  server = await startTestServer({ noSignatureCheck: true });
});
afterAll(async () => server?.close());

describe.skipIf(!javaAvailable)("Jackson CBOR (the Java SDK's parser and generator)", () => {
  it("writes requests the server reads and reads answers as the Java SDK does", async () => {
    const { stdout } = await promisify(execFile)("java", ["--source", "17", "-cp", JARS.join(":"), SOURCE, server.url, uniqueStreamName("java")], {
      timeout: 60_000,
    });
    expect(stdout.trim().split("\n")).toEqual([
      "created",
      "put shardId-000000000000",
      "read sequence,timestamp,data,millisBehindLatest",
      expect.stringMatching(/^error ResourceNotFoundException: Stream no-such-java\.\S+ under account 000000000000 not found\.$/),
    ]);
  });
});

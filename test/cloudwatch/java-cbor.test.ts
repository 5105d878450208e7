import { execFile, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, uniqueNamespace } from "../support/server.js";
import { scrape } from "./metrics-text.js";

/** Debian's Jackson CBOR (libjackson2-dataformat-cbor), the generator and parser of the AWS SDK for Java. */
const JARS = ["/usr/share/java/jackson-core.jar", "/usr/share/java/jackson-dataformat-cbor.jar"];
const SOURCE = fileURLToPath(new URL("./java/CloudWatchRpcV2Client.java", import.meta.url));
// As test/compat/java-cbor.test.ts: runs where a JDK and Debian's Jackson CBOR are installed.
const javaAvailable = spawnSync("javac", ["-version"]).status === 0 && JARS.every((jar) => existsSync(jar));

let server: RunningServer;
beforeAll(async () => {
  // The Java client here sends its CBOR unsigned: what is under test is the encoding, not the signature.
  server = await startTestServer({ noSignatureCheck: true });
});
afterAll(async () => server?.close());

describe.skipIf(!javaAvailable)("PutMetricData in RPC v2 CBOR through Jackson (the Java SDK 2.40.6+ and KCL 3.4+)", () => {
  it("is read from indefinite-length maps with tag 1 seconds, and answered in CBOR Jackson reads", async () => {
    const namespace = uniqueNamespace();
    const { stdout } = await promisify(execFile)("java", ["--source", "17", "-cp", JARS.join(":"), SOURCE, server.url, namespace], { timeout: 60_000 });
    expect(stdout.trim().split("\n")).toEqual([
      "200 rpc-v2-cbor",
      "400 rpc-v2-cbor __type=com.amazonaws.cloudwatch#InvalidParameterValueException message=The parameter MetricData.member.1.Timestamp must specify a time no more than two hours in the future.",
    ]);
    expect(await scrape(server, "cloudwatch_metric_count", { namespace, dimension_ShardId: "shardId-000000000000" })).toMatchObject([{ value: 4 }]);
    expect(await scrape(server, "cloudwatch_metric_last", { namespace, dimension_ShardId: "shardId-000000000001" })).toMatchObject([{ value: 0.5 }]);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateStreamCommand,
  DeleteResourcePolicyCommand,
  DeleteStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordCommand,
  PutResourcePolicyCommand,
} from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, uniqueStreamName } from "../support/server.js";

const ACCOUNT = "123456789012";
const ADMIN = { accessKeyId: "AKIDPOLICYADMIN", secretAccessKey: "admin-secret" };
const READER = { accessKeyId: "AKIDPOLICYREADER", secretAccessKey: "reader-secret" };
let dir: string;
let server: RunningServer;
const clients: KinesisClient[] = [];

const client = (credentials: typeof ADMIN) => {
  const kinesis = new KinesisClient({ endpoint: server.url, region: "us-east-1", credentials, maxAttempts: 1 });
  clients.push(kinesis);
  return kinesis;
};
const arnOf = (stream: string) => `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${stream}`;
const policy = (effect: "Allow" | "Deny", user: string, action: string, resource: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: effect, Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/${user}` }, Action: action, Resource: resource }],
  });

async function readBack(stream: string): Promise<string[]> {
  const admin = client(ADMIN);
  const { ShardIterator } = await admin.send(
    new GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }),
  );
  return ((await admin.send(new GetRecordsCommand({ ShardIterator }))).Records ?? []).map((r) => Buffer.from(r.Data!).toString());
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kinesis-policies-"));
  const file = join(dir, "keys.json");
  writeFileSync(
    file,
    JSON.stringify({
      accessKeys: [
        { ...ADMIN, user: "admin" },
        { ...READER, user: "reader", access: "read-only" },
      ],
    }),
  );
  server = await startTestServer({ credentialsFile: file, accountId: ACCOUNT });
});
afterAll(async () => {
  clients.forEach((c) => c.destroy());
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("resource policies are enforced for the principals they name", () => {
  it("an explicit Deny refuses even a full-access key, and nothing is written", async () => {
    const stream = uniqueStreamName("denied");
    const admin = client(ADMIN);
    await admin.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    await admin.send(new PutResourcePolicyCommand({ ResourceARN: arnOf(stream), Policy: policy("Deny", "admin", "kinesis:Put*", arnOf(stream)) }));
    // Policies apply within a second, on every instance (as IAM changes take a moment on AWS).
    await new Promise((r) => setTimeout(r, 1100));
    await expect(admin.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("no") }))).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: `User: arn:aws:iam::${ACCOUNT}:user/admin is not authorized to perform: kinesis:PutRecord on resource: ${arnOf(stream)} with an explicit deny in a resource-based policy`,
    });
    // Reading is not denied by that statement: the stream is readable, and empty.
    expect(await readBack(stream)).toEqual([]);
  });

  it("an Allow grants what the key alone may not, and its removal takes it back within a second", async () => {
    const stream = uniqueStreamName("granted");
    const admin = client(ADMIN);
    const reader = client(READER);
    await admin.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    const write = () => reader.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("by the reader") }));
    await expect(write()).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: `User: arn:aws:iam::${ACCOUNT}:user/reader is not authorized to perform: kinesis:PutRecord on resource: ${arnOf(stream)} because no identity-based policy allows the kinesis:PutRecord action`,
    });
    await admin.send(new PutResourcePolicyCommand({ ResourceARN: arnOf(stream), Policy: policy("Allow", "reader", "kinesis:PutRecord", arnOf(stream)) }));
    await new Promise((r) => setTimeout(r, 1100));
    await write();
    expect(await readBack(stream)).toEqual(["by the reader"]);
    await admin.send(new DeleteResourcePolicyCommand({ ResourceARN: arnOf(stream) }));
    await new Promise((r) => setTimeout(r, 1100));
    await expect(write()).rejects.toMatchObject({ name: "AccessDeniedException" });
  });

  it("a stream's policy goes with it: a new stream of the same name does not inherit its grants", async () => {
    const stream = uniqueStreamName("reborn");
    const admin = client(ADMIN);
    const reader = client(READER);
    await admin.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
    await admin.send(new PutResourcePolicyCommand({ ResourceARN: arnOf(stream), Policy: policy("Allow", "reader", "kinesis:PutRecord", arnOf(stream)) }));
    await admin.send(new DeleteStreamCommand({ StreamName: stream }));
    for (let attempt = 0; ; attempt++) {
      const created = await admin.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 })).then(
        () => true,
        (error: { name: string }) => {
          if (error.name !== "ResourceInUseException" || attempt > 100) throw error;
          return false;
        },
      );
      if (created) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 1100));
    await expect(reader.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.from("inherited?") }))).rejects.toMatchObject({
      name: "AccessDeniedException",
    });
  });
});

import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DeregisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ListStreamConsumersCommand,
  type ListStreamConsumersCommandOutput,
  RegisterStreamConsumerCommand,
} from "@aws-sdk/client-kinesis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { sdkClient, startTestServer, uniqueStreamName, useTwoInstances, useTestServer } from "../support/server.js";
import { signedHeaders } from "../support/signing.js";

const ACCOUNT = "000000000000";
const service = useTestServer();

async function newStream(client = service.kinesis): Promise<{ name: string; arn: string }> {
  const name = uniqueStreamName();
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  const { StreamDescriptionSummary: s } = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
  return { name, arn: s!.StreamARN! };
}

const failure = (promise: Promise<unknown>): Promise<{ name: string; message: string }> =>
  promise.then(
    () => ({ name: "no error", message: "" }),
    (error: Error) => ({ name: error.name, message: error.message }),
  );

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(20);
  }
  return false;
}

describe("registering consumers through @aws-sdk/client-kinesis", () => {
  it("registers, describes by ARN and by stream + name, lists, deregisters; ConsumerCount follows", async () => {
    const { name, arn } = await newStream();
    const before = Date.now();
    const { Consumer } = await service.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "app.one" }));
    const created = Consumer!.ConsumerCreationTimestamp!.getTime();
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(Consumer).toMatchObject({ ConsumerName: "app.one", ConsumerStatus: "ACTIVE", ConsumerARN: `${arn}/consumer/app.one:${Math.floor(created / 1000)}` });

    const byArn = await service.kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: Consumer!.ConsumerARN }));
    const byName = await service.kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: arn, ConsumerName: "app.one" }));
    const byAll = await service.kinesis.send(
      new DescribeStreamConsumerCommand({ StreamARN: arn, ConsumerName: "app.one", ConsumerARN: Consumer!.ConsumerARN }),
    );
    expect(byArn.ConsumerDescription).toEqual({ ...Consumer, StreamARN: arn });
    expect(byName.ConsumerDescription).toEqual(byArn.ConsumerDescription);
    expect(byAll.ConsumerDescription).toEqual(byArn.ConsumerDescription);

    await service.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "app-two" }));
    const listed = await service.kinesis.send(new ListStreamConsumersCommand({ StreamARN: arn }));
    expect(listed.Consumers?.map((c) => c.ConsumerName)).toEqual(["app-two", "app.one"]);
    expect(listed.NextToken).toBeUndefined();
    const summary = await service.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    expect(summary.StreamDescriptionSummary?.ConsumerCount).toBe(2);

    await service.kinesis.send(new DeregisterStreamConsumerCommand({ ConsumerARN: Consumer!.ConsumerARN }));
    expect(await failure(service.kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: Consumer!.ConsumerARN })))).toEqual({
      name: "ResourceNotFoundException",
      message: `Consumer app.one under stream ${name} and account ${ACCOUNT} not found.`,
    });
    await service.kinesis.send(new DeregisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "app-two" }));
    expect((await service.kinesis.send(new ListStreamConsumersCommand({ StreamARN: arn }))).Consumers).toEqual([]);
    expect((await service.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.ConsumerCount).toBe(0);
  });

  it("accepts the StreamId KCL sends back (sent raw: the SDK routes a StreamId to AWS's own hosts)", async () => {
    const { arn } = await newStream();
    const post = async (operation: string, body: object): Promise<{ status: number; json: { Consumer?: { ConsumerARN: string } } }> => {
      const sent = JSON.stringify({ ...body, StreamId: "abcdefghij0123456789-abc" });
      const headers = { "content-type": "application/x-amz-json-1.1", "x-amz-target": `Kinesis_20131202.${operation}` };
      const response = await fetch(service.server.url, { method: "POST", headers: await signedHeaders(service.server.url, headers, sent), body: sent });
      return { status: response.status, json: (await response.json()) as { Consumer?: { ConsumerARN: string } } };
    };
    const registered = await post("RegisterStreamConsumer", { StreamARN: arn, ConsumerName: "kcl" });
    const described = await post("DescribeStreamConsumer", { StreamARN: arn, ConsumerName: "kcl" });
    expect(registered.status).toBe(200);
    expect(described).toMatchObject({ status: 200, json: { ConsumerDescription: { ConsumerARN: registered.json.Consumer?.ConsumerARN } } });
  });

  it("a registration again under a deregistered name gets a new ARN; the old ARN is not found", async () => {
    const { arn } = await newStream();
    const first = (await service.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "again" }))).Consumer!;
    await service.kinesis.send(new DeregisterStreamConsumerCommand({ ConsumerARN: first.ConsumerARN }));
    const second = (await service.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "again" }))).Consumer!;
    expect(second.ConsumerARN).not.toBe(first.ConsumerARN);
    expect((await failure(service.kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: first.ConsumerARN })))).name).toBe("ResourceNotFoundException");
    expect((await service.kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: second.ConsumerARN }))).ConsumerDescription?.ConsumerStatus).toBe(
      "ACTIVE",
    );
  });

  it("refuses what Kinesis refuses, in its words", async () => {
    const { name, arn } = await newStream();
    const { Consumer } = await service.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "taken" }));
    const missingArn = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/no-such-stream`;
    const cases: [() => Promise<unknown>, string, string | RegExp][] = [
      [
        () => service.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "taken" })),
        "ResourceInUseException",
        `Consumer taken under stream ${name} and account ${ACCOUNT} already exists.`,
      ],
      [
        () => service.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: missingArn, ConsumerName: "x" })),
        "ResourceNotFoundException",
        `Stream no-such-stream under account ${ACCOUNT} not found.`,
      ],
      [
        () => service.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "bad/name" })),
        "ValidationException",
        "1 validation error detected: Value 'bad/name' at 'consumerName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
      ],
      [
        () => service.kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: arn })),
        "InvalidArgumentException",
        "Either ConsumerARN or both StreamARN and ConsumerName should be provided.",
      ],
      [
        () => service.kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: arn, ConsumerName: "nobody" })),
        "ResourceNotFoundException",
        `Consumer nobody under stream ${name} and account ${ACCOUNT} not found.`,
      ],
      [
        () => service.kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: Consumer!.ConsumerARN, ConsumerName: "other" })),
        "InvalidArgumentException",
        `ConsumerARN ${Consumer!.ConsumerARN} and ConsumerName other refer to different consumers.`,
      ],
      [
        () => service.kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: Consumer!.ConsumerARN!.replace(/:\d+$/, ":12345") })),
        "ResourceNotFoundException",
        `Consumer taken under stream ${name} and account ${ACCOUNT} not found.`,
      ],
      [
        () => service.kinesis.send(new DeregisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "nobody" })),
        "ResourceNotFoundException",
        /^Consumer nobody under stream/,
      ],
      [
        () => service.kinesis.send(new ListStreamConsumersCommand({ StreamARN: missingArn })),
        "ResourceNotFoundException",
        `Stream no-such-stream under account ${ACCOUNT} not found.`,
      ],
      [() => service.kinesis.send(new ListStreamConsumersCommand({ StreamARN: arn, NextToken: "forged" })), "InvalidArgumentException", "Invalid NextToken."],
      [
        () => service.kinesis.send(new ListStreamConsumersCommand({ StreamARN: arn, StreamCreationTimestamp: new Date(0) })),
        "ResourceNotFoundException",
        `Stream ${name} under account ${ACCOUNT} not found.`,
      ],
    ];
    for (const [call, type, message] of cases) {
      const error = await failure(call());
      expect(error.name).toBe(type);
      if (typeof message === "string") expect(error.message).toBe(message);
      else expect(error.message).toMatch(message);
    }
  });

  it("allows 20 consumers per stream: the 21st gets LimitExceededException", async () => {
    const { name, arn } = await newStream();
    await Promise.all(Array.from({ length: 20 }, (_, i) => service.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: `c${i}` }))));
    const refused = await failure(service.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "c20" })));
    expect(refused).toEqual({
      name: "LimitExceededException",
      message: `Stream ${name} under account ${ACCOUNT} already has 20 registered consumers, the most a stream can have.`,
    });
    await service.kinesis.send(new DeregisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "c0" }));
    await service.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "c20" }));
    expect((await service.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.ConsumerCount).toBe(20);
  });

  it("lists consumers a page at a time", async () => {
    const { arn } = await newStream();
    const names = Array.from({ length: 7 }, (_, i) => `page-${i}`);
    for (const ConsumerName of names) await service.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName }));
    const seen: string[] = [];
    let page: ListStreamConsumersCommandOutput | undefined;
    let pages = 0;
    do {
      page = await service.kinesis.send(new ListStreamConsumersCommand({ StreamARN: arn, MaxResults: 3, NextToken: page?.NextToken }));
      seen.push(...(page.Consumers ?? []).map((c) => c.ConsumerName!));
      pages++;
    } while (page.NextToken);
    expect(pages).toBe(3);
    expect(seen).toEqual(names);
  });

  it("DeleteStream refuses a stream with consumers unless EnforceConsumerDeletion, which takes them along", async () => {
    const { name, arn } = await newStream();
    const { Consumer } = await service.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "holder" }));
    expect(await failure(service.kinesis.send(new DeleteStreamCommand({ StreamName: name })))).toEqual({
      name: "ResourceInUseException",
      message: `DeleteStream can't delete ${arn} because there are consumers associated with this data stream. To delete ${name} anyway, set the EnforceConsumerDeletion parameter to true to force the deletion of all the consumers that are associated with it.`,
    });
    expect(await failure(service.kinesis.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: false })))).toMatchObject({
      name: "ResourceInUseException",
    });
    await service.kinesis.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
    expect((await failure(service.kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: Consumer!.ConsumerARN })))).name).toBe(
      "ResourceNotFoundException",
    );
    // A new stream of the same name starts with no consumers.
    await service.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    expect((await service.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.ConsumerCount).toBe(0);
    expect((await failure(service.kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: arn, ConsumerName: "holder" })))).name).toBe(
      "ResourceNotFoundException",
    );
  });
});

describe("consumer status over time", () => {
  let slow: RunningServer;
  let client: KinesisClient;
  beforeAll(async () => {
    slow = await startTestServer({ registerConsumerMs: 400, deregisterConsumerMs: 400 });
    client = sdkClient(slow);
  });
  afterAll(async () => {
    client?.destroy();
    await slow?.close();
  });

  it("is CREATING, then ACTIVE; DELETING after deregistration, then gone", async () => {
    const { arn } = await newStream(client);
    const { Consumer } = await client.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "slow" }));
    expect(Consumer?.ConsumerStatus).toBe("CREATING");
    const status = async (): Promise<string> =>
      (await client.send(new DescribeStreamConsumerCommand({ ConsumerARN: Consumer!.ConsumerARN }))).ConsumerDescription!.ConsumerStatus!;
    expect(await status()).toBe("CREATING");
    await sleep(450);
    expect(await status()).toBe("ACTIVE");
    await client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: Consumer!.ConsumerARN }));
    expect(await status()).toBe("DELETING");
    expect((await client.send(new ListStreamConsumersCommand({ StreamARN: arn }))).Consumers?.map((c) => c.ConsumerStatus)).toEqual(["DELETING"]);
    expect((await failure(client.send(new DeregisterStreamConsumerCommand({ ConsumerARN: Consumer!.ConsumerARN })))).name).toBe("ResourceInUseException");
    await sleep(450);
    expect((await failure(status())).name).toBe("ResourceNotFoundException");
  });
});

describe("consumers across server instances on one NATS", () => {
  const instances = useTwoInstances();

  it("a consumer registered on one is described on the other at once", async () => {
    const { arn } = await newStream(instances.clientA);
    const { Consumer } = await instances.clientA.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "shared" }));
    const onB = await instances.clientB.send(new DescribeStreamConsumerCommand({ ConsumerARN: Consumer!.ConsumerARN }));
    expect(onB.ConsumerDescription?.ConsumerARN).toBe(Consumer!.ConsumerARN);
  });

  it("30 registrations racing on two instances: exactly 20 succeed, the rest get LimitExceededException", async () => {
    const { arn, name } = await newStream(instances.clientA);
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        (i % 2 ? instances.clientA : instances.clientB).send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: `race-${i}` })),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(20);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(refused.map((r) => (r.reason as Error).name)).toEqual(Array(10).fill("LimitExceededException"));
    const count = async (client: KinesisClient): Promise<number | undefined> =>
      (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.ConsumerCount;
    // Each instance counts from its own copy, current within moments.
    for (const client of [instances.clientA, instances.clientB]) expect(await eventually(async () => (await count(client)) === 20, 1000)).toBe(true);
  });

  it("two instances registering the same name: one wins, the other gets ResourceInUseException", async () => {
    const { arn } = await newStream(instances.clientA);
    const results = await Promise.allSettled([
      instances.clientA.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "same" })),
      instances.clientB.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: "same" })),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect((results.find((r) => r.status === "rejected") as PromiseRejectedResult).reason).toMatchObject({ name: "ResourceInUseException" });
  });
});

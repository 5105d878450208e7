import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteResourcePolicyCommand,
  DescribeAccountSettingsCommand,
  DescribeLimitsCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  DisableEnhancedMonitoringCommand,
  EnableEnhancedMonitoringCommand,
  GetResourcePolicyCommand,
  IncreaseStreamRetentionPeriodCommand,
  KinesisClient,
  ListTagsForResourceCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  PutResourcePolicyCommand,
  RegisterStreamConsumerCommand,
  RemoveTagsFromStreamCommand,
  SplitShardCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAccountSettingsCommand,
  UpdateMaxRecordSizeCommand,
  UpdateStreamModeCommand,
  UpdateStreamWarmThroughputCommand,
} from "@aws-sdk/client-kinesis";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { RunningServer } from "../../src/server.js";
import { startTestServer, TEST_CREDENTIALS, uniqueNamespace, uniqueStreamName } from "../support/server.js";

let server: RunningServer;
let kinesis: KinesisClient;
const namespace = uniqueNamespace();
const ACCOUNT = "000000000000";
const arnOf = (stream: string) => `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${stream}`;

beforeAll(async () => {
  server = await startTestServer({ namespace });
  // Throttling-class errors (LimitExceeded) are not retried here, to keep the tests quick.
  kinesis = new KinesisClient({ endpoint: server.url, region: "us-east-1", credentials: TEST_CREDENTIALS, maxAttempts: 1 });
});
afterAll(async () => {
  kinesis?.destroy();
  await server?.close();
});

async function newStream(shards = 1): Promise<string> {
  const stream = uniqueStreamName();
  await kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: shards }));
  return stream;
}

async function jetStreamConfig(stream: string) {
  const nc = await connect({ servers: inject("natsUrl") });
  try {
    return (await (await jetstreamManager(nc)).streams.info(`${namespace}_${stream.replaceAll(".", "=")}`)).config;
  } finally {
    await nc.close();
  }
}

const rejects = (call: Promise<unknown>, name: string, message: string | RegExp) => expect(call).rejects.toMatchObject({ name, message });

describe("retention", () => {
  it("changes JetStream's max_age, in both directions, with the service's errors", async () => {
    const stream = await newStream();
    await kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: stream, RetentionPeriodHours: 48 }));
    expect((await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary?.RetentionPeriodHours).toBe(48);
    expect((await jetStreamConfig(stream)).max_age).toBe(48 * 3_600_000_000_000);
    await kinesis.send(new DecreaseStreamRetentionPeriodCommand({ StreamARN: arnOf(stream), RetentionPeriodHours: 30 }));
    expect((await jetStreamConfig(stream)).max_age).toBe(30 * 3_600_000_000_000);

    await rejects(
      kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: stream, RetentionPeriodHours: 25 })),
      "InvalidArgumentException",
      `Requested retention period (25 hours) for stream ${stream} can not be shorter than existing retention period (30 hours). Use DecreaseRetentionPeriod API.`,
    );
    await rejects(
      kinesis.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: stream, RetentionPeriodHours: 40 })),
      "InvalidArgumentException",
      `Requested retention period (40 hours) for stream ${stream} can not be longer than existing retention period (30 hours). Use IncreaseRetentionPeriod API.`,
    );
    await rejects(
      kinesis.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: stream, RetentionPeriodHours: 23 })),
      "InvalidArgumentException",
      "Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is too short.",
    );
    await rejects(
      kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: stream, RetentionPeriodHours: 8761 })),
      "InvalidArgumentException",
      "Maximum allowed retention period is 8760 hours. Requested retention period (8761 hours) is too long.",
    );
  });

  it("accepts the period a stream already has and changes nothing: it stays ACTIVE", async () => {
    const slow = await startTestServer({ namespace, updateStreamMs: 60_000 });
    const client = new KinesisClient({ endpoint: slow.url, region: "us-east-1", credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    try {
      const stream = await newStream();
      const summary = async () => (await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary!;
      await client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: stream, RetentionPeriodHours: 24 }));
      await client.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: stream, RetentionPeriodHours: 24 }));
      expect(await summary()).toMatchObject({ StreamStatus: "ACTIVE", RetentionPeriodHours: 24 });
      expect((await jetStreamConfig(stream)).max_age).toBe(24 * 3_600_000_000_000);
      // A real change does take the stream through UPDATING.
      await client.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: stream, RetentionPeriodHours: 25 }));
      expect(await summary()).toMatchObject({ StreamStatus: "UPDATING", RetentionPeriodHours: 25 });
    } finally {
      client.destroy();
      await slow.close();
    }
  });
});

describe("tags", () => {
  it("add, list page by page, remove, by name and by ARN", async () => {
    const stream = await newStream();
    await kinesis.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: { team: "data", env: "dev", cost: "42" } }));
    const first = await kinesis.send(new ListTagsForStreamCommand({ StreamName: stream, Limit: 2 }));
    expect(first).toMatchObject({
      Tags: [
        { Key: "cost", Value: "42" },
        { Key: "env", Value: "dev" },
      ],
      HasMoreTags: true,
    });
    const rest = await kinesis.send(new ListTagsForStreamCommand({ StreamName: stream, ExclusiveStartTagKey: "env" }));
    expect(rest).toMatchObject({ Tags: [{ Key: "team", Value: "data" }], HasMoreTags: false });
    await kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: stream, TagKeys: ["env", "absent"] }));
    await kinesis.send(new TagResourceCommand({ ResourceARN: arnOf(stream), Tags: { owner: "me" } }));
    await kinesis.send(new UntagResourceCommand({ ResourceARN: arnOf(stream), TagKeys: ["cost"] }));
    expect((await kinesis.send(new ListTagsForResourceCommand({ ResourceARN: arnOf(stream) }))).Tags).toEqual([
      { Key: "owner", Value: "me" },
      { Key: "team", Value: "data" },
    ]);
  });

  it("tags registered consumers by their ARN too", async () => {
    const stream = await newStream();
    const { Consumer } = await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arnOf(stream), ConsumerName: "app", Tags: { team: "a" } }));
    const consumerArn = Consumer!.ConsumerARN!;
    await kinesis.send(new TagResourceCommand({ ResourceARN: consumerArn, Tags: { env: "prod" } }));
    await kinesis.send(new UntagResourceCommand({ ResourceARN: consumerArn, TagKeys: ["team"] }));
    expect((await kinesis.send(new ListTagsForResourceCommand({ ResourceARN: consumerArn }))).Tags).toEqual([{ Key: "env", Value: "prod" }]);
    // The stream's own tags are apart.
    expect((await kinesis.send(new ListTagsForResourceCommand({ ResourceARN: arnOf(stream) }))).Tags).toEqual([]);
    await rejects(
      kinesis.send(new ListTagsForResourceCommand({ ResourceARN: `${arnOf(stream)}/consumer/nobody:1700000000` })),
      "ResourceNotFoundException",
      `Consumer nobody under stream ${stream} and account ${ACCOUNT} not found.`,
    );
  });

  it("refuses bad characters, more than 50 tags, and unknown resources", async () => {
    const stream = await newStream();
    await rejects(
      kinesis.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: { "a;b": "c" } })),
      "InvalidArgumentException",
      "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.",
    );
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
    await rejects(
      kinesis.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: many })),
      "InvalidArgumentException",
      `Failed to add tags to stream ${stream} under account ${ACCOUNT} because a given stream cannot have more than 50 tags associated with it.`,
    );
    await rejects(
      kinesis.send(new ListTagsForResourceCommand({ ResourceARN: arnOf("nope") })),
      "ResourceNotFoundException",
      `Stream nope under account ${ACCOUNT} not found.`,
    );
  });

  it("holds RemoveTagsFromStream's keys to the same characters, after finding the stream", async () => {
    const stream = await newStream();
    await kinesis.send(new AddTagsToStreamCommand({ StreamName: stream, Tags: { keep: "1", "ü0 _.": "2", "/=+-@": "3" } }));
    for (const key of ["abc;def", "abc\tdef", "abc\ndef", "abc,def"]) {
      await rejects(
        kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: stream, TagKeys: ["keep", key] })),
        "InvalidArgumentException",
        "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.",
      );
    }
    // Nothing was removed by the refused calls; valid keys go.
    expect((await kinesis.send(new ListTagsForStreamCommand({ StreamName: stream }))).Tags).toHaveLength(3);
    await kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: stream, TagKeys: ["ü0 _.", "/=+-@"] }));
    expect((await kinesis.send(new ListTagsForStreamCommand({ StreamName: stream }))).Tags).toEqual([{ Key: "keep", Value: "1" }]);
    await rejects(
      kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: "nope", TagKeys: [";"] })),
      "ResourceNotFoundException",
      `Stream nope under account ${ACCOUNT} not found.`,
    );
  });
});

describe("enhanced monitoring", () => {
  it("records the shard-level metrics and reports them", async () => {
    const stream = await newStream();
    const enabled = await kinesis.send(new EnableEnhancedMonitoringCommand({ StreamName: stream, ShardLevelMetrics: ["IncomingBytes"] }));
    expect(enabled).toMatchObject({ StreamName: stream, CurrentShardLevelMetrics: [], DesiredShardLevelMetrics: ["IncomingBytes"] });
    const all = await kinesis.send(new EnableEnhancedMonitoringCommand({ StreamName: stream, ShardLevelMetrics: ["ALL"] }));
    expect(all.DesiredShardLevelMetrics).toHaveLength(7);
    expect((await kinesis.send(new DescribeStreamCommand({ StreamName: stream }))).StreamDescription?.EnhancedMonitoring?.[0]?.ShardLevelMetrics).toHaveLength(
      7,
    );
    const off = await kinesis.send(new DisableEnhancedMonitoringCommand({ StreamName: stream, ShardLevelMetrics: ["ALL"] }));
    expect(off).toMatchObject({ DesiredShardLevelMetrics: [] });
    expect(off.CurrentShardLevelMetrics).toHaveLength(7);
    await rejects(
      kinesis.send(new EnableEnhancedMonitoringCommand({ StreamName: stream, ShardLevelMetrics: ["Everything" as never] })),
      "ValidationException",
      /^1 validation error detected: Value '\[Everything\]' at 'shardLevelMetrics' failed to satisfy constraint: Member must satisfy constraint: \[Member must satisfy enum value set: \[/,
    );
    await rejects(
      kinesis.send(new EnableEnhancedMonitoringCommand({ StreamName: "nope", ShardLevelMetrics: ["ALL"] })),
      "ResourceNotFoundException",
      `Stream nope under account ${ACCOUNT} not found.`,
    );
  });
});

describe("account", () => {
  it("DescribeLimits counts open shards and on-demand streams", async () => {
    const before = await kinesis.send(new DescribeLimitsCommand({}));
    await newStream(3);
    await kinesis.send(new CreateStreamCommand({ StreamName: uniqueStreamName(), StreamModeDetails: { StreamMode: "ON_DEMAND" } }));
    const after = await kinesis.send(new DescribeLimitsCommand({}));
    expect(after).toMatchObject({
      ShardLimit: 500,
      OpenShardCount: before.OpenShardCount! + 7,
      OnDemandStreamCount: before.OnDemandStreamCount! + 1,
      OnDemandStreamCountLimit: 50,
    });
  });

  it("records the minimum throughput billing commitment", async () => {
    expect((await kinesis.send(new DescribeAccountSettingsCommand({}))).MinimumThroughputBillingCommitment).toEqual({ Status: "DISABLED" });
    const on = await kinesis.send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: "ENABLED" } }));
    expect(on.MinimumThroughputBillingCommitment).toMatchObject({ Status: "ENABLED", StartedAt: expect.any(Date), EarliestAllowedEndAt: expect.any(Date) });
    const off = await kinesis.send(new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: "DISABLED" } }));
    // A commitment ends no earlier than its earliest allowed end.
    expect(off.MinimumThroughputBillingCommitment).toMatchObject({
      Status: "ENABLED_UNTIL_EARLIEST_ALLOWED_END",
      EndedAt: on.MinimumThroughputBillingCommitment?.EarliestAllowedEndAt,
    });
  });
});

describe("resource policies", () => {
  it("are validated, stored, read back and deleted", async () => {
    const stream = await newStream();
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ["kinesis:GetRecords"], Resource: arnOf(stream) }],
    });
    expect((await kinesis.send(new GetResourcePolicyCommand({ ResourceARN: arnOf(stream) }))).Policy).toBe("{}");
    await kinesis.send(new PutResourcePolicyCommand({ ResourceARN: arnOf(stream), Policy: policy }));
    expect((await kinesis.send(new GetResourcePolicyCommand({ ResourceARN: arnOf(stream) }))).Policy).toBe(policy);
    await rejects(
      kinesis.send(new PutResourcePolicyCommand({ ResourceARN: arnOf(stream), Policy: "{not json" })),
      "InvalidArgumentException",
      "Invalid policy document: not valid JSON.",
    );
    await rejects(
      kinesis.send(
        new PutResourcePolicyCommand({
          ResourceARN: arnOf(stream),
          Policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }] }),
        }),
      ),
      "InvalidArgumentException",
      "Invalid policy document: Statement 1 names an action that is not a kinesis: action.",
    );
    await kinesis.send(new DeleteResourcePolicyCommand({ ResourceARN: arnOf(stream) }));
    expect((await kinesis.send(new GetResourcePolicyCommand({ ResourceARN: arnOf(stream) }))).Policy).toBe("{}");
    await rejects(kinesis.send(new DeleteResourcePolicyCommand({ ResourceARN: arnOf(stream) })), "ResourceNotFoundException", /No resource policy found/);
  });
});

describe("stream settings", () => {
  it("UpdateStreamMode, UpdateMaxRecordSize and UpdateStreamWarmThroughput", async () => {
    const stream = await newStream(2);
    await kinesis.send(new UpdateStreamModeCommand({ StreamARN: arnOf(stream), StreamModeDetails: { StreamMode: "ON_DEMAND" } }));
    expect((await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary?.StreamModeDetails?.StreamMode).toBe(
      "ON_DEMAND",
    );
    await rejects(
      kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: "0", NewStartingHashKey: "1000" })),
      "ValidationException",
      `Request is invalid. Stream ${stream} under account ${ACCOUNT} is in On-Demand mode.`,
    );

    await kinesis.send(new UpdateMaxRecordSizeCommand({ StreamARN: arnOf(stream), MaxRecordSizeInKiB: 2048 }));
    await kinesis.send(new PutRecordCommand({ StreamName: stream, PartitionKey: "k", Data: Buffer.alloc(1536 * 1024) }));
    await rejects(
      kinesis.send(new UpdateMaxRecordSizeCommand({ StreamARN: arnOf(stream), MaxRecordSizeInKiB: 10240 })),
      "InvalidArgumentException",
      /max_payload/,
    );

    const warm = await kinesis.send(new UpdateStreamWarmThroughputCommand({ StreamName: stream, WarmThroughputMiBps: 100 }));
    expect(warm).toMatchObject({ StreamName: stream, StreamARN: arnOf(stream), WarmThroughput: { TargetMiBps: 100 } });
    expect((await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary).toMatchObject({
      MaxRecordSizeInKiB: 2048,
      WarmThroughput: { TargetMiBps: 100 },
    });
  });
});

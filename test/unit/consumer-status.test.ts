import { describe, expect, it } from "vitest";
import { effectiveConsumerStatus, type ConsumerMetadata } from "../../src/jetstream/consumer-metadata.js";
import type { StreamMetadata } from "../../src/jetstream/stream-metadata.js";
import { consumerArnOf, consumerTargetOf } from "../../src/kinesis/resources/consumer-ref.js";
import type { ServiceSettings } from "../../src/kinesis/context.js";

const stream = { name: "orders.v1", createdAt: 1_000, status: "CREATING", statusUntil: 2_000, shards: [] } as unknown as StreamMetadata;
const consumer: ConsumerMetadata = {
  streamName: "orders.v1",
  streamCreatedAt: 1_000,
  name: "app",
  createdAt: 3_000_500,
  status: "CREATING",
  statusUntil: 3_001_000,
  tags: {},
};
const settings = { region: "us-east-1", accountId: "123456789012" } as ServiceSettings;

describe("a consumer's status", () => {
  it("turns ACTIVE when CREATING ends, and is gone when DELETING ends", () => {
    expect(effectiveConsumerStatus(consumer, stream, 3_000_900)).toBe("CREATING");
    expect(effectiveConsumerStatus(consumer, stream, 3_001_000)).toBe("ACTIVE");
    const deleting = { ...consumer, status: "DELETING" as const, statusUntil: 3_002_000 };
    expect(effectiveConsumerStatus(deleting, stream, 3_001_500)).toBe("DELETING");
    expect(effectiveConsumerStatus(deleting, stream, 3_002_000)).toBe("GONE");
  });

  it("follows its stream: DELETING with it, gone with it or when the name belongs to a newer stream", () => {
    const deletingStream = { ...stream, status: "DELETING", statusUntil: 4_000_000 } as StreamMetadata;
    expect(effectiveConsumerStatus(consumer, deletingStream, 3_500_000)).toBe("DELETING");
    expect(effectiveConsumerStatus(consumer, deletingStream, 4_000_000)).toBe("GONE");
    expect(effectiveConsumerStatus(consumer, { ...stream, createdAt: 5_000 }, 3_500_000)).toBe("GONE");
    expect(effectiveConsumerStatus(consumer, undefined, 3_500_000)).toBe("GONE");
  });
});

describe("consumer ARNs", () => {
  const arn = "arn:aws:kinesis:us-east-1:123456789012:stream/orders.v1/consumer/app:3000";

  it("are the stream's ARN, the consumer's name and its creation second", () => {
    expect(consumerArnOf(settings, consumer)).toBe(arn);
  });

  it("name a stream and consumer, alone or with a StreamARN and ConsumerName that agree", () => {
    expect(consumerTargetOf({ ConsumerARN: arn }, settings)).toEqual({ streamName: "orders.v1", consumerName: "app", createdSeconds: 3000 });
    expect(
      consumerTargetOf({ ConsumerARN: arn, ConsumerName: "app", StreamARN: "arn:aws:kinesis:us-east-1:123456789012:stream/orders.v1" }, settings).consumerName,
    ).toBe("app");
    expect(consumerTargetOf({ StreamARN: "arn:aws:kinesis:us-east-1:123456789012:stream/orders.v1", ConsumerName: "app" }, settings)).toEqual({
      streamName: "orders.v1",
      consumerName: "app",
    });
  });

  it("that do not fit are refused the way Kinesis refuses them", () => {
    const error = (ref: object) => {
      try {
        consumerTargetOf(ref, settings);
        return undefined;
      } catch (thrown) {
        return { type: (thrown as { type: string }).type, message: (thrown as Error).message };
      }
    };
    expect(error({ ConsumerARN: "arn:aws:kinesis:us-east-1:123456789012:xstream/a/consumer/b:1" })).toEqual({
      type: "InvalidArgumentException",
      message: "Invalid ConsumerARN arn:aws:kinesis:us-east-1:123456789012:xstream/a/consumer/b:1.",
    });
    expect(error({ ConsumerARN: arn.replace("us-east-1", "eu-west-1") })).toEqual({
      type: "ResourceNotFoundException",
      message: "Consumer app under stream orders.v1 and account 123456789012 not found.",
    });
    expect(error({ ConsumerARN: arn, StreamARN: "arn:aws:kinesis:us-east-1:123456789012:stream/other" })?.type).toBe("InvalidArgumentException");
    expect(error({ ConsumerName: "app" })).toEqual({
      type: "InvalidArgumentException",
      message: "Either ConsumerARN or both StreamARN and ConsumerName should be provided.",
    });
  });
});

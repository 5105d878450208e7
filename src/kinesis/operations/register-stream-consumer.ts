import { effectiveConsumerStatus, type ConsumerMetadata } from "../../jetstream/consumer-metadata.js";
import { ConsumerLimitError, ConsumerNameTakenError } from "../../jetstream/consumer-registry.js";
import type { StreamMetadata } from "../../jetstream/stream-metadata.js";
import type { RequestContext } from "../context.js";
import { wireConsumer } from "../resources/consumer-ref.js";
import { defineOperation } from "../operation.js";
import { mergedTags } from "../changes/tags.js";
import { findStream, statusOf, streamNameOf } from "../resources/stream-ref.js";
import { consumerExists, streamNotActive, tooManyConsumers } from "../messages.js";

/** Registered consumers per stream, as on Kinesis. */
const MAX_CONSUMERS_PER_STREAM = 20;

/**
 * Creation time of a new registration. Its second is part of the ConsumerARN, which must differ
 * from the ARN of an earlier registration of the same name: move to the next second if needed.
 */
async function creationTime(ctx: RequestContext, streamName: string, consumerName: string): Promise<number> {
  const previous = await ctx.engine.consumers.find(streamName, consumerName);
  const previousSecond = previous ? Math.floor(previous.createdAt / 1000) : -1;
  return Math.floor(ctx.now / 1000) > previousSecond ? ctx.now : (previousSecond + 1) * 1000;
}

function refusal(error: unknown, ctx: RequestContext, stream: StreamMetadata, consumerName: string): unknown {
  if (error instanceof ConsumerNameTakenError) {
    return consumerExists(ctx.settings, stream.name, consumerName);
  }
  if (error instanceof ConsumerLimitError) {
    return tooManyConsumers(ctx.settings, stream.name, MAX_CONSUMERS_PER_STREAM);
  }
  return error;
}

export const registerStreamConsumer = defineOperation("RegisterStreamConsumer", {
  async handler(input, ctx) {
    const stream = await findStream(ctx, streamNameOf({ StreamARN: input.StreamARN }, ctx.settings));
    const status = statusOf(stream, ctx.now);
    if (status === "CREATING" || status === "DELETING") {
      throw streamNotActive(ctx.settings, stream.name, status);
    }
    const createdAt = await creationTime(ctx, stream.name, input.ConsumerName);
    const consumer: ConsumerMetadata = {
      streamName: stream.name,
      streamCreatedAt: stream.createdAt,
      name: input.ConsumerName,
      createdAt,
      status: "CREATING",
      statusUntil: ctx.now + ctx.settings.registerConsumerMs,
      tags: input.Tags ? mergedTags(ctx, `consumer ${input.ConsumerName}`, {}, input.Tags) : {},
    };
    // A registration counts until it is gone; the clock is read when it is checked.
    const counts = (existing: ConsumerMetadata): boolean => effectiveConsumerStatus(existing, ctx.engine.catalog.get(stream.name), Date.now()) !== "GONE";
    try {
      await ctx.engine.consumers.register(consumer, { counts, limit: MAX_CONSUMERS_PER_STREAM });
    } catch (error) {
      throw refusal(error, ctx, stream, input.ConsumerName);
    }
    void ctx.engine.consumers.purge(stream.name, (existing) => !counts(existing));
    const shown = effectiveConsumerStatus(consumer, stream, ctx.now);
    return { Consumer: wireConsumer(ctx, consumer, shown === "GONE" ? "DELETING" : shown) };
  },
});

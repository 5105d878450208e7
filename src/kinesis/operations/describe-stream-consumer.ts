import { consumerArnOf, findConsumer } from "../resources/consumer-ref.js";
import { defineOperation } from "../operation.js";
import { streamArnOf } from "../resources/stream-ref.js";

export const describeStreamConsumer = defineOperation("DescribeStreamConsumer", {
  async handler(input, ctx) {
    const { consumer, status } = await findConsumer(ctx, input);
    return {
      ConsumerDescription: {
        ConsumerName: consumer.name,
        ConsumerARN: consumerArnOf(ctx.settings, consumer),
        ConsumerStatus: status,
        ConsumerCreationTimestamp: new Date(consumer.createdAt),
        StreamARN: streamArnOf(ctx.settings, consumer.streamName),
      },
    };
  },
});

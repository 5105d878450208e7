import { consumerNotActive, consumerNotFound, findConsumer } from "../resources/consumer-ref.js";
import { defineOperation } from "../operation.js";

export const deregisterStreamConsumer = defineOperation("DeregisterStreamConsumer", {
  async handler(input, ctx) {
    const { consumer, status } = await findConsumer(ctx, input);
    if (status === "DELETING") throw consumerNotActive(ctx.settings, consumer);
    const notFound = consumerNotFound(ctx.settings, consumer.streamName, consumer.name);
    const updated = await ctx.engine.consumers.update(consumer.streamName, consumer.name, (latest) => {
      // Deregistered (and perhaps registered again) meanwhile: the one named here is gone.
      if (latest.createdAt !== consumer.createdAt || latest.status === "DELETING") throw notFound;
      return { ...latest, status: "DELETING", statusUntil: ctx.now + ctx.settings.deregisterConsumerMs };
    });
    if (!updated) throw notFound;
  },
});

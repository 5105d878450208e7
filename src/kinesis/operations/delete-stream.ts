import { consumerArnOf, registeredConsumers } from "../resources/consumer-ref.js";
import { ResourceInUseException } from "../errors.js";
import { defineOperation } from "../operation.js";
import { findStream, statusOf, streamArnOf, streamNameOf } from "../resources/stream-ref.js";
import { streamNotFound } from "../messages.js";

export const deleteStream = defineOperation("DeleteStream", {
  async handler(input, ctx) {
    const name = streamNameOf(input, ctx.settings);
    const stream = await findStream(ctx, name);
    if (statusOf(stream, ctx.now) === "DELETING") throw streamNotFound(ctx.settings, name);
    // With EnforceConsumerDeletion the consumers go with the stream (their status follows it).
    if (!input.EnforceConsumerDeletion && registeredConsumers(ctx, stream).length > 0) {
      throw new ResourceInUseException(
        `DeleteStream can't delete ${streamArnOf(ctx.settings, name)} because there are consumers associated with this data stream. To delete ${name} anyway, set the EnforceConsumerDeletion parameter to true to force the deletion of all the consumers that are associated with it.`,
      );
    }
    // Marked DELETING first, so that no instance writes to it while the storage goes.
    await ctx.engine.catalog.update(name, (latest) => {
      if (latest.createdAt !== stream.createdAt || statusOf(latest, ctx.now) === "DELETING") throw streamNotFound(ctx.settings, name);
      return { ...latest, status: "DELETING", statusUntil: ctx.now + ctx.settings.deleteStreamMs };
    });
    // Its resource policies go with it: a new stream of the same name (the same ARN) must not
    // inherit the old one's grants. Its consumers' ARNs carry their creation time, but go too.
    const arns = [streamArnOf(ctx.settings, name), ...registeredConsumers(ctx, stream).map((c) => consumerArnOf(ctx.settings, c))];
    await Promise.all(arns.map((arn) => ctx.engine.documents.policies.delete(arn)));
    await ctx.engine.storage.delete(name);
  },
});

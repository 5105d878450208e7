import { defineOperation } from "../operation.js";
import { findStream, statusOf, streamNameOf, streamNotFound } from "../stream-ref.js";

export const deleteStream = defineOperation("DeleteStream", {
  async handler(input, ctx) {
    const name = streamNameOf(input, ctx.settings);
    const stream = await findStream(ctx, name);
    if (statusOf(stream, ctx.now) === "DELETING") throw streamNotFound(ctx.settings, name);
    // Marked DELETING first, so that no instance writes to it while the storage goes.
    await ctx.engine.catalog.update(name, (latest) => {
      if (latest.createdAt !== stream.createdAt || statusOf(latest, ctx.now) === "DELETING") throw streamNotFound(ctx.settings, name);
      return { ...latest, status: "DELETING", statusUntil: ctx.now + ctx.settings.deleteStreamMs };
    });
    await ctx.engine.storage.delete(name);
  },
});

import { defineOperation } from "../operation.js";
import { streamNameOf } from "../resources/stream-ref.js";
import { updateActiveStream } from "../changes/stream-update.js";
import { mergedTags } from "../changes/tags.js";

export const addTagsToStream = defineOperation("AddTagsToStream", {
  async handler(input, ctx) {
    const name = streamNameOf(input, ctx.settings);
    await updateActiveStream(ctx, name, (stream) => ({ ...stream, tags: mergedTags(ctx, `stream ${name}`, stream.tags, input.Tags) }), { updating: false });
  },
});

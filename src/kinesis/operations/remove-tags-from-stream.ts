import { defineOperation } from "../operation.js";
import { streamNameOf } from "../resources/stream-ref.js";
import { updateActiveStream } from "../changes/stream-update.js";
import { withoutTags } from "../changes/tags.js";

export const removeTagsFromStream = defineOperation("RemoveTagsFromStream", {
  async handler(input, ctx) {
    const name = streamNameOf(input, ctx.settings);
    await updateActiveStream(ctx, name, (stream) => ({ ...stream, tags: withoutTags(stream.tags, input.TagKeys) }), { updating: false });
  },
});

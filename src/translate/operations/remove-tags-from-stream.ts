import { defineOperation } from "../operation.js";
import { streamNameOf } from "../stream-ref.js";
import { updateActiveStream } from "../stream-update.js";
import { withoutTags } from "../tags.js";

export const removeTagsFromStream = defineOperation("RemoveTagsFromStream", {
  async handler(input, ctx) {
    const name = streamNameOf(input, ctx.settings);
    await updateActiveStream(ctx, name, (stream) => ({ ...stream, tags: withoutTags(stream.tags, input.TagKeys) }), { updating: false });
  },
});

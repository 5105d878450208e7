import { defineOperation } from "../operation.js";
import { streamNameOf } from "../resources/stream-ref.js";
import { updateActiveStream } from "../changes/stream-update.js";
import { checkTagCharacters, withoutTags } from "../changes/tags.js";

export const removeTagsFromStream = defineOperation("RemoveTagsFromStream", {
  async handler(input, ctx) {
    const name = streamNameOf(input, ctx.settings);
    // The stream is found first: an unknown stream is ResourceNotFound whatever the keys.
    await updateActiveStream(
      ctx,
      name,
      (stream) => {
        checkTagCharacters(input.TagKeys);
        return { ...stream, tags: withoutTags(stream.tags, input.TagKeys) };
      },
      { updating: false },
    );
  },
});

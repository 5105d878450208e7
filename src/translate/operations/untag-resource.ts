import { defineOperation } from "../operation.js";
import { streamOfResource } from "../resource-ref.js";
import { updateActiveStream } from "../stream-update.js";
import { withoutTags } from "../tags.js";

export const untagResource = defineOperation("UntagResource", {
  async handler(input, ctx) {
    const name = await streamOfResource(ctx, input.ResourceARN);
    await updateActiveStream(ctx, name, (stream) => ({ ...stream, tags: withoutTags(stream.tags, input.TagKeys) }), { updating: false });
  },
});

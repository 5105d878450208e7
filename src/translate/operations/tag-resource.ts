import { defineOperation } from "../operation.js";
import { streamOfResource } from "../resource-ref.js";
import { updateActiveStream } from "../stream-update.js";
import { mergedTags } from "../tags.js";

export const tagResource = defineOperation("TagResource", {
  async handler(input, ctx) {
    const name = await streamOfResource(ctx, input.ResourceARN);
    await updateActiveStream(ctx, name, (stream) => ({ ...stream, tags: mergedTags(ctx, name, stream.tags, input.Tags) }), { updating: false });
  },
});

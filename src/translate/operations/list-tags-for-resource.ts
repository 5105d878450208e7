import { defineOperation } from "../operation.js";
import { streamOfResource } from "../resource-ref.js";
import { findStream } from "../stream-ref.js";
import { tagList } from "../tags.js";

export const listTagsForResource = defineOperation("ListTagsForResource", {
  async handler(input, ctx) {
    const stream = await findStream(ctx, await streamOfResource(ctx, input.ResourceARN));
    return { Tags: tagList(stream.tags) };
  },
});

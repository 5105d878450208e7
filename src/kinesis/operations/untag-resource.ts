import { defineOperation } from "../operation.js";
import { changeTags, resourceOf } from "../resources/resource-ref.js";
import { withoutTags } from "../changes/tags.js";

export const untagResource = defineOperation("UntagResource", {
  async handler(input, ctx) {
    await changeTags(ctx, await resourceOf(ctx, input.ResourceARN), (tags) => withoutTags(tags, input.TagKeys));
  },
});

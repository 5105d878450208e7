import { defineOperation } from "../operation.js";
import { resourceOf, tagsOf } from "../resources/resource-ref.js";
import { tagList } from "../changes/tags.js";

export const listTagsForResource = defineOperation("ListTagsForResource", {
  async handler(input, ctx) {
    return { Tags: tagList(await tagsOf(ctx, await resourceOf(ctx, input.ResourceARN))) };
  },
});

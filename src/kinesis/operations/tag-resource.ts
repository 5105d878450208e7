import { defineOperation } from "../operation.js";
import { changeTags, resourceLabel, resourceOf } from "../resources/resource-ref.js";
import { mergedTags } from "../changes/tags.js";

export const tagResource = defineOperation("TagResource", {
  async handler(input, ctx) {
    const resource = await resourceOf(ctx, input.ResourceARN);
    await changeTags(ctx, resource, (tags) => mergedTags(ctx, resourceLabel(resource), tags, input.Tags));
  },
});

import { defineOperation } from "../operation.js";
import { resourceOf } from "../resources/resource-ref.js";

export const getResourcePolicy = defineOperation("GetResourcePolicy", {
  async handler(input, ctx) {
    await resourceOf(ctx, input.ResourceARN);
    const stored = await ctx.engine.documents.policies.get<{ policy: string }>(input.ResourceARN);
    // A resource without a policy answers an empty document.
    return { Policy: stored?.policy ?? "{}" };
  },
});

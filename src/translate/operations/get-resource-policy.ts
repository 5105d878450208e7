import { defineOperation } from "../operation.js";
import { streamOfResource } from "../resource-ref.js";

export const getResourcePolicy = defineOperation("GetResourcePolicy", {
  async handler(input, ctx) {
    await streamOfResource(ctx, input.ResourceARN);
    const stored = await ctx.engine.documents.policies.get<{ policy: string }>(input.ResourceARN);
    // A resource without a policy answers an empty document.
    return { Policy: stored?.policy ?? "{}" };
  },
});

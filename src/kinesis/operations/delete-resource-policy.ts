import { ResourceNotFoundException } from "../errors.js";
import { defineOperation } from "../operation.js";
import { resourceOf } from "../resources/resource-ref.js";

export const deleteResourcePolicy = defineOperation("DeleteResourcePolicy", {
  async handler(input, ctx) {
    await resourceOf(ctx, input.ResourceARN);
    if (!(await ctx.engine.documents.policies.delete(input.ResourceARN))) {
      throw new ResourceNotFoundException(`No resource policy found for resource ${input.ResourceARN}.`);
    }
  },
});

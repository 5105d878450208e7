import { defineOperation } from "../operation.js";
import { checkPolicyDocument } from "../iam/resource-policy.js";
import { resourceOf } from "../resources/resource-ref.js";

export const putResourcePolicy = defineOperation("PutResourcePolicy", {
  async handler(input, ctx) {
    await resourceOf(ctx, input.ResourceARN);
    checkPolicyDocument(input.Policy);
    await ctx.engine.documents.policies.put(input.ResourceARN, { policy: input.Policy });
  },
});

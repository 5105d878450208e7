import { COMMITMENT_DOCUMENT, commitmentView, type StoredCommitment } from "../changes/account-settings.js";
import { defineOperation } from "../operation.js";

export const describeAccountSettings = defineOperation("DescribeAccountSettings", {
  async handler(_input, ctx) {
    const stored = await ctx.engine.documents.account.get<StoredCommitment>(COMMITMENT_DOCUMENT);
    return { MinimumThroughputBillingCommitment: commitmentView(stored, ctx.now) };
  },
});

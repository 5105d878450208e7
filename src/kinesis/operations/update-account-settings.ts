import { changeCommitment, COMMITMENT_DOCUMENT, commitmentView, type StoredCommitment } from "../changes/account-settings.js";
import { defineOperation } from "../operation.js";

export const updateAccountSettings = defineOperation("UpdateAccountSettings", {
  async handler(input, ctx) {
    const wanted = input.MinimumThroughputBillingCommitment.Status;
    const stored = await ctx.engine.documents.account.update<StoredCommitment>(COMMITMENT_DOCUMENT, (current) => changeCommitment(current, wanted, ctx.now));
    return { MinimumThroughputBillingCommitment: commitmentView(stored, ctx.now) };
  },
});

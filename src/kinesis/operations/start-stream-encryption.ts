import { InvalidArgumentException } from "../errors.js";
import { defineOperation } from "../operation.js";
import { streamNameOf } from "../resources/stream-ref.js";
import { updateActiveStream } from "../changes/stream-update.js";

export const startStreamEncryption = defineOperation("StartStreamEncryption", {
  async handler(input, ctx) {
    const name = streamNameOf(input, ctx.settings);
    if (input.EncryptionType !== "KMS") throw new InvalidArgumentException("EncryptionType must be KMS to start encryption.");
    // The KMS key is not looked up: its id names the data key derived from our master key.
    await updateActiveStream(ctx, name, (stream) => ({ ...stream, encryptionKeyId: input.KeyId }), { updating: true });
  },
});

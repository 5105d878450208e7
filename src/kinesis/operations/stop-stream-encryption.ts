import { InvalidArgumentException } from "../errors.js";
import { defineOperation } from "../operation.js";
import { streamNameOf } from "../resources/stream-ref.js";
import { updateActiveStream } from "../changes/stream-update.js";

export const stopStreamEncryption = defineOperation("StopStreamEncryption", {
  async handler(input, ctx) {
    const name = streamNameOf(input, ctx.settings);
    if (input.EncryptionType !== "KMS") throw new InvalidArgumentException("EncryptionType must be KMS to stop encryption.");
    // Records written until now stay encrypted and readable: each names its key in a header.
    await updateActiveStream(
      ctx,
      name,
      (stream) => {
        const { encryptionKeyId: _off, ...rest } = stream;
        return rest;
      },
      { updating: true },
    );
  },
});

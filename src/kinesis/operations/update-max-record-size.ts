import { InvalidArgumentException } from "../errors.js";
import { defineOperation } from "../operation.js";
import { largestRecordKiB } from "../codecs/record-size.js";
import { streamNameOf } from "../resources/stream-ref.js";
import { updateActiveStream } from "../changes/stream-update.js";

export const updateMaxRecordSize = defineOperation("UpdateMaxRecordSize", {
  async handler(input, ctx) {
    const name = streamNameOf(input, ctx.settings);
    const largest = largestRecordKiB(ctx.engine.maxPayload);
    if (input.MaxRecordSizeInKiB > largest) {
      throw new InvalidArgumentException(
        `MaxRecordSizeInKiB ${input.MaxRecordSizeInKiB} is larger than ${largest}, the largest record the NATS server's max_payload of ${ctx.engine.maxPayload} bytes can hold.`,
      );
    }
    await updateActiveStream(ctx, name, (stream) => ({ ...stream, maxRecordSizeKiB: input.MaxRecordSizeInKiB }), { updating: true });
  },
});

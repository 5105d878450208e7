import type { RequestContext } from "../context.js";
import { InternalFailure } from "../errors.js";
import { defineOperation } from "../operation.js";
import { maxDataBytesOf, putRecords } from "../changes/record-put.js";
import { decodeSequenceNumber } from "../codecs/sequence-number.js";
import { findWritableStream, streamNameOf } from "../resources/stream-ref.js";
import { exclusiveMinimumInvalid, shardRateExceeded } from "../messages.js";

function checkOrdering(sequenceNumber: string | undefined, streamName: string, ctx: RequestContext): void {
  if (sequenceNumber === undefined || decodeSequenceNumber(sequenceNumber)) return;
  throw exclusiveMinimumInvalid(ctx.settings, streamName, sequenceNumber);
}

export const putRecord = defineOperation("PutRecord", {
  runtimeLimits: (input, ctx) => ({ maxBlobBytes: maxDataBytesOf(ctx, input.StreamName) }),
  async handler(input, ctx) {
    const stream = await findWritableStream(ctx, streamNameOf(input, ctx.settings));
    // Sequence numbers come from JetStream's stream sequence, which only grows: every record is
    // numbered above any number issued before it, SequenceNumberForOrdering included.
    checkOrdering(input.SequenceNumberForOrdering, stream.name, ctx);
    const [result] = await putRecords(ctx, stream, [input]);
    if (result?.errorCode === "ProvisionedThroughputExceededException") throw shardRateExceeded(ctx.settings, stream.name, result.shardId);
    if (!result || result.errorCode !== undefined) throw new InternalFailure("the record could not be written to JetStream");
    return { ShardId: result.shardId, SequenceNumber: result.sequenceNumber, ...(stream.encryptionKeyId !== undefined && { EncryptionType: "KMS" as const }) };
  },
});

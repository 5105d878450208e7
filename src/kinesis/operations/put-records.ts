import { InvalidArgumentException } from "../errors.js";
import { defineOperation } from "../operation.js";
import { maxDataBytesOf, putRecords } from "../changes/record-put.js";
import { recordSize } from "../codecs/record-size.js";
import { findWritableStream, streamNameOf } from "../resources/stream-ref.js";

/** The most a PutRecords request may carry, data and partition keys together. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export const putRecordsOperation = defineOperation("PutRecords", {
  runtimeLimits: (input, ctx) => ({ maxBlobBytes: maxDataBytesOf(ctx, input.StreamName) }),
  async handler(input, ctx) {
    const stream = await findWritableStream(ctx, streamNameOf(input, ctx.settings));
    const total = input.Records.reduce((sum, record) => sum + recordSize(record.Data, record.PartitionKey), 0);
    if (total > MAX_REQUEST_BYTES) throw new InvalidArgumentException("Records size exceeds 10 MB limit");
    const results = await putRecords(ctx, stream, input.Records);
    let failed = 0;
    const entries = results.map((result) => {
      if (result.errorCode === undefined) return { ShardId: result.shardId, SequenceNumber: result.sequenceNumber };
      failed++;
      return { ErrorCode: result.errorCode, ErrorMessage: result.errorMessage };
    });
    return {
      ...(stream.encryptionKeyId !== undefined && { EncryptionType: "KMS" as const }),
      FailedRecordCount: failed,
      Records: entries,
    };
  },
});

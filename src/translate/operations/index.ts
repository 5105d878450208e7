import type { OperationName } from "../generated/model.js";
import type { Operation } from "../operation.js";
import { createStream } from "./create-stream.js";
import { deleteStream } from "./delete-stream.js";
import { describeStream } from "./describe-stream.js";
import { describeStreamSummary } from "./describe-stream-summary.js";
import { getRecords } from "./get-records.js";
import { getShardIterator } from "./get-shard-iterator.js";
import { listShards } from "./list-shards.js";
import { listStreams } from "./list-streams.js";
import { mergeShards } from "./merge-shards.js";
import { putRecord } from "./put-record.js";
import { putRecordsOperation } from "./put-records.js";
import { splitShard } from "./split-shard.js";
import { updateShardCount } from "./update-shard-count.js";

/**
 * Every operation this server implements, by name. Operations of the model missing here are
 * answered with UnknownOperationException (see the README for the list).
 */
export const operations: Partial<{ [N in OperationName]: Operation<N> }> = {
  CreateStream: createStream,
  DeleteStream: deleteStream,
  DescribeStream: describeStream,
  DescribeStreamSummary: describeStreamSummary,
  GetRecords: getRecords,
  GetShardIterator: getShardIterator,
  ListShards: listShards,
  ListStreams: listStreams,
  MergeShards: mergeShards,
  PutRecord: putRecord,
  PutRecords: putRecordsOperation,
  SplitShard: splitShard,
  UpdateShardCount: updateShardCount,
};

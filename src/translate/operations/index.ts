import type { OperationName } from "../generated/model.js";
import type { Operation } from "../operation.js";
import { addTagsToStream } from "./add-tags-to-stream.js";
import { createStream } from "./create-stream.js";
import { decreaseStreamRetentionPeriod } from "./decrease-stream-retention-period.js";
import { deleteResourcePolicy } from "./delete-resource-policy.js";
import { deleteStream } from "./delete-stream.js";
import { describeAccountSettings } from "./describe-account-settings.js";
import { describeLimits } from "./describe-limits.js";
import { describeStream } from "./describe-stream.js";
import { describeStreamSummary } from "./describe-stream-summary.js";
import { disableEnhancedMonitoring } from "./disable-enhanced-monitoring.js";
import { enableEnhancedMonitoring } from "./enable-enhanced-monitoring.js";
import { getRecords } from "./get-records.js";
import { getResourcePolicy } from "./get-resource-policy.js";
import { getShardIterator } from "./get-shard-iterator.js";
import { increaseStreamRetentionPeriod } from "./increase-stream-retention-period.js";
import { listShards } from "./list-shards.js";
import { listStreams } from "./list-streams.js";
import { listTagsForResource } from "./list-tags-for-resource.js";
import { listTagsForStream } from "./list-tags-for-stream.js";
import { mergeShards } from "./merge-shards.js";
import { putRecord } from "./put-record.js";
import { putRecordsOperation } from "./put-records.js";
import { putResourcePolicy } from "./put-resource-policy.js";
import { removeTagsFromStream } from "./remove-tags-from-stream.js";
import { splitShard } from "./split-shard.js";
import { startStreamEncryption } from "./start-stream-encryption.js";
import { stopStreamEncryption } from "./stop-stream-encryption.js";
import { tagResource } from "./tag-resource.js";
import { untagResource } from "./untag-resource.js";
import { updateAccountSettings } from "./update-account-settings.js";
import { updateMaxRecordSize } from "./update-max-record-size.js";
import { updateShardCount } from "./update-shard-count.js";
import { updateStreamMode } from "./update-stream-mode.js";
import { updateStreamWarmThroughput } from "./update-stream-warm-throughput.js";

/**
 * Every operation this server implements, by name. Operations of the model missing here are
 * answered with UnknownOperationException (see the README for the list).
 */
export const operations: Partial<{ [N in OperationName]: Operation<N> }> = {
  AddTagsToStream: addTagsToStream,
  CreateStream: createStream,
  DecreaseStreamRetentionPeriod: decreaseStreamRetentionPeriod,
  DeleteResourcePolicy: deleteResourcePolicy,
  DeleteStream: deleteStream,
  DescribeAccountSettings: describeAccountSettings,
  DescribeLimits: describeLimits,
  DescribeStream: describeStream,
  DescribeStreamSummary: describeStreamSummary,
  DisableEnhancedMonitoring: disableEnhancedMonitoring,
  EnableEnhancedMonitoring: enableEnhancedMonitoring,
  GetRecords: getRecords,
  GetResourcePolicy: getResourcePolicy,
  GetShardIterator: getShardIterator,
  IncreaseStreamRetentionPeriod: increaseStreamRetentionPeriod,
  ListShards: listShards,
  ListStreams: listStreams,
  ListTagsForResource: listTagsForResource,
  ListTagsForStream: listTagsForStream,
  MergeShards: mergeShards,
  PutRecord: putRecord,
  PutRecords: putRecordsOperation,
  PutResourcePolicy: putResourcePolicy,
  RemoveTagsFromStream: removeTagsFromStream,
  SplitShard: splitShard,
  StartStreamEncryption: startStreamEncryption,
  StopStreamEncryption: stopStreamEncryption,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateAccountSettings: updateAccountSettings,
  UpdateMaxRecordSize: updateMaxRecordSize,
  UpdateShardCount: updateShardCount,
  UpdateStreamMode: updateStreamMode,
  UpdateStreamWarmThroughput: updateStreamWarmThroughput,
};

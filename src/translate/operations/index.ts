import type { OperationName } from "../generated/model.js";
import type { Operation } from "../operation.js";
import { createStream } from "./create-stream.js";
import { deleteStream } from "./delete-stream.js";
import { deregisterStreamConsumer } from "./deregister-stream-consumer.js";
import { describeStream } from "./describe-stream.js";
import { describeStreamConsumer } from "./describe-stream-consumer.js";
import { describeStreamSummary } from "./describe-stream-summary.js";
import { getRecords } from "./get-records.js";
import { getShardIterator } from "./get-shard-iterator.js";
import { listShards } from "./list-shards.js";
import { listStreamConsumers } from "./list-stream-consumers.js";
import { listStreams } from "./list-streams.js";
import { putRecord } from "./put-record.js";
import { putRecordsOperation } from "./put-records.js";
import { registerStreamConsumer } from "./register-stream-consumer.js";
import { subscribeToShard } from "./subscribe-to-shard.js";

/**
 * Every operation this server implements, by name. Operations of the model missing here are
 * answered with UnknownOperationException (see the README for the list).
 */
export const operations: Partial<{ [N in OperationName]: Operation<N> }> = {
  CreateStream: createStream,
  DeleteStream: deleteStream,
  DeregisterStreamConsumer: deregisterStreamConsumer,
  DescribeStream: describeStream,
  DescribeStreamConsumer: describeStreamConsumer,
  DescribeStreamSummary: describeStreamSummary,
  GetRecords: getRecords,
  GetShardIterator: getShardIterator,
  ListShards: listShards,
  ListStreamConsumers: listStreamConsumers,
  ListStreams: listStreams,
  PutRecord: putRecord,
  PutRecords: putRecordsOperation,
  RegisterStreamConsumer: registerStreamConsumer,
  SubscribeToShard: subscribeToShard,
};

import { cborProtocol } from "../http/protocols/cbor.js";
import { jsonProtocol } from "../http/protocols/json.js";
import { ServiceModel, type ShapeDef } from "../http/protocols/service-model.js";
import { shapes } from "./generated/model.js";

/**
 * The Kinesis model (generated from the service's own), with what the model does not say: the
 * orders the service reports validation errors and enum values in, as captured from it.
 */
export const kinesisModel = new ServiceModel(shapes as unknown as Readonly<Record<string, ShapeDef>>, {
  javaPackage: "com.amazonaws.kinesis.v20131202",
  memberOrder: {
    PutRecordInput: ["SequenceNumberForOrdering", "PartitionKey", "ExplicitHashKey", "Data", "StreamName"],
    PutRecordsInput: ["Records", "StreamName"],
    PutRecordsRequestEntry: ["PartitionKey", "ExplicitHashKey", "Data"],
    GetShardIteratorInput: ["ShardId", "ShardIteratorType", "StartingSequenceNumber", "StreamName"],
    CreateStreamInput: ["ShardCount", "StreamName"],
    DescribeStreamInput: ["Limit", "ExclusiveStartShardId", "StreamName"],
    GetRecordsInput: ["Limit", "ShardIterator"],
    ListStreamsInput: ["Limit", "ExclusiveStartStreamName"],
    ListShardsInput: ["MaxResults", "ExclusiveStartShardId", "StreamName", "NextToken"],
  },
  enumOrder: {
    ShardIteratorType: ["AFTER_SEQUENCE_NUMBER", "LATEST", "AT_TIMESTAMP", "AT_SEQUENCE_NUMBER", "TRIM_HORIZON"],
  },
});

/** AWS JSON 1.1: botocore, the CLI, the JavaScript SDK. */
export const kinesisJson = jsonProtocol(kinesisModel, { contentType: "application/x-amz-json-1.1" });
/** AWS CBOR 1.1: the Java SDKs, and so KCL and the KPL's Java users. */
export const kinesisCbor = cborProtocol(kinesisModel);

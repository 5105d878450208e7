"""Drives every control-plane operation through boto3 and prints what it saw as JSON.

Usage: python3 boto3_control_plane.py ENDPOINT STREAM_NAME
The assertions live in boto3-control-plane.test.ts; this script only reports.
"""
import json
import sys

import boto3
from botocore.config import Config

endpoint, stream = sys.argv[1], sys.argv[2]
client = boto3.client(
    "kinesis",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="AKIDTEST",
    aws_secret_access_key="test-secret",
    config=Config(retries={"max_attempts": 1}),
)
arn = f"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}"
report = {}


def error_of(call):
    try:
        call()
        return None
    except client.exceptions.ClientError as error:
        return {"code": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}


def plain(response):
    response.pop("ResponseMetadata", None)
    return json.loads(json.dumps(response, default=str))


def open_shards():
    shards = client.list_shards(StreamName=stream, ShardFilter={"Type": "AT_LATEST"})["Shards"]
    return sorted(s["ShardId"] for s in shards)


client.create_stream(StreamName=stream, ShardCount=2)
client.put_record(StreamName=stream, PartitionKey="k", Data=b"first")

client.split_shard(StreamName=stream, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**126))
report["after_split"] = open_shards()
client.merge_shards(StreamName=stream, ShardToMerge="shardId-000000000003", AdjacentShardToMerge="shardId-000000000001")
report["after_merge"] = open_shards()
report["update_shard_count"] = plain(client.update_shard_count(StreamName=stream, TargetShardCount=4, ScalingType="UNIFORM_SCALING"))
report["after_scaling"] = len(open_shards())
report["split_closed"] = error_of(lambda: client.split_shard(StreamName=stream, ShardToSplit="shardId-000000000000", NewStartingHashKey="12345"))

client.increase_stream_retention_period(StreamName=stream, RetentionPeriodHours=72)
client.decrease_stream_retention_period(StreamName=stream, RetentionPeriodHours=48)
report["retention"] = client.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["RetentionPeriodHours"]
report["retention_error"] = error_of(lambda: client.increase_stream_retention_period(StreamName=stream, RetentionPeriodHours=24))

client.add_tags_to_stream(StreamName=stream, Tags={"team": "data", "env": "dev"})
client.remove_tags_from_stream(StreamName=stream, TagKeys=["env"])
client.tag_resource(ResourceARN=arn, Tags={"owner": "boto"})
client.untag_resource(ResourceARN=arn, TagKeys=["team"])
report["tags"] = client.list_tags_for_stream(StreamName=stream)["Tags"]
report["tags_by_arn"] = client.list_tags_for_resource(ResourceARN=arn)["Tags"]
report["tag_error"] = error_of(lambda: client.add_tags_to_stream(StreamName=stream, Tags={"bad,key": "v"}))

report["monitoring_on"] = plain(client.enable_enhanced_monitoring(StreamName=stream, ShardLevelMetrics=["IncomingRecords", "OutgoingRecords"]))
report["monitoring_off"] = plain(client.disable_enhanced_monitoring(StreamName=stream, ShardLevelMetrics=["IncomingRecords"]))

report["limits"] = plain(client.describe_limits())
report["account_before"] = plain(client.describe_account_settings())
report["account_enabled"] = plain(client.update_account_settings(MinimumThroughputBillingCommitment={"Status": "ENABLED"}))

policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "kinesis:PutRecord", "Resource": arn}]})
client.put_resource_policy(ResourceARN=arn, Policy=policy)
report["policy"] = client.get_resource_policy(ResourceARN=arn)["Policy"] == policy
report["policy_error"] = error_of(lambda: client.put_resource_policy(ResourceARN=arn, Policy="[]"))
client.delete_resource_policy(ResourceARN=arn)
report["policy_after_delete"] = client.get_resource_policy(ResourceARN=arn)["Policy"]

client.update_max_record_size(StreamARN=arn, MaxRecordSizeInKiB=4096)
report["warm"] = plain(client.update_stream_warm_throughput(StreamARN=arn, WarmThroughputMiBps=50))
client.start_stream_encryption(StreamName=stream, EncryptionType="KMS", KeyId="alias/aws/kinesis")
report["encrypted_put"] = client.put_record(StreamName=stream, PartitionKey="k", Data=b"x" * (3 * 1024 * 1024)).get("EncryptionType")
client.stop_stream_encryption(StreamName=stream, EncryptionType="KMS", KeyId="alias/aws/kinesis")
client.update_stream_mode(StreamARN=arn, StreamModeDetails={"StreamMode": "ON_DEMAND"})
summary = client.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
report["summary"] = {k: summary.get(k) for k in ["StreamModeDetails", "MaxRecordSizeInKiB", "EncryptionType", "OpenShardCount", "WarmThroughput"]}
report["on_demand_split"] = error_of(lambda: client.split_shard(StreamName=stream, ShardToSplit="shardId-000000000004", NewStartingHashKey="99999"))
print(json.dumps(report))

"""Drives our server with boto3 (HTTP/1.1, its default settings) and prints what it saw as JSON.

Usage: python3 boto3_scenario.py ENDPOINT STREAM_NAME
The assertions live in boto3.test.ts; this script only reports.
"""
import json
import sys
import time

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
report = {}


def error_of(call):
    try:
        call()
        return None
    except client.exceptions.ClientError as error:
        return {"code": error.response["Error"]["Code"], "message": error.response["Error"]["Message"],
                "status": error.response["ResponseMetadata"]["HTTPStatusCode"]}


def read_all(iterator):
    records = []
    while iterator:
        out = client.get_records(ShardIterator=iterator, Limit=3)
        records += out["Records"]
        if not out["Records"]:
            break
        iterator = out["NextShardIterator"]
    return [{"seq": r["SequenceNumber"], "data": r["Data"].decode("latin-1"), "key": r["PartitionKey"],
             "arrival": r["ApproximateArrivalTimestamp"].timestamp()} for r in records]


def shard_iterator(shard, kind, **extra):
    return client.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType=kind, **extra)["ShardIterator"]


client.create_stream(StreamName=stream, ShardCount=2)
client.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
description = client.describe_stream(StreamName=stream)["StreamDescription"]
report["status"] = description["StreamStatus"]
report["shards"] = [s["ShardId"] for s in description["Shards"]]

single = client.put_record(StreamName=stream, PartitionKey="boto", Data=b"one")
explicit = client.put_record(StreamName=stream, PartitionKey="boto", Data=b"two", ExplicitHashKey="0")
batch = client.put_records(StreamName=stream, Records=[
    {"PartitionKey": f"key-{i}", "Data": f"batch-{i}".encode()} for i in range(20)
] + [{"PartitionKey": "x", "Data": b"explicit-last", "ExplicitHashKey": str(2**128 - 1)}])
report["single"] = single
report["explicit"] = explicit
report["batch"] = {"failed": batch["FailedRecordCount"], "records": batch["Records"]}
del report["single"]["ResponseMetadata"], report["explicit"]["ResponseMetadata"]

report["trim_horizon"] = {shard: read_all(shard_iterator(shard, "TRIM_HORIZON")) for shard in report["shards"]}
first = report["trim_horizon"]["shardId-000000000000"][0]["seq"]
report["at_sequence"] = read_all(shard_iterator("shardId-000000000000", "AT_SEQUENCE_NUMBER", StartingSequenceNumber=first))
report["after_sequence"] = read_all(shard_iterator("shardId-000000000000", "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=first))
latest = shard_iterator("shardId-000000000001", "LATEST")
# botocore sends timestamps in whole seconds: start a new second so the earlier records fall before it.
time.sleep(1.02 - time.time() % 1)
since = time.time()
client.put_record(StreamName=stream, PartitionKey="late", Data=b"late", ExplicitHashKey=str(2**128 - 1))
report["latest"] = read_all(latest)
report["at_timestamp"] = read_all(shard_iterator("shardId-000000000001", "AT_TIMESTAMP", Timestamp=since))

report["errors"] = {
    "unknown_stream": error_of(lambda: client.describe_stream(StreamName="no-such-stream")),
    "bad_name": error_of(lambda: client.describe_stream(StreamName="bad/name")),
    "forged_iterator": error_of(lambda: client.get_records(ShardIterator="AAAAAAAAAAGforged")),
    "too_big": error_of(lambda: client.put_record(StreamName=stream, PartitionKey="k", Data=b"x" * (1024 * 1024 + 1))),
    "too_many": error_of(lambda: client.put_records(StreamName=stream, Records=[{"PartitionKey": "k", "Data": b"x"}] * 501)),
    "hash_key": error_of(lambda: client.put_record(StreamName=stream, PartitionKey="k", Data=b"x", ExplicitHashKey=str(2**128))),
}
client.delete_stream(StreamName=stream)
report["after_delete"] = error_of(lambda: client.describe_stream_summary(StreamName=stream))
print(json.dumps(report))

"""Drives enhanced fan-out on our server with boto3 (HTTP/1.1, chunked event stream) and prints what it saw as JSON.

Usage: python3 boto3_fanout.py ENDPOINT STREAM_NAME
The server must end subscriptions after a few seconds (--subscription-ms). Assertions live in
boto3-fanout.test.ts; this script only reports.
"""
import json
import sys
import threading
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
SHARD = "shardId-000000000000"


def error_of(call):
    try:
        call()
        return None
    except client.exceptions.ClientError as error:
        return {"code": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}


def put(prefix, count):
    for i in range(count):
        client.put_record(StreamName=stream, PartitionKey=f"{prefix}-{i}", Data=f"{prefix}-{i}".encode())


def read_until_end(response):
    """Every event of a subscription until the server ends it: records and continuation of each."""
    events = []
    for event in response["EventStream"]:
        body = event["SubscribeToShardEvent"]
        events.append({
            "records": [{"seq": r["SequenceNumber"], "data": r["Data"].decode()} for r in body["Records"]],
            "continuation": body.get("ContinuationSequenceNumber"),
            "behind": body["MillisBehindLatest"],
        })
    return events


client.create_stream(StreamName=stream, ShardCount=1)
client.get_waiter("stream_exists").wait(StreamName=stream, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
stream_arn = client.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
consumer = client.register_stream_consumer(StreamARN=stream_arn, ConsumerName="boto-app")["Consumer"]
arn = consumer["ConsumerARN"]
report["consumer_arn"] = arn
report["described"] = client.describe_stream_consumer(ConsumerARN=arn)["ConsumerDescription"]["ConsumerStatus"]
report["listed"] = [c["ConsumerName"] for c in client.list_stream_consumers(StreamARN=stream_arn)["Consumers"]]

put("before", 3)
first = client.subscribe_to_shard(ConsumerARN=arn, ShardId=SHARD, StartingPosition={"Type": "LATEST"})
writer = threading.Thread(target=put, args=("a", 10))
writer.start()
report["first"] = read_until_end(first)
writer.join()

# Nothing listens while these are written; resuming after the last continuation must find them all.
put("b", 5)
last = [e["continuation"] for e in report["first"]][-1]
second = client.subscribe_to_shard(ConsumerARN=arn, ShardId=SHARD,
                                   StartingPosition={"Type": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": last})
report["second"] = read_until_end(second)

third = client.subscribe_to_shard(ConsumerARN=arn, ShardId=SHARD, StartingPosition={"Type": "TRIM_HORIZON"})
report["while_active"] = error_of(lambda: client.subscribe_to_shard(
    ConsumerARN=arn, ShardId=SHARD, StartingPosition={"Type": "TRIM_HORIZON"}))
report["third"] = read_until_end(third)

report["errors"] = {
    "unknown_consumer": error_of(lambda: client.subscribe_to_shard(
        ConsumerARN=arn.replace("boto-app", "nobody"), ShardId=SHARD, StartingPosition={"Type": "LATEST"})),
    "delete_with_consumer": error_of(lambda: client.delete_stream(StreamName=stream)),
}
client.deregister_stream_consumer(ConsumerARN=arn)
report["after_deregister"] = error_of(lambda: client.describe_stream_consumer(ConsumerARN=arn))
client.delete_stream(StreamName=stream)
print(json.dumps(report))

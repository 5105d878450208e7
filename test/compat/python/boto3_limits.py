"""Drives a server run with --enforce-limits with boto3 and prints what it saw as JSON.

Usage: python3 boto3_limits.py ENDPOINT STREAM_NAME
A client that does not retry reports the refusals as the service words them; one with boto3's
default retries reports that it got every record stored, and how many retries that took.
The assertions live in enforce-limits.test.ts; this script only reports.
"""
import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

endpoint, stream = sys.argv[1], sys.argv[2]
common = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="AKIDTEST", aws_secret_access_key="test-secret")
# total_max_attempts counts the first attempt; max_attempts would still allow one retry.
strict = boto3.client("kinesis", config=Config(retries={"total_max_attempts": 1}), **common)
default = boto3.client("kinesis", **common)
report = {}


def outcome(call):
    try:
        call()
        return None
    except strict.exceptions.ClientError as error:
        return {"code": error.response["Error"]["Code"], "message": error.response["Error"]["Message"],
                "status": error.response["ResponseMetadata"]["HTTPStatusCode"]}


def refusals(call, times):
    """The errors of `times` calls made at once (boto3 clients may be shared across threads)."""
    with ThreadPoolExecutor(max_workers=times) as pool:
        return [error for error in pool.map(lambda _: outcome(call), range(times)) if error]


strict.create_stream(StreamName=stream, ShardCount=1)
data = b"\x01" * (200 * 1024)
report["list_streams"] = refusals(lambda: strict.list_streams(), 8)
report["put_record"] = refusals(lambda: strict.put_record(StreamName=stream, PartitionKey="k", Data=data), 8)
time.sleep(1.1)

started = time.time()
retries = 0
stored = 0
for _ in range(12):
    out = default.put_record(StreamName=stream, PartitionKey="k", Data=data)
    stored += 1 if out.get("SequenceNumber") else 0
    retries += out["ResponseMetadata"]["RetryAttempts"]
report["retrying"] = {"stored": stored, "retries": retries, "seconds": time.time() - started}
print(json.dumps(report))

"""Signs Kinesis requests with botocore (SigV4Auth through boto3, SigV4QueryAuth by hand)
against a server that checks signatures, and prints what each attempt got, as JSON."""
import hashlib
import json
import sys
import urllib.error
import urllib.request

import boto3
from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

endpoint, stream, key_id, secret = sys.argv[1:5]


def client(secret_key):
    return boto3.client("kinesis", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id=key_id, aws_secret_access_key=secret_key,
                        config=boto3.session.Config(retries={"max_attempts": 1}))


def error_of(call):
    try:
        call()
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"],
                "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    return None


def presigned_post(operation, body, expires=60):
    """A presigned URL for a JSON POST: the body's hash rides in a signed header, since
    SigV4QueryAuth would otherwise move a body into the query string."""
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Kinesis_20131202." + operation,
               "X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()}
    request = AWSRequest(method="POST", url=endpoint + "/", headers=headers, data=b"")
    SigV4QueryAuth(Credentials(key_id, secret), "kinesis", "us-east-1", expires=expires).add_auth(request)
    return request.url, headers


def send(url, headers, body):
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


good = client(secret)
good.create_stream(StreamName=stream, ShardCount=1)
report = {"put": good.put_record(StreamName=stream, PartitionKey="k", Data=b"boto3 signed")["ShardId"]}
report["wrong_secret"] = error_of(lambda: client("not-" + secret).put_record(StreamName=stream, PartitionKey="k", Data=b"no"))

body = json.dumps({"StreamName": stream, "PartitionKey": "k", "Data": "cHJlc2lnbmVk"}).encode()  # "presigned"
url, headers = presigned_post("PutRecord", body)
report["presigned"] = send(url, headers, body)
tampered = body.replace(b"cHJlc2lnbmVk", b"dGFtcGVyZWQ=")  # "tampered"
report["presigned_tampered"] = send(url, headers, tampered)

shard = good.get_shard_iterator(StreamName=stream, ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON")
report["stored"] = [r["Data"].decode() for r in good.get_records(ShardIterator=shard["ShardIterator"])["Records"]]
print(json.dumps(report))

"""boto3's CloudWatch client against our server, in the wire form botocore picks (AWS JSON 1.0
today) or one forced by a copy of botocore's own model that lists only that protocol.

usage: boto3_cloudwatch.py ENDPOINT NAMESPACE [json|query|smithy-rpc-v2-cbor]
Prints one JSON report: what went on the wire, and what the client saw.
"""
import datetime
import json
import os
import sys
import tempfile

endpoint, namespace = sys.argv[1], sys.argv[2]
forced = sys.argv[3] if len(sys.argv) > 3 else None

if forced:
    # botocore takes models from AWS_DATA_PATH before its own: the same model, one protocol.
    import botocore.loaders

    model = botocore.loaders.Loader().load_service_model("cloudwatch", "service-2", "2010-08-01")
    model["metadata"]["protocols"] = [forced]
    model["metadata"]["protocol"] = forced
    data = tempfile.mkdtemp()
    os.makedirs(os.path.join(data, "cloudwatch", "2010-08-01"))
    with open(os.path.join(data, "cloudwatch", "2010-08-01", "service-2.json"), "w") as f:
        json.dump(model, f)
    os.environ["AWS_DATA_PATH"] = data

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

client = boto3.session.Session().client(
    "cloudwatch",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="AKIDTEST",
    aws_secret_access_key="test-secret",
    config=Config(retries={"max_attempts": 1}),
)
wire = []


def header(request, name):
    value = request.headers.get(name)
    return value.decode() if isinstance(value, bytes) else value


def capture(request, **_):
    wire.append({"path": request.url.split(endpoint, 1)[-1], "content_type": header(request, "Content-Type"), "target": header(request, "X-Amz-Target")})


client.meta.events.register("before-send.cloudwatch.*", capture)


def error_of(call):
    try:
        call()
    except ClientError as e:
        return {"status": e.response["ResponseMetadata"]["HTTPStatusCode"], **e.response["Error"]}
    return None


report = {"protocol": client.meta.service_model.resolved_protocol}
put = client.put_metric_data(
    Namespace=namespace,
    MetricData=[
        {
            "MetricName": "MillisBehindLatest",
            "Unit": "Milliseconds",
            "Timestamp": datetime.datetime.now(datetime.timezone.utc),
            "Dimensions": [{"Name": "ShardId", "Value": "shardId-000000000001"}, {"Name": "Operation", "Value": "ProcessTask"}],
            "StatisticValues": {"SampleCount": 2, "Sum": 300, "Minimum": 100, "Maximum": 200},
        },
        {"MetricName": "Records Processed", "Value": 12, "Unit": "Count"},
    ],
)
report["put_status"] = put["ResponseMetadata"]["HTTPStatusCode"]
report["request_id"] = put["ResponseMetadata"].get("RequestId")
report["bad_unit"] = error_of(lambda: client.put_metric_data(Namespace=namespace, MetricData=[{"MetricName": "m", "Value": 1, "Unit": "Parsecs"}]))
report["missing_statistic"] = error_of(
    lambda: client.put_metric_data(Namespace=namespace, MetricData=[{"MetricName": "m", "Values": [1, 2], "Counts": [1]}])
)
report["list_metrics"] = error_of(lambda: client.list_metrics())
report["wire"] = wire[0]
print(json.dumps(report, default=str))

"""boto3's DynamoDB client and resource, with their defaults, against our endpoint: a lease
table as the Python ports of KCL and their kin use it. Prints one JSON report on stdout."""
import json
import sys
import time
import zlib
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

endpoint, table_name = sys.argv[1], sys.argv[2]
session = boto3.session.Session(aws_access_key_id="AKIDTEST", aws_secret_access_key="test-secret", region_name="us-east-1")
client = session.client("dynamodb", endpoint_url=endpoint)
resource = session.resource("dynamodb", endpoint_url=endpoint)
report = {}

# botocore checks x-amz-crc32 itself: record that every answer carried a true one.
crc_checks = []


def check_crc(http_response, **_):
    header = http_response.headers.get("x-amz-crc32")
    crc_checks.append(header is not None and int(header) == zlib.crc32(http_response.content) & 0xFFFFFFFF)


for each in (client, resource.meta.client):
    each.meta.events.register("after-call.dynamodb", lambda http_response, **kw: check_crc(http_response))


def error_of(call):
    try:
        call()
    except ClientError as error:
        return {
            "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
            "code": error.response["Error"]["Code"],
            "message": error.response["Error"]["Message"],
            "item": error.response.get("Item"),
        }
    return None


client.create_table(
    TableName=table_name,
    KeySchema=[{"AttributeName": "leaseKey", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "leaseKey", "AttributeType": "S"}],
    BillingMode="PAY_PER_REQUEST",
)
client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
report["status"] = client.describe_table(TableName=table_name)["Table"]["TableStatus"]

table = resource.Table(table_name)
for n in range(30):
    table.put_item(
        Item={"leaseKey": f"shardId-{n:012d}", "leaseCounter": 0, "leaseOwner": "worker-a" if n % 2 else "worker-b", "checkpoint": "TRIM_HORIZON"},
        ConditionExpression=Attr("leaseKey").not_exists(),
    )
report["duplicate_create"] = error_of(
    lambda: table.put_item(Item={"leaseKey": "shardId-000000000000", "leaseCounter": 0}, ConditionExpression=Attr("leaseKey").not_exists())
)

# A renewal by the resource layer's conditions, and a stale one with the item back.
renewed = table.update_item(
    Key={"leaseKey": "shardId-000000000001"},
    UpdateExpression="SET leaseCounter = leaseCounter + :one",
    ConditionExpression=Attr("leaseCounter").eq(0) & Attr("leaseOwner").eq("worker-a"),
    ExpressionAttributeValues={":one": 1},
    ReturnValues="UPDATED_NEW",
)
report["renewed"] = {k: int(v) if isinstance(v, Decimal) else v for k, v in renewed["Attributes"].items()}
stale = error_of(
    lambda: client.update_item(
        TableName=table_name,
        Key={"leaseKey": {"S": "shardId-000000000001"}},
        UpdateExpression="SET leaseCounter = :next",
        ConditionExpression="leaseCounter = :seen",
        ExpressionAttributeValues={":next": {"N": "1"}, ":seen": {"N": "0"}},
        ReturnValuesOnConditionCheckFailure="ALL_OLD",
    )
)
report["stale_renew"] = stale

# A checkpoint with a number Python writes with an exponent, and a nested map of lists
# (`throughput` is one of DynamoDB's reserved words: it needs a #name).
table.update_item(
    Key={"leaseKey": "shardId-000000000003"},
    UpdateExpression="SET checkpoint = :c, #t = :t, stats = :s",
    ExpressionAttributeNames={"#t": "throughput"},
    ExpressionAttributeValues={":c": "49590338271490256608559692538361571095921575989136588898", ":t": Decimal("1.5E-4"), ":s": {"cpu": [Decimal("12.5"), 13]}},
)
item = table.get_item(Key={"leaseKey": "shardId-000000000003"}, ConsistentRead=True)["Item"]
report["checkpointed"] = {"checkpoint": item["checkpoint"], "throughput": str(item["throughput"]), "stats": [str(v) for v in item["stats"]["cpu"]]}

# Every lease by the paginator (pages of 7), and the owner's leases by a filter.
pages = client.get_paginator("scan").paginate(TableName=table_name, PaginationConfig={"PageSize": 7})
keys = [i["leaseKey"]["S"] for page in pages for i in page["Items"]]
report["scan"] = {"count": len(keys), "distinct": len(set(keys))}
owned = table.scan(FilterExpression=Attr("leaseOwner").eq("worker-a"))
report["owned_by_a"] = owned["Count"]

# The index KCL 3 adds, then a query on it.
client.update_table(
    TableName=table_name,
    AttributeDefinitions=[{"AttributeName": "leaseOwner", "AttributeType": "S"}, {"AttributeName": "leaseKey", "AttributeType": "S"}],
    GlobalSecondaryIndexUpdates=[
        {
            "Create": {
                "IndexName": "LeaseOwnerToLeaseKeyIndex",
                "KeySchema": [{"AttributeName": "leaseOwner", "KeyType": "HASH"}, {"AttributeName": "leaseKey", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        }
    ],
)
for _ in range(50):
    queried = table.query(IndexName="LeaseOwnerToLeaseKeyIndex", KeyConditionExpression=Key("leaseOwner").eq("worker-b"))
    if queried["Count"] == 15:
        break
    time.sleep(0.1)
report["query_b"] = {"count": queried["Count"], "first": queried["Items"][0]["leaseKey"], "attributes": sorted(queried["Items"][0].keys())}

# Batches, as lease cleanup and bulk tools write.
with table.batch_writer() as batch:
    for n in range(30, 60):
        batch.put_item(Item={"leaseKey": f"shardId-{n:012d}", "leaseCounter": 0})
got = client.batch_get_item(RequestItems={table_name: {"Keys": [{"leaseKey": {"S": f"shardId-{n:012d}"}} for n in (0, 31, 59, 99)]}})
report["batch_get"] = sorted(i["leaseKey"]["S"] for i in got["Responses"][table_name])

report["missing_table"] = error_of(lambda: client.get_item(TableName=table_name + "-missing", Key={"leaseKey": {"S": "x"}}))
report["bad_expression"] = error_of(
    lambda: client.update_item(TableName=table_name, Key={"leaseKey": {"S": "x"}}, UpdateExpression="SET leaseCounter = ", ExpressionAttributeValues={":v": {"N": "1"}})
)
report["unknown_operation"] = error_of(lambda: client.execute_statement(Statement=f'SELECT * FROM "{table_name}"'))

client.delete_table(TableName=table_name)
report["deleted"] = error_of(lambda: client.describe_table(TableName=table_name))
report["crc_checked"] = {"answers": len(crc_checks), "all_true": all(crc_checks)}
print(json.dumps(report))

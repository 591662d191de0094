"""The AWS library against a real AWS emulator (moto server): each
protocol end to end, through tests/unit/aws-probe, with the environment the
moto_server fixture sets (AWS_ENDPOINT_URL, credentials with a session
token, region)."""
import json
import os

from fixtures.http_stub import run_probe
from fixtures.moto_server import moto_server  # noqa: F401

RDS_LISTS = ("--lists", "DBInstances,VpcSecurityGroups,DBParameterGroups")


def env():
    e = dict(os.environ)
    e["HOME"] = "/nonexistent"
    return e


def test_query_protocol_rds(moto_server):
    # RDS names its tag list items "Tag" (Tags.Tag.1.Key), not "member"
    r = run_probe(env(), *RDS_LISTS, "--items", "Tags,Tag", "query", "CreateDBInstance",
                  json.dumps({
        "DBInstanceIdentifier": "lib-db-1", "Engine": "postgres",
        "DBInstanceClass": "db.t3.micro", "AllocatedStorage": 20,
        "MasterUsername": "u", "MasterUserPassword": "password123",
        "Tags": [{"Key": "team", "Value": "prewarm"}]}))
    assert r.rc == 0, r.stdout
    assert r.out["DBInstance"]["DBInstanceIdentifier"] == "lib-db-1"
    r = run_probe(env(), *RDS_LISTS, "query", "DescribeDBInstances",
                  '{"DBInstanceIdentifier": "lib-db-1"}')
    assert r.rc == 0, r.stdout
    (db,) = r.out["DBInstances"]
    assert db["Engine"] == "postgres" and db["AllocatedStorage"] == 20
    assert isinstance(db["VpcSecurityGroups"], list)
    # boto3 sees the tag we sent
    tags = moto_server.client("rds").list_tags_for_resource(
        ResourceName=db["DBInstanceArn"])["TagList"]
    assert {"Key": "team", "Value": "prewarm"} in tags
    r = run_probe(env(), "query", "DescribeDBInstances", '{"DBInstanceIdentifier": "nope"}')
    assert r.out["Error"] == "RDS.DBInstanceNotFound"


def test_rest_s3(moto_server):
    moto_server.client("s3").create_bucket(Bucket="lib-bkt")
    r = run_probe(env(), "--service", "s3", "rest", "PUT", "/lib-bkt/top/q%20s.csv", "",
                  "a,b\n1,2\n")
    assert r.rc == 0, r.stdout
    body = moto_server.client("s3").get_object(Bucket="lib-bkt", Key="top/q s.csv")["Body"]
    assert body.read() == b"a,b\n1,2\n"
    r = run_probe(env(), "--service", "s3", "rest", "GET", "/lib-bkt/top/q%20s.csv")
    assert r.out["Body"] == "a,b\n1,2\n"
    r = run_probe(env(), "--service", "s3", "rest", "GET", "/lib-bkt/missing")
    assert r.out["Error"] == "S3.NoSuchKey"


def test_json_protocol_sqs_and_secrets(moto_server):
    sqs = ("--service", "sqs", "--prefix", "SQS", "json", "AmazonSQS", "1.0")
    r = run_probe(env(), *sqs, "CreateQueue", '{"QueueName": "lib-q"}')
    assert r.rc == 0, r.stdout
    url = r.out["QueueUrl"]
    r = run_probe(env(), *sqs, "SendMessage",
                  json.dumps({"QueueUrl": url, "MessageBody": "{\"x\": 1}"}))
    assert r.rc == 0 and "MessageId" in r.out
    r = run_probe(env(), *sqs, "GetQueueUrl", '{"QueueName": "missing"}')
    assert r.out["Error"] == "SQS.QueueDoesNotExist"

    moto_server.client("secretsmanager").create_secret(Name="lib/s", SecretString="pw-1234")
    sm = ("--service", "secretsmanager", "--prefix", "SecretsManager", "json",
          "secretsmanager", "1.1")
    r = run_probe(env(), *sm, "GetSecretValue", '{"SecretId": "lib/s"}')
    assert r.rc == 0 and r.out["SecretString"] == "pw-1234"
    r = run_probe(env(), *sm, "GetSecretValue", '{"SecretId": "lib/none"}')
    assert r.out["Error"] == "SecretsManager.ResourceNotFoundException"

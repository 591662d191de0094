"""sqs plugin against moto (JSON protocol): send, receive, change
visibility, delete, by QueueUrl or QueueName."""
import json

import pytest

from fixtures.moto_server import moto_server, plugin_call  # noqa: F401


def ok(rc, out, err):
    assert rc == 0, f"exit {rc}: {out} {err}"
    return out


@pytest.fixture(scope="module")
def queue(moto_server):
    sqs = moto_server.client("sqs")
    return sqs.create_queue(QueueName="rds-events")["QueueUrl"], sqs


def test_send_receive_delete(queue):
    url, sqs = queue
    event = {"source": "aws.rds", "detail": {"SourceIdentifier": "reader-9"}}
    sent = ok(*plugin_call("sqs", "SendMessage", {"QueueName": "rds-events",
                                                  "MessageBody": event}))
    assert sent["MessageId"]
    got = ok(*plugin_call("sqs", "ReceiveMessage", {"QueueUrl": url,
                                                    "MaxNumberOfMessages": 10}))
    (msg,) = got["Messages"]
    assert json.loads(msg["Body"]) == event
    ok(*plugin_call("sqs", "ChangeMessageVisibility", {
        "QueueUrl": url, "ReceiptHandle": msg["ReceiptHandle"], "VisibilityTimeout": 0}))
    again = ok(*plugin_call("sqs", "ReceiveMessage", {"QueueName": "rds-events"}))
    (msg2,) = again["Messages"]  # visible again after ChangeMessageVisibility 0
    assert msg2["MessageId"] == msg["MessageId"]
    ok(*plugin_call("sqs", "DeleteMessage", {"QueueUrl": url,
                                             "ReceiptHandle": msg2["ReceiptHandle"]}))
    sqs.change_message_visibility  # boto3 agrees the queue is empty now:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_empty_queue_gives_an_empty_list(queue):
    out = ok(*plugin_call("sqs", "ReceiveMessage", {"QueueName": "rds-events"}))
    assert out["Messages"] == []


def test_delete_is_skipped_in_a_dry_run(queue):
    url, sqs = queue
    sqs.send_message(QueueUrl=url, MessageBody="keep me")
    got = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]
    out = ok(*plugin_call("sqs", "DeleteMessage", {
        "QueueUrl": url, "ReceiptHandle": got["ReceiptHandle"]}, dry_run=True))
    assert out["DryRun"] is True
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "keep me"


def test_unknown_queue_is_a_named_error(queue):
    rc, out, _ = plugin_call("sqs", "ReceiveMessage", {"QueueName": "no-such-queue"})
    assert rc == 1 and out["Error"].startswith("SQS.")
    assert "NonExistentQueue" in out["Error"] or "QueueDoesNotExist" in out["Error"]

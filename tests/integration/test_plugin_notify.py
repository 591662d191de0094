"""notify plugin through plugin-call: the log with templates, SNS reaching
an SQS queue subscribed to the topic, a webhook reaching a local HTTP
listener, several targets in one call, and dry runs."""
import http.server
import json
import threading
import time

import pytest

from fixtures.moto_server import moto_server, plugin_call  # noqa: F401


def ok(rc, out, err):
    assert rc == 0, f"exit {rc}: {out} {err}"
    return out


class Listener:
    """A local HTTP server recording POSTs; answers with `status`."""

    def __init__(self):
        self.requests = []
        self.status = 200
        self.delay = 0
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                listener.requests.append((self.path, dict(self.headers), body))
                time.sleep(listener.delay)
                self.send_response(listener.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T000/B000/XXXXsecretXXXX"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.server.shutdown()


@pytest.fixture(scope="module")
def topic_queue(moto_server):
    sns, sqs = moto_server.client("sns"), moto_server.client("sqs")
    topic = sns.create_topic(Name="prewarm-alerts")["TopicArn"]
    url = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic, url, sqs


def drain(sqs, url):
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [json.loads(m["Body"]) for m in got.get("Messages", [])]


def test_log_renders_the_template(moto_server):
    rc, out, err = plugin_call("notify", "Publish", {
        "Target": "log", "Level": "error", "Subject": "prewarm",
        "Template": "Replica {DBInstanceIdentifier} failed in {State}: {Cause}",
        "Data": {"DBInstanceIdentifier": "reader-7", "State": "WarmCache",
                 "Cause": "statement timeout"}})
    assert rc == 0, err
    assert out["Message"] == "Replica reader-7 failed in WarmCache: statement timeout"
    assert "[error]" in err and "prewarm: Replica reader-7 failed in WarmCache" in err


def test_log_action_refuses_other_targets(moto_server):
    rc, out, _ = plugin_call("notify", "Log", {"Target": "sns", "TopicArn": "x",
                                               "Message": "m"})
    assert rc == 1 and out["Error"] == "Notify.InvalidParameter"


def test_sns_publish_reaches_a_subscribed_queue(topic_queue):
    topic, url, sqs = topic_queue
    out = ok(*plugin_call("notify", "Publish", {
        "Target": "sns", "TopicArn": topic, "Subject": "Prewarm done",
        "Template": "{Id} warmed {Blocks} blocks", "Data": {"Id": "reader-2", "Blocks": 1234}}))
    assert out["Deliveries"][0]["MessageId"]
    (msg,) = drain(sqs, url)
    assert msg["Message"] == "reader-2 warmed 1234 blocks"
    assert msg["Subject"] == "Prewarm done" and msg["TopicArn"] == topic


def test_webhook_posts_slack_json(listener):
    out = ok(*plugin_call("notify", "Publish", {
        "Target": "webhook", "Url": listener.url, "Subject": "Prewarm",
        "Message": "reader-3 is in the endpoint"}))
    assert out["Deliveries"] == [{"Target": "webhook", "StatusCode": 200}]
    ((path, headers, body),) = listener.requests
    assert path == "/services/T000/B000/XXXXsecretXXXX"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"text": "*Prewarm*\nreader-3 is in the endpoint"}


def test_webhook_error_status_is_an_error_without_the_url(listener):
    listener.status = 500
    rc, out, err = plugin_call("notify", "Publish", {
        "Target": "webhook", "Url": listener.url, "Message": "x"})
    assert rc == 1 and out["Error"] == "Notify.WebhookFailed"
    assert "500" in out["Cause"]
    assert "XXXXsecretXXXX" not in json.dumps(out) + err


def test_several_targets_in_one_call(topic_queue, listener):
    topic, url, sqs = topic_queue
    out = ok(*plugin_call("notify", "Publish", {
        "Message": "failover handled", "TopicArn": topic,
        "Targets": ["log", "sns", {"Target": "webhook", "Url": listener.url}]}))
    assert [d["Target"] for d in out["Deliveries"]] == ["log", "sns", "webhook"]
    assert [m["Message"] for m in drain(sqs, url)] == ["failover handled"]
    assert json.loads(listener.requests[0][2]) == {"text": "failover handled"}


def test_dry_run_sends_nothing_but_still_logs(topic_queue, listener):
    topic, url, sqs = topic_queue
    rc, out, err = plugin_call("notify", "Publish", {
        "Message": "would notify", "TopicArn": topic,
        "Targets": ["log", "sns", {"Target": "webhook", "Url": listener.url}]},
        dry_run=True)
    assert rc == 0, err
    assert all(d["DryRun"] for d in out["Deliveries"])
    assert "would notify" in err
    assert drain(sqs, url) == [] and listener.requests == []


def test_aws_sdk_sns_publish_form(topic_queue):
    topic, url, sqs = topic_queue
    ok(*plugin_call("notify", "publish", {"TopicArn": topic, "Message": "via sdk"},
                    sdk=True))
    assert [m["Message"] for m in drain(sqs, url)] == ["via sdk"]


def test_bad_targets_are_refused_before_anything_is_sent(listener):
    rc, out, err = plugin_call("notify", "Publish", {
        "Message": "half sent?", "Targets": ["log", {"Target": "webhook", "Url": listener.url},
                                             "sns"]})
    assert rc == 1 and out["Error"] == "Notify.InvalidParameter"
    assert "TopicArn" in out["Cause"]
    assert listener.requests == [] and "half sent?" not in err
    rc, out, _ = plugin_call("notify", "Publish", {"Target": "pager", "Message": "x"})
    assert rc == 1 and "pager" in out["Cause"]


def test_a_slow_webhook_times_out(listener):
    listener.delay = 3
    started = time.monotonic()
    rc, out, _ = plugin_call("notify", "Publish", {
        "Target": "webhook", "Url": listener.url, "Message": "x", "TimeoutSeconds": 1})
    assert rc == 1 and out["Error"] == "Notify.WebhookFailed"
    assert time.monotonic() - started < 2.5

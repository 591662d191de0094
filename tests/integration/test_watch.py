"""`prewarm watch` against moto's SQS, with tiny test workflows on the
counter plugin (tests/plugins/counter.c) so the point is the watcher itself:

  - each event runs once (the EventBridge id is the key; a duplicate gets
    the first one's result); other clusters and other RDS events start
    nothing; every message is deleted once its execution finished;
  - the message stays hidden while a long execution runs (visibility
    extension) and is deleted once, after the end;
  - poison messages are moved aside (files in STATE_DIR/rejected/, or an
    aside queue) and the watcher keeps serving;
  - SIGKILL of the watcher and its executions mid-step, then a restart:
    the execution resumes, its side effect happens once, the message is
    deleted once;
  - SIGTERM: exit 0, the running execution left resumable and finished by
    the next start;
  - two watchers on one queue, each message adding a reader to one custom
    endpoint with the real rds:AddStaticMember: no member lost.
"""
import json
import os
import signal
import subprocess
import time

import pytest

from fixtures.moto_server import SECRET_KEY, SESSION_TOKEN, moto_server  # noqa: F401
from fixtures.prewarm_cli import prewarm_bin
from fixtures.watch import Watcher, queue_counts, wait_queue_empty

# Test workflows: instance-created sleeps ($.SleepMs, on the host clock, so
# a signal interrupts it) then bumps the counter once for the instance.
INSTANCE = {
    "StartAt": "Warm",
    "States": {
        "Warm": {"Type": "Task", "Resource": "counter:Sleep",
                 "Parameters": {"Ms.$": "$.SleepMs", "Name.$": "$.DBInstanceIdentifier"},
                 "ResultPath": None, "Next": "AddToEndpoint"},
        "AddToEndpoint": {"Type": "Task", "Resource": "counter:Bump",
                          "Parameters": {"Name.$": "$.DBInstanceIdentifier"}, "End": True},
    },
}
FAILOVER = {"StartAt": "F", "States": {"F": {"Type": "Task", "Resource": "counter:Bump",
                                             "Parameters": {"Name": "failover"}, "End": True}}}
RECONCILE = {"StartAt": "R", "States": {"R": {"Type": "Task", "Resource": "counter:Bump",
                                              "Parameters": {"Name": "reconcile"}, "End": True}}}

EVENTS = os.path.join(os.environ.get("PW_TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")),
                      "tests", "data", "events")


@pytest.fixture(scope="module")
def sqs(moto_server):
    return moto_server.client("sqs")


@pytest.fixture
def queue(sqs, request):
    name = "watch-" + request.node.name[:60].replace("[", "-").replace("]", "")
    return sqs.create_queue(QueueName=name)["QueueUrl"]


@pytest.fixture
def watcher_factory(tmp_path, queue):
    made = []

    def make(**watch):
        for name, wf in (("instance.json", INSTANCE), ("failover.json", FAILOVER),
                         ("reconcile.json", RECONCILE)):
            (tmp_path / name).write_text(json.dumps(wf))
        cfg = {"queue_url": queue, "visibility_timeout_seconds": 4, "receive_wait_seconds": 1,
               "workflows": {"instance-created": "instance.json", "failover": "failover.json",
                             "reconcile": "reconcile.json"},
               "clusters": ["app-prod"]}
        cfg.update(watch)
        w = Watcher(tmp_path, cfg)
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()


def direct(instance, sleep_ms=0, **extra):
    return json.dumps(dict({"DBInstanceIdentifier": instance, "SleepMs": sleep_ms}, **extra))


def eventbridge(event_id, instance, sleep_ms=0):
    """An RDS-EVENT-0005 EventBridge event; SleepMs and DBInstanceIdentifier
    ride along for the test workflow (the watcher ignores extra members)."""
    with open(os.path.join(EVENTS, "rds-event-0005.json")) as f:
        e = json.load(f)
    e["id"] = event_id
    e["detail"]["SourceIdentifier"] = "rds:" + instance
    e["DBInstanceIdentifier"] = instance
    e["SleepMs"] = sleep_ms
    return json.dumps(e)


def no_secrets(w):
    text = "".join(p.read_text() for p in w.tmp.glob("watch-*.log"))
    assert SECRET_KEY not in text and SESSION_TOKEN not in text


def test_each_event_runs_once_and_is_deleted_after_it_finished(sqs, queue, watcher_factory):
    w = watcher_factory().start()
    sqs.send_message(QueueUrl=queue, MessageBody=direct("r1"))
    # The same EventBridge event delivered twice (at-least-once): one run.
    sqs.send_message(QueueUrl=queue, MessageBody=eventbridge("evt-dup-1", "r2", 1500))
    sqs.send_message(QueueUrl=queue, MessageBody=eventbridge("evt-dup-1", "r2", 1500))
    with open(os.path.join(EVENTS, "cloudtrail-other-cluster.json")) as f:
        sqs.send_message(QueueUrl=queue, MessageBody=f.read())   # cluster billing
    with open(os.path.join(EVENTS, "rds-event-0006.json")) as f:
        sqs.send_message(QueueUrl=queue, MessageBody=f.read())   # a restart: not ours
    with open(os.path.join(EVENTS, "rds-event-0071.json")) as f:
        sqs.send_message(QueueUrl=queue, MessageBody=f.read())   # failover of app-prod
    wait_queue_empty(sqs, queue)
    w.wait_log(lambda m: "failover" in m and "SUCCEEDED" in m)
    assert w.stop() == 0
    bumps = sorted(c for c in w.calls_list() if c.startswith("Bump"))
    assert bumps == ["Bump failover", "Bump r1", "Bump r2"], w.calls_list()
    assert len(w.executions()) == 3  # r1, r2 and the failover: nothing else ran
    msgs = w.messages()
    assert any("ignored: cluster billing is not managed here" in m for m in msgs)
    assert any("RDS-EVENT-0006 is neither" in m for m in msgs)
    assert sum("an earlier execution's result" in m for m in msgs) == 1
    # Six messages, six deletes, each only after its execution's end.
    assert sum(m.startswith("deleted message") for m in msgs) == 6
    for ex in w.executions():
        assert w.history(ex)[-1]["type"] == "ExecutionSucceeded"
    no_secrets(w)


def test_visibility_is_extended_while_the_execution_runs(sqs, queue, watcher_factory):
    w = watcher_factory(visibility_timeout_seconds=2).start()
    sqs.send_message(QueueUrl=queue, MessageBody=direct("slow", 6000))
    w.wait_log(lambda m: m.startswith("started"))
    # Three visibility timeouts later the message is still hidden from
    # every other consumer, and still in the queue.
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1, VisibilityTimeout=0)
        assert not got.get("Messages"), "message visible while its execution runs"
    assert queue_counts(sqs, queue) == (0, 1)
    wait_queue_empty(sqs, queue)
    assert w.stop() == 0
    assert [c for c in w.calls_list() if c.startswith("Bump")] == ["Bump slow"]
    assert sum(m.startswith("started") for m in w.messages()) == 1


POISON = ["this is not json {", "[1, 2, 3]", '{"hello": "world"}', '{"DBInstanceIdentifier": 42}',
          '{"detail-type": "RDS DB Instance Event", "detail": {"SourceIdentifier": "rds:x"}}']


def test_poison_messages_are_moved_aside_and_the_watcher_keeps_serving(sqs, queue, watcher_factory):
    w = watcher_factory().start()
    ids = {sqs.send_message(QueueUrl=queue, MessageBody=b)["MessageId"]: b for b in POISON}
    sqs.send_message(QueueUrl=queue, MessageBody=direct("after-poison"))
    wait_queue_empty(sqs, queue)
    w.wait_log(lambda m: "SUCCEEDED" in m)
    assert w.proc.poll() is None, "the watcher stopped serving"
    assert w.stop() == 0
    rejected = {json.loads(p.read_text())["MessageId"]: json.loads(p.read_text())
                for p in (w.state / "rejected").iterdir()}
    assert set(rejected) == set(ids)
    for mid, r in rejected.items():
        assert r["Body"] == ids[mid] and r["Reason"]
    reasons = " | ".join(r["Reason"] for r in rejected.values())
    for expected in ("not JSON", "not an object", "unknown shape", "DBInstanceIdentifier",
                     "detail.EventID"):
        assert expected in reasons, reasons
    assert [c for c in w.calls_list() if c.startswith("Bump")] == ["Bump after-poison"]
    assert len(w.executions()) == 1  # no execution for any poison message


def test_poison_goes_to_the_aside_queue_when_one_is_configured(sqs, queue, watcher_factory):
    aside = sqs.create_queue(QueueName="watch-aside")["QueueUrl"]
    w = watcher_factory(aside_queue_url=aside).start()
    mid = sqs.send_message(QueueUrl=queue, MessageBody="{broken")["MessageId"]
    wait_queue_empty(sqs, queue)
    w.wait_log(lambda m: "moved to the aside queue" in m)
    assert w.stop() == 0
    got = sqs.receive_message(QueueUrl=aside, MessageAttributeNames=["All"], WaitTimeSeconds=2)
    (m,) = got["Messages"]
    assert m["Body"] == "{broken"
    assert m["MessageAttributes"]["PrewarmSourceMessageId"]["StringValue"] == mid
    assert "not JSON" in m["MessageAttributes"]["PrewarmRejectReason"]["StringValue"]
    assert not list((w.state / "rejected").iterdir())


def test_sigkill_mid_step_then_restart_resumes_and_finishes_once(sqs, queue, watcher_factory):
    w = watcher_factory(visibility_timeout_seconds=3).start()
    mid = sqs.send_message(QueueUrl=queue, MessageBody=direct("crash", 2500))["MessageId"]
    w.wait_call("SleepStart crash")
    time.sleep(0.5)
    w.kill_all()  # the service and its execution, as systemd's SIGKILL does
    (ex,) = w.executions()
    assert w.history(ex)[-1]["type"] not in ("ExecutionSucceeded", "ExecutionFailed")
    assert list((w.state / "watch" / "inflight").glob("*.json"))
    w.start()
    wait_queue_empty(sqs, queue)
    w.wait_log(lambda m: "SUCCEEDED" in m and "(resumed)" in m)
    assert w.stop() == 0
    assert w.executions() == [ex]
    assert [e["type"] for e in w.history(ex)].count("ExecutionResumed") == 1
    assert w.history(ex)[-1]["type"] == "ExecutionSucceeded"
    assert w.calls_list().count("Bump crash") == 1
    assert sum(m == "deleted message " + mid for m in w.messages()) == 1
    assert not list((w.state / "watch" / "inflight").glob("*.json"))


def test_sigterm_exits_zero_and_the_next_start_finishes_the_execution(sqs, queue, watcher_factory):
    w = watcher_factory(visibility_timeout_seconds=30).start()
    sqs.send_message(QueueUrl=queue, MessageBody=direct("term", 3000))
    w.wait_call("SleepStart term")
    t0 = time.monotonic()
    assert w.stop(signal.SIGTERM) == 0
    assert time.monotonic() - t0 < 5, "SIGTERM did not stop the watcher promptly"
    (ex,) = w.executions()
    assert w.history(ex)[-1]["type"] not in ("ExecutionSucceeded", "ExecutionFailed")
    assert "Bump term" not in w.calls_list()
    # Not deleted, and visible again at once for any other watcher.
    assert queue_counts(sqs, queue) == (1, 0)
    w.start()
    wait_queue_empty(sqs, queue)
    w.wait_log(lambda m: "SUCCEEDED" in m)
    assert w.stop() == 0
    assert w.executions() == [ex]
    assert w.history(ex)[-1]["type"] == "ExecutionSucceeded"
    assert w.calls_list().count("Bump term") == 1


def test_bad_watch_config_names_the_file_line_and_field(tmp_path):
    import subprocess
    from fixtures.prewarm_cli import prewarm_bin

    cfg = tmp_path / "bad.yaml"
    cfg.write_text("state_dir: %s\nwatch:\n  queue_url: q\n  max_concurrent: lots\n" % (tmp_path / "s"))
    p = subprocess.run([prewarm_bin(), "watch", "--config", str(cfg)], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 2
    assert "bad.yaml:4" in p.stderr and "watch.max_concurrent" in p.stderr, p.stderr


def test_an_event_the_workflow_finds_malformed_is_moved_aside(sqs, queue, watcher_factory, tmp_path):
    # The watcher accepts the shape; the workflow's own check raises
    # Event.Malformed: the execution finished, the message goes aside.
    (tmp_path / "strict.json").write_text(json.dumps({"StartAt": "Check", "States": {"Check": {
        "Type": "Fail", "Error": "Event.Malformed", "Cause": "detail.Message: missing"}}}))
    w = watcher_factory(workflows={"instance-created": "instance.json", "failover": "strict.json",
                                   "reconcile": "reconcile.json"}).start()
    with open(os.path.join(EVENTS, "rds-event-0071.json")) as f:
        mid = sqs.send_message(QueueUrl=queue, MessageBody=f.read())["MessageId"]
    wait_queue_empty(sqs, queue)
    w.wait_log(lambda m: "moved aside" in m)
    assert w.stop() == 0
    (rejected,) = (w.state / "rejected").iterdir()
    r = json.loads(rejected.read_text())
    assert r["MessageId"] == mid and r["Reason"] == "detail.Message: missing"
    assert len(w.executions()) == 1


def test_the_reconcile_timer_runs_once_per_interval(sqs, queue, watcher_factory):
    w = watcher_factory(reconcile_interval_seconds=2).start()
    deadline = time.monotonic() + 30
    while w.calls_list().count("Bump reconcile") < 2:
        assert time.monotonic() < deadline and w.proc.poll() is None, w.messages()
        time.sleep(0.1)
    assert w.stop() == 0
    keys = [w.history(ex)[0].get("key") for ex in w.executions()]
    assert all(k.startswith("reconcile-2-") for k in keys) and len(set(keys)) == len(keys), keys


def test_rds_polling_starts_executions_for_new_instances_and_writer_changes(
        sqs, queue, watcher_factory, tmp_path, moto_server):
    rds = moto_server.client("rds")
    rds.create_db_cluster(DBClusterIdentifier="app-prod", Engine="aurora-postgresql",
                          MasterUsername="postgres", MasterUserPassword="not-used-1")
    for name in ("poll-writer", "poll-reader"):  # the first one is the writer
        rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier="app-prod",
                               Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    (tmp_path / "polled.json").write_text(json.dumps({"StartAt": "B", "States": {"B": {
        "Type": "Task", "Resource": "counter:Bump",
        "Parameters": {"Name.$": "$.DBInstanceIdentifier"}, "End": True}}}))
    # No queue at all: RDS polling only. The first poll only records.
    w = watcher_factory(queue_url=None, rds_poll_interval_seconds=1,
                        workflows={"instance-created": "polled.json", "failover": "failover.json",
                                   "reconcile": "reconcile.json"}).start()
    w.wait_log(lambda m: m.startswith("watching RDS"))
    deadline = time.monotonic() + 10
    while not (w.state / "watch" / "rds-poll.json").exists():
        assert time.monotonic() < deadline, w.messages()
        time.sleep(0.1)
    time.sleep(0.2)
    rds.create_db_instance(DBInstanceIdentifier="poll-new", DBClusterIdentifier="app-prod",
                           Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    w.wait_call("Bump poll-new")
    rds.failover_db_cluster(DBClusterIdentifier="app-prod", TargetDBInstanceIdentifier="poll-reader")
    w.wait_call("Bump failover")
    time.sleep(2.5)  # two more polls: nothing is found twice
    assert w.stop() == 0
    assert sorted(c for c in w.calls_list() if c.startswith("Bump")) == ["Bump failover", "Bump poll-new"]
    assert not any("poll-writer" in c or "poll-reader" in c for c in w.calls_list())


def check_health(w, *args):
    p = subprocess.run([prewarm_bin(), "watch", "--check-health", "--config", str(w.config),
                        "--state-dir", str(w.state)] + list(args),
                       capture_output=True, text=True, env=w.env, timeout=30)
    return p.returncode, p.stdout


def test_check_health_follows_the_service_loop(sqs, queue, watcher_factory):
    """The container's HEALTHCHECK: healthy while the loop receives from
    SQS, unhealthy when it stops making progress or is gone."""
    w = watcher_factory().start()
    deadline = time.monotonic() + 20
    while check_health(w)[0] != 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    rc, out = check_health(w)
    assert rc == 0 and out.startswith("healthy: pid %d" % w.proc.pid), out
    w.proc.send_signal(signal.SIGSTOP)  # a loop that hangs
    try:
        time.sleep(2.5)
        rc, out = check_health(w, "--max-age", "2")
        assert rc == 1 and "no progress for 2 s" in out, out
    finally:
        w.proc.send_signal(signal.SIGCONT)
    time.sleep(1.5)  # receive_wait_seconds is 1
    assert check_health(w, "--max-age", "2")[0] == 0
    assert w.stop() == 0
    rc, out = check_health(w)
    assert rc == 1 and "is not running" in out, out
    rc, out = check_health(w, "--max-age", "0")
    assert rc == 2


def test_two_watchers_on_one_queue_lose_no_endpoint_member(sqs, queue, tmp_path, moto_server):
    """Two `prewarm watch` services (own state directories, as on two
    machines, but one host's endpoint locks) serve one queue whose messages
    each add a new reader to the same custom endpoint with the real
    rds:AddStaticMember: every reader ends up in, both served."""
    rds = moto_server.client("rds")
    rds.create_db_cluster(DBClusterIdentifier="watch-pg", Engine="aurora-postgresql",
                          MasterUsername="postgres", MasterUserPassword="not-used-1")
    readers = [f"wr-{i}" for i in range(1, 9)]
    for name in ["watch-writer", "wr-0"] + readers:  # the first one is the writer
        rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier="watch-pg",
                               Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    rds.create_db_cluster_endpoint(DBClusterIdentifier="watch-pg",
                                   DBClusterEndpointIdentifier="watch-readers",
                                   EndpointType="READER", StaticMembers=["wr-0"])
    add = {"StartAt": "Add", "States": {"Add": {
        "Type": "Task", "Resource": "rds:AddStaticMember", "TimeoutSeconds": 120,
        "Parameters": {"DBClusterEndpointIdentifier": "watch-readers",
                       "DBInstanceIdentifier.$": "$.DBInstanceIdentifier"}, "End": True}}}
    watchers = []
    for side in ("a", "b"):
        d = tmp_path / side
        d.mkdir()
        (d / "add.json").write_text(json.dumps(add))
        (d / "noop.json").write_text(json.dumps(RECONCILE))
        watchers.append(Watcher(d, {
            "queue_url": queue, "visibility_timeout_seconds": 30, "receive_wait_seconds": 1,
            "max_concurrent": 2,  # neither takes every message in one receive
            "workflows": {"instance-created": "add.json", "failover": "noop.json",
                          "reconcile": "noop.json"}}))
    try:
        for w in watchers:
            w.start()
        for name in readers:
            sqs.send_message(QueueUrl=queue, MessageBody=direct(name))
        wait_queue_empty(sqs, queue, timeout=90)
        for w in watchers:
            assert w.stop() == 0
    finally:
        for w in watchers:
            w.close()
    ep = rds.describe_db_cluster_endpoints(DBClusterEndpointIdentifier="watch-readers")
    assert set(ep["DBClusterEndpoints"][0]["StaticMembers"]) == {"wr-0", *readers}
    runs = [len(w.executions()) for w in watchers]
    assert sum(runs) == len(readers) and min(runs) > 0, runs  # both served
    for w in watchers:
        for ex in w.executions():
            assert w.history(ex)[-1]["type"] == "ExecutionSucceeded"
    no_secrets(watchers[0])

"""Watch services that survive a host (issue 13): two `prewarm watch`
processes, each with its own state directory as on two machines, on one
SQS queue, running the real aurora-replica-prewarm against moto (Aurora,
SNS, CloudWatch, Secrets Manager) and real PostgreSQL.

Watcher A receives the event of a new reader and starts warming it; the
warm's connection to the reader is held (fixtures/tcp_gate.py) so A is
killed with SIGKILL, with every process it started, in the middle of the
warm, as a host dies. Watcher B, already serving the queue, gets the
message when its visibility timeout runs out and runs the event: the reader
ends up warmed and in the endpoint exactly once, one notification (SNS)
for the event, the message deleted. A's journal shows its execution
interrupted in Warm; both executions carry the event id as
$$.Execution.Name. When A's host comes back, A does not resume the event
another host finished (its message was visible to other watchers since):
no second warm, no second alert.
"""
import json
import subprocess
import time

import pytest

from fixtures.aurora_sim import (CLUSTER, ENDPOINT, NOTES, READER, WORKFLOWS, AuroraSim,
                                 create_instance_event, hot_buffers, seed_hot_table, sim_moto)  # noqa: F401
from fixtures.moto_server import SECRET_KEY, SESSION_TOKEN
from fixtures.pg_cluster import PgCluster
from fixtures.prewarm_cli import prewarm_bin
from fixtures.tcp_gate import TcpGate
from fixtures.watch import Watcher, queue_counts, wait_queue_empty

NEW = "app-prod-reader-2"
VISIBILITY = 6


@pytest.fixture(scope="module")
def pg():
    with PgCluster(standbys=1, shared_buffers="16MB") as c:
        seed_hot_table(c)
        yield c


def executions(w):
    p = subprocess.run([prewarm_bin(), "executions", "--json", "--state-dir", str(w.state)],
                       capture_output=True, text=True, env=w.env, timeout=30)
    assert p.returncode == 0, p.stderr
    return [json.loads(line) for line in p.stdout.splitlines()]


def test_the_other_watcher_finishes_an_event_whose_host_died_mid_warm(tmp_path, pg, sim_moto):  # noqa: F811
    sim = AuroraSim(sim_moto, tmp_path)
    sim.create_cluster(pg.password)
    sim.add_instance(NEW)
    sim.lag(NEW, [4.0, 6.5])
    target = pg.standbys[0]
    target.restart()  # a new instance's cache is empty
    pages = pg.primary.scalar("SELECT pg_relation_size('hot') / current_setting('block_size')::int")
    cold = hot_buffers(target)
    assert cold < pages // 10, (cold, pages)
    gate = TcpGate(target.port).start()  # closed: A's warm waits on the reader
    cfg = json.load(open(sim.config(str(tmp_path / "sim.json"),
                                    {READER: pg.primary, NEW: "127.0.0.1:%d" % gate.port})))
    watch = {"queue_url": sim.events_url, "visibility_timeout_seconds": VISIBILITY,
             "receive_wait_seconds": 1, "max_concurrent": 2,
             "workflows": {k: "%s/%s.yaml" % (WORKFLOWS, v) for k, v in (
                 ("instance-created", "aurora-replica-prewarm"),
                 ("failover", "aurora-failover-adjust"), ("reconcile", "reconcile"))}}
    hosts = {}
    for side in ("a", "b"):
        (tmp_path / side).mkdir()
        hosts[side] = Watcher(tmp_path / side, watch, vars=cfg["vars"], extra_plugin_dirs=False)
    a, b = hosts["a"], hosts["b"]
    event = create_instance_event(NEW, event_id="evt-two-hosts-1")
    try:
        a.start()
        a.wait_log(lambda m: m.startswith("watching"))
        sim.sqs.send_message(QueueUrl=sim.events_url, MessageBody=json.dumps(event))
        gate.wait_connections(1)  # A's warm reached the reader and waits
        (ex_a,) = a.executions()
        hist = a.history(ex_a)
        assert [e["state"] for e in hist if e["type"] == "TaskScheduled"][-1] == "Warm"
        b.start()
        b.wait_log(lambda m: m.startswith("watching"))
        time.sleep(0.5)
        killed = time.monotonic()
        a.kill_all()  # the host dies: the service and its execution
        gate.open()
        assert sim.members() == [READER]
        assert queue_counts(sim.sqs, sim.events_url) == (0, 1)  # still hidden
        b.wait_log(lambda m: "SUCCEEDED" in m, timeout=VISIBILITY + 60)
        took_over = time.monotonic() - killed
        print("two hosts: B finished the event %.1f s after A was killed (visibility %d s)"
              % (took_over, VISIBILITY))
        wait_queue_empty(sim.sqs, sim.events_url)
        notes = sim.notes(about=NEW, expect=2, timeout=4)
        # A's host comes back: its in-flight record is older than the
        # message's visibility, so the event is left to redelivery, which
        # never comes (B deleted it).
        a.start()
        a.wait_log(lambda m: "not resuming key evt-two-hosts-1" in m)
        time.sleep(2)
        notes += sim.notes(about=NEW, expect=1, timeout=2)
        assert a.stop() == 0 and b.stop() == 0
    finally:
        gate.stop()
        a.close()
        b.close()
    # The reader is in the endpoint exactly once, next to the reader that was there.
    ep = sim.rds.describe_db_cluster_endpoints(
        DBClusterEndpointIdentifier=ENDPOINT)["DBClusterEndpoints"][0]
    assert sorted(ep["StaticMembers"]) == sorted([READER, NEW]), ep
    # Warmed (by B: A never got a byte through), from the cold figure.
    warm = hot_buffers(target)
    assert warm - cold >= pages * 9 // 10, (pages, cold, warm)
    # One alert for the event: B's success notification.
    assert len(notes) == 1, notes
    assert "warmed and in service" in notes[0]["Subject"], notes
    # B took over only once the message's visibility ran out: A renewed it
    # every VISIBILITY / 2 s, so at least that much was left at the kill.
    assert VISIBILITY / 2 <= took_over < VISIBILITY + 60, took_over
    (ra,) = executions(a)
    assert ra["status"] == "interrupted" and ra["state"] == "Warm", ra
    assert a.executions() == [ex_a]  # the restart ran nothing
    (rb,) = executions(b)
    assert rb["status"] == "succeeded" and rb["key"] == "evt-two-hosts-1", rb
    for w, ex in ((a, ex_a), (b, rb["id"])):
        assert w.history(ex)[0]["name"] == "evt-two-hosts-1"
    msgs = b.messages()
    assert sum(m.startswith("deleted message") for m in msgs) == 1
    assert not any(m.startswith("deleted message") for m in a.messages())
    assert not list((a.state / "watch" / "inflight").glob("*.json"))
    text = "".join(p.read_text() for p in tmp_path.glob("*/watch-*.log"))
    for secret in (SECRET_KEY, SESSION_TOKEN, pg.password):
        assert secret not in text

"""`prewarm watch` running the real aurora-replica-prewarm: two replicas
created at the same moment (two RDS-EVENT-0005 events in one SendMessage
batch) are both warmed and both end up in the custom endpoint (the safe
AddStaticMember loses no update), and both messages are deleted.

Aurora is simulated by moto (with the custom endpoint extension), the
instances by real PostgreSQL servers (database.hosts maps each to one): the
primary is the in-service reader to mirror, two pg_basebackup standbys are
the new replicas.

Benchmark (the issue's engine overhead): for each replica, seconds from the
event being sent (the instance is already available with low lag) to the
instance being in the endpoint, minus the warm's own seconds
(Report.seconds). Printed (pytest -s) and written to
$PW_TOP_BUILDDIR/watch-bench.json.
"""
import datetime
import json
import os
import time

import pytest

from fixtures.aurora_sim import hot_buffers, quick_vars, seed_hot_table
from fixtures.moto_server import SECRET_KEY, SESSION_TOKEN, moto_server  # noqa: F401
from fixtures.pg_cluster import PgCluster
from fixtures.watch import Watcher, wait_queue_empty

SRC = os.environ.get("PW_TOP_SRCDIR",
                     os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
EVENTS = os.path.join(SRC, "tests", "data", "events")
CLUSTER, ENDPOINT, SECRET = "app-prod", "app-prod-readers", "app-prod/prewarm"
WRITER, READER = "app-prod-writer", "app-prod-reader-1"
NEW = ["app-prod-reader-2", "app-prod-reader-3"]


@pytest.fixture(scope="module")
def pg():
    with PgCluster(standbys=2, shared_buffers="16MB") as c:
        seed_hot_table(c)  # the primary's cache holds the hot table
        yield c


def members(rds):
    ep = rds.describe_db_cluster_endpoints(DBClusterEndpointIdentifier=ENDPOINT)["DBClusterEndpoints"][0]
    return sorted(ep.get("StaticMembers", []))


def test_two_replicas_at_once_are_both_warmed_and_in_the_endpoint(tmp_path, pg, moto_server):
    rds, cw, sqs = moto_server.client("rds"), moto_server.client("cloudwatch"), moto_server.client("sqs")
    rds.create_db_cluster(DBClusterIdentifier=CLUSTER, Engine="aurora-postgresql",
                          MasterUsername="postgres", MasterUserPassword="not-used-1")
    for name in [WRITER, READER] + NEW:  # the first instance becomes the writer
        rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier=CLUSTER,
                               Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    rds.create_db_cluster_endpoint(DBClusterIdentifier=CLUSTER, DBClusterEndpointIdentifier=ENDPOINT,
                                   EndpointType="READER", StaticMembers=[READER])
    arn = moto_server.client("secretsmanager").create_secret(Name=SECRET, SecretString=json.dumps(
        pg.secret()))["ARN"]
    now = datetime.datetime.now(datetime.timezone.utc)
    for name in NEW:  # low replica lag over the window
        cw.put_metric_data(Namespace="AWS/RDS", MetricData=[
            {"MetricName": "AuroraReplicaLag",
             "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": name}],
             "Timestamp": now - datetime.timedelta(seconds=100 - 60 * i), "Value": v,
             "Unit": "Milliseconds"} for i, v in enumerate([4.0, 6.5])])
    url = sqs.create_queue(QueueName="rds-events")["QueueUrl"]
    hosts = {READER: pg.primary, NEW[0]: pg.standbys[0], NEW[1]: pg.standbys[1]}
    v = quick_vars(arn, hosts)
    # Replaying the table's writes put it in the standbys' caches already:
    # empty them as a new replica's, and measure that cold figure.
    pages = pg.primary.scalar("SELECT pg_relation_size('hot') / current_setting('block_size')::int")
    cold = {}
    for s in pg.standbys:
        s.restart()
        cold[s.name] = hot_buffers(s)
    assert all(c < pages // 10 for c in cold.values()), (cold, pages)
    wf = os.path.join(SRC, "workflows")
    w = Watcher(tmp_path, {"queue_url": url, "max_concurrent": 2, "visibility_timeout_seconds": 30,
                           "receive_wait_seconds": 2,
                           "workflows": {"instance-created": os.path.join(wf, "aurora-replica-prewarm.yaml"),
                                         "failover": os.path.join(wf, "aurora-failover-adjust.yaml"),
                                         "reconcile": os.path.join(wf, "reconcile.yaml")}},
                vars=v, extra_plugin_dirs=False)
    try:
        w.start()
        w.wait_log(lambda m: m.startswith("watching"))
        with open(os.path.join(EVENTS, "rds-event-0005.json")) as f:
            base = json.load(f)
        entries = []
        for i, name in enumerate(NEW):
            e = json.loads(json.dumps(base))
            e["id"] = "evt-create-%s" % name
            e["detail"]["SourceIdentifier"] = "rds:" + name
            entries.append({"Id": str(i), "MessageBody": json.dumps(e)})
        sent = time.monotonic()
        assert not sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed")
        joined = {}
        deadline = sent + 240
        while len(joined) < len(NEW) and time.monotonic() < deadline:
            current = members(rds)
            for name in NEW:
                if name in current and name not in joined:
                    joined[name] = time.monotonic() - sent
            time.sleep(0.1)
        assert members(rds) == sorted([READER] + NEW), w.messages()
        wait_queue_empty(sqs, url)
        w.wait_log(lambda m: sum("SUCCEEDED" in x for x in w.messages()) >= 2 and "SUCCEEDED" in m)
        assert w.stop() == 0
    finally:
        w.close()
    # One execution per event, both warmed; the warm's own time from its report.
    outputs = {}
    for ex in w.executions():
        hist = w.history(ex)
        assert hist[-1]["type"] == "ExecutionSucceeded", hist[-1]
        out = hist[-1]["output"]
        assert out["Status"] == "warmed" and out["Endpoints"] == [ENDPOINT], out
        outputs[out["DBInstanceIdentifier"]] = out
    assert sorted(outputs) == sorted(NEW)
    # The warm loaded (nearly) the whole table the source had cached: a
    # warm that loads nothing stays at the cold figure.
    warm = {s.name: hot_buffers(s) for s in pg.standbys}
    print("hot table pages %d; buffers cold %s, warmed %s" % (pages, cold, warm))
    for name in warm:
        assert warm[name] - cold[name] >= pages * 9 // 10, (pages, cold, warm)
    text = "".join(p.read_text() for p in tmp_path.glob("watch-*.log"))
    for secret in (SECRET_KEY, SESSION_TOKEN, pg.password):
        assert secret not in text
    bench = {name: {"event_to_endpoint_s": round(joined[name], 2),
                    "warm_s": round(outputs[name]["Report"]["seconds"], 2),
                    "overhead_s": round(joined[name] - outputs[name]["Report"]["seconds"], 2)}
             for name in NEW}
    print("watch benchmark:", json.dumps(bench))
    with open(os.path.join(os.environ.get("PW_TOP_BUILDDIR", "."), "watch-bench.json"), "w") as f:
        json.dump(bench, f, indent=1)
    # The target is under 5 s; the bound here leaves room for a loaded CI host.
    for b in bench.values():
        assert b["overhead_s"] < 20, bench

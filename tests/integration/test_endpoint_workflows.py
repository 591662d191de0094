"""The shipped workflows with fixtures/fault_proxy.py between `prewarm run`
and moto (which plays `modifying` for 0.5 s after each Modify), real
PostgreSQL servers as the instances (as in test_workflow_runs.py):

  (e) reconcile heals a warmed member that got lost (its intent tag says
      "warm"), and re-adds neither one an operator removed through
      RemoveStaticMember (tag "removed") nor one scaled in (deleted);
  (c) aurora-failover-adjust with every 3rd RDS call throttled, every 2nd
      5xx (applied, or not applied), every 3rd 5xx not applied: the new
      writer leaves the endpoint, the former writer is warmed back in, the
      run succeeds within 60 s;
  (d) RDS unreachable: aurora-replica-prewarm and aurora-failover-adjust
      each fail within a bounded time (documented in WORKFLOWS.md) with one
      webhook alert, the endpoint untouched.
"""
import json
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from fixtures import moto_server as ms
from fixtures.aurora_sim import (CLUSTER, ENDPOINT, READER, WORKFLOWS, WRITER, quick_vars, seed_hot_table,
                                 write_config)
from fixtures.fault_proxy import FaultProxy
from fixtures.http_stub import Reply, http_stub  # noqa: F401
from fixtures.moto_server import endpoint_of, plugin_call, wait_endpoint_available
from fixtures.pg_cluster import PgCluster

SRC = os.environ.get("PW_TOP_SRCDIR",
                     os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
PREWARM = os.environ.get("PREWARM", os.path.join(os.getcwd(), "prewarm"))
EVENTS = os.path.join(SRC, "tests", "data", "events")
NEW = "app-prod-reader-2"       # warmed in, then lost: reconcile heals it
OPERATOR = "app-prod-reader-3"  # removed by an operator: stays out
SCALED = "app-prod-reader-4"    # warmed in, then deleted (scale-in)
SECRET = "app-prod/prewarm"
# WORKFLOWS.md "RDS unreachable": the first RDS step's Retry waits
# 2+4+8+16 s, and each of its 5 tries is 3 client attempts (standard
# mode) with <= 1+2 s of backoff: <= 45 s when connections are refused.
UNREACHABLE_BOUND = 60


@pytest.fixture(scope="module")
def pg():
    with PgCluster(standbys=2, shared_buffers="16MB") as c:
        seed_hot_table(c)
        yield c


@pytest.fixture(scope="module")
def aws(pg):
    url, proc, log = ms.start(endpoint_delay=0.5)
    saved = dict(os.environ)
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("PREWARM_CONFIG", None)
    os.environ.update({
        "AWS_ACCESS_KEY_ID": ms.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": ms.SECRET_KEY,
        "AWS_SESSION_TOKEN": ms.SESSION_TOKEN, "AWS_REGION": ms.REGION,
        "AWS_DEFAULT_REGION": ms.REGION, "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
        "PREWARM_LOCK_DIR": tempfile.mkdtemp(prefix="pw-locks-"),
    })
    rds = url.client("rds")
    rds.create_db_cluster(DBClusterIdentifier=CLUSTER, Engine="aurora-postgresql",
                          MasterUsername="postgres", MasterUserPassword="not-used-1")
    for name in (WRITER, READER, NEW, OPERATOR, SCALED):  # the first is the writer
        rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier=CLUSTER,
                               Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    rds.create_db_cluster_endpoint(DBClusterIdentifier=CLUSTER, DBClusterEndpointIdentifier=ENDPOINT,
                                   EndpointType="READER", StaticMembers=[READER])
    # prewarm's least-privilege role (contrib/sql/prewarm-role.sql), scram over TCP.
    arn = url.client("secretsmanager").create_secret(Name=SECRET, SecretString=json.dumps(
        pg.secret()))["ARN"]
    proxy = FaultProxy(str(url), rds_client=rds).start()
    os.environ["AWS_ENDPOINT_URL"] = proxy.url
    try:
        yield {"rds": rds, "proxy": proxy, "secret_arn": arn}
    finally:
        proxy.stop()
        ms.stop(proc, log)
        os.unlink(url.log_path)
        shutil.rmtree(os.environ["PREWARM_LOCK_DIR"], ignore_errors=True)
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def proxy(aws):
    aws["proxy"].clear()
    yield aws["proxy"]
    aws["proxy"].clear()


def members(rds):
    return sorted(endpoint_of(rds, ENDPOINT).get("StaticMembers", []))


def wait_available(rds):
    wait_endpoint_available(rds, ENDPOINT)


def config(tmp_path, pg, aws, **extra):
    hosts = {READER: pg.primary, NEW: pg.standbys[0], WRITER: pg.standbys[1],
             OPERATOR: pg.standbys[0]}
    v = quick_vars(aws["secret_arn"], hosts, **{"reconcile.grace_minutes": 0})
    v.update(extra)
    return write_config(tmp_path / "prewarm.json", v)


def run(tmp_path, workflow, event, cfg):
    inp = tmp_path / "event.json"
    inp.write_text(json.dumps(event))
    t0 = time.monotonic()
    p = subprocess.run([PREWARM, "run", os.path.join(WORKFLOWS, workflow), "--input", str(inp),
                        "--config", cfg, "--state-dir", str(tmp_path / "state"), "--log-format", "json"],
                       capture_output=True, text=True, timeout=300)
    took = time.monotonic() - t0
    assert p.returncode in (0, 1), f"exit {p.returncode}: {p.stdout}\n{p.stderr}"
    return p.returncode, json.loads(p.stdout), p.stderr, took


def event(name, **changes):
    with open(os.path.join(EVENTS, name)) as f:
        e = json.load(f)
    e["detail"].update(changes)
    return e


def member_call(action, who, **extra):
    rc, out, err = plugin_call("rds", action, {"DBClusterEndpointIdentifier": ENDPOINT,
                                               "DBInstanceIdentifier": who, **extra})
    assert rc == 0, (out, err)
    return out


def test_e_reconcile_heals_a_lost_member_and_respects_removals(tmp_path, pg, aws, proxy):
    rds = aws["rds"]
    for who in (NEW, OPERATOR, SCALED):  # each warmed and added (tag "warm")
        assert member_call("AddStaticMember", who)["IntentRecorded"] is True
    member_call("RemoveStaticMember", OPERATOR)  # tag "removed"
    wait_available(rds)
    # NEW is lost (a hand edit, or a writer on a host without the lock).
    rds.modify_db_cluster_endpoint(DBClusterEndpointIdentifier=ENDPOINT,
                                   StaticMembers=[READER, SCALED])
    wait_available(rds)
    rds.delete_db_instance(DBInstanceIdentifier=SCALED, SkipFinalSnapshot=True)
    assert members(rds) == sorted([READER, SCALED])
    rc, out, err, _ = run(tmp_path, "reconcile.yaml", {}, config(tmp_path, pg, aws))
    assert rc == 0, (out, err)
    assert members(rds) == sorted([READER, NEW])
    changes = {(c["Action"], c["DBInstanceIdentifier"]) for c in out["Clusters"][0]["Changes"]}
    assert changes == {("add", NEW), ("remove", SCALED)}, out
    # Again: nothing to do, and the operator's removal still holds.
    rc, out, err, _ = run(tmp_path, "reconcile.yaml", {}, config(tmp_path, pg, aws))
    assert rc == 0 and out["Clusters"][0]["Changes"] in ({}, []), (out, err)
    assert OPERATOR not in members(rds)


@pytest.mark.parametrize("n,kind", [(3, "throttle"), (2, "5xx"), (2, "5xx-lost"), (3, "5xx-lost")],
                         ids=["every-3rd-throttle", "every-2nd-5xx-applied",
                              "every-2nd-5xx-not-applied", "every-3rd-5xx-not-applied"])
def test_c_failover_under_sustained_faults(tmp_path, pg, aws, proxy, n, kind):
    rds = aws["rds"]
    wait_available(rds)
    if WRITER in members(rds):  # a previous case failed over: back to the start
        rds.failover_db_cluster(DBClusterIdentifier=CLUSTER, TargetDBInstanceIdentifier=WRITER)
        rds.modify_db_cluster_endpoint(DBClusterEndpointIdentifier=ENDPOINT,
                                       StaticMembers=[m for m in members(rds) if m != WRITER] + [READER])
        wait_available(rds)
    READER_NOW, WRITER_NOW = READER, WRITER
    before = set(members(rds))
    assert READER_NOW in before and WRITER_NOW not in before
    rds.failover_db_cluster(DBClusterIdentifier=CLUSTER, TargetDBInstanceIdentifier=READER_NOW)
    proxy.every_nth(n, kind)
    rc, out, err, took = run(tmp_path, "aurora-failover-adjust.yaml",
                             event("rds-event-0071.json",
                                   Message="Completed failover to DB instance: " + READER_NOW),
                             config(tmp_path, pg, aws))
    assert rc == 0, (out, err)
    assert proxy.calls() >= 6 and took < 60, (proxy.calls(), took)
    print(f"failover, {kind} every {n}: {took:.1f} s, {proxy.calls()} RDS calls")
    (summary,) = out["Clusters"]
    changes = {(c["Action"], c["DBInstanceIdentifier"]) for c in summary["Changes"]}
    assert changes == {("remove", READER_NOW), ("add", WRITER_NOW)}
    assert set(members(rds)) == (before - {READER_NOW}) | {WRITER_NOW}
    for before_m, sent, _ in proxy.modifies:
        # Only the new writer may leave; nobody else is dropped.
        assert set(before_m) - set(sent) <= {READER_NOW}, (before_m, sent)


@pytest.mark.parametrize("workflow,evt,detail", [
    ("aurora-replica-prewarm.yaml", "rds-event-0005.json", {"SourceIdentifier": "rds:" + OPERATOR}),
    ("aurora-failover-adjust.yaml", "rds-event-0071.json",
     {"Message": "Completed failover to DB instance: " + READER}),
], ids=["add", "failover"])
def test_d_rds_unreachable_fails_bounded_with_one_alert(tmp_path, pg, aws, proxy, http_stub,
                                                        workflow, evt, detail):
    rds = aws["rds"]
    wait_available(rds)
    before = members(rds)
    http_stub.route("POST", "/hook", [Reply(200, "ok")])
    proxy.down()
    cfg = config(tmp_path, pg, aws, **{"notify.webhook_url": http_stub.url + "/hook"})
    rc, out, err, took = run(tmp_path, workflow, event(evt, **detail), cfg)
    print(f"{workflow}, RDS unreachable: failed after {took:.1f} s")
    proxy.down(False)
    assert rc == 1, (out, err)
    assert out["Error"] in ("AWS.NetworkError", "AWS.Timeout"), out
    assert took < UNREACHABLE_BOUND, f"took {took:.1f} s"
    hooks = [r for r in http_stub.requests if r.path == "/hook"]
    assert len(hooks) == 1, hooks
    assert members(rds) == before

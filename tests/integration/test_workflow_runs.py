"""The shipped workflows run for real by `prewarm run`: an Aurora cluster
simulated by moto (with the custom endpoint extension), and real PostgreSQL
servers standing in for its instances (database.hosts maps each instance to
one): a primary as the in-service reader to mirror, pg_basebackup standbys
as the new reader and the former writer.

  aurora-replica-prewarm: a new reader is warmed (mirror), reported to
    CloudWatch and added to the endpoint; a failure is notified with the
    execution id, failing state and cause, and leaves the endpoint alone;
    other clusters and writers are ignored.
  aurora-failover-adjust: after a failover the new writer leaves the reader
    endpoint and the former writer is warmed and added.
  reconcile: scale-in (a deleted member) is repaired; nothing changes when
    all is well.
"""
import datetime
import json
import os
import re
import subprocess

import pytest

from fixtures.moto_server import SECRET_KEY, SESSION_TOKEN, moto_server  # noqa: F401
from fixtures.aurora_sim import (CLUSTER, ENDPOINT, READER, WORKFLOWS, WRITER, quick_vars, seed_hot_table,
                                 write_config)
from fixtures.pg_cluster import PgCluster

SRC = os.environ.get("PW_TOP_SRCDIR",
                     os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
PREWARM = os.environ.get("PREWARM", os.path.join(os.getcwd(), "prewarm"))
EVENTS = os.path.join(SRC, "tests", "data", "events")

# READER, in service, is mirrored (the PostgreSQL primary).
NEW = "app-prod-reader-2"      # the new reader (standby 1)
SECRET = "app-prod/prewarm"


@pytest.fixture(scope="module")
def pg():
    with PgCluster(standbys=2, shared_buffers="16MB") as c:
        seed_hot_table(c)
        yield c


@pytest.fixture(scope="module")
def aws(moto_server, pg):
    rds = moto_server.client("rds")
    rds.create_db_cluster(DBClusterIdentifier=CLUSTER, Engine="aurora-postgresql",
                          MasterUsername="postgres", MasterUserPassword="not-used-1")
    for name in (WRITER, READER):  # the first instance becomes the writer
        rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier=CLUSTER,
                               Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    rds.create_db_cluster_endpoint(DBClusterIdentifier=CLUSTER, DBClusterEndpointIdentifier=ENDPOINT,
                                   EndpointType="READER", StaticMembers=[READER])
    sm = moto_server.client("secretsmanager")
    # prewarm's least-privilege role with its SCRAM password (the only way
    # in over TCP): a workflow that lost the password fails.
    arn = sm.create_secret(Name=SECRET, SecretString=json.dumps(pg.secret()))["ARN"]
    return {"rds": rds, "cw": moto_server.client("cloudwatch"), "secret_arn": arn}


def members(rds):
    ep = rds.describe_db_cluster_endpoints(DBClusterEndpointIdentifier=ENDPOINT)["DBClusterEndpoints"][0]
    return sorted(ep.get("StaticMembers", []))


def config(tmp_path, pg, aws, **extra):
    hosts = {READER: pg.primary, NEW: pg.standbys[0], WRITER: pg.standbys[1]}
    v = quick_vars(aws["secret_arn"], hosts, **{"reconcile.grace_minutes": 0})
    v.update(extra)
    return write_config(tmp_path / "prewarm.json", v)


def run(tmp_path, workflow, event, cfg, *args):
    inp = tmp_path / "event.json"
    inp.write_text(json.dumps(event))
    env = dict(os.environ)
    env.pop("PREWARM_CONFIG", None)
    p = subprocess.run([PREWARM, "run", os.path.join(WORKFLOWS, workflow), "--input", str(inp),
                        "--config", cfg, "--state-dir", str(tmp_path / "state"), "--log-format", "json"]
                       + list(args), capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode in (0, 1), f"exit {p.returncode}: {p.stdout}\n{p.stderr}"
    for secret in (SECRET_KEY, SESSION_TOKEN):
        assert secret not in p.stdout + p.stderr
    return p.returncode, json.loads(p.stdout), p.stderr


def lag_datapoints(cw, instance, values):
    now = datetime.datetime.now(datetime.timezone.utc)
    cw.put_metric_data(Namespace="AWS/RDS", MetricData=[
        {"MetricName": "AuroraReplicaLag", "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": instance}],
         "Timestamp": now - datetime.timedelta(seconds=100 - 60 * i), "Value": v, "Unit": "Milliseconds"}
        for i, v in enumerate(values)])


def event(name, **changes):
    with open(os.path.join(EVENTS, name)) as f:
        e = json.load(f)
    e["detail"].update(changes)
    return e


def test_check_config_checks_the_endpoints(tmp_path, pg, aws):
    rds = aws["rds"]
    rds.create_db_cluster_endpoint(DBClusterIdentifier=CLUSTER, DBClusterEndpointIdentifier="app-prod-all",
                                   EndpointType="READER", ExcludedMembers=[WRITER])
    cfg = config(tmp_path, pg, aws)
    rc, out, err = run(tmp_path, "check-config.yaml", {}, cfg)
    assert rc == 0, (out, err)
    assert out["Clusters"][0]["Endpoints"][0]["StaticMembers"] == [READER]
    assert out["Warnings"] in ({}, [])
    cfg = config(tmp_path, pg, aws, **{"clusters.%s.endpoints" % CLUSTER: ENDPOINT + ",app-prod-all"})
    rc, out, err = run(tmp_path, "check-config.yaml", {}, cfg)
    assert rc == 0, (out, err)
    assert out["Warnings"] in ({}, []), out
    assert any("app-prod-all has no static member list" in n for n in out["Notes"]), out
    assert any("cannot exclude" in n for n in out["Notes"])
    assert "app-prod-all has no static member list" in err  # logged too
    cfg = config(tmp_path, pg, aws, **{"clusters.%s.endpoints" % CLUSTER: "typo-readers"})
    rc, out, err = run(tmp_path, "check-config.yaml", {}, cfg)
    assert rc == 1 and out["Error"] == "Config.Invalid" and "typo-readers does not exist" in out["Cause"]


def test_other_clusters_and_writers_are_ignored(tmp_path, pg, aws):
    cfg = config(tmp_path, pg, aws)
    rc, out, _ = run(tmp_path, "aurora-replica-prewarm.yaml", event("cloudtrail-other-cluster.json"), cfg)
    assert rc == 0 and out["Status"] == "ignored" and "billing" in out["Reason"]
    rc, out, _ = run(tmp_path, "aurora-replica-prewarm.yaml", {"DBInstanceIdentifier": WRITER}, cfg)
    assert rc == 0 and out["Status"] == "ignored" and "is the writer" in out["Reason"]
    assert members(aws["rds"]) == [READER]


def test_a_failure_is_notified_and_leaves_the_endpoint_alone(tmp_path, pg, aws):
    aws["rds"].create_db_instance(DBInstanceIdentifier=NEW, DBClusterIdentifier=CLUSTER,
                                  Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    lag_datapoints(aws["cw"], NEW, [4.0, 6.5])
    # One managed endpoint does not exist: planning fails before any warm.
    cfg = config(tmp_path, pg, aws, **{"clusters.%s.endpoints" % CLUSTER: ENDPOINT + ",no-such-endpoint"})
    rc, out, err = run(tmp_path, "aurora-replica-prewarm.yaml",
                       event("rds-event-0005.json", SourceIdentifier="rds:" + NEW), cfg)
    assert rc == 1 and out["Error"] == "Prewarm.EndpointNotFound", (out, err)
    assert "failed in state PlanWarm" in out["Cause"] and "no-such-endpoint" in out["Cause"]
    assert any("left as they were" in line for line in err.splitlines())
    execution = out["Cause"].rsplit("(execution ", 1)[1].rstrip(")")
    notes = [json.loads(line) for line in err.splitlines() if "FAILED for " + NEW in line]
    assert notes and execution in notes[0]["msg"] and "state PlanWarm" in notes[0]["msg"]
    assert members(aws["rds"]) == [READER]
    assert pg.password not in out["Cause"] + err


def test_a_lagging_reader_times_out_after_the_bounded_wait(tmp_path, pg, aws):
    lagging = "app-prod-reader-3"
    aws["rds"].create_db_instance(DBInstanceIdentifier=lagging, DBClusterIdentifier=CLUSTER,
                                  Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    lag_datapoints(aws["cw"], lagging, [40.0, 950.0])
    cfg = config(tmp_path, pg, aws, **{"lag.max_wait_seconds": 3})
    rc, out, err = run(tmp_path, "aurora-replica-prewarm.yaml", {"DBInstanceIdentifier": lagging}, cfg)
    assert rc == 1 and out["Error"] == "Prewarm.ReplicaLagTimeout", (out, err)
    assert "reached 950 ms" in out["Cause"] and "gave up after 3 s" in out["Cause"]
    assert members(aws["rds"]) == [READER]
    aws["rds"].delete_db_instance(DBInstanceIdentifier=lagging, SkipFinalSnapshot=True)


def test_dry_run_plans_the_warm_and_changes_nothing(tmp_path, pg, aws):
    cfg = config(tmp_path, pg, aws)
    rc, out, err = run(tmp_path, "aurora-replica-prewarm.yaml", {"DBInstanceIdentifier": NEW}, cfg, "--dry-run")
    assert rc == 0, (out, err)
    assert out["Status"] == "warmed" and out["Strategy"] == ["mirror"]
    assert out["Report"]["DryRun"] is True
    assert members(aws["rds"]) == [READER]
    assert pg.password not in out_text(out) + err


def test_dry_run_with_iam_auth_and_s3_queries(tmp_path, pg, aws, moto_server):
    s3 = moto_server.client("s3")
    s3.create_bucket(Bucket="app-prod-prewarm")
    for hour in ("07", "08"):
        s3.put_object(Bucket="app-prod-prewarm", Key="top-queries/postgres/2026/11/18/%s.csv" % hour,
                      Body=b"queryid,query,calls,total_exec_time,mean_exec_time,rows,shared_blks_hit,"
                           b"shared_blks_read\n1,SELECT 1,1,1,1,1,1,1\n")
    cfg = config(tmp_path, pg, aws, **{
        "clusters.%s.database.auth" % CLUSTER: "iam", "clusters.%s.database.user" % CLUSTER: "prewarm",
        "warm.strategy": "queries", "warm.queries_s3.bucket": "app-prod-prewarm",
        "warm.queries_s3.prefix": "top-queries/postgres/"})
    rc, out, err = run(tmp_path, "aurora-replica-prewarm.yaml", {"DBInstanceIdentifier": NEW}, cfg, "--dry-run")
    assert rc == 0, (out, err)
    params = out["Report"]["Parameters"]
    assert out["Strategy"] == ["queries"] and params["strategy"] == "queries"
    assert params["queries"] == {"s3": {"Bucket": "app-prod-prewarm",
                                        "Key": "top-queries/postgres/2026/11/18/08.csv"}}
    assert params["target"]["user"] == "prewarm" and params["target"]["sslmode"] == "disable"
    # The IAM auth token is a password for 15 minutes: registered as a
    # secret, it is redacted whole wherever it is printed (not only its
    # signature, which the AWS library registers first).
    token = params["target"]["password"]
    assert token == "***"
    allout = out_text(out) + err
    i = allout.find("Action=connect&DBUser=prewarm")
    assert i < 0, allout[max(0, i - 300):i + 300]
    assert not re.search(r"X-Amz-Signature=[0-9a-f]{64}", out_text(out) + err)
    assert members(aws["rds"]) == [READER]


def out_text(out):
    return json.dumps(out)


def test_a_new_reader_is_warmed_reported_and_added(tmp_path, pg, aws):
    cfg = config(tmp_path, pg, aws)
    pg.standbys[0].restart()  # a new instance: its cache is empty
    cold = pg.standbys[0].scalar("SELECT count(*) FROM pg_buffercache WHERE relfilenode = "
                                 "(SELECT relfilenode FROM pg_class WHERE relname = 'hot')")
    rc, out, err = run(tmp_path, "aurora-replica-prewarm.yaml",
                       event("rds-event-0005.json", SourceIdentifier="rds:" + NEW), cfg)
    assert rc == 0, (out, err)
    assert out["Status"] == "warmed" and out["Strategy"] == ["mirror"] and out["Endpoints"] == [ENDPOINT]
    warm = pg.standbys[0].scalar("SELECT count(*) FROM pg_buffercache WHERE relfilenode = "
                                 "(SELECT relfilenode FROM pg_class WHERE relname = 'hot')")
    assert cold < 10 and warm > 300, (cold, warm, out["Report"])
    assert members(aws["rds"]) == sorted([READER, NEW])
    stats = aws["cw"].get_metric_statistics(
        Namespace="AuroraPrewarm", MetricName="WarmSeconds",
        Dimensions=[{"Name": "DBClusterIdentifier", "Value": CLUSTER},
                    {"Name": "DBInstanceIdentifier", "Value": NEW}],
        StartTime=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1),
        EndTime=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=5),
        Period=60, Statistics=["Maximum"])
    assert stats["Datapoints"], "no WarmSeconds metric published"
    assert pg.password not in out_text(out) + err
    assert any("warmed and in service" in line for line in err.splitlines())
    # The same event again (SQS delivers at least once): nothing to do.
    rc, out, err = run(tmp_path, "aurora-replica-prewarm.yaml",
                       event("rds-event-0005.json", SourceIdentifier="rds:" + NEW), cfg)
    assert rc == 0 and out["Status"] == "ignored" and "already a member" in out["Reason"], (out, err)


def test_failover_moves_the_writer_out_and_warms_the_former_writer_in(tmp_path, pg, aws):
    rds = aws["rds"]
    rds.failover_db_cluster(DBClusterIdentifier=CLUSTER, TargetDBInstanceIdentifier=READER)
    cfg = config(tmp_path, pg, aws)
    rc, out, err = run(tmp_path, "aurora-failover-adjust.yaml",
                       event("rds-event-0071.json", Message="Completed failover to DB instance: " + READER),
                       cfg)
    assert rc == 0, (out, err)
    (summary,) = out["Clusters"]
    assert summary["Writer"] == READER
    changes = {(c["Action"], c["DBInstanceIdentifier"]) for c in summary["Changes"]}
    assert changes == {("remove", READER), ("add", WRITER)}
    assert members(rds) == sorted([NEW, WRITER])


def test_reconcile_repairs_scale_in_and_is_quiet_when_all_is_well(tmp_path, pg, aws):
    rds = aws["rds"]
    cfg = config(tmp_path, pg, aws)
    rc, out, err = run(tmp_path, "reconcile.yaml", {}, cfg)
    assert rc == 0, (out, err)
    assert out["Clusters"][0]["Changes"] in ({}, [])
    rds.delete_db_instance(DBInstanceIdentifier=WRITER, SkipFinalSnapshot=True)
    rc, out, err = run(tmp_path, "reconcile.yaml", {"DBClusterIdentifier": CLUSTER}, cfg)
    assert rc == 0, (out, err)
    changes = {(c["Action"], c["DBInstanceIdentifier"]) for c in out["Clusters"][0]["Changes"]}
    assert changes == {("remove", WRITER)}
    assert members(rds) == [NEW]


# The real plugins from several threads at once: a Map of three items, one
# per PostgreSQL server, each fetching the secret (secrets plugin, its own
# curl handle), describing the cluster (rds) and reading the server's cache
# statistics with the secret's password (postgres-warm, its own libpq
# connection). The password a thread fetched is redacted in everything.
CONCURRENT = {
    "StartAt": "Each",
    "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.servers", "MaxConcurrency": 3,
        "ItemProcessor": {"StartAt": "Secret", "States": {
            "Secret": {"Type": "Task", "Resource": "secrets:GetSecretValue",
                       "Parameters": {"SecretId.$": "$.secret"},
                       "ResultSelector": {"password.$": "$.Credentials.password"},
                       "ResultPath": "$.cred", "Next": "Cluster"},
            "Cluster": {"Type": "Task", "Resource": "rds:DescribeDBClusters",
                        "Parameters": {"DBClusterIdentifier": CLUSTER},
                        "ResultSelector": {"id.$": "$.DBClusters[0].DBClusterIdentifier"},
                        "ResultPath": "$.cluster", "Next": "Stats"},
            "Stats": {"Type": "Task", "Resource": "postgres-warm:CacheStats",
                      "Parameters": {"target.$": "States.Format('{} password={}', $.dsn, $.cred.password)"},
                      "ResultSelector": {"in_recovery.$": "$.in_recovery"},
                      "ResultPath": "$.stats", "End": True}}},
        "End": True}},
}


def test_real_plugins_run_in_map_items_at_once(tmp_path, pg, aws):
    wf = tmp_path / "concurrent.json"
    wf.write_text(json.dumps(CONCURRENT))
    servers = [{"dsn": inst.dsn(password=""), "secret": aws["secret_arn"]}
               for inst in [pg.primary] + list(pg.standbys)]
    for s in servers:  # no password in the input: it comes from the secret
        s["dsn"] = s["dsn"].replace(" password=", "")
    rc, out, err = run(tmp_path, str(wf), {"servers": servers}, config(tmp_path, pg, aws))
    assert rc == 0, (out, err)
    assert [o["stats"]["in_recovery"] for o in out] == [False, True, True]
    assert all(o["cluster"]["id"] == CLUSTER for o in out)
    journal = (tmp_path / "state" / "executions").glob("*.jsonl")
    text = "".join(p.read_text() for p in journal)
    assert pg.password not in json.dumps(out) + err + text
    events = [json.loads(line) for line in text.splitlines()]
    scoped = [e["scope"] for e in events if e.get("scope")]
    # items overlapped: the third started before the first ended
    last_of_first = max(i for i, s in enumerate(scoped) if s == "Each[0]")
    first_of_third = scoped.index("Each[2]")
    assert first_of_third < last_of_first, scoped

"""Buffer snapshots as the warm source when no reader is in service (issue
11), for real: moto plays the Aurora cluster and S3, PostgreSQL servers
play the instances (database.hosts), as in test_workflow_runs.py.

  snapshot-buffers.yaml writes the buffer list of the reader in service to
    s3://BUCKET/buffers/<cluster>/<time>-<reader>.csv;
  a live reader still wins over that snapshot;
  with the reader gone (a writer-only cluster), a new reader is warmed by
    mirror from the snapshot: its cache holds the snapshot's hot blocks;
  a snapshot older than warm.snapshot_s3.max_age_seconds is not used: the
    warm falls back to warm.relations and the notification says which
    snapshot was too old, and by how much.
"""
import csv
import datetime
import io
import json
import os
import subprocess
import time

import pytest

from fixtures.moto_server import SECRET_KEY, SESSION_TOKEN, moto_server  # noqa: F401
from fixtures.aurora_sim import (CLUSTER, ENDPOINT, READER, WORKFLOWS, WRITER, hot_buffers, quick_vars,
                                 seed_hot_table, write_config)
from fixtures.pg_cluster import PgCluster

PREWARM = os.environ.get("PREWARM", os.path.join(os.getcwd(), "prewarm"))
NEW = "app-prod-reader-2"    # the first new reader (standby 0)
LATER = "app-prod-reader-3"  # a later one, on the former reader's server (standby 1)
SECRET = "app-prod/prewarm"
BUCKET = "app-prod-prewarm"


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
    arn = moto_server.client("secretsmanager").create_secret(
        Name=SECRET, SecretString=json.dumps(pg.secret()))["ARN"]
    s3 = moto_server.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    return {"rds": rds, "cw": moto_server.client("cloudwatch"), "s3": s3, "secret_arn": arn}


def config(tmp_path, pg, aws, **extra):
    # The writer is the primary; the reader in service (and later LATER)
    # standby 1, whose cache is the snapshot's; NEW standby 0.
    hosts = {WRITER: pg.primary, READER: pg.standbys[1], NEW: pg.standbys[0], LATER: pg.standbys[1]}
    v = quick_vars(aws["secret_arn"], hosts, **{"warm.snapshot_s3.bucket": BUCKET, "warm.snapshot_s3.prefix": "buffers/"})
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


def new_reader(aws, name):
    aws["rds"].create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier=CLUSTER,
                                  Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    now = datetime.datetime.now(datetime.timezone.utc)
    aws["cw"].put_metric_data(Namespace="AWS/RDS", MetricData=[
        {"MetricName": "AuroraReplicaLag", "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": name}],
         "Timestamp": now - datetime.timedelta(seconds=100 - 60 * i), "Value": v, "Unit": "Milliseconds"}
        for i, v in enumerate((4.0, 6.5))])


def members(rds):
    ep = rds.describe_db_cluster_endpoints(DBClusterEndpointIdentifier=ENDPOINT)["DBClusterEndpoints"][0]
    return sorted(ep.get("StaticMembers", []))


def hot_rows(body):
    """The snapshot's blocks of the hot table's main fork."""
    n = 0
    for row in csv.DictReader(io.StringIO(body)):
        if row["relation"].split(".")[-1] == "hot" and row["fork"] in ("main", "0"):
            n += int(row["last_block"]) - int(row["first_block"]) + 1
    return n


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory, pg, aws):
    """The reader in service reads the hot table (through its index, so no
    ring buffer limits what stays cached), then snapshot-buffers.yaml runs:
    (exit code, output, stderr, reader's hot buffers)."""
    tmp = tmp_path_factory.mktemp("snap")
    reader = pg.standbys[1]
    reader.restart()
    reader.query("SET enable_seqscan = off; SELECT sum(length(v)) FROM hot WHERE id > 0")
    return run(tmp, "snapshot-buffers.yaml", {}, config(tmp, pg, aws)) + (hot_buffers(reader),)


def test_snapshot_workflow_writes_the_readers_buffer_list(snapshot, aws):
    rc, out, err, reader_hot = snapshot
    assert rc == 0, (out, err)
    (c,) = out["Clusters"]
    assert c["Status"] == "snapshot" and c["Source"] == READER, c
    assert c["Bucket"] == BUCKET and c["Key"].startswith("buffers/%s/" % CLUSTER)
    assert c["Key"].endswith("Z-%s.csv" % READER)
    stamp = c["Key"].rsplit("/", 1)[1].split("-")[0]
    taken = datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    assert abs((datetime.datetime.now(datetime.timezone.utc) - taken).total_seconds()) < 120
    body = aws["s3"].get_object(Bucket=BUCKET, Key=c["Key"])["Body"].read().decode()
    assert body.startswith("relation,fork,first_block,last_block,usage_count,database")
    # The reader's hot table is in its cache, and all of it in the snapshot.
    assert reader_hot > 300, reader_hot
    assert hot_rows(body) >= reader_hot * 0.95, (hot_rows(body), reader_hot)
    assert c["Blocks"] >= reader_hot


def test_a_failed_snapshot_fails_the_run_and_says_why(snapshot, tmp_path, pg, aws):
    """No such bucket: the run exits 1 with Prewarm.SnapshotFailed, whose
    cause lists each cluster's result (a timer shows it failed)."""
    assert snapshot[0] == 0
    cfg = config(tmp_path, pg, aws, **{"warm.snapshot_s3.bucket": "no-such-bucket"})
    rc, out, err = run(tmp_path, "snapshot-buffers.yaml", {}, cfg)
    assert rc == 1 and out["Error"] == "Prewarm.SnapshotFailed", (out, err)
    cause = json.loads(out["Cause"].split(" - ", 1)[1])
    assert cause[0]["Status"] == "failed" and cause[0]["DBClusterIdentifier"] == CLUSTER
    assert "NoSuchBucket" in json.dumps(cause[0]["Failure"]), cause
    assert pg.password not in out["Cause"] + err


def test_a_live_reader_wins_over_the_snapshot(snapshot, tmp_path, pg, aws):
    assert snapshot[0] == 0
    new_reader(aws, NEW)
    rc, out, err = run(tmp_path, "aurora-replica-prewarm.yaml", {"DBInstanceIdentifier": NEW},
                       config(tmp_path, pg, aws), "--dry-run")
    assert rc == 0, (out, err)
    params = out["Report"]["Parameters"]
    assert out["Strategy"] == ["mirror"] and params["source"]["port"] == pg.standbys[1].port
    assert "snapshot_s3" not in params
    assert not any("FindSnapshot" in line for line in err.splitlines()), err
    assert members(aws["rds"]) == [READER]


def test_writer_only_cluster_warms_the_new_reader_from_the_snapshot(snapshot, tmp_path, pg, aws):
    rc, out, err, reader_hot = snapshot
    assert rc == 0
    key = out["Clusters"][0]["Key"]
    # Scale-in: the only reader leaves; the writer is not a source.
    aws["rds"].delete_db_instance(DBInstanceIdentifier=READER, SkipFinalSnapshot=True)
    # No reader in service: the snapshot workflow skips, the last one stays.
    rc, snap, err = run(tmp_path, "snapshot-buffers.yaml", {}, config(tmp_path, pg, aws))
    assert rc == 0 and snap["Clusters"][0]["Status"] == "skipped", (snap, err)
    assert "no reader of app-prod is in service" in snap["Clusters"][0]["Reason"]
    target = pg.standbys[0]
    target.restart()  # a new instance: its cache is empty
    cold = hot_buffers(target)
    rc, out, err = run(tmp_path, "aurora-replica-prewarm.yaml", {"DBInstanceIdentifier": NEW},
                       config(tmp_path, pg, aws))
    assert rc == 0, (out, err)
    warm = hot_buffers(target)
    rep = out["Report"]
    assert out["Status"] == "warmed" and out["Strategy"] == ["mirror"], out
    assert rep["steps"][0]["snapshot"] == "s3://%s/%s" % (BUCKET, key), rep["steps"]
    assert "source_hot_blocks" not in rep  # no live source was read
    assert out["PlanWarnings"] in ({}, []), out["PlanWarnings"]
    assert cold < 10 and warm >= 0.9 * reader_hot, (cold, warm, reader_hot)
    assert NEW in members(aws["rds"])
    notes = [line for line in err.splitlines() if "warmed and in service" in line]
    assert notes and "Source: the buffer snapshot s3://%s/%s" % (BUCKET, key) in notes[-1], err
    print("snapshot mirror: hot-table buffers cold %d, warm %d, reader %d; %.2f s, %d blocks"
          % (cold, warm, reader_hot, rep["seconds"], rep["blocks_loaded"]))


def test_a_stale_snapshot_falls_back_with_a_warning(snapshot, tmp_path, pg, aws):
    assert snapshot[0] == 0
    # The reader warmed above is scaled in too: writer-only again.
    aws["rds"].delete_db_instance(DBInstanceIdentifier=NEW, SkipFinalSnapshot=True)
    time.sleep(2.2)  # S3's LastModified has whole seconds: older than 1 s for sure
    new_reader(aws, LATER)
    target = pg.standbys[1]
    target.restart()
    cold = hot_buffers(target)
    cfg = config(tmp_path, pg, aws, **{"warm.snapshot_s3.max_age_seconds": 1,
                                       "warm.relations": "public.hot"})
    rc, out, err = run(tmp_path, "aurora-replica-prewarm.yaml", {"DBInstanceIdentifier": LATER}, cfg)
    assert rc == 0, (out, err)
    assert out["Strategy"] == ["relations"] and out["Report"]["strategy"] == "relations", out
    (w,) = out["PlanWarnings"]
    key = snapshot[1]["Clusters"][0]["Key"]
    assert "buffer snapshot s3://%s/%s is too old" % (BUCKET, key) in w
    assert "over warm.snapshot_s3.max_age_seconds (1s): not used" in w, w
    # The notification the workflow sends (the log here) carries it.
    notes = [line for line in err.splitlines() if "warmed and in service" in line]
    assert notes and "Warning: buffer snapshot s3://" in notes[-1] and "is too old" in notes[-1], err
    warm = hot_buffers(target)
    assert cold < 10 and warm > 300, (cold, warm)
    print("stale snapshot, relations: hot-table buffers cold %d, warm %d" % (cold, warm))


def test_failover_of_a_one_reader_cluster_warms_the_former_writer_from_the_snapshot(snapshot, tmp_path, pg,
                                                                                    aws):
    """The other way to lose every reader: a failover to the only one. The
    former writer comes back as a reader with nobody to mirror:
    aurora-failover-adjust warms it from the (default: one day) fresh
    snapshot before adding it back."""
    rc, out, err, reader_hot = snapshot
    assert rc == 0
    rds = aws["rds"]
    rds.failover_db_cluster(DBClusterIdentifier=CLUSTER, TargetDBInstanceIdentifier=LATER)
    target = pg.standbys[0]  # the former writer, a reader now
    target.restart()
    cold = hot_buffers(target)
    cfg = config(tmp_path, pg, aws, **{
        "clusters.%s.database.hosts.%s" % (CLUSTER, WRITER): "127.0.0.1:%d" % target.port,
        "reconcile.grace_minutes": 0})
    rc, out, err = run(tmp_path, "aurora-failover-adjust.yaml",
                       {"DBClusterIdentifier": CLUSTER}, cfg)
    assert rc == 0, (out, err)
    (summary,) = out["Clusters"]
    assert summary["Writer"] == LATER
    assert ("add", WRITER) in {(c["Action"], c["DBInstanceIdentifier"]) for c in summary["Changes"]}, summary
    warm = hot_buffers(target)
    # No relations or queries configured: only the snapshot could warm it.
    assert cold < 10 and warm >= 0.9 * reader_hot, (cold, warm, reader_hot)
    assert WRITER in members(rds)
    assert not any("Warning (" in line for line in err.splitlines() if "adjusted endpoints" in line), err

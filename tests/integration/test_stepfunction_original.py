"""The original Step Functions definition (github ballenabox/AuroraPreWarming,
workflows/examples/stepfunction-original/StepFunction.json, byte for byte)
runs unchanged: its two Lambda functions resolve through resource_map to
the Lua ports, against moto (RDS, CloudWatch, Secrets Manager, S3) and a
real PostgreSQL primary + standby (the new reader).

  validate: the unmapped functions are named with the config line to add;
    mapped, the definition is valid.
  dry run: a reader still "creating" loops DescribeDBInstance/WaitState;
    the dry run stops after the visit bound with a "loop would repeat"
    entry instead of spinning; an available reader is planned end to end
    and nothing changes.
  run: the new reader is warmed for real (its buffers hold the hot table)
    and added to the custom endpoint.
  JSONata twin (StepFunction-JSONata.json, same directory): validates, its
    dry run of a polling loop ends the same way, and a run warms another
    reader and adds it, keeping the members already there.
"""
import datetime
import json
import os
import re
import subprocess
import time

import pytest

from fixtures.moto_server import SECRET_KEY, SESSION_TOKEN
from fixtures.aurora_sim import STATUS_TAG, WORKFLOWS, seed_hot_table, sim_moto  # noqa: F401
from fixtures.pg_cluster import PgCluster

PREWARM = os.environ.get("PREWARM", os.path.join(os.getcwd(), "prewarm"))
EXAMPLE = os.path.join(WORKFLOWS, "examples", "stepfunction-original")
DEFINITION = os.path.join(EXAMPLE, "StepFunction.json")
JSONATA = os.path.join(EXAMPLE, "StepFunction-JSONata.json")
CLUSTER, WRITER, READER, NEW = "sfn-prod", "sfn-writer", "sfn-reader-1", "sfn-reader-2"
NEW_JSONATA = "sfn-reader-3"
BUCKET, PREFIX = "sfn-top-queries", "top-queries/postgres/"
QUERIES = ("queryid,query,calls,total_exec_time,mean_exec_time,rows,shared_blks_hit,"
           "shared_blks_read\n"
           "1,SELECT count(*) FROM hot WHERE v > 'a',40,900,22,40,10,5000\n")


@pytest.fixture(scope="module")
def pg():
    with PgCluster(standbys=1, shared_buffers="16MB") as c:
        seed_hot_table(c)
        yield c


@pytest.fixture(scope="module")
def aws(sim_moto, pg):
    rds = sim_moto.client("rds")
    rds.create_db_cluster(DBClusterIdentifier=CLUSTER, Engine="aurora-postgresql",
                          MasterUsername="postgres", MasterUserPassword="not-used-1")
    for name in (WRITER, READER):
        rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier=CLUSTER,
                               Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    # The definition modifies the endpoint named "custom".
    rds.create_db_cluster_endpoint(DBClusterIdentifier=CLUSTER, DBClusterEndpointIdentifier="custom",
                                   EndpointType="READER", StaticMembers=[READER])
    sm = sim_moto.client("secretsmanager")
    arn = sm.create_secret(Name="sfn/prewarm", SecretString=json.dumps(pg.secret()))["ARN"]
    s3 = sim_moto.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=PREFIX + "2026/11/18/07.csv", Body=QUERIES.encode())
    return {"rds": rds, "cw": sim_moto.client("cloudwatch"), "secret_arn": arn}


def config(tmp_path, pg, aws, resource_map=True):
    lines = []
    if resource_map:
        lines += ["resource_map:",
                  "  AuroraReadReplicaWarmingFunction: lua:steps/warming.lua",
                  "  junwoo-ReturnStaticMembers: lua:steps/update_static_members.lua"]
    lines += ["vars:",
              "  aurora_prewarming.db_secret: '%s'" % aws["secret_arn"],
              "  aurora_prewarming.db_name: postgres",
              "  aurora_prewarming.s3_bucket: " + BUCKET,
              "  aurora_prewarming.s3_key_prefix: " + PREFIX,
              "  aurora_prewarming.sslmode: disable",
              "  aurora_prewarming.hosts.%s: '127.0.0.1:%d'" % (NEW, pg.standbys[0].port),
              "  aurora_prewarming.hosts.%s: '127.0.0.1:%d'" % (NEW_JSONATA, pg.standbys[0].port)]
    path = tmp_path / "prewarm.yaml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def event(instance):
    """The EventBridge event of the reader's CreateDBInstance CloudTrail record."""
    return {"detail-type": "AWS API Call via CloudTrail", "source": "aws.rds",
            "detail": {"eventName": "CreateDBInstance",
                       "requestParameters": {"dBInstanceIdentifier": instance,
                                             "dBClusterIdentifier": CLUSTER}}}


def prewarm(tmp_path, *args, timeout=120):
    env = dict(os.environ)
    env.pop("PREWARM_CONFIG", None)
    p = subprocess.run([PREWARM] + list(args), capture_output=True, text=True, env=env,
                       timeout=timeout)
    for secret in (SECRET_KEY, SESSION_TOKEN):
        assert secret not in p.stdout + p.stderr
    return p


def run(tmp_path, cfg, instance, *args, definition=DEFINITION):
    inp = tmp_path / "event.json"
    inp.write_text(json.dumps(event(instance)))
    p = prewarm(tmp_path, "run", definition, "--input", str(inp), "--config", cfg,
                "--state-dir", str(tmp_path / "state"), "--log-format", "json", *args)
    assert p.returncode in (0, 1), f"exit {p.returncode}: {p.stdout}\n{p.stderr}"
    return p.returncode, json.loads(p.stdout), p.stderr


def members(rds):
    ep = rds.describe_db_cluster_endpoints(DBClusterEndpointIdentifier="custom")["DBClusterEndpoints"][0]
    return sorted(ep.get("StaticMembers", []))


def low_lag(cw, instance):
    """One AuroraReplicaLag datapoint between the instance's creation and now
    (the definition asks from InstanceCreateTime to $$.State.EnteredTime)."""
    time.sleep(1.2)
    cw.put_metric_data(Namespace="AWS/RDS", MetricData=[
        {"MetricName": "AuroraReplicaLag",
         "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": instance}],
         "Timestamp": datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=0.5),
         "Value": 12.0, "Unit": "Milliseconds"}])


def test_the_definition_is_committed_byte_for_byte():
    with open(DEFINITION, "rb") as f:
        data = f.read()
    # the original's own text: the Lambda ARNs and the polling loop
    assert b"function:AuroraReadReplicaWarmingFunction" in data
    assert b'"Seconds": 300' in data and b"\r\n" not in data


def test_validate_names_the_missing_mapping(tmp_path, pg, aws):
    p = prewarm(tmp_path, "validate", DEFINITION, "--config", config(tmp_path, pg, aws, False))
    assert p.returncode != 0
    assert "Lambda function 'AuroraReadReplicaWarmingFunction' is not in the config's " \
           "resource_map" in p.stderr, p.stderr
    assert "  resource_map:\n    junwoo-ReturnStaticMembers: lua:steps/" in p.stderr
    p = prewarm(tmp_path, "validate", DEFINITION, "--config", config(tmp_path, pg, aws))
    assert p.returncode == 0, p.stderr


def test_dry_run_of_a_polling_loop_ends(tmp_path, pg, aws):
    polling = "sfn-reader-9"
    aws["rds"].create_db_instance(DBInstanceIdentifier=polling, DBClusterIdentifier=CLUSTER,
                                  Engine="aurora-postgresql", DBInstanceClass="db.r6g.large",
                                  Tags=[{"Key": STATUS_TAG, "Value": "creating"}])
    t0 = time.monotonic()
    rc, out, err = run(tmp_path, config(tmp_path, pg, aws), polling, "--dry-run")
    assert rc == 0, (out, err)
    assert time.monotonic() - t0 < 30  # three simulated 300 s waits, no real one
    describes = [l for l in err.splitlines() if "DescribeDBInstance: calling" in l]
    assert len(describes) == 3, err
    assert "loop would repeat: state DescribeDBInstance visited 3 times" in err
    assert out["describeResult"]["DbInstances"][0]["DbInstanceStatus"] == "creating"
    aws["rds"].delete_db_instance(DBInstanceIdentifier=polling, SkipFinalSnapshot=True)


def test_dry_run_of_the_lag_loop_ends(tmp_path, pg, aws):
    """The loop that made 652 GetMetricStatistics calls in 5 s: an available
    reader without AuroraReplicaLag datapoints. Each WaitLag moves the
    simulated clock 10 s, so each EndTime ($$.State.EnteredTime) is later."""
    quiet = "sfn-reader-8"
    aws["rds"].create_db_instance(DBInstanceIdentifier=quiet, DBClusterIdentifier=CLUSTER,
                                  Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    time.sleep(1.2)
    rc, out, err = run(tmp_path, config(tmp_path, pg, aws), quiet, "--dry-run")
    assert rc == 0, (out, err)
    calls = [l for l in err.splitlines() if "CheckReplicaLag: calling" in l]
    assert len(calls) == 3, err
    assert "loop would repeat: state ComputeEndTime visited 3 times" in err
    ends = [json.loads(l)["msg"] for l in err.splitlines() if "would wait 10.000 s" in l]
    assert len(ends) == 3
    assert out["time"]["endTime"] > out["time"]["startTime"]
    aws["rds"].delete_db_instance(DBInstanceIdentifier=quiet, SkipFinalSnapshot=True)


def test_dry_run_and_run_warm_the_reader_and_add_it(tmp_path, pg, aws):
    rds = aws["rds"]
    rds.create_db_instance(DBInstanceIdentifier=NEW, DBClusterIdentifier=CLUSTER,
                           Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    low_lag(aws["cw"], NEW)
    cfg = config(tmp_path, pg, aws)

    rc, out, err = run(tmp_path, cfg, NEW, "--dry-run")
    assert rc == 0, (out, err)
    # ModifyDBClusterEndpoint has no ResultPath: its (dry-run) result is the output.
    assert "would call postgres-warm:Warm" in err, err
    assert "would call rds:ModifyDBClusterEndpoint" in err, err
    assert "loop would repeat" not in err
    assert members(rds) == [READER]

    standby = pg.standbys[0]
    standby.restart()  # a cold cache
    state = tmp_path / "state"
    rc, out, err = run(tmp_path, cfg, NEW)
    assert rc == 0, (out, err)
    assert members(rds) == [READER, NEW]
    cached = standby.scalar("SELECT count(*) FROM pg_buffercache b JOIN pg_class c "
                            "ON b.relfilenode = pg_relation_filenode(c.oid) WHERE c.relname = 'hot'")
    assert cached > 0
    # The optimized integration's result, as Step Functions returns it.
    execution = re.search(r"execution ([0-9a-f-]{36}) started", err).group(1)
    p = prewarm(tmp_path, "history", execution, "--state-dir", str(state))
    events = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    warm = [e for e in events if e.get("type") == "TaskSucceeded" and e.get("state") == "InvokeWarmingLambda"]
    assert warm, p.stdout + p.stderr
    result = warm[-1]["output"]
    assert result["ExecutedVersion"] == "$LATEST" and result["StatusCode"] == 200
    assert result["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert result["Payload"]["report"]["queries"]["run"] >= 1, result
    assert result["Payload"]["body"].startswith("DB warming done: ")
    assert pg.password not in json.dumps(out) + err + p.stdout


def test_jsonata_twin_validates_polls_warms_and_adds(tmp_path, pg, aws):
    """The same workflow in JSONata: no ExtractStartTime/ComputeEndTime
    passes, no UpdateStaticMembers Lambda (one expression builds the new
    member list), variables instead of ResultPath plumbing."""
    rds = aws["rds"]
    cfg = config(tmp_path, pg, aws)
    p = prewarm(tmp_path, "validate", JSONATA, "--config", cfg)
    assert p.returncode == 0, p.stderr
    rds.create_db_instance(DBInstanceIdentifier=NEW_JSONATA, DBClusterIdentifier=CLUSTER,
                           Engine="aurora-postgresql", DBInstanceClass="db.r6g.large",
                           Tags=[{"Key": STATUS_TAG, "Value": "creating"}])
    t0 = time.monotonic()
    rc, out, err = run(tmp_path, cfg, NEW_JSONATA, "--dry-run", definition=JSONATA)
    assert rc == 0, (out, err)
    assert time.monotonic() - t0 < 30
    assert "loop would repeat: state DescribeDBInstance visited 3 times" in err, err
    rds.remove_tags_from_resource(
        ResourceName=rds.describe_db_instances(DBInstanceIdentifier=NEW_JSONATA)
        ["DBInstances"][0]["DBInstanceArn"], TagKeys=[STATUS_TAG])
    low_lag(aws["cw"], NEW_JSONATA)
    before = members(rds)
    standby = pg.standbys[0]
    standby.restart()  # a cold cache
    rc, out, err = run(tmp_path, cfg, NEW_JSONATA, definition=JSONATA)
    assert rc == 0, (out, err)
    assert members(rds) == sorted(set(before) | {NEW_JSONATA})
    cached = standby.scalar("SELECT count(*) FROM pg_buffercache b JOIN pg_class c "
                            "ON b.relfilenode = pg_relation_filenode(c.oid) WHERE c.relname = 'hot'")
    assert cached > 0
    assert "InvokeWarmingLambda: calling" in err
    assert pg.password not in json.dumps(out) + err

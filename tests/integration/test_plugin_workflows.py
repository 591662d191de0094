"""The AWS plugins through the real engine (`$PREWARM run` / `validate`)
against moto: the aws-sdk ARN form with Db* names, validation errors
before any AWS call, dry runs, and no secret in any output, log or
journal."""
import json
import os
import re
import subprocess

import pytest

from fixtures.moto_server import (  # noqa: F401
    SECRET_KEY, SESSION_TOKEN, moto_server)

CLUSTER = "wf-cluster"
ENDPOINT = "wf-readers"
PASSWORD = "Wf-db-pa55word-never-shown"
RACERS = tuple(f"wf-racer-{i:02d}" for i in range(40))


def prewarm(*args, input_obj=None, tmp_path=None):
    argv = [os.environ["PREWARM"], *args]
    if input_obj is not None:
        path = tmp_path / "input.json"
        path.write_text(json.dumps(input_obj))
        argv += ["--input", str(path)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.fixture(scope="module")
def aurora(moto_server):
    rds = moto_server.client("rds")
    rds.create_db_cluster(DBClusterIdentifier=CLUSTER, Engine="aurora-postgresql",
                          MasterUsername="postgres", MasterUserPassword="unused-pw-1")
    for name in ("wf-writer", "wf-reader-1", "wf-reader-2") + RACERS:
        rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier=CLUSTER,
                               Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    rds.create_db_cluster_endpoint(DBClusterIdentifier=CLUSTER,
                                   DBClusterEndpointIdentifier=ENDPOINT,
                                   EndpointType="READER", StaticMembers=["wf-reader-1"])
    return rds


def static_members(rds):
    return rds.describe_db_cluster_endpoints(
        DBClusterEndpointIdentifier=ENDPOINT)["DBClusterEndpoints"][0]["StaticMembers"]


def requests_seen(moto_server):
    with open(moto_server.log_path) as f:
        return sum(1 for line in f if '"POST /' in line or '"GET /' in line)


def test_aws_sdk_arn_with_db_member_names(aurora, tmp_path):
    wf = write(tmp_path, "sdk.yaml", """
StartAt: Describe
States:
  Describe:
    Type: Task
    Resource: arn:aws:states:::aws-sdk:rds:describeDBInstances
    Parameters:
      DbInstanceIdentifier.$: $.id
    ResultSelector:
      Status.$: $.DbInstances[0].DbInstanceStatus
      Cluster.$: $.DbInstances[0].DbClusterIdentifier
    End: true
""")
    run = prewarm("run", wf, "--no-journal", input_obj={"id": "wf-reader-2"},
                  tmp_path=tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"Status": "available", "Cluster": CLUSTER}


def test_unknown_action_or_missing_parameter_fails_before_any_call(
        aurora, moto_server, tmp_path):
    wf = write(tmp_path, "bad.yaml", """StartAt: Describe
States:
  Describe:
    Type: Task
    Resource: rds:DescribeDBInstances
    Next: Add
  Add:
    Type: Task
    Resource: rds:AddStaticMember
    Parameters:
      DBClusterEndpointIdentifier: wf-readers
    Next: Typo
  Typo:
    Type: Task
    Resource: rds:DescribeDBInstancez
    End: true
""")
    before = requests_seen(moto_server)
    check = prewarm("validate", wf)
    assert check.returncode == 2
    # FILE:LINE:COLUMN, the state, and what is wrong.
    assert re.search(re.escape(wf) + r":(7|8|9|10|11):\d+: .*'Add'.*DBInstanceIdentifier",
                     check.stderr), check.stderr
    assert re.search(re.escape(wf) + r":1[3-6]:\d+: .*'Typo'.*DescribeDBInstancez",
                     check.stderr), check.stderr
    run = prewarm("run", wf, "--no-journal")
    assert run.returncode == 2
    assert requests_seen(moto_server) == before  # the valid first step never ran
    assert static_members(aurora) == ["wf-reader-1"]


ADD_WORKFLOW = """
StartAt: Add
States:
  Add:
    Type: Task
    Resource: rds:AddStaticMember
    Parameters:
      DBClusterEndpointIdentifier: wf-readers
      DBInstanceIdentifier.$: $.id
    ResultPath: $.endpoint
    Next: Tell
  Tell:
    Type: Task
    Resource: notify:Publish
    Parameters:
      Target: log
      Template: "{id} is in {endpoint.DBClusterEndpointIdentifier}: {endpoint.StaticMembers}"
      Data.$: $
    ResultSelector:
      Message.$: $.Message
    ResultPath: $.told
    End: true
"""


def test_dry_run_plans_without_changing_the_endpoint(aurora, tmp_path):
    wf = write(tmp_path, "add.yaml", ADD_WORKFLOW)
    dry = prewarm("run", wf, "--dry-run", "--no-journal",
                  input_obj={"id": "wf-reader-2"}, tmp_path=tmp_path)
    assert dry.returncode == 0, dry.stderr
    out = json.loads(dry.stdout)
    assert out["endpoint"]["DryRun"] is True
    assert sorted(out["endpoint"]["StaticMembers"]) == ["wf-reader-1", "wf-reader-2"]
    assert static_members(aurora) == ["wf-reader-1"]

    real = prewarm("run", wf, "--no-journal", input_obj={"id": "wf-reader-2"},
                   tmp_path=tmp_path)
    assert real.returncode == 0, real.stderr
    out = json.loads(real.stdout)
    assert out["endpoint"]["Changed"] is True
    assert out["told"]["Message"] == 'wf-reader-2 is in wf-readers: ["wf-reader-1","wf-reader-2"]'
    assert sorted(static_members(aurora)) == ["wf-reader-1", "wf-reader-2"]


def test_two_executions_adding_readers_at_once_lose_neither(aurora, tmp_path):
    """20 rounds of two `prewarm run`s, started together, each adding a
    different reader: after every round both are in the endpoint."""
    wf = write(tmp_path, "add.yaml", ADD_WORKFLOW)
    retried = waited = 0
    for rnd in range(20):
        procs = []
        for name in RACERS[2 * rnd:2 * rnd + 2]:
            inp = tmp_path / f"{name}.json"
            inp.write_text(json.dumps({"id": name}))
            procs.append((name, subprocess.Popen(
                [os.environ["PREWARM"], "run", wf, "--input", str(inp), "--no-journal"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
        for name, proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            result = json.loads(out)["endpoint"]
            retried += result["Attempts"] > 1
            waited += "another prewarm process is changing it" in err
        now = static_members(aurora)
        assert all(name in now for name, _ in procs), f"round {rnd}: {now}"
    # The executions really collided, and the endpoint lock made one wait
    # for the other instead of both racing to a retry.
    assert waited > 0 and retried == 0, (waited, retried)


def test_no_secret_in_any_output_log_or_journal(aurora, moto_server, tmp_path):
    sm = moto_server.client("secretsmanager")
    sm.create_secret(Name="wf/db", SecretString=json.dumps({
        "username": "app", "password": PASSWORD, "host": "h", "port": 5432,
        "dbname": "shop", "engine": "postgres"}))
    wf = write(tmp_path, "secrets.yaml", """
StartAt: Creds
States:
  Creds:
    Type: Task
    Resource: secrets:GetSecretValue
    Parameters:
      SecretId: wf/db
    ResultPath: $.secret
    Next: Token
  Token:
    Type: Task
    Resource: rds:GenerateAuthToken
    Parameters:
      DBInstanceIdentifier: wf-reader-1
      DBUsername.$: $.secret.Credentials.username
    ResultPath: $.token
    Next: Careless
  Careless:
    Type: Task
    Resource: notify:Publish
    Parameters:
      Target: log
      Level: warn
      Template: "password {secret.Credentials.password} token {token.AuthToken}"
      Data.$: $
    End: true
""")
    state = tmp_path / "state"
    texts = []
    for fmt in ("text", "json"):
        run = prewarm("run", wf, "--state-dir", str(state), "--log-format", fmt,
                      "--log-level", "debug")
        assert run.returncode == 0, run.stderr
        texts += [run.stdout, run.stderr]
        assert "password ***" in run.stdout
        # The token is redacted whole, or at least its signature is.
        assert "token ***" in run.stdout or "X-Amz-Signature=***" in run.stdout
    for root, _, files in os.walk(state):
        for name in files:
            with open(os.path.join(root, name), errors="replace") as f:
                texts.append(f.read())
    with open(moto_server.log_path, errors="replace") as f:
        texts.append(f.read())
    everything = "\n".join(texts)
    assert len(texts) > 4  # outputs, logs and at least one journal file
    for secret in (SECRET_KEY, SESSION_TOKEN, PASSWORD):
        assert secret not in everything
    assert not re.search(r"Signature=[0-9a-f]{16,}", everything)
    assert not re.search(r"X-Amz-Security-Token=[^*&\s\"]", everything)

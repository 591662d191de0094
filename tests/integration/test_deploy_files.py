"""The deployment files of contrib/: the CloudFormation template lints and
deploys (moto, in process), and its EventBridge rules route the event shapes
the workflows understand (tests/data/events) to the queue; the IAM policy
grants exactly the actions the shipped workflows and `prewarm watch` call
(read from their sources); the systemd unit
verifies; the container build names real Debian 12 packages."""
import json
import os
import re
import shutil
import subprocess
import sys

import boto3
import pytest
import yaml
from moto import mock_aws

SRC = os.environ.get("PW_TOP_SRCDIR",
                     os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
PREWARM = os.environ.get("PREWARM", os.path.join(os.getcwd(), "prewarm"))
CONTRIB = os.path.join(SRC, "contrib")
TEMPLATE = os.path.join(CONTRIB, "cloudformation", "aurora-prewarm.yaml")
SFN_TEMPLATE = os.path.join(CONTRIB, "cloudformation", "aurora-prewarm-stepfunctions.yaml")
POLICY = os.path.join(CONTRIB, "iam", "policy.json")
EVENTS = os.path.join(SRC, "tests", "data", "events")
REGION = "eu-west-1"

# The endpoint lock's DynamoDB lease (plugins/rds/rds_lease.c).
LEASE = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:GetItem"}
# What each plugin action of the workflows needs from IAM.
IAM_FOR_ACTION = {
    "rds:DescribeDBInstances": {"rds:DescribeDBInstances"},
    "rds:DescribeDBClusters": {"rds:DescribeDBClusters"},
    "rds:DescribeDBClusterEndpoints": {"rds:DescribeDBClusterEndpoints"},
    # read the endpoint and the cluster's members, write, re-read, tag the
    # instance with the intent (warm / removed); the cross-host lease in the
    # lock table (take, renew/fence, release, and who holds it for the log)
    "rds:AddStaticMember": {"rds:DescribeDBClusterEndpoints", "rds:DescribeDBClusters",
                            "rds:ModifyDBClusterEndpoint", "rds:AddTagsToResource"} | LEASE,
    "rds:RemoveStaticMember": {"rds:DescribeDBClusterEndpoints", "rds:DescribeDBClusters",
                               "rds:ModifyDBClusterEndpoint", "rds:AddTagsToResource"} | LEASE,
    # the same for an exclusion-list endpoint's ExcludedMembers; lifting
    # only a recorded exclusion reads the instance's tags
    "rds:AddExcludedMember": {"rds:DescribeDBClusterEndpoints", "rds:DescribeDBClusters",
                              "rds:ModifyDBClusterEndpoint", "rds:AddTagsToResource"} | LEASE,
    "rds:RemoveExcludedMember": {"rds:DescribeDBClusterEndpoints", "rds:DescribeDBClusters",
                                 "rds:ModifyDBClusterEndpoint", "rds:AddTagsToResource",
                                 "rds:DescribeDBInstances"} | LEASE,
    "rds:GenerateAuthToken": {"rds-db:connect"},
    "cloudwatch:GetMetricStatistics": {"cloudwatch:GetMetricStatistics"},
    "cloudwatch:PutMetricData": {"cloudwatch:PutMetricData"},
    "s3:GetLatestObject": {"s3:ListBucket"},
    "secrets:GetSecretValue": {"secretsmanager:GetSecretValue"},
    "notify:Publish": {"sns:Publish"},
    # queries or a buffer snapshot from S3: postgres-warm reads the object
    # with s3:GetObject; snapshot-buffers.yaml writes one with s3:PutObject
    "postgres-warm:Warm": {"s3:GetObject"},
    "postgres-warm:SnapshotBuffers": {"s3:PutObject"},
    # prewarm watch: the event queue, the aside queue, RDS polling
    "sqs:ReceiveMessage": {"sqs:ReceiveMessage"},
    "sqs:DeleteMessage": {"sqs:DeleteMessage"},
    "sqs:ChangeMessageVisibility": {"sqs:ChangeMessageVisibility"},
    "sqs:SendMessage": {"sqs:SendMessage"},
    "rds:DescribeEvents": {"rds:DescribeEvents"},
}


class CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub, ...) as plain data."""


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {suffix if suffix == "Ref" else "Fn::" + suffix: value}


CfnLoader.add_multi_constructor("!", _tag)


# A Lua step's prewarm.call("PLUGIN:Action", ...) with a literal resource.
LUA_CALL = re.compile(r"""prewarm\.call\(\s*["']([^"']+)["']""")


def workflow_resources():
    """Every resource the shipped workflows name: Task resources (in Map
    and Parallel too) and what their Lua steps call."""
    found = set()

    def walk(states):
        for st in states.values():
            if st.get("Type") == "Task" and not st["Resource"].startswith("lua:"):
                found.add(st["Resource"])
            if st.get("Type") == "Map":
                walk((st.get("ItemProcessor") or st["Iterator"])["States"])
            for branch in st.get("Branches", []) if st.get("Type") == "Parallel" else []:
                walk(branch["States"])

    wf = os.path.join(SRC, "workflows")
    for name in os.listdir(wf):
        if name.endswith(".yaml"):
            with open(os.path.join(wf, name)) as f:
                walk(yaml.safe_load(f)["States"])
    for name in os.listdir(os.path.join(wf, "steps")):
        if name.endswith(".lua"):
            with open(os.path.join(wf, "steps", name)) as f:
                found |= set(LUA_CALL.findall(f.read()))
    return found


def watch_resources():
    """The plugin actions `prewarm watch` calls itself, read from its C
    sources: sqs(w, "Action", ...) helpers and literal "rds:Action"-style
    resources handed to pw_registry_call."""
    found = set()
    engine = os.path.join(SRC, "engine")
    for name in os.listdir(engine):
        if name.endswith(".c") and (name.startswith("watch_") or name in ("pw_watch.c", "cli_watch.c")):
            with open(os.path.join(engine, name)) as f:
                text = f.read()
            found |= {"sqs:" + a for a in re.findall(r'\bsqs\(\s*\w+,\s*"(\w+)"', text)}
            found |= set(re.findall(r'"([a-z][a-z0-9-]*:[A-Z]\w*)"', text))
    return found


def test_watch_resources_are_read_from_the_sources():
    # The scanner itself: what engine/WATCH.md says the service calls.
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
            "sqs:SendMessage", "rds:DescribeEvents", "rds:DescribeDBClusters"} <= watch_resources()


def actions_of(statements):
    out = set()
    for s in statements:
        if not isinstance(s, dict) or "Sid" not in s:  # a skipped !If branch
            continue
        a = s["Action"]
        out |= set(a if isinstance(a, list) else [a])
    return out


def test_iam_policy_grants_exactly_what_the_workflows_call():
    with open(POLICY) as f:
        policy = json.load(f)
    resources = workflow_resources() | watch_resources()
    unknown = resources - set(IAM_FOR_ACTION)
    assert not unknown, f"resources the workflows or watch call with no IAM mapping: {unknown}"
    needed = set().union(*(IAM_FOR_ACTION[r] for r in resources))
    granted = actions_of(policy["Statement"])
    assert not needed - granted, f"missing from policy.json: {needed - granted}"
    assert not granted - needed, f"granted but never called: {granted - needed}"
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])
    # The only write to RDS is the managed endpoint, named.
    (modify,) = [s for s in policy["Statement"] if s["Action"] == "rds:ModifyDBClusterEndpoint"]
    assert modify["Resource"].endswith(":cluster-endpoint:ENDPOINT_ID")


def test_template_policy_is_the_same_as_policy_json():
    with open(TEMPLATE) as f:
        tpl = yaml.load(f, Loader=CfnLoader)
    with open(POLICY) as f:
        policy = json.load(f)
    doc = tpl["Resources"]["PrewarmRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    stmts = []
    for s in doc["Statement"]:
        stmts.append(s["Fn::If"][1] if "Fn::If" in s else s)
    by_sid = {s["Sid"]: s for s in stmts}
    assert set(by_sid) == {s["Sid"] for s in policy["Statement"]}
    for s in policy["Statement"]:
        assert by_sid[s["Sid"]]["Action"] == s["Action"], s["Sid"]


@pytest.mark.parametrize("template", [TEMPLATE, SFN_TEMPLATE])
def test_template_lints(template):
    lint = os.path.join(os.path.dirname(sys.executable), "cfn-lint")
    p = subprocess.run([lint, template], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr


def test_stepfunctions_template_routes_the_same_events_and_runs_the_worker():
    """Step Functions mode (engine/SFN.md): the same event patterns as the
    queue template, targets the state machines; the worker's command is a
    `prewarm worker` that serves both exported workflows on the activity,
    drains within ECS's stop timeout, and may call only the activity."""
    with open(TEMPLATE) as f:
        queue = yaml.load(f, Loader=CfnLoader)["Resources"]
    with open(SFN_TEMPLATE) as f:
        sfn = yaml.load(f, Loader=CfnLoader)["Resources"]
    for rule in ("CreateDBInstanceRule", "InstanceCreatedRule", "FailoverRule"):
        assert sfn[rule]["Properties"]["EventPattern"] == queue[rule]["Properties"]["EventPattern"]
    assert sfn["FailoverRule"]["Properties"]["Targets"][0]["Arn"] == {"Ref": "FailoverStateMachine"}
    container = sfn["WorkerTaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    cmd = container["Command"]
    assert cmd[0] == "worker" and cmd[cmd.index("--activity-arn") + 1] == {"Ref": "Activity"}
    assert int(cmd[cmd.index("--drain-seconds") + 1]) < container["StopTimeout"]
    for wf in ("aurora-replica-prewarm.yaml", "aurora-failover-adjust.yaml"):
        assert "/usr/share/aurora-prewarm/workflows/" + wf in cmd
    (stmt,) = sfn["WorkerTaskRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert sorted(stmt["Action"]) == ["states:GetActivityTask", "states:SendTaskFailure",
                                      "states:SendTaskHeartbeat", "states:SendTaskSuccess"]
    assert stmt["Resource"] == {"Ref": "Activity"}
    subprocess.run([PREWARM, "worker", "--help"], check=True, capture_output=True, timeout=30)


def _event_entry(name, **detail):
    with open(os.path.join(EVENTS, name)) as f:
        e = json.load(f)
    e["detail"].update(detail)
    return {"Source": e["source"], "DetailType": e["detail-type"], "Detail": json.dumps(e["detail"])}


@pytest.mark.parametrize("source", ["rds-event", "cloudtrail"])
def test_template_deploys_and_routes_events_to_the_queue(source):
    with mock_aws():
        cfn = boto3.client("cloudformation", region_name=REGION)
        with open(TEMPLATE) as f:
            body = f.read()
        cfn.create_stack(StackName="aurora-prewarm", TemplateBody=body, Capabilities=["CAPABILITY_IAM"],
                         Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in {
                             "ClusterIdentifier": "app-prod",
                             "CustomEndpointIdentifier": "app-prod-readers",
                             "InstanceEventSource": source,
                             "QueriesBucket": "app-prod-prewarm"}.items()])
        stack = cfn.describe_stacks(StackName="aurora-prewarm")["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        assert {"QueueUrl", "DeadLetterQueueUrl", "TopicArn", "RoleArn", "LockTableName"} <= set(outputs)
        # The endpoint lock's table: keyed and swept as rds_lease.c writes it.
        ddb = boto3.client("dynamodb", region_name=REGION)
        table = ddb.describe_table(TableName=outputs["LockTableName"])["Table"]
        with open(os.path.join(SRC, "plugins", "rds", "rds_lease.c")) as f:
            lease_src = f.read()
        assert table["KeySchema"] == [{"AttributeName": "LockKey", "KeyType": "HASH"}]
        # (moto's CloudFormation does not apply TimeToLiveSpecification:
        # the template itself is checked.)
        ttl = yaml.load(body, Loader=CfnLoader)["Resources"]["EndpointLockTable"]["Properties"][
            "TimeToLiveSpecification"]
        assert ttl["Enabled"] is True, ttl
        assert f'"{ttl["AttributeName"]}"' in lease_src and '"LockKey"' in lease_src

        sqs = boto3.client("sqs", region_name=REGION)
        attrs = sqs.get_queue_attributes(QueueUrl=outputs["QueueUrl"], AttributeNames=["All"])["Attributes"]
        assert json.loads(attrs["RedrivePolicy"])["maxReceiveCount"] == 5

        events = boto3.client("events", region_name=REGION)
        schedule = events.describe_rule(Name="aurora-prewarm-reconcile")
        assert schedule["ScheduleExpression"] == "rate(15 minutes)"
        (target,) = events.list_targets_by_rule(Rule="aurora-prewarm-reconcile")["Targets"]
        assert target["Arn"].endswith(outputs["QueueUrl"].rsplit("/", 1)[1])
        # moto hands every put event to a rule without a pattern: take the
        # schedule's target away so only the event patterns are tested.
        events.remove_targets(Rule="aurora-prewarm-reconcile", Ids=[target["Id"]])
        sent = [_event_entry("rds-event-0071.json"),                  # failover: always routed
                _event_entry("rds-event-0006.json"),                  # restart: never
                _event_entry("rds-event-0005.json"),                  # routed with rds-event
                _event_entry("cloudtrail-create-db-instance.json"),   # routed with cloudtrail
                _event_entry("cloudtrail-other-cluster.json")]        # never: other cluster
        assert events.put_events(Entries=sent)["FailedEntryCount"] == 0
        got = []
        while True:
            msgs = sqs.receive_message(QueueUrl=outputs["QueueUrl"], MaxNumberOfMessages=10,
                                       WaitTimeSeconds=0).get("Messages", [])
            if not msgs:
                break
            for m in msgs:
                body = json.loads(m["Body"])
                got.append(body["detail"].get("EventID") or body["detail"]["requestParameters"]["dBInstanceIdentifier"])
                sqs.delete_message(QueueUrl=outputs["QueueUrl"], ReceiptHandle=m["ReceiptHandle"])
        created = "RDS-EVENT-0005" if source == "rds-event" else "application-autoscaling-7f3e2b10-app-prod"
        assert sorted(got) == sorted(["RDS-EVENT-0071", created])


def test_systemd_unit_verifies(tmp_path):
    with open(os.path.join(CONTRIB, "systemd", "prewarm-watch.service")) as f:
        unit = f.read()
    assert "ExecStart=/usr/bin/prewarm watch --config /etc/aurora-prewarm/prewarm.yaml" in unit
    (tmp_path / "prewarm-watch.service").write_text(unit.replace("/usr/bin/prewarm", PREWARM))
    p = subprocess.run(["systemd-analyze", "verify", "--man=no", str(tmp_path / "prewarm-watch.service")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr


def test_snapshot_timer_and_service_verify(tmp_path):
    """The periodic buffer snapshot: a oneshot service running the shipped
    workflow with the watcher's config, sandbox and user, and its timer."""
    with open(os.path.join(CONTRIB, "systemd", "prewarm-snapshot.service")) as f:
        unit = f.read()
    with open(os.path.join(CONTRIB, "systemd", "prewarm-watch.service")) as f:
        watch = f.read()
    assert ("ExecStart=/usr/bin/prewarm run /usr/share/aurora-prewarm/workflows/snapshot-buffers.yaml "
            "--config /etc/aurora-prewarm/prewarm.yaml") in unit
    sandbox = watch[watch.index("NoNewPrivileges="):watch.index("[Install]")].strip()
    assert sandbox in unit and "User=aurora-prewarm" in unit and "Type=oneshot" in unit
    with open(os.path.join(CONTRIB, "systemd", "prewarm-snapshot.timer")) as f:
        timer = f.read()
    assert "OnCalendar=*:0/15" in timer and "Persistent=true" in timer
    (tmp_path / "prewarm-snapshot.service").write_text(unit.replace("/usr/bin/prewarm", PREWARM))
    (tmp_path / "prewarm-snapshot.timer").write_text(timer)
    p = subprocess.run(["systemd-analyze", "verify", "--man=no", str(tmp_path / "prewarm-snapshot.timer"),
                        str(tmp_path / "prewarm-snapshot.service")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr


def test_container_build_names_real_packages_and_the_build_dependencies():
    with open(os.path.join(CONTRIB, "container", "Dockerfile")) as f:
        text = f.read()
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    # The base images are build arguments (contrib/container/build.sh) whose
    # defaults name the official images.
    args = dict(re.findall(r"^ARG (\w+)=(\S+)$", text, flags=re.M))
    bases = [re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], s.split()[0]) for s in stages]
    assert bases == ["debian:12", "debian:12-slim"]

    def packages(stage):
        m = re.search(r"apt-get install -y --no-install-recommends \\\n(.*?)\n &&", stage, re.S)
        return set(m.group(1).replace("\\", " ").split())

    build, run = packages(stages[0]), packages(stages[1])
    with open(os.path.join(CONTRIB, "dev", "install-deps.sh")) as f:
        deps = re.search(r'PACKAGES="(.*?)"', f.read(), re.S).group(1).split()
    # libclang-rt-14-dev is the fuzz stage's (clang's libFuzzer), not the product's.
    lib_dev = {p for p in deps if p.endswith("-dev") or p in ("check", "pkg-config", "autoconf",
                                                               "automake", "libtool", "build-essential")}
    lib_dev -= {"libclang-rt-14-dev"}
    assert lib_dev <= build, lib_dev - build
    # Each runtime library is a real Debian 12 package (this machine is one).
    missing = [p for p in run - {"ca-certificates"}
               if subprocess.run(["dpkg-query", "-W", p], capture_output=True).returncode != 0
               and not subprocess.run(["apt-cache", "show", p], capture_output=True).stdout]
    assert not missing, missing
    assert "prewarm validate /usr/share/aurora-prewarm/workflows/aurora-replica-prewarm.yaml" in text


def test_example_config_loads_in_the_engine():
    cfg = os.path.join(CONTRIB, "config", "prewarm.example.yaml")
    env = dict(os.environ)
    env.pop("PREWARM_CONFIG", None)
    p = subprocess.run([PREWARM, "validate", "--config", cfg,
                        os.path.join(SRC, "workflows", "aurora-replica-prewarm.yaml")],
                       capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert shutil.which("systemd-analyze")  # the unit test above relies on it

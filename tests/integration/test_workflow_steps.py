"""The shipped workflows' Lua step scripts (workflows/steps/*.lua), each run
through the real `prewarm` binary in a one-state workflow, with the event
shapes of tests/data/events/ as fixtures; and `prewarm validate` / `prewarm
graph` over every shipped workflow. No AWS and no database needed."""
import hashlib
import json
import os
import shutil
import subprocess

import pytest

SRC = os.environ.get("PW_TOP_SRCDIR",
                     os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
PREWARM = os.environ.get("PREWARM", os.path.join(os.getcwd(), "prewarm"))
WORKFLOWS = os.path.join(SRC, "workflows")
EVENTS = os.path.join(SRC, "tests", "data", "events")
SHIPPED = ["aurora-replica-prewarm.yaml", "aurora-failover-adjust.yaml",
           "reconcile.yaml", "check-config.yaml", "snapshot-buffers.yaml"]
NOW = 1795000000  # 2026-11-18T11:06:40Z: pinned clock for time-based steps


def env():
    e = dict(os.environ)
    e.pop("PREWARM_CONFIG", None)
    return e


@pytest.fixture(scope="module")
def stepdir(tmp_path_factory):
    """A scratch directory with a copy of workflows/steps (lua: paths are
    relative to the workflow file and may not climb out of its directory)."""
    d = tmp_path_factory.mktemp("steps")
    shutil.copytree(os.path.join(WORKFLOWS, "steps"), d / "steps")
    shutil.copy(os.path.join(WORKFLOWS, "vars-check.lua"), d / "vars-check.lua")
    return d


def step(stepdir, script, data, config_vars=None, extra=(), probe=None):
    """Runs steps/SCRIPT (or vars-check.lua, the workflows' settings state)
    with `data` as its input (Parameters), the vars in $$.Vars; returns
    (exit code, parsed stdout, stderr). probe {name: path}: the output
    gets "probe": {name: SHA-256 of the string at path}, to check a
    password the output shows as *** (a member named password is a
    secret by its shape)."""
    path = script if script == "vars-check.lua" else "steps/" + script
    wf = {
        "StartAt": "Step",
        "States": {"Step": {"Type": "Task", "Resource": "lua:" + path,
                            "TimeoutSeconds": 10, "End": True}},
    }
    if probe:
        del wf["States"]["Step"]["End"]
        wf["States"]["Step"]["Next"] = "Probe"
        wf["States"]["Probe"] = {"Type": "Pass", "ResultPath": "$.probe", "End": True,
                                 "Parameters": {f"{k}.$": f"States.Hash({v}, 'SHA-256')"
                                                for k, v in probe.items()}}
    if script == "vars-check.lua":
        wf["States"]["Step"]["Parameters"] = {"vars.$": "$$.Vars"}
    (stepdir / "wf.json").write_text(json.dumps(wf))
    (stepdir / "in.json").write_text(json.dumps(data))
    args = [PREWARM, "run", str(stepdir / "wf.json"), "--input", str(stepdir / "in.json"),
            "--no-journal", "--log-format", "json"]
    if config_vars is not None:
        (stepdir / "config.json").write_text(json.dumps({"vars": config_vars}))
        args += ["--config", str(stepdir / "config.json")]
    p = subprocess.run(args + list(extra), capture_output=True, text=True, env=env(), timeout=60)
    assert p.returncode in (0, 1), f"exit {p.returncode}: {p.stdout} {p.stderr}"
    return p.returncode, json.loads(p.stdout), p.stderr


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def ok(result):
    rc, out, err = result
    assert rc == 0, f"step failed: {out} {err}"
    return out


def failed(result, name):
    rc, out, err = result
    assert rc == 1, f"expected {name}, got {out}"
    assert out["Error"] == name, out
    return out["Cause"]


def event(name):
    with open(os.path.join(EVENTS, name)) as f:
        return json.load(f)


# ---- normalize_event.lua ----------------------------------------------------

@pytest.mark.parametrize("name,accept,expect", [
    ("cloudtrail-create-db-instance.json", "instance-created",
     {"Kind": "instance-created", "Source": "cloudtrail", "Ignore": False,
      "DBInstanceIdentifier": "application-autoscaling-7f3e2b10-app-prod",
      "DBClusterIdentifier": "app-prod", "EventId": "6a7e8feb-b491-4cf7-a9f1-bf3703467718"}),
    ("rds-event-0005.json", "instance-created",
     {"Kind": "instance-created", "Source": "rds-event", "Ignore": False,
      "DBInstanceIdentifier": "app-prod-reader-3"}),
    ("direct-instance.json", "instance-created",
     {"Kind": "instance-created", "Source": "direct", "Ignore": False,
      "DBInstanceIdentifier": "app-prod-reader-3"}),
    ("rds-event-0071.json", "failover",
     {"Kind": "failover", "Source": "rds-event", "Ignore": False,
      "DBClusterIdentifier": "app-prod", "NewWriter": "app-prod-reader-1"}),
    ("direct-cluster.json", "failover",
     {"Kind": "cluster", "Ignore": False, "DBClusterIdentifier": "app-prod"}),
    ("scheduled-event.json", "failover", {"Kind": "cluster", "Source": "periodic", "Ignore": False}),
])
def test_event_shapes_are_normalized(stepdir, name, accept, expect):
    out = ok(step(stepdir, "normalize_event.lua", {"event": event(name), "accept": accept}))
    for k, v in expect.items():
        assert out.get(k) == v, (k, out)
    if expect["Kind"] == "cluster" and "DBClusterIdentifier" not in expect:
        assert "DBClusterIdentifier" not in out


def test_rds_source_identifier_prefix_and_case_are_dropped(stepdir):
    e = event("rds-event-0005.json")
    e["detail"]["SourceIdentifier"] = "rds:App-Prod-Reader-9"
    out = ok(step(stepdir, "normalize_event.lua", {"event": e}))
    assert out["DBInstanceIdentifier"] == "app-prod-reader-9"


@pytest.mark.parametrize("name,accept,reason", [
    ("cloudtrail-other-cluster.json", "instance-created", "cluster billing is not configured"),
    ("cloudtrail-failed-call.json", "instance-created", "CreateDBInstance failed"),
    ("rds-event-0006.json", "instance-created", "RDS-EVENT-0006 is neither"),
    ("rds-event-0071.json", "instance-created", "aurora-failover-adjust handles it"),
    ("rds-event-0005.json", "failover", "aurora-replica-prewarm handles it"),
])
def test_events_for_others_are_ignored_with_a_reason(stepdir, name, accept, reason):
    out = ok(step(stepdir, "normalize_event.lua",
                  {"event": event(name), "accept": accept, "clusters": ["app-prod"]}))
    assert out["Ignore"] is True
    assert reason in out["Reason"]


@pytest.mark.parametrize("name,field", [
    ("malformed-identifier.json", "DBInstanceIdentifier"),
    ("malformed-identifier-type.json", "DBInstanceIdentifier: expected a string"),
    ("malformed-unknown-shape.json", "neither an EventBridge event"),
    ("malformed-cloudtrail-no-request.json", "detail.requestParameters"),
    ("malformed-rds-event-no-id.json", "detail.EventID"),
    ("malformed-not-an-object.json", "must be a JSON object"),
])
def test_malformed_events_raise_a_named_error(stepdir, name, field):
    cause = failed(step(stepdir, "normalize_event.lua", {"event": event(name)}), "Event.Malformed")
    assert field in cause


# ---- vars-check.lua (config vars -> settings) -------------------------------

BASE_VARS = {
    "clusters.app-prod.endpoints": "app-prod-readers,app-prod-reporting",
    "clusters.app-prod.database.auth": "secret",
    "clusters.app-prod.database.secret_id": "arn:aws:secretsmanager:eu-west-1:1:secret:x",
}


def test_example_config_is_valid_and_filled_with_defaults(stepdir):
    example = os.path.join(SRC, "contrib", "config", "prewarm.example.yaml")
    out = ok(step(stepdir, "vars-check.lua", {}, extra=["--config", example]))
    c = out["Clusters"]["app-prod"]
    assert out["ClusterIds"] == ["app-prod"]
    assert c["Endpoints"] == ["app-prod-readers"]
    assert c["Database"]["Auth"] == "secret" and c["Database"]["DBName"] == "app"
    assert c["Warm"]["QueriesS3"] == {"Bucket": "app-prod-prewarm", "Prefix": "top-queries/app/"}
    assert out["Lag"]["MinDatapoints"] == 2 and out["Lag"]["Enabled"] is True
    assert {"Target": "sns", "TopicArn": "arn:aws:sns:eu-west-1:123456789012:aurora-prewarm-alerts"} \
        in out["Notify"]["Targets"]


def test_defaults_and_dotted_var_overrides(stepdir):
    out = ok(step(stepdir, "vars-check.lua", {}, BASE_VARS,
                  extra=["--var", "lag.threshold_ms=50", "--var", "warm.strategy=mirror,relations",
                         "--var", "warm.relations=public.orders",
                         "--var", 'available_wait={"initial_seconds": 5, "max_delay_seconds": 60}']))
    c = out["Clusters"]["app-prod"]
    assert c["Endpoints"] == ["app-prod-readers", "app-prod-reporting"]
    assert c["Warm"]["Strategy"] == ["mirror", "relations"]
    assert c["Warm"]["Relations"] == ["public.orders"]
    assert c["Warm"]["TopN"] == 100 and c["Warm"]["Parallel"] == 2
    assert out["Lag"]["ThresholdMs"] == 50
    assert out["Available"]["InitialSeconds"] == 5 and out["Available"]["MaxDelaySeconds"] == 60
    assert out["Available"]["MaxWaitSeconds"] == 2700
    assert out["Notify"]["Targets"] == ["log"]


def test_per_cluster_settings_override_global_ones(stepdir):
    v = dict(BASE_VARS)
    v.update({"warm.top_n": 10, "clusters.app-prod.warm.top_n": 20,
              "clusters.other.endpoints": "other-readers",
              "clusters.other.database.auth": "iam", "clusters.other.database.user": "prewarm",
              "clusters.other.database.hosts.other-1": "127.0.0.1:6432"})
    out = ok(step(stepdir, "vars-check.lua", {}, v))
    assert out["ClusterIds"] == ["app-prod", "other"]
    assert out["Clusters"]["app-prod"]["Warm"]["TopN"] == 20
    assert out["Clusters"]["other"]["Warm"]["TopN"] == 10
    assert out["Clusters"]["other"]["Database"]["Hosts"] == {"other-1": {"Host": "127.0.0.1", "Port": 6432}}


@pytest.mark.parametrize("change,field", [
    ({"clusters.app-prod.endpoints": ""}, "vars.clusters.app-prod.endpoints"),
    ({"clusters.app-prod.database.secret_id": None}, "vars.clusters.app-prod.database.secret_id"),
    ({"clusters.app-prod.database.auth": "kerberos"}, "vars.clusters.app-prod.database.auth"),
    ({"warm.strategy": "guess"}, "vars.warm.strategy"),
    ({"warm.budget_seconds": 5000}, "vars.warm.budget_seconds"),
    ({"lag.threshold_ms": "soon"}, "vars.lag.threshold_ms"),
    ({"available_wait.max_delay_seconds": 1}, "vars.available_wait.max_delay_seconds"),
    ({"notify.sns_topic_arn": "my-topic"}, "vars.notify.sns_topic_arn"),
    ({"clusters.app-prod.database.hosts.x": "nowhere"}, "vars.clusters.app-prod.database.hosts.x"),
    ({"clusters.Bad_Name.endpoints": "e"}, "vars.clusters.Bad_Name"),
])
def test_bad_config_names_the_field(stepdir, change, field):
    v = dict(BASE_VARS)
    for k, val in change.items():
        if val is None:
            v.pop(k)
        else:
            v[k] = val
    cause = failed(step(stepdir, "vars-check.lua", {}, v), "Config.Invalid")
    assert cause.startswith(field), cause


def test_no_cluster_configured_is_an_error(stepdir):
    cause = failed(step(stepdir, "vars-check.lua", {}, {"region": "eu-west-1"}), "Config.Invalid")
    assert "vars.clusters" in cause


# ---- backoff.lua ------------------------------------------------------------

def test_backoff_grows_is_capped_and_stops_at_the_budget(stepdir):
    policy = {"InitialSeconds": 10, "BackoffRate": 2, "MaxDelaySeconds": 60, "MaxWaitSeconds": 200}
    poll, waits = {}, []
    for _ in range(12):
        poll = ok(step(stepdir, "backoff.lua", {"poll": poll, "policy": policy}))
        if poll["Exhausted"]:
            break
        waits.append(poll["WaitSeconds"])
    assert waits == [10, 20, 40, 60, 60, 10]  # the last wait is cut to the budget
    assert poll["Exhausted"] is True and poll["WaitedSeconds"] == 200
    assert sum(waits) == 200


# ---- lag_query.lua / lag_window.lua -----------------------------------------

LAG = {"ThresholdMs": 100, "WindowSeconds": 180, "PeriodSeconds": 60, "MinDatapoints": 3}


def test_lag_query_covers_the_window(stepdir):
    q = ok(step(stepdir, "lag_query.lua", {"DBInstanceIdentifier": "r-1", "lag": LAG, "now": NOW}))
    assert q["Namespace"] == "AWS/RDS" and q["MetricName"] == "AuroraReplicaLag"
    assert q["Dimensions"] == [{"Name": "DBInstanceIdentifier", "Value": "r-1"}]
    assert q["EndTime"] == "2026-11-18T11:06:40Z" and q["StartTime"] == "2026-11-18T11:03:40Z"
    assert q["Period"] == 60 and q["Statistics"] == ["Maximum"]


@pytest.mark.parametrize("points,ok_,reason", [
    ([12.5, 30, 8], True, "stayed below 100 ms"),
    ([12.5, 130, 8], False, "reached 130 ms"),
    ([12.5, 30], False, "2 of 3"),
    ([], False, "0 of 3"),
])
def test_lag_window_needs_every_point_below_threshold(stepdir, points, ok_, reason):
    metrics = {"Label": "AuroraReplicaLag",
               "Datapoints": [{"Timestamp": "2026-11-18T08:2%d:00Z" % i, "Maximum": p, "Unit": "Milliseconds"}
                              for i, p in enumerate(points)]}
    out = ok(step(stepdir, "lag_window.lua", {"metrics": metrics, "lag": LAG}))
    assert out["Ok"] is ok_ and reason in out["Reason"]


# ---- classify.lua / plan_warm.lua -------------------------------------------

def settings(stepdir, extra=None):
    v = dict(BASE_VARS)
    v["clusters.app-prod.endpoints"] = "app-prod-readers"
    v.update(extra or {})
    return ok(step(stepdir, "vars-check.lua", {}, v))


def inst(name, status="available", cluster="app-prod", created="2026-01-01T00:00:00Z", engine="aurora-postgresql"):
    return {"DBInstanceIdentifier": name, "DBClusterIdentifier": cluster, "DBInstanceStatus": status,
            "Engine": engine, "InstanceCreateTime": created,
            "Endpoint": {"Address": name + ".abc.eu-west-1.rds.amazonaws.com", "Port": 5432}}


def cluster(writer, readers):
    return {"DBClusters": [{"DBClusterIdentifier": "app-prod", "DBClusterMembers":
                            [{"DBInstanceIdentifier": writer, "IsClusterWriter": True}] +
                            [{"DBInstanceIdentifier": r, "IsClusterWriter": False} for r in readers]}]}


def endpoints(static, kind="READER", excluded=None, name="app-prod-readers"):
    ep = {"DBClusterEndpointIdentifier": name, "EndpointType": "CUSTOM",
          "CustomEndpointType": kind, "StaticMembers": static, "Status": "available"}
    if excluded:
        ep["ExcludedMembers"] = excluded
    # The cluster's own endpoints come back too, without an identifier.
    default = {"DBClusterIdentifier": "app-prod", "EndpointType": "READER", "Status": "available",
               "Endpoint": "app-prod.cluster-ro-abc.eu-west-1.rds.amazonaws.com"}
    return {"DBClusterEndpoints": [default, ep]}


@pytest.mark.parametrize("instance,with_cluster,reason", [
    (inst("b-1", cluster="billing"), False, "belongs to cluster billing, which is not configured"),
    (inst("m-1", engine="aurora-mysql"), False, "runs aurora-mysql"),
    ({"DBInstanceIdentifier": "solo", "Engine": "postgres"}, False, "not part of an Aurora cluster"),
    (inst("w"), True, "is the writer of app-prod"),
])
def test_classify_ignores_what_is_not_a_managed_reader(stepdir, instance, with_cluster, reason):
    s = settings(stepdir)
    data = {"described": {"DBInstances": [instance]}, "settings": s}
    if with_cluster:
        data["cluster"] = cluster("w", ["r1"])["DBClusters"][0]
    out = ok(step(stepdir, "classify.lua", data))
    assert out["Ignore"] is True and reason in out["Reason"]


def test_classify_accepts_a_reader_and_hands_on_its_cluster_settings(stepdir):
    s = settings(stepdir)
    out = ok(step(stepdir, "classify.lua", {"described": {"DBInstances": [inst("new")]}, "settings": s}))
    assert out["Ignore"] is False and out["DBClusterIdentifier"] == "app-prod"
    assert out["Cluster"]["Endpoints"] == ["app-prod-readers"]


def plan(stepdir, s, target="new", writer="w", instances=None, eps=None):
    instances = instances or [inst("w"), inst("r1"), inst("r2"), inst("new")]
    return step(stepdir, "plan_warm.lua", {
        "DBInstanceIdentifier": target, "config": s["Clusters"]["app-prod"],
        "cluster": cluster(writer, [i["DBInstanceIdentifier"] for i in instances
                                    if i["DBInstanceIdentifier"] != writer]),
        "instances": {"DBInstances": instances}, "endpoints": eps or endpoints(["r2", "r1"])})


def test_plan_mirrors_an_in_service_reader(stepdir):
    out = ok(plan(stepdir, settings(stepdir)))
    assert out["Strategy"] == ["mirror"]
    assert out["Source"]["DBInstanceIdentifier"] == "r1"  # ties broken by name
    assert out["Target"] == {"DBInstanceIdentifier": "new", "Host": "new.abc.eu-west-1.rds.amazonaws.com",
                             "Port": 5432}
    assert out["AddTo"] == ["app-prod-readers"] and out["AddCount"] == 1
    assert out["NeedsQueries"] is False


def test_plan_falls_back_to_s3_queries_without_a_reader_in_service(stepdir):
    s = settings(stepdir, {"warm.queries_s3.bucket": "exports", "warm.queries_s3.prefix": "top/"})
    out = ok(plan(stepdir, s, eps=endpoints(["w"])))  # only the writer listed: no reader serves
    assert out["Strategy"] == ["queries"] and "Source" not in out and out["NeedsQueries"] is True


def test_plan_without_any_source_is_an_error(stepdir):
    # Only the writer listed: no reader in service (an empty static list
    # would be an exclusion-list endpoint, served by every reader).
    cause = failed(plan(stepdir, settings(stepdir), eps=endpoints(["w"])), "Prewarm.NoWarmSource")
    assert "nothing to warm new from" in cause


def test_plan_mirrors_the_writer_only_when_allowed(stepdir):
    s = settings(stepdir, {"warm.writer_as_source": True})
    out = ok(plan(stepdir, s, eps=endpoints(["w"])))  # no reader in service
    assert out["Source"]["DBInstanceIdentifier"] == "w"
    assert any("writer_as_source" in w for w in out["Warnings"])


# ---- plan_warm.lua with buffer snapshots (warm.snapshot_s3) -----------------

SNAP_VARS = {"warm.snapshot_s3.bucket": "snaps", "warm.snapshot_s3.prefix": "buffers/",
             "warm.snapshot_s3.max_age_seconds": 3600}
NOW_ISO = "2026-11-18T11:06:40.250Z"  # NOW


def snap_plan(stepdir, s, snapshot, now=NOW_ISO, eps=None):
    instances = [inst("w"), inst("new")]
    data = {"DBInstanceIdentifier": "new", "config": s["Clusters"]["app-prod"],
            "cluster": cluster("w", ["new"]), "instances": {"DBInstances": instances},
            "endpoints": eps or endpoints(["w"])}
    if snapshot is not None:
        data["snapshot"] = snapshot
        data["now"] = now
    return step(stepdir, "plan_warm.lua", data)


def test_settings_give_each_cluster_its_own_snapshot_prefix(stepdir):
    s = settings(stepdir, {"warm.snapshot_s3.bucket": "snaps", "warm.snapshot_s3.prefix": "buffers/"})
    assert s["Clusters"]["app-prod"]["Warm"]["SnapshotS3"] == {
        "Bucket": "snaps", "Prefix": "buffers/", "MaxAgeSeconds": 86400, "KeyPrefix": "buffers/app-prod/"}


@pytest.mark.parametrize("extra,says", [
    ({"warm.snapshot_s3.max_age_seconds": 0}, "vars.warm.snapshot_s3.max_age_seconds: 0 is out of range"),
    ({"warm.snapshot_s3.max_age_seconds": "soon"}, "vars.warm.snapshot_s3.max_age_seconds: expected a number"),
    ({"warm.snapshot_s3.max_age_seconds": 1.5}, "expected a whole number"),
    ({"warm.snapshot_s3.prefix": "x/"}, "vars.warm.snapshot_s3.bucket: is required"),
    ({"warm.snapshot_s3.bucket": "b", "warm.snapshot_s3.max_age_secnds": 5},
     "did you mean warm.snapshot_s3.max_age_seconds?"),
])
def test_settings_refuse_a_bad_snapshot_setting(stepdir, extra, says):
    v = dict(BASE_VARS)
    v.update(extra)
    cause = failed(step(stepdir, "vars-check.lua", {}, v), "Config.Invalid")
    assert says in cause, cause


def test_plan_without_a_live_source_asks_for_the_snapshot_first(stepdir):
    s = settings(stepdir, SNAP_VARS)
    out = ok(snap_plan(stepdir, s, None))
    assert out["NeedsSnapshot"] is True and "Source" not in out and out["Ignore"] is False
    assert "buffers/" in out["Reason"]


def test_plan_mirrors_a_fresh_snapshot(stepdir):
    s = settings(stepdir, SNAP_VARS)
    obj = {"Bucket": "snaps", "Key": "buffers/app-prod/20261118T104640Z-r1.csv",
           "LastModified": "2026-11-18T10:46:40.000Z"}
    out = ok(snap_plan(stepdir, s, obj))
    assert out["Strategy"] == ["mirror"] and out["NeedsSnapshot"] is False and "Source" not in out
    assert out["Snapshot"] == {"Bucket": "snaps", "Key": obj["Key"], "LastModified": obj["LastModified"],
                               "AgeSeconds": 1200}
    assert "from the buffer snapshot s3://snaps/buffers/app-prod/20261118T104640Z-r1.csv (20m 00s old)" \
        in out["Reason"]
    params = ok(step(stepdir, "warm_params.lua", {"plan": out, "config": s["Clusters"]["app-prod"],
                                                  "credentials": {"secret": {"SecretString": json.dumps(
                                                      {"username": "u", "password": "p"})}}}))
    assert params["snapshot_s3"] == {"Bucket": "snaps", "Key": obj["Key"]}
    assert params["strategy"] == "mirror" and "source" not in params


def test_plan_falls_back_from_a_stale_snapshot_and_says_by_how_much(stepdir):
    s = settings(stepdir, dict(SNAP_VARS, **{"warm.relations": "public.orders"}))
    obj = {"Bucket": "snaps", "Key": "buffers/app-prod/20261118T083640Z-r1.csv",
           "LastModified": "2026-11-18T08:36:40Z"}
    out = ok(snap_plan(stepdir, s, obj))
    assert out["Strategy"] == ["relations"] and "Snapshot" not in out
    (w,) = out["Warnings"]
    assert "s3://snaps/buffers/app-prod/20261118T083640Z-r1.csv is too old" in w
    assert "2h 30m ago" in w and "1h 30m over warm.snapshot_s3.max_age_seconds (1h 00m)" in w, w
    # Missing, or the lookup failed: a warning each, the same fallback.
    out = ok(snap_plan(stepdir, s, {"Error": "S3.NoSuchKey", "Cause": "none"}))
    assert out["Strategy"] == ["relations"]
    assert out["Warnings"] == ["no buffer snapshot under s3://snaps/buffers/app-prod/: not used"]
    out = ok(snap_plan(stepdir, s, {"Error": "S3.AccessDenied", "Cause": "denied"}))
    assert "lookup under s3://snaps/buffers/app-prod/ failed (S3.AccessDenied)" in out["Warnings"][0]
    # A time zone offset is honoured (10:46:40Z): fresh.
    obj["LastModified"] = "2026-11-18T12:46:40+02:00"
    assert ok(snap_plan(stepdir, s, obj))["Strategy"] == ["mirror"]


def test_plan_refuses_a_snapshot_from_the_future_beyond_clock_skew(stepdir):
    s = settings(stepdir, dict(SNAP_VARS, **{"warm.relations": "public.orders"}))
    key = "buffers/app-prod/20261118T111241Z-r1.csv"
    # 6m 01s ahead of NOW (11:06:40.250): more than the 300 s allowed.
    out = ok(snap_plan(stepdir, s, {"Bucket": "snaps", "Key": key, "LastModified": "2026-11-18T11:12:41Z"}))
    assert out["Strategy"] == ["relations"] and "Snapshot" not in out
    (w,) = out["Warnings"]
    assert "buffer snapshot s3://snaps/%s is from the future" % key in w, w
    assert "6m 01s after now" in w and "5m 00s clock skew" in w and w.endswith("not used"), w
    # Exactly 300 s ahead, or a few seconds: skew, used as brand new.
    for ahead in ("2026-11-18T11:11:40Z", "2026-11-18T11:06:45Z"):
        out = ok(snap_plan(stepdir, s, {"Bucket": "snaps", "Key": key, "LastModified": ahead}))
        assert out["Strategy"] == ["mirror"] and out["Snapshot"]["AgeSeconds"] == 0, out
        assert not out["Warnings"], out["Warnings"]  # an empty list is {} in Lua


@pytest.mark.parametrize("bucket,key,says", [
    # Cluster app-prod's prefix holds another cluster's folder (prefix
    # buffers/app-prod/ configured for cluster b: refused by vars-check
    # too), or another account's objects in a shared bucket.
    ("snaps", "buffers/app-prod/b/20261118T104640Z-r1.csv",
     "is not buffers/app-prod/<YYYYMMDDTHHMMSSZ>-<reader>.csv"),
    ("snaps", "buffers/app-prod-2/20261118T104640Z-r1.csv", "is not under buffers/app-prod/"),
    ("snaps", "buffers/other/20261118T104640Z-r1.csv", "is not under buffers/app-prod/"),
    ("snaps", "buffers/app-prod/20261118T104640Z-r1.csv.tmp", "<reader>.csv"),
    ("snaps", "buffers/app-prod/2026111T104640Z-r1.csv", "<reader>.csv"),
    ("snaps", "buffers/app-prod/20261118T104640Z-.csv", "<reader>.csv"),
    ("snaps", "buffers/app-prod/20261118T104640Z-R1.csv", "<reader>.csv"),
    ("snaps", "buffers/app-prod/20261118T104640Z-1r.csv", "<reader>.csv"),
    ("snaps", "buffers/app-prod/20261118T104640Z-r--1.csv", "<reader>.csv"),
    ("snaps", "buffers/app-prod/20261118T104640Z-r1-.csv", "<reader>.csv"),
    ("snaps", "buffers/app-prod/20261118T104640Z-%s.csv" % ("r" * 64), "<reader>.csv"),
    ("snaps", "buffers/app-prod/20261118T104640Z-r/../x.csv", "<reader>.csv"),
    ("other-bucket", "buffers/app-prod/20261118T104640Z-r1.csv", "is not in bucket snaps"),
])
def test_plan_refuses_a_snapshot_key_that_is_not_this_clusters(stepdir, bucket, key, says):
    s = settings(stepdir, dict(SNAP_VARS, **{"warm.relations": "public.orders"}))
    obj = {"Bucket": bucket, "Key": key, "LastModified": "2026-11-18T10:46:40.000Z"}  # fresh
    out = ok(snap_plan(stepdir, s, obj))
    assert out["Strategy"] == ["relations"] and "Snapshot" not in out
    (w,) = out["Warnings"]
    assert w.startswith("buffer snapshot s3://%s/%s " % (bucket, key)), w
    assert says in w and w.endswith(": not a snapshot of app-prod, not used"), w
    # The longest reader id RDS allows is this cluster's.
    obj = dict(obj, Bucket="snaps", Key="buffers/app-prod/20261118T104640Z-a%s.csv" % ("-1" * 31))
    assert ok(snap_plan(stepdir, s, obj))["Strategy"] == ["mirror"]


def test_settings_refuse_snapshot_prefixes_that_nest(stepdir):
    two = dict(BASE_VARS, **{"warm.snapshot_s3.bucket": "snaps", "warm.snapshot_s3.prefix": "x/",
                             "clusters.b.endpoints": "b-readers"})
    # b's folder x/app-prod/b/ is inside app-prod's x/app-prod/.
    # (A cluster's snapshot_s3 replaces the global one: it names its bucket.)
    cause = failed(step(stepdir, "vars-check.lua", {}, dict(two, **{
        "clusters.b.warm.snapshot_s3.bucket": "snaps", "clusters.b.warm.snapshot_s3.prefix": "x/app-prod/"})),
        "Config.Invalid")
    assert cause.startswith("vars.clusters.b.warm.snapshot_s3.prefix: snapshots of cluster b "
                            "(s3://snaps/x/app-prod/b/) would be inside those of cluster app-prod "
                            "(s3://snaps/x/app-prod/)"), cause
    # The other way round: app-prod's own prefix puts it inside b's folder.
    cause = failed(step(stepdir, "vars-check.lua", {}, dict(two, **{
        "clusters.app-prod.warm.snapshot_s3.bucket": "snaps", "clusters.app-prod.warm.snapshot_s3.prefix": "x/b/"})),
        "Config.Invalid")
    assert cause.startswith("vars.clusters.app-prod.warm.snapshot_s3.prefix: snapshots of cluster app-prod"), cause
    # Another bucket, or folders that only share a leading part, are fine.
    for extra in ({"clusters.b.warm.snapshot_s3.prefix": "x/app-prod/", "clusters.b.warm.snapshot_s3.bucket": "o"},
                  {"clusters.b.warm.snapshot_s3.prefix": "x/app-prod-", "clusters.b.warm.snapshot_s3.bucket": "snaps"},
                  {}):
        s = ok(step(stepdir, "vars-check.lua", {}, dict(two, **extra)))
        assert s["ClusterIds"] == ["app-prod", "b"], s


def test_plan_with_a_snapshot_mirrors_only_even_with_fallbacks_configured(stepdir):
    # postgres-warm's Warm stops at the first strategy that fails, so
    # relations/queries after mirror would never be a fallback for a
    # deleted or corrupt snapshot: the plan keeps mirror alone (documented
    # in WORKFLOWS.md, "Buffer snapshots").
    s = settings(stepdir, dict(SNAP_VARS, **{"warm.relations": "public.orders",
                                             "warm.queries_s3.bucket": "exports"}))
    obj = {"Bucket": "snaps", "Key": "buffers/app-prod/20261118T104640Z-r1.csv",
           "LastModified": "2026-11-18T10:46:40.000Z"}
    out = ok(snap_plan(stepdir, s, obj))
    assert out["Strategy"] == ["mirror"] and out["NeedsQueries"] is False and "Snapshot" in out


def test_plan_without_snapshot_and_fallback_names_the_stale_snapshot(stepdir):
    s = settings(stepdir, SNAP_VARS)
    obj = {"Bucket": "snaps", "Key": "buffers/app-prod/20261116T110640Z-r1.csv",
           "LastModified": "2026-11-16T11:06:40Z"}
    cause = failed(snap_plan(stepdir, s, obj), "Prewarm.NoWarmSource")
    assert "no fresh buffer snapshot" in cause and "2d 00h 00m ago" in cause, cause


def test_a_live_reader_wins_over_a_snapshot(stepdir):
    s = settings(stepdir, SNAP_VARS)
    out = ok(plan(stepdir, s))
    assert out["Source"]["DBInstanceIdentifier"] == "r1" and out.get("NeedsSnapshot") is False
    assert "Snapshot" not in out
    # The writer too, when allowed; and an explicit strategy without mirror
    # never looks for a snapshot.
    s = settings(stepdir, dict(SNAP_VARS, **{"warm.writer_as_source": True}))
    out = ok(snap_plan(stepdir, s, None))
    assert out["Source"]["DBInstanceIdentifier"] == "w" and out["NeedsSnapshot"] is False
    s = settings(stepdir, dict(SNAP_VARS, **{"warm.strategy": "relations", "warm.relations": "public.t"}))
    out = ok(snap_plan(stepdir, s, None))
    assert out["NeedsSnapshot"] is False and out["Strategy"] == ["relations"]


def test_plan_source_only_picks_the_reader_to_snapshot(stepdir):
    s = settings(stepdir, SNAP_VARS)
    base = {"source_only": True, "config": s["Clusters"]["app-prod"],
            "cluster": cluster("w", ["r1", "r2"]),
            "instances": {"DBInstances": [inst("w"), inst("r1"), inst("r2")]}}
    out = ok(step(stepdir, "plan_warm.lua", dict(base, endpoints=endpoints(["r2", "r1"]))))
    assert out["Source"]["DBInstanceIdentifier"] == "r1" and "Target" not in out
    out = ok(step(stepdir, "plan_warm.lua", dict(base, endpoints=endpoints(["w"]))))
    assert "Source" not in out and "no reader of app-prod is in service" in out["Reason"]
    params = ok(step(stepdir, "warm_params.lua", {"plan": ok(step(stepdir, "plan_warm.lua", dict(
        base, endpoints=endpoints(["r1"])))), "config": s["Clusters"]["app-prod"],
        "credentials": {"secret": {"SecretString": json.dumps({"username": "u", "password": "p"})}}}))
    assert params["source"]["host"].startswith("r1.") and "target" not in params


def test_snapshot_plan_names_a_key_that_sorts_by_time(stepdir):
    s = settings(stepdir, SNAP_VARS)
    out = ok(step(stepdir, "snapshot_plan.lua", {"DBClusterIdentifier": "app-prod", "settings": s,
                                                 "now": NOW_ISO}))
    assert out["Skip"] is False and out["Bucket"] == "snaps"
    assert out["KeyPrefix"] == "buffers/app-prod/" and out["Stamp"] == "20261118T110640Z"
    out = ok(step(stepdir, "snapshot_plan.lua", {"DBClusterIdentifier": "app-prod",
                                                 "settings": settings(stepdir)}))
    assert out["Skip"] is True and "no warm.snapshot_s3" in out["Reason"]


def test_plan_ignores_an_instance_that_became_the_writer(stepdir):
    out = ok(plan(stepdir, settings(stepdir), target="new", writer="new"))
    assert out["Ignore"] is True and "now the writer" in out["Reason"]


def test_plan_fails_on_a_missing_endpoint_and_separates_exclusion_lists(stepdir):
    cause = failed(plan(stepdir, settings(stepdir), eps=endpoints(["r1"], name="elsewhere")),
                   "Prewarm.EndpointNotFound")
    assert "app-prod-readers does not exist" in cause
    s = settings(stepdir, {"warm.relations": "public.orders"})
    out = ok(plan(stepdir, s, eps=endpoints([], excluded=["w", "new"])))
    # No static list: not added to (the workflow excludes, warms, lifts).
    assert out["Exclusion"] == ["app-prod-readers"] and out["AddTo"] in ({}, []), out
    assert out["Ignore"] is False and out["Excluded"] == 1 and out["Warnings"] in ({}, [])
    # Not excluded: in service already (a repeated event): ignored.
    out = ok(plan(stepdir, s, eps=endpoints([], excluded=["w"])))
    assert out["Ignore"] is True and "already a member" in out["Reason"], out


def test_plan_uses_host_overrides_and_skips_endpoints_already_listing_it(stepdir):
    s = settings(stepdir, {"clusters.app-prod.database.hosts.new": "127.0.0.1:6543"})
    out = ok(plan(stepdir, s))
    assert out["Target"]["Host"] == "127.0.0.1" and out["Target"]["Port"] == 6543
    out = ok(plan(stepdir, s, eps=endpoints(["r1", "new"])))  # a repeated event
    assert out["Ignore"] is True and "already a member of every managed endpoint" in out["Reason"]


# ---- warm_params.lua --------------------------------------------------------

PLAN = {"Target": {"DBInstanceIdentifier": "new", "Host": "new.x", "Port": 5432},
        "Source": {"DBInstanceIdentifier": "r1", "Host": "r1.x", "Port": 5432},
        "Strategy": ["mirror"], "NeedsQueries": False}


def test_warm_params_with_a_secret(stepdir):
    s = settings(stepdir)
    secret = {"SecretString": json.dumps({"username": "warmer", "password": "pa'ss word", "engine": "postgres"})}
    out = ok(step(stepdir, "warm_params.lua", {"plan": PLAN, "config": s["Clusters"]["app-prod"],
                                               "credentials": {"secret": secret}},
                  probe={"target": "$.target.password"}))
    assert out["strategy"] == "mirror"
    assert out["target"]["host"] == "new.x" and out["target"]["user"] == "warmer"
    assert out["target"]["password"] == "***" and out["source"]["host"] == "r1.x"
    assert out["probe"]["target"] == sha256("pa'ss word")
    # No max_shared_buffers_fraction: the plugin's default budget.
    assert out["budget"] == {"seconds": 900, "statement_timeout_ms": 30000}
    bad = {"SecretString": "not json"}
    cause = failed(step(stepdir, "warm_params.lua", {"plan": PLAN, "config": s["Clusters"]["app-prod"],
                                                     "credentials": {"secret": bad}}), "Config.BadSecret")
    assert "username and password" in cause and "not json" not in cause


def test_warm_params_with_iam_tokens_and_a_pg_service(stepdir):
    s = settings(stepdir, {"clusters.app-prod.database.auth": "iam",
                           "clusters.app-prod.database.user": "prewarm"})
    tokens = {"Target": {"AuthToken": "tok-target"}, "Source": {"AuthToken": "tok-source"}}
    out = ok(step(stepdir, "warm_params.lua", {"plan": PLAN, "config": s["Clusters"]["app-prod"],
                                               "credentials": {"tokens": tokens}},
                  probe={"target": "$.target.password", "source": "$.source.password"}))
    assert out["target"]["password"] == "***" and out["source"]["password"] == "***"
    assert out["probe"] == {"target": sha256("tok-target"), "source": sha256("tok-source")}
    assert out["target"]["sslmode"] == "require" and out["target"]["user"] == "prewarm"

    s = settings(stepdir, {"clusters.app-prod.database.auth": "pgpass",
                           "clusters.app-prod.database.service": "it's"})
    out = ok(step(stepdir, "warm_params.lua", {"plan": PLAN, "config": s["Clusters"]["app-prod"]}))
    assert out["target"].startswith("service='it\\'s' host='new.x' port='5432'")
    assert "password" not in out["target"]


def test_warm_params_take_the_newest_export(stepdir):
    s = settings(stepdir, {"warm.queries_s3.bucket": "exports", "clusters.app-prod.database.auth": "pgpass"})
    p = dict(PLAN, Strategy=["queries"], NeedsQueries=True)
    del p["Source"]
    latest = {"Bucket": "exports", "Key": "top/2026-11-18T08.csv", "LastModified": "2026-11-18T08:00:00Z"}
    out = ok(step(stepdir, "warm_params.lua", {"plan": p, "config": s["Clusters"]["app-prod"],
                                               "credentials": {}, "queries": latest}))
    assert out["queries"] == {"s3": {"Bucket": "exports", "Key": "top/2026-11-18T08.csv"}}
    assert "source" not in out


# ---- endpoint_diff.lua (reconcile, failover) --------------------------------

def diff(stepdir, s, writer, instances, eps, grace=30):
    return ok(step(stepdir, "endpoint_diff.lua", {
        "cluster": cluster(writer, [i["DBInstanceIdentifier"] for i in instances]),
        "instances": {"DBInstances": instances}, "endpoints": eps, "settings": s,
        "grace_minutes": grace, "now": NOW}))


def test_failover_writer_leaves_reader_endpoints_and_former_writer_is_warmed(stepdir):
    s = settings(stepdir)
    # r1 was promoted; w (the former writer) is a reader now, in no endpoint.
    out = diff(stepdir, s, "r1", [inst("w"), inst("r1"), inst("r2")], endpoints(["r1", "r2"]))
    assert out["Writer"] == "r1"
    assert out["Remove"] == [{"DBClusterEndpointIdentifier": "app-prod-readers",
                              "DBInstanceIdentifier": "r1", "Reason": "is now the writer"}]
    assert out["Warm"] == [{"DBInstanceIdentifier": "w", "Endpoints": ["app-prod-readers"]}]
    assert out["HasUrgent"] is False and out["RemoveCount"] == 1 and out["WarmCount"] == 1


def test_an_endpoint_left_with_only_the_writer_is_urgent_and_never_emptied(stepdir):
    s = settings(stepdir)
    out = diff(stepdir, s, "r1", [inst("w"), inst("r1")], endpoints(["r1"]))
    assert out["HasUrgent"] is True and "no available eligible member" in out["Urgent"][0]
    assert out["RemoveCount"] == 0  # held back: an empty list means "every instance"
    assert any("until a warmed reader replaces it" in t for t in out["Skipped"])
    assert out["Warm"][0]["DBInstanceIdentifier"] == "w"


def test_any_endpoints_keep_the_writer(stepdir):
    s = settings(stepdir)
    out = diff(stepdir, s, "r1", [inst("w"), inst("r1"), inst("r2")], endpoints(["r1", "r2"], kind="ANY"))
    assert out["RemoveCount"] == 0


def test_scale_in_and_young_or_rebooting_readers(stepdir):
    s = settings(stepdir)
    # 400 s old, grace 30 min; RDS writes fractions, which the message drops
    young = inst("young", created="2026-11-18T11:00:00.250Z")
    rebooting = inst("boot", status="rebooting")
    gone = "deleted-reader"
    out = diff(stepdir, s, "w", [inst("w"), inst("r1"), young, rebooting], endpoints(["r1", gone]))
    assert out["Remove"] == [{"DBClusterEndpointIdentifier": "app-prod-readers",
                              "DBInstanceIdentifier": gone, "Reason": "no longer exists"}]
    assert out["WarmCount"] == 0 and out["Pending"] == ["boot"] and out["HasPending"] is True
    assert any("young was created 400 s ago" in t for t in out["Skipped"])
    out = diff(stepdir, s, "w", [inst("w"), inst("r1"), young], endpoints(["r1"]), grace=0)
    assert out["Warm"] == [{"DBInstanceIdentifier": "young", "Endpoints": ["app-prod-readers"]}]


def tagged(i, endpoint, value):
    i["TagList"] = [{"Key": "other", "Value": "x"},
                    {"Key": "aurora-prewarm:endpoint:" + endpoint, "Value": value}]
    return i


def test_the_intent_tag_restores_lost_members_and_keeps_removed_ones_out(stepdir):
    s = settings(stepdir)
    lost = tagged(inst("lost"), "app-prod-readers", "warm 2026-11-18T10:00:00Z")
    removed = tagged(inst("removed"), "app-prod-readers", "removed 2026-11-18T10:05:00Z")
    # A tag for another endpoint says nothing about this one.
    elsewhere = tagged(inst("untagged"), "other-endpoint", "removed 2026-11-18T10:05:00Z")
    # The writer carries a "warm" tag from when it was a reader: not re-added.
    writer = tagged(inst("w"), "app-prod-readers", "warm 2026-11-01T00:00:00Z")
    out = diff(stepdir, s, "w", [writer, inst("r1"), lost, removed, elsewhere], endpoints(["r1"]))
    assert out["Warm"] == [{"DBInstanceIdentifier": "lost", "Endpoints": ["app-prod-readers"]},
                           {"DBInstanceIdentifier": "untagged", "Endpoints": ["app-prod-readers"]}]
    assert out["Restored"] == ["lost (warmed into app-prod-readers 2026-11-18T10:00:00Z)"]
    assert any(t.startswith("removed was removed from app-prod-readers on purpose (2026-11-18T10:05:00Z)")
               for t in out["Skipped"])


def test_reconcile_changes_nothing_when_all_is_well(stepdir):
    s = settings(stepdir)
    out = diff(stepdir, s, "w", [inst("w"), inst("r1"), inst("r2")], endpoints(["r1", "r2"]))
    assert out["RemoveCount"] == 0 and out["WarmCount"] == 0 and out["HasUrgent"] is False


# ---- notification.lua / report_metrics.lua / check_endpoints.lua ------------

def test_failure_notice_names_execution_state_and_cause(stepdir):
    s = settings(stepdir, {"notify.webhook_url": "https://hooks.example/x"})
    data = {"settings": s, "target": {"DBInstanceIdentifier": "new"},
            "failed": {"Warm": {"Error": "Postgres.ConnectionFailed", "Cause": "connection refused"}}}
    out = ok(step(stepdir, "notification.lua", {"kind": "failed", "workflow": "aurora-replica-prewarm",
                                                "execution": "exec-123", "endpoints_unchanged": True,
                                                "data": data}))
    assert out["Send"] is True and out["Level"] == "error"
    assert out["Error"] == "Postgres.ConnectionFailed" and out["State"] == "Warm"
    for text in ("exec-123", "state Warm", "connection refused", "left as they were"):
        assert text in out["Message"]
    assert "exec-123" in out["FailureCause"] and "Warm" in out["FailureCause"]
    assert {"Target": "webhook", "Url": "https://hooks.example/x"} in out["Targets"]
    data["failed"]["Rollback"] = {"Error": "RDS.EndpointUpdateConflict", "Cause": "gave up"}
    data["plan"] = {"Endpoints": ["app-prod-readers"]}
    out = ok(step(stepdir, "notification.lua", {"kind": "failed", "workflow": "aurora-replica-prewarm",
                                                "execution": "exec-123", "endpoints_unchanged": True,
                                                "data": data}))
    assert "left as they were" not in out["Message"]
    assert "rollback failed too: check the custom endpoint(s) app-prod-readers" in out["Message"]


def test_success_notice_and_quiet_ignores(stepdir):
    s = settings(stepdir)
    data = {"settings": s, "classified": {"DBInstanceIdentifier": "new", "DBClusterIdentifier": "app-prod"},
            "plan": {"Endpoints": ["app-prod-readers"]},
            "warm": {"report": {"strategy": "mirror", "seconds": 12.5, "blocks_loaded": 2048}},
            "warnings": {"PutMetrics": {"Error": "AWS.Throttling", "Cause": "slow down"}}}
    out = ok(step(stepdir, "notification.lua", {"kind": "warmed", "workflow": "w", "execution": "e", "data": data}))
    assert out["Send"] is True
    assert "new (cluster app-prod) was warmed and added to app-prod-readers" in out["Message"]
    assert "strategy mirror, 12.5 s, 2048 blocks" in out["Message"]
    assert "PutMetrics failed (not fatal)" in out["Message"]
    assert "Source:" not in out["Message"]
    # Mirrored from a buffer snapshot: the notification names it.
    data["warm"]["report"]["steps"] = [{"strategy": "mirror", "snapshot": "s3://b/buffers/app-prod/x.csv"}]
    out = ok(step(stepdir, "notification.lua", {"kind": "warmed", "workflow": "w", "execution": "e", "data": data}))
    assert "Source: the buffer snapshot s3://b/buffers/app-prod/x.csv (no reader was in service)." in out["Message"]
    out = ok(step(stepdir, "notification.lua", {"kind": "ignored", "workflow": "w", "execution": "e",
                                                "data": {"settings": s, "ignored": {"Reason": "x"}}}))
    assert out["Send"] is False


def test_urgent_and_adjusted_notices(stepdir):
    s = settings(stepdir)
    data = {"settings": s, "DBClusterIdentifier": "app-prod",
            "diff": {"Urgent": ["endpoint app-prod-readers of app-prod has no available eligible member"],
                     "Remove": [{"DBClusterEndpointIdentifier": "e", "DBInstanceIdentifier": "r1",
                                 "Reason": "is now the writer"}]},
            "warmed": [{"DBInstanceIdentifier": "w", "AddedTo": ["e"]}]}
    out = ok(step(stepdir, "notification.lua", {"kind": "urgent", "workflow": "aurora-failover-adjust",
                                                "execution": "e1", "DBClusterIdentifier": "app-prod",
                                                "data": data}))
    assert out["Send"] is True and out["Level"] == "error" and "URGENT" in out["Subject"]
    assert "no available eligible member" in out["Message"]
    out = ok(step(stepdir, "notification.lua", {"kind": "adjusted", "workflow": "reconcile",
                                                "execution": "e1", "DBClusterIdentifier": "app-prod",
                                                "data": data}))
    assert out["ChangeCount"] == 2
    assert "removed r1 from e (is now the writer)" in out["Message"]
    assert "added w to e (warmed)" in out["Message"]
    assert "Warning (" not in out["Message"]
    # A warmed reader's plan warnings (a buffer snapshot too old) are said.
    data["warmed"][0]["Warnings"] = ["buffer snapshot s3://b/k is too old: not used"]
    out = ok(step(stepdir, "notification.lua", {"kind": "adjusted", "workflow": "reconcile",
                                                "execution": "e1", "DBClusterIdentifier": "app-prod",
                                                "data": data}))
    assert "Warning (w): buffer snapshot s3://b/k is too old: not used" in out["Message"]


def test_report_metrics(stepdir):
    out = ok(step(stepdir, "report_metrics.lua", {
        "report": {"seconds": 3.5, "blocks_loaded": 100, "bytes_loaded": 819200},
        "DBInstanceIdentifier": "new", "DBClusterIdentifier": "app-prod"}))
    assert out["Namespace"] == "AuroraPrewarm"
    names = {m["MetricName"]: m for m in out["MetricData"]}
    assert names["WarmSeconds"]["Value"] == 3.5 and names["WarmSeconds"]["Unit"] == "Seconds"
    assert names["BytesLoaded"]["Value"] == 819200
    assert {"Name": "DBInstanceIdentifier", "Value": "new"} in names["BlocksLoaded"]["Dimensions"]
    failed(step(stepdir, "report_metrics.lua", {"report": {"strategy": "mirror"}}), "Prewarm.BadReport")


def test_check_endpoints_reports_problems_and_warnings(stepdir):
    s = settings(stepdir, {"clusters.app-prod.endpoints": "app-prod-readers,gone"})
    out = ok(step(stepdir, "check_endpoints.lua", {"DBClusterIdentifier": "app-prod", "settings": s,
                                                   "endpoints": endpoints([], excluded=["w"])}))
    assert out["ProblemCount"] == 1 and "gone does not exist" in out["Problems"][0]
    # An exclusion-list endpoint is handled (a note), not a warning; the
    # cluster's own reader endpoint cannot exclude: always said.
    assert out["WarningCount"] == 0, out
    assert any("cannot exclude" in n and "cluster-ro" in n for n in out["Notes"]), out
    assert any("app-prod-readers has no static member list (ExcludedMembers: w)" in n
               for n in out["Notes"]), out


# ---- the shipped workflows --------------------------------------------------

def test_prewarm_validate_accepts_every_shipped_workflow():
    paths = [os.path.join(WORKFLOWS, w) for w in SHIPPED]
    p = subprocess.run([PREWARM, "validate"] + paths, capture_output=True, text=True, env=env(), timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    for w in SHIPPED:
        assert f"{w}: valid" in p.stdout + p.stderr


@pytest.mark.parametrize("fmt", ["dot", "mermaid"])
def test_every_shipped_workflow_graphs(fmt):
    for w in SHIPPED:
        p = subprocess.run([PREWARM, "graph", os.path.join(WORKFLOWS, w), "--format", fmt],
                           capture_output=True, text=True, env=env(), timeout=60)
        assert p.returncode == 0, p.stderr
        assert "LoadSettings" in p.stdout and "ReportFailure" in p.stdout \
            or w in ("check-config.yaml", "snapshot-buffers.yaml")


def test_every_task_has_a_timeout_and_the_replica_workflow_catches_everything():
    import yaml  # PyYAML comes with moto/awscli in the venv

    def tasks(states):
        for name, st in states.items():
            if st["Type"] == "Task":
                yield name, st
            if st["Type"] == "Map":
                yield from tasks(st["ItemProcessor"]["States"])

    for w in SHIPPED:
        with open(os.path.join(WORKFLOWS, w)) as f:
            doc = yaml.safe_load(f)
        for name, st in tasks(doc["States"]):
            assert "TimeoutSeconds" in st, f"{w}: {name} has no TimeoutSeconds"
    with open(os.path.join(WORKFLOWS, "aurora-replica-prewarm.yaml")) as f:
        doc = yaml.safe_load(f)
    for name, st in doc["States"].items():
        if st["Type"] in ("Task", "Map"):
            assert any("States.ALL" in c["ErrorEquals"] for c in st.get("Catch", [])), name


# ---- prewarm validate --config: workflows/vars-check.lua ----------------------

EXAMPLE_CONFIG = os.path.join(SRC, "contrib", "config", "prewarm.example.yaml")


def bad_config(tmp_path, line):
    """The shipped example config with `line` (KEY: VALUE) in its vars:
    (replacing the key's line, else first), and the 1-based line number."""
    with open(EXAMPLE_CONFIG) as f:
        lines = f.read().splitlines()
    key = line.split(":")[0] + ":"
    same = [i for i, text in enumerate(lines) if text.startswith("  " + key)]
    if same:
        at = same[0]
        lines[at] = "  " + line
    else:
        at = lines.index("vars:") + 1
        lines.insert(at, "  " + line)
    path = tmp_path / "prewarm.yaml"
    path.write_text("\n".join(lines) + "\n")
    return str(path), at + 1


def validate(*args, **extra_env):
    e = env()
    e.update(extra_env)
    paths = [os.path.join(WORKFLOWS, w) for w in SHIPPED]
    return subprocess.run([PREWARM, "validate"] + paths + list(args), capture_output=True,
                          text=True, env=e, timeout=60)


def test_validate_accepts_the_shipped_example_config():
    p = validate("--config", EXAMPLE_CONFIG)
    assert p.returncode == 0, p.stdout + p.stderr
    for w in SHIPPED:
        assert f"{w}: valid" in p.stdout


@pytest.mark.parametrize("line,field,says", [
    ("warm.strategy: bogus", "vars.warm.strategy", "is not auto, mirror, queries or relations"),
    ("warm.parallel: -3", "vars.warm.parallel", "out of range"),
    ("lag.treshold_ms: 50", "vars.lag.treshold_ms", "unknown setting (did you mean lag.threshold_ms?)"),
    ("clusters.app-prod.wram.top_n: 5", "vars.clusters.app-prod.wram",
     "did you mean clusters.app-prod.warm?"),
])
def test_validate_names_the_config_line_of_a_bad_var(tmp_path, line, field, says):
    cfg, lineno = bad_config(tmp_path, line)
    p = validate("--config", cfg)
    assert p.returncode == 2, p.stdout + p.stderr
    # Checked once for the directory: one diagnostic, at the key's line.
    diags = [d for d in p.stderr.splitlines() if field in d]
    assert len(diags) == 1, p.stderr
    assert diags[0].startswith(f"{cfg}:{lineno}:3: Config.Invalid: {field}: "), diags[0]
    assert says in diags[0]
    assert "valid" not in p.stdout


def test_validate_takes_the_config_from_the_environment_and_var_overrides(tmp_path):
    cfg, _ = bad_config(tmp_path, "warm.parallel: -3")
    p = validate(PREWARM_CONFIG=cfg)
    assert p.returncode == 2 and "vars.warm.parallel" in p.stderr
    # --var fixes it ...
    p = validate("--var", "warm.parallel=4", PREWARM_CONFIG=cfg)
    assert p.returncode == 0, p.stderr
    # ... or breaks a good config; a var from --var has no line in the file.
    p = validate("--config", EXAMPLE_CONFIG, "--var", "warm.top_n=0")
    assert p.returncode == 2
    assert f"{EXAMPLE_CONFIG}: Config.Invalid: vars.warm.top_n: " in p.stderr


def test_validate_without_a_config_does_not_check_vars():
    p = validate("--var", "warm.parallel=-3")
    assert p.returncode == 0, p.stderr


def test_a_vars_checker_may_not_call_plugins(tmp_path):
    (tmp_path / "wf.json").write_text(json.dumps(
        {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))
    (tmp_path / "vars-check.lua").write_text(
        'local input = ...\nassert(tostring(input.vars.a) == "1")\nprewarm.call("lua:vars-check.lua", {})\n')
    (tmp_path / "c.yaml").write_text("vars:\n  a: 1\n")
    p = subprocess.run([PREWARM, "validate", str(tmp_path / "wf.json"), "--config",
                        str(tmp_path / "c.yaml")], capture_output=True, text=True, env=env(), timeout=60)
    assert p.returncode == 2
    assert "may not call plugins" in p.stderr and str(tmp_path / "c.yaml") in p.stderr


def test_a_bad_var_still_fails_the_run(tmp_path):
    cfg, _ = bad_config(tmp_path, "warm.strategy: bogus")
    (tmp_path / "in.json").write_text("{}")
    p = subprocess.run([PREWARM, "run", os.path.join(WORKFLOWS, "check-config.yaml"), "--config", cfg,
                        "--input", str(tmp_path / "in.json"), "--no-journal"],
                       capture_output=True, text=True, env=env(), timeout=60)
    assert p.returncode == 1, p.stdout + p.stderr
    out = json.loads(p.stdout)
    assert out["Error"] == "Config.Invalid" and out["Cause"].startswith("vars.warm.strategy: ")

"""rds plugin against moto (with the custom endpoint extension), driven
through tests/unit/plugin-call: Aurora PostgreSQL cluster described,
failover seen, custom endpoint members added/removed safely (also by two
processes at the same moment), dry run, aws-sdk names, auth tokens."""
import re

import pytest

from fixtures.moto_server import finish, moto_server, plugin_call  # noqa: F401

CLUSTER = "aurora-pg"
ENDPOINT = "warm-readers"
READERS = [f"reader-{i}" for i in range(1, 5)]
RACERS = [f"racer-{i:02d}" for i in range(40)]


def _instance(rds, name):
    rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier=CLUSTER,
                           Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")


@pytest.fixture(scope="module")
def aurora(moto_server):
    rds = moto_server.client("rds")
    rds.create_db_cluster(DBClusterIdentifier=CLUSTER, Engine="aurora-postgresql",
                          MasterUsername="postgres", MasterUserPassword="not-used-1")
    _instance(rds, "writer-1")  # the first instance becomes the writer
    for name in READERS + RACERS:
        _instance(rds, name)
    rds.create_db_cluster_endpoint(DBClusterIdentifier=CLUSTER,
                                   DBClusterEndpointIdentifier=ENDPOINT,
                                   EndpointType="READER", StaticMembers=["reader-1"])
    return rds


def members(rds):
    ep = rds.describe_db_cluster_endpoints(DBClusterEndpointIdentifier=ENDPOINT)
    return ep["DBClusterEndpoints"][0]["StaticMembers"]


def ok(rc, out, err):
    assert rc == 0, f"exit {rc}: {out} {err}"
    return out


def test_cluster_with_writer_and_readers_is_described(aurora):
    out = ok(*plugin_call("rds", "DescribeDBClusters", {"DBClusterIdentifier": CLUSTER}))
    (cluster,) = out["DBClusters"]
    assert cluster["Engine"] == "aurora-postgresql"
    writers = [m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"]
               if m["IsClusterWriter"] is True]
    readers = {m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"]
               if m["IsClusterWriter"] is False}
    assert writers == ["writer-1"]
    assert set(READERS) <= readers
    assert isinstance(cluster["Port"], int)

    out = ok(*plugin_call("rds", "DescribeDBInstances", {"DBInstanceIdentifier": "reader-2"}))
    (inst,) = out["DBInstances"]
    assert inst["DBClusterIdentifier"] == CLUSTER
    assert inst["DBInstanceStatus"] == "available"
    assert inst["Endpoint"]["Port"] == 5432


def test_describe_all_instances_follows_pages(aurora):
    total = 1 + len(READERS) + len(RACERS)
    out = ok(*plugin_call("rds", "DescribeDBInstances", {"PageSize": 20}))
    names = [i["DBInstanceIdentifier"] for i in out["DBInstances"]]
    assert len(names) == total == len(set(names))  # 3 pages, no repeats
    assert "Marker" not in out
    page = ok(*plugin_call("rds", "DescribeDBInstances", {"MaxRecords": 20}))
    assert len(page["DBInstances"]) == 20 and page.get("Marker")


def test_failover_changes_the_writer(aurora, moto_server):
    aurora.failover_db_cluster(DBClusterIdentifier=CLUSTER,
                               TargetDBInstanceIdentifier="reader-4")
    try:
        out = ok(*plugin_call("rds", "DescribeDBClusters", {"DBClusterIdentifier": CLUSTER}))
        writer = [m["DBInstanceIdentifier"] for m in out["DBClusters"][0]["DBClusterMembers"]
                  if m["IsClusterWriter"]]
        assert writer == ["reader-4"]
    finally:
        aurora.failover_db_cluster(DBClusterIdentifier=CLUSTER,
                                   TargetDBInstanceIdentifier="writer-1")


def test_endpoint_gains_and_loses_a_member(aurora):
    out = ok(*plugin_call("rds", "AddStaticMember", {
        "DBClusterEndpointIdentifier": ENDPOINT, "DBInstanceIdentifier": "reader-2"}))
    assert out["Changed"] is True
    assert sorted(out["StaticMembers"]) == ["reader-1", "reader-2"]
    assert sorted(members(aurora)) == ["reader-1", "reader-2"]

    again = ok(*plugin_call("rds", "AddStaticMember", {
        "DBClusterEndpointIdentifier": ENDPOINT, "DBInstanceIdentifier": "reader-2"}))
    assert again["Changed"] is False  # idempotent
    assert sorted(again["StaticMembers"]) == ["reader-1", "reader-2"]

    out = ok(*plugin_call("rds", "RemoveStaticMember", {
        "DBClusterIdentifier": CLUSTER,
        "DBClusterEndpointIdentifier": ENDPOINT, "DBInstanceIdentifier": "reader-2"}))
    assert out["Changed"] is True and out["StaticMembers"] == ["reader-1"]
    assert members(aurora) == ["reader-1"]

    out = ok(*plugin_call("rds", "DescribeDBClusterEndpoints", {
        "DBClusterEndpointIdentifier": ENDPOINT}))
    assert out["DBClusterEndpoints"][0]["StaticMembers"] == ["reader-1"]


def test_removing_the_last_member_is_refused(aurora):
    rc, out, _ = plugin_call("rds", "RemoveStaticMember", {
        "DBClusterEndpointIdentifier": ENDPOINT, "DBInstanceIdentifier": "reader-1"})
    assert rc == 1 and out["Error"] == "RDS.WouldEmptyEndpoint"
    assert members(aurora) == ["reader-1"]


def test_unknown_instance_is_an_error_and_changes_nothing(aurora):
    rc, out, _ = plugin_call("rds", "AddStaticMember", {
        "DBClusterEndpointIdentifier": ENDPOINT, "DBInstanceIdentifier": "no-such-db"})
    assert rc == 1 and out["Error"] == "RDS.DBInstanceNotFound"
    assert members(aurora) == ["reader-1"]
    rc, out, _ = plugin_call("rds", "AddStaticMember", {
        "DBClusterEndpointIdentifier": "no-such-endpoint", "DBInstanceIdentifier": "reader-1"})
    assert rc == 1 and out["Error"].startswith("RDS.DBClusterEndpointNotFound")


def test_dry_run_reads_but_does_not_write(aurora):
    out = ok(*plugin_call("rds", "AddStaticMember", {
        "DBClusterEndpointIdentifier": ENDPOINT, "DBInstanceIdentifier": "reader-3"},
        dry_run=True))
    assert out["DryRun"] is True and out["Changed"] is True
    assert sorted(out["StaticMembers"]) == ["reader-1", "reader-3"]
    assert members(aurora) == ["reader-1"]
    out = ok(*plugin_call("rds", "ModifyDBClusterEndpoint", {
        "DBClusterEndpointIdentifier": ENDPOINT, "StaticMembers": ["reader-3"]},
        dry_run=True))
    assert out["StaticMembers"] == ["reader-3"] and out["Status"] == "modifying"
    assert members(aurora) == ["reader-1"]


def test_vanished_members_are_dropped(aurora):
    ok(*plugin_call("rds", "AddStaticMember", {
        "DBClusterEndpointIdentifier": ENDPOINT, "DBInstanceIdentifier": "reader-3"}))
    aurora.delete_db_instance(DBInstanceIdentifier="reader-3", SkipFinalSnapshot=True)
    assert "reader-3" in members(aurora)  # AWS-like: the list keeps it
    out = ok(*plugin_call("rds", "AddStaticMember", {
        "DBClusterEndpointIdentifier": ENDPOINT, "DBInstanceIdentifier": "reader-2"}))
    assert out["DroppedMembers"] == ["reader-3"]
    assert sorted(members(aurora)) == ["reader-1", "reader-2"]


def test_two_readers_added_at_the_same_moment_both_end_up_in(aurora):
    """Rounds of two processes each adding a different member at once; after
    every round both are present (no lost update). 20 rounds through the
    prewarm binary are in test_plugin_workflows.py."""
    attempts = []
    for rnd in range(8):
        a, b = RACERS[2 * rnd], RACERS[2 * rnd + 1]
        pa = plugin_call("rds", "AddStaticMember", {
            "DBClusterEndpointIdentifier": ENDPOINT, "DBInstanceIdentifier": a},
            background=True)
        pb = plugin_call("rds", "AddStaticMember", {
            "DBClusterEndpointIdentifier": ENDPOINT, "DBInstanceIdentifier": b},
            background=True)
        ra, rb = ok(*finish(pa)), ok(*finish(pb))
        now = members(aurora)
        assert a in now and b in now, f"round {rnd}: {now}"
        assert ra["Changed"] and rb["Changed"]
        attempts.append(max(ra["Attempts"], rb["Attempts"]))
    # The endpoint lock serialises them: no round ever needed a second
    # read-modify-verify (before the lock, contention forced retries).
    assert max(attempts) == 1


def test_aws_sdk_member_names(aurora):
    out = ok(*plugin_call("rds", "describeDBInstances",
                          {"DbInstanceIdentifier": "reader-1"}, sdk=True))
    (inst,) = out["DbInstances"]
    assert inst["DbInstanceIdentifier"] == "reader-1"
    assert inst["DbInstanceStatus"] == "available"
    assert "DBInstanceIdentifier" not in inst


def test_auth_token_is_presigned_and_registered_as_secret(aurora):
    rc, out, err = plugin_call("rds", "GenerateAuthToken", {
        "DBInstanceIdentifier": "reader-1", "DBUsername": "app_iam"})
    assert rc == 0, err
    assert out["AuthToken"] == "***"  # the plugin registered it
    assert out["DBHostname"].startswith("reader-1.") and out["Port"] == 5432
    assert not re.search(r"X-Amz-Signature=[0-9a-f]", err)


def test_missing_required_parameter_fails_before_any_call(aurora):
    rc, out, err = plugin_call("rds", "AddStaticMember", {
        "DBClusterEndpointIdentifier": ENDPOINT})
    assert rc == 1 and "DBInstanceIdentifier" in out["Cause"]
    assert "HTTP" not in err


def test_endpoint_filters_are_sent_as_the_api_wants(aurora):
    out = ok(*plugin_call("rds", "DescribeDBClusterEndpoints", {
        "DBClusterIdentifier": CLUSTER,
        "Filters": [{"Name": "db-cluster-endpoint-type", "Values": ["writer", "custom"]}]}))
    kinds = sorted(e["EndpointType"] for e in out["DBClusterEndpoints"])
    assert kinds == ["CUSTOM", "WRITER"]


def test_events_name_the_new_instance(aurora):
    out = ok(*plugin_call("rds", "DescribeEvents", {
        "SourceType": "db-instance", "SourceIdentifier": "reader-1", "Duration": 60}))
    assert any(e["Message"] == "DB instance created" and
               e["SourceIdentifier"] == "reader-1" for e in out["Events"])


def test_waiting_is_bounded_by_the_deadline(aurora):
    _instance(aurora, "late-reader")
    # A change just made: the endpoint is "modifying" for 0.3 s, longer
    # than the 100 ms the call has.
    aurora.modify_db_cluster_endpoint(DBClusterEndpointIdentifier=ENDPOINT,
                                      StaticMembers=members(aurora))
    rc, out, _ = plugin_call("rds", "AddStaticMember", {
        "DBClusterEndpointIdentifier": ENDPOINT, "DBInstanceIdentifier": "late-reader"},
        timeout_ms=100)
    assert rc == 1 and out["Error"] == "States.Timeout"
    assert "late-reader" not in members(aurora)


def test_an_endpoint_without_static_members_is_not_narrowed(aurora):
    aurora.create_db_cluster_endpoint(DBClusterIdentifier=CLUSTER,
                                      DBClusterEndpointIdentifier="all-but-one",
                                      EndpointType="ANY", ExcludedMembers=["reader-1"])
    params = {"DBClusterEndpointIdentifier": "all-but-one", "DBInstanceIdentifier": "reader-2"}
    rc, out, _ = plugin_call("rds", "AddStaticMember", params)
    assert rc == 1 and out["Error"] == "RDS.EndpointNotStatic"
    out = ok(*plugin_call("rds", "AddStaticMember", dict(params, AllowNarrow=True)))
    assert out["StaticMembers"] == ["reader-2"]


def test_rollback_may_empty_an_endpoint_when_allowed(aurora):
    aurora.create_db_cluster_endpoint(DBClusterIdentifier=CLUSTER,
                                      DBClusterEndpointIdentifier="solo",
                                      EndpointType="READER", StaticMembers=["reader-1"])
    out = ok(*plugin_call("rds", "RemoveStaticMember", {
        "DBClusterEndpointIdentifier": "solo", "DBInstanceIdentifier": "reader-1",
        "AllowEmpty": True}))
    assert out["Changed"] is True and out["StaticMembers"] == []
    ep = aurora.describe_db_cluster_endpoints(DBClusterEndpointIdentifier="solo")
    assert ep["DBClusterEndpoints"][0]["StaticMembers"] == []

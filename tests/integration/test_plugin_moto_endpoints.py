"""The test harness's moto extension (fixtures/moto_custom_endpoints.py)
behaves as the RDS API reference says custom endpoints do, seen through
boto3 (so the plugins' tests rest on a faithful emulation)."""
import time

import pytest
from botocore.exceptions import ClientError

from fixtures.moto_server import moto_server  # noqa: F401


@pytest.fixture(scope="module")
def rds(moto_server):
    client = moto_server.client("rds")
    client.create_db_cluster(DBClusterIdentifier="ext", Engine="aurora-postgresql",
                             MasterUsername="postgres", MasterUserPassword="unused-pw-1")
    for name in ("ext-w", "ext-r1", "ext-r2"):
        client.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier="ext",
                                  Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    return client


def code(exc):
    return exc.value.response["Error"]["Code"]


def wait_available(rds, ident):
    for _ in range(50):
        ep = rds.describe_db_cluster_endpoints(DBClusterEndpointIdentifier=ident)
        if ep["DBClusterEndpoints"][0]["Status"] == "available":
            return ep["DBClusterEndpoints"][0]
        time.sleep(0.1)
    raise AssertionError("endpoint never became available")


def test_lifecycle_and_state_faults(rds):
    ep = rds.create_db_cluster_endpoint(
        DBClusterIdentifier="ext", DBClusterEndpointIdentifier="Any-Ep",
        EndpointType="ANY", ExcludedMembers=["ext-r2"])
    assert ep["DBClusterEndpointIdentifier"] == "any-ep"  # stored lower-case
    assert ep["Status"] == "creating" and ep["CustomEndpointType"] == "ANY"
    assert ep["EndpointType"] == "CUSTOM" and ep["ExcludedMembers"] == ["ext-r2"]
    assert ep["Endpoint"].startswith("any-ep.cluster-custom-")
    with pytest.raises(ClientError) as e:
        rds.modify_db_cluster_endpoint(DBClusterEndpointIdentifier="any-ep",
                                       StaticMembers=["ext-r1"])
    assert code(e) == "InvalidDBClusterEndpointStateFault"
    wait_available(rds, "any-ep")
    ep = rds.modify_db_cluster_endpoint(DBClusterEndpointIdentifier="any-ep",
                                        StaticMembers=["ext-r1"], EndpointType="READER")
    assert ep["Status"] == "modifying" and ep["CustomEndpointType"] == "READER"
    assert ep["StaticMembers"] == ["ext-r1"] and ep["ExcludedMembers"] == ["ext-r2"]
    wait_available(rds, "any-ep")
    rds.delete_db_cluster_endpoint(DBClusterEndpointIdentifier="any-ep")
    with pytest.raises(ClientError) as e:
        rds.describe_db_cluster_endpoints(DBClusterEndpointIdentifier="any-ep")
    assert code(e) == "DBClusterEndpointNotFoundFault"


def test_faults_for_bad_references(rds):
    with pytest.raises(ClientError) as e:
        rds.create_db_cluster_endpoint(DBClusterIdentifier="nope",
                                       DBClusterEndpointIdentifier="x", EndpointType="READER")
    assert code(e) == "DBClusterNotFoundFault"
    with pytest.raises(ClientError) as e:
        rds.create_db_cluster_endpoint(DBClusterIdentifier="ext",
                                       DBClusterEndpointIdentifier="x", EndpointType="WRITER")
    assert code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        rds.create_db_cluster_endpoint(DBClusterIdentifier="ext",
                                       DBClusterEndpointIdentifier="x", EndpointType="READER",
                                       StaticMembers=["not-an-instance"])
    assert code(e).startswith("DBInstanceNotFound")
    with pytest.raises(ClientError) as e:
        rds.modify_db_cluster_endpoint(DBClusterEndpointIdentifier="missing",
                                       StaticMembers=["ext-r1"])
    assert code(e) == "DBClusterEndpointNotFoundFault"
    rds.create_db_cluster_endpoint(DBClusterIdentifier="ext",
                                   DBClusterEndpointIdentifier="dup", EndpointType="READER")
    with pytest.raises(ClientError) as e:
        rds.create_db_cluster_endpoint(DBClusterIdentifier="ext",
                                       DBClusterEndpointIdentifier="dup", EndpointType="READER")
    assert code(e) == "DBClusterEndpointAlreadyExistsFault"


def test_describe_lists_builtin_endpoints_filters_and_pages(rds):
    for i in range(25):
        rds.create_db_cluster_endpoint(DBClusterIdentifier="ext",
                                       DBClusterEndpointIdentifier=f"page-{i:02d}",
                                       EndpointType="READER", StaticMembers=["ext-r1"])
    every = rds.describe_db_cluster_endpoints(DBClusterIdentifier="ext")["DBClusterEndpoints"]
    assert {"WRITER", "READER"} <= {e["EndpointType"] for e in every}
    first = rds.describe_db_cluster_endpoints(DBClusterIdentifier="ext", MaxRecords=20)
    assert len(first["DBClusterEndpoints"]) == 20 and first["Marker"]
    rest = rds.describe_db_cluster_endpoints(DBClusterIdentifier="ext", MaxRecords=20,
                                             Marker=first["Marker"])
    assert "Marker" not in rest
    assert len(first["DBClusterEndpoints"]) + len(rest["DBClusterEndpoints"]) == len(every)
    creating = rds.describe_db_cluster_endpoints(Filters=[
        {"Name": "db-cluster-endpoint-status", "Values": ["creating"]},
        {"Name": "db-cluster-endpoint-custom-type", "Values": ["reader"]}])
    assert creating["DBClusterEndpoints"]
    assert all(e["Status"] == "creating" for e in creating["DBClusterEndpoints"])
    with pytest.raises(ClientError) as e:
        rds.describe_db_cluster_endpoints(Filters=[{"Name": "colour", "Values": ["x"]}])
    assert code(e) == "InvalidParameterValue"

"""One writer per endpoint across hosts: the rds plugin's DynamoDB lease
(plugins/rds/rds_lease.c, config `lock: {backend: dynamodb, ...}`) against
moto, with fixtures/fault_proxy.py holding RDS reads. Two "hosts" are two
plugin-call processes with different lock directories (their flocks never
meet), so only the lease can keep them apart:

  (a) without the lease, the slow-read race loses a member (the control);
      with it, 5 rounds of two adds whose first read is answered 1 s late
      lose none;
  (b) the holder killed -9 mid-hold: the other host proceeds once the
      lease expires (measured against lease_seconds);
  (c) fencing: a holder whose lease expired while its read was held and
      was taken by the other host fails with RDS.LockLost and never writes;
  (d) the table missing: RDS.LockFailed naming it, the endpoint untouched;
      a bad lock setting is refused naming the field;
  (e) renewal: a holder waiting longer than its lease (the endpoint
      `modifying` for 3.5 s, lease 3 s) keeps it: its item's expiry moves on,
      the other host waits until it is released.
"""
import os
import shutil
import signal
import tempfile
import time

import pytest

from fixtures import moto_server as ms
from fixtures.aurora_sim import aws_env
from fixtures.fault_proxy import FaultProxy
from fixtures.moto_server import endpoint_of, finish, plugin_call, wait_endpoint_available

CLUSTER = "lease-pg"
ENDPOINT = "lease-readers"
TABLE = "aurora-prewarm-locks"
NAMES = [f"reader-{i:02d}" for i in range(1, 21)]
LEASE = 3  # seconds; short so that expiry is measurable


def setup_aws(url):
    """The cluster, its endpoint and the lock table in a fresh moto."""
    rds = url.client("rds")
    rds.create_db_cluster(DBClusterIdentifier=CLUSTER, Engine="aurora-postgresql",
                          MasterUsername="postgres", MasterUserPassword="not-used-1")
    for name in ["writer-1"] + NAMES:
        rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier=CLUSTER,
                               Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    rds.create_db_cluster_endpoint(DBClusterIdentifier=CLUSTER,
                                   DBClusterEndpointIdentifier=ENDPOINT,
                                   EndpointType="READER", StaticMembers=[NAMES[0]])
    ddb = url.client("dynamodb")
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "LockKey", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "LockKey", "AttributeType": "S"}])
    return rds, ddb


@pytest.fixture(scope="module")
def env():
    url, proc, log = ms.start(endpoint_delay=0.5)
    saved = dict(os.environ)
    os.environ.update(aws_env(url))
    os.environ.pop("AWS_PROFILE", None)
    rds, ddb = setup_aws(url)
    proxy = FaultProxy(str(url), rds_client=rds).start()
    hosts = [dict(os.environ, AWS_ENDPOINT_URL=proxy.url,
                  PREWARM_LOCK_DIR=tempfile.mkdtemp(prefix=f"pw-host{h}-")) for h in (1, 2)]
    try:
        yield {"rds": rds, "ddb": ddb, "proxy": proxy, "hosts": hosts}
    finally:
        proxy.stop()
        ms.stop(proc, log)
        os.unlink(url.log_path)
        for h in hosts:
            shutil.rmtree(h["PREWARM_LOCK_DIR"], ignore_errors=True)
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def proxy(env):
    env["proxy"].clear()
    yield env["proxy"]
    env["proxy"].clear()


def lease(table=TABLE, seconds=LEASE):
    return {"lock": {"backend": "dynamodb", "table": table, "lease_seconds": seconds}}


def add(env, host, who, config, background=True):
    return plugin_call("rds", "AddStaticMember",
                       {"DBClusterEndpointIdentifier": ENDPOINT, "DBInstanceIdentifier": who},
                       background=background, env=env["hosts"][host], config=config)


def members(rds):
    return set(endpoint_of(rds, ENDPOINT)["StaticMembers"])


def wait_available(rds):
    wait_endpoint_available(rds, ENDPOINT)


def ok(rc, out, err):
    assert rc == 0, f"exit {rc}: {out} {err[-3000:]}"
    return out


def race(env, proxy, a, b, config):
    """Host 1 adds a, its endpoint read answered 1 s late; host 2 adds b
    0.2 s later."""
    wait_available(env["rds"])
    proxy.delay("DescribeDBClusterEndpoints", 1.0, times=1)
    pa = add(env, 0, a, config)
    time.sleep(0.2)
    pb = add(env, 1, b, config)
    return finish(pa), finish(pb)


def test_a_without_the_lease_two_hosts_lose_a_member(env, proxy):
    """The control: flock alone, two hosts (lock directories): the slow
    read's stale list overwrites the other host's member."""
    a, b = NAMES[1], NAMES[2]
    ra, rb = race(env, proxy, a, b, None)
    ok(*ra), ok(*rb)
    wait_available(env["rds"])
    assert not {a, b} <= members(env["rds"]), "the race did not happen"
    # Back to a known list for the next tests.
    env["rds"].modify_db_cluster_endpoint(DBClusterEndpointIdentifier=ENDPOINT,
                                          StaticMembers=[NAMES[0]])


def test_a_with_the_lease_two_hosts_lose_nothing(env, proxy):
    rds = env["rds"]
    for rnd in range(5):
        a, b = NAMES[3 + 2 * rnd], NAMES[4 + 2 * rnd]
        ra, rb = race(env, proxy, a, b, lease())
        assert ok(*ra)["Changed"] and ok(*rb)["Changed"]
        assert {a, b} <= members(rds), f"round {rnd}: {members(rds)}"
        assert "held by" in rb[2] or "held by" in ra[2]  # one waited on the lease
    for before, sent, _ in proxy.modifies:
        assert set(before) <= set(sent), (before, sent)
    # Released: nothing left in the table.
    assert env["ddb"].scan(TableName=TABLE)["Items"] == []


def test_b_a_killed_holder_frees_the_endpoint_after_its_lease(env, proxy):
    rds = env["rds"]
    wait_available(rds)
    holder, waiter = NAMES[14], NAMES[15]
    proxy.delay("DescribeDBClusterEndpoints", 2.0, times=1)
    t0 = time.monotonic()
    ph = add(env, 0, holder, lease())
    time.sleep(0.5)  # the holder has the lease and waits on its read
    pw = add(env, 1, waiter, lease())
    time.sleep(0.5)
    assert pw.poll() is None, "the other host did not wait for the lease"
    os.kill(ph.pid, signal.SIGKILL)
    t_kill = time.monotonic()
    ph.wait()
    rc, out, err = finish(pw)
    done = time.monotonic()
    ok(rc, out, err)
    # The lease ran out LEASE s after it was taken (~t0 + 0.1 s); then one
    # lease poll (<= 0.75 s), a round of calls and 0.5 s of `modifying`.
    waited, since_start = done - t_kill, done - t0
    print(f"killed holder: the other host finished {waited:.1f} s after the kill, "
          f"{since_start:.1f} s after the holder started (lease {LEASE} s)")
    assert since_start >= LEASE, "proceeded before the lease expired"
    assert waited < LEASE + 3.0, f"waited {waited:.1f} s after the kill"
    now = members(rds)
    assert waiter in now and holder not in now


def test_c_a_holder_that_lost_its_lease_never_writes(env, proxy):
    """The holder's read is held longer than its lease: the other host
    takes the lease and adds; the first one's fencing check then fails."""
    rds = env["rds"]
    wait_available(rds)
    slow, fast = NAMES[16], NAMES[17]
    proxy.delay("DescribeDBClusterEndpoints", LEASE + 2.0, times=1)
    ps = add(env, 0, slow, lease())
    time.sleep(0.5)
    pf = add(env, 1, fast, lease())
    rf = finish(pf)
    ok(*rf)
    rc, out, err = finish(ps)
    assert rc == 1 and out["Error"] == "RDS.LockLost", (out, err[-2000:])
    now = members(rds)
    assert fast in now and slow not in now
    # Every Modify that reached RDS came from the host holding the lease.
    assert all(slow not in sent for _, sent, _ in proxy.modifies), proxy.modifies


def test_d_a_missing_table_is_named_and_nothing_is_written(env, proxy):
    rds = env["rds"]
    wait_available(rds)
    before = members(rds)
    rc, out, err = add(env, 0, NAMES[18], lease(table="no-such-table"), background=False)
    assert rc == 1 and out["Error"] == "RDS.LockFailed", out
    assert "no-such-table" in out["Cause"] and "not found" in out["Cause"], out
    assert proxy.calls("ModifyDBClusterEndpoint") == 0
    assert members(rds) == before


@pytest.mark.parametrize("lock,field", [
    ({"backend": "zookeeper"}, "lock.backend"),
    ({"backend": "dynamodb"}, "lock.table"),
    ({"backend": "dynamodb", "table": TABLE, "lease_seconds": 1}, "lock.lease_seconds"),
    ({"backend": "dynamodb", "table": TABLE, "lease": 30}, "lock.lease"),
], ids=["backend", "no-table", "short-lease", "unknown-key"])
def test_d_bad_lock_settings_are_refused(env, lock, field):
    rc, out, _ = add(env, 0, NAMES[19], {"lock": lock}, background=False)
    assert rc == 1 and field in out["Cause"], out


def test_e_a_long_wait_keeps_the_lease(env):
    """The endpoint stays `modifying` 3.5 s after each Modify (a fresh
    moto), longer than the 3 s lease: the holder renews while it waits, so
    the other host never takes the lease from it."""
    url, proc, log = ms.start(endpoint_delay=LEASE + 0.5)
    try:
        rds, ddb = setup_aws(url)
        hosts = [dict(h, AWS_ENDPOINT_URL=str(url)) for h in env["hosts"]]
        first, second = NAMES[1], NAMES[2]
        t0 = time.time()
        pa = plugin_call("rds", "AddStaticMember", {"DBClusterEndpointIdentifier": ENDPOINT,
                                                    "DBInstanceIdentifier": first},
                         background=True, env=hosts[0], config=lease())
        time.sleep(0.5)
        pb = plugin_call("rds", "AddStaticMember", {"DBClusterEndpointIdentifier": ENDPOINT,
                                                    "DBInstanceIdentifier": second},
                         background=True, env=hosts[1], config=lease())
        time.sleep(LEASE + 0.5 - (time.time() - t0))  # past the first lease's end
        items = ddb.scan(TableName=TABLE, ConsistentRead=True)["Items"]
        assert len(items) == 1, items
        expires = int(items[0]["ExpiresMs"]["N"]) / 1000
        assert expires > time.time() + 0.5, f"not renewed: ends {expires - time.time():.1f} s from now"
        assert pa.poll() is None and pb.poll() is None
        ra, rb = finish(pa), finish(pb)
        assert ok(*ra)["Changed"] and ok(*rb)["Changed"]
        assert "RDS.LockLost" not in ra[2] + rb[2]
        assert "held by" in rb[2]
        assert {first, second} <= set(endpoint_of(rds, ENDPOINT)["StaticMembers"])
    finally:
        ms.stop(proc, log)
        os.unlink(url.log_path)

"""Endpoint membership under contention and faults: the rds plugin's
AddStaticMember / RemoveStaticMember (through tests/unit/plugin-call)
against moto playing RDS's real endpoint states (`modifying` for 0.5 s
after a Modify, InvalidDBClusterEndpointStateFault meanwhile), with
fixtures/fault_proxy.py between them:

  (a) a slow read: two concurrent adds, the first one's
      DescribeDBClusterEndpoints answered 1 s late: both members end up in;
  (b) every 2nd or every 3rd call failing, as 5xx after applying, as 5xx
      without applying, or as Throttling: an add and a removal each
      succeed within 60 s, no member lost, and no Modify ever dropped a
      member that was there (no stale list sent);
  (f) the lock: the holder killed -9 mid-change; the waiting process goes
      on at once (the kernel releases a dead process's flock).
The workflow scenarios (failover under throttling, RDS unreachable,
reconcile) are in test_endpoint_workflows.py.
"""
import os
import shutil
import signal
import tempfile
import time

import pytest

from fixtures import moto_server as ms
from fixtures.fault_proxy import FaultProxy
from fixtures.moto_server import endpoint_of, finish, plugin_call, wait_endpoint_available

CLUSTER = "members-pg"
ENDPOINT = "warm-readers"
NAMES = [f"reader-{i:02d}" for i in range(1, 31)]
MODIFYING_SECONDS = 0.5


@pytest.fixture(scope="module")
def env():
    url, proc, log = ms.start(endpoint_delay=MODIFYING_SECONDS)
    saved = dict(os.environ)
    os.environ.update({
        "AWS_ENDPOINT_URL": str(url), "AWS_ACCESS_KEY_ID": ms.ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": ms.SECRET_KEY, "AWS_SESSION_TOKEN": ms.SESSION_TOKEN,
        "AWS_REGION": ms.REGION, "AWS_DEFAULT_REGION": ms.REGION,
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    os.environ.pop("AWS_PROFILE", None)
    rds = url.client("rds")
    rds.create_db_cluster(DBClusterIdentifier=CLUSTER, Engine="aurora-postgresql",
                          MasterUsername="postgres", MasterUserPassword="not-used-1")
    for name in ["writer-1"] + NAMES:
        rds.create_db_instance(DBInstanceIdentifier=name, DBClusterIdentifier=CLUSTER,
                               Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    rds.create_db_cluster_endpoint(DBClusterIdentifier=CLUSTER,
                                   DBClusterEndpointIdentifier=ENDPOINT,
                                   EndpointType="READER", StaticMembers=["reader-01"])
    proxy = FaultProxy(str(url), rds_client=rds).start()
    env = dict(os.environ, AWS_ENDPOINT_URL=proxy.url,
               PREWARM_LOCK_DIR=tempfile.mkdtemp(prefix="pw-locks-"))
    try:
        yield {"rds": rds, "proxy": proxy, "env": env}
    finally:
        proxy.stop()
        ms.stop(proc, log)
        os.unlink(url.log_path)
        shutil.rmtree(env["PREWARM_LOCK_DIR"], ignore_errors=True)
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def proxy(env):
    env["proxy"].clear()
    yield env["proxy"]
    env["proxy"].clear()


def members(rds):
    return set(endpoint_of(rds, ENDPOINT)["StaticMembers"])


def wait_available(rds):
    wait_endpoint_available(rds, ENDPOINT)


def add(env, who, background=False, **extra):
    return plugin_call("rds", "AddStaticMember",
                       {"DBClusterEndpointIdentifier": ENDPOINT,
                        "DBInstanceIdentifier": who, **extra},
                       background=background, env=env["env"])


def ok(rc, out, err):
    assert rc == 0, f"exit {rc}: {out} {err[-3000:]}"
    return out


def no_stale_modify(proxy):
    """No Modify removed a member the endpoint held when it was sent."""
    assert proxy.modifies, "no Modify reached moto"
    for before, sent, _ in proxy.modifies:
        assert before is not None
        lost = set(before) - set(sent)
        assert not lost, f"a Modify sent {sent} over {before}: lost {lost}"


def test_a_slow_read_loses_no_member(env, proxy):
    """The issue's 3-of-3 loss: the first adder's read answered 1 s late
    while the second adds and verifies. With the endpoint lock the second
    waits for the first; both end up in, 3 rounds of 3."""
    rds = env["rds"]
    for rnd in range(3):
        a, b = NAMES[1 + 2 * rnd], NAMES[2 + 2 * rnd]
        proxy.delay("DescribeDBClusterEndpoints", 1.0, times=1)
        pa = add(env, a, background=True)
        time.sleep(0.2)  # a's (slow) read is under way
        pb = add(env, b, background=True)
        ra, rb = ok(*finish(pa)), ok(*finish(pb))
        assert ra["Changed"] and rb["Changed"]
        now = members(rds)
        assert {a, b, "reader-01"} <= now, f"round {rnd}: {now}"
        assert ra["IntentRecorded"] and rb["IntentRecorded"]
    no_stale_modify(proxy)


KINDS = {"5xx": "5xx-applied", "5xx-lost": "5xx-not-applied", "throttle": "throttle"}


@pytest.mark.parametrize("action", ["add", "remove"])
@pytest.mark.parametrize("n", [2, 3], ids=["every-2nd", "every-3rd"])
@pytest.mark.parametrize("kind", list(KINDS), ids=list(KINDS.values()))
def test_sustained_faults_do_not_defeat_a_change(env, proxy, kind, n, action):
    """Every 2nd / 3rd RDS call fails, applied or not: the change succeeds
    within 60 s, no member is lost, no Modify dropped a member that was
    there (beyond the one removed)."""
    rds = env["rds"]
    wait_available(rds)
    before = members(rds)
    free = [m for m in NAMES[10:26] if m not in before]
    who = free[0]
    if action == "remove":  # first put it in, without faults
        ok(*add(env, who))
        wait_available(rds)
        before = members(rds)
        proxy.clear()
    proxy.every_nth(n, kind)
    t0 = time.monotonic()
    if action == "add":
        out = ok(*add(env, who))
    else:
        out = ok(*plugin_call("rds", "RemoveStaticMember",
                              {"DBClusterEndpointIdentifier": ENDPOINT,
                               "DBInstanceIdentifier": who}, env=env["env"]))
    took = time.monotonic() - t0
    assert took < 60, f"took {took:.1f} s"
    assert out["Changed"]
    now = members(rds)
    want = before | {who} if action == "add" else before - {who}
    assert now == want, f"lost {want - now}, extra {now - want}"
    assert proxy.modifies, "no Modify reached moto"
    for b, sent, _ in proxy.modifies:
        assert set(b) - set(sent) <= ({who} if action == "remove" else set()), (b, sent)
    # Faults really hit the membership calls.
    assert proxy.calls("ModifyDBClusterEndpoint") >= 1
    assert proxy.seq >= 2 * n
    print(f"{kind} every {n}: {action} in {took:.1f} s, {proxy.seq} RDS calls")


def test_a_killed_lock_holder_frees_the_endpoint(env, proxy):
    """(f) The holder (its read held 5 s by the proxy) is killed -9; the
    waiting process proceeds at once: no lease to expire, the kernel drops
    a dead process's flock."""
    rds = env["rds"]
    wait_available(rds)
    holder, waiter = NAMES[26], NAMES[27]
    proxy.delay("DescribeDBClusterEndpoints", 5.0, times=1)
    ph = add(env, holder, background=True)
    time.sleep(0.5)  # the holder has the lock and waits on its read
    pw = add(env, waiter, background=True)
    time.sleep(1.0)
    assert pw.poll() is None, "the second process did not wait for the lock"
    os.kill(ph.pid, signal.SIGKILL)
    t_kill = time.monotonic()
    out = ok(*finish(pw))
    waited = time.monotonic() - t_kill
    ph.wait()
    # The waiter polls the lock every 100 ms; then a round of calls and
    # 0.5 s of `modifying`.
    assert waited < 4.0, f"waited {waited:.1f} s after the kill"
    assert out["Changed"]
    now = members(rds)
    assert waiter in now and holder not in now
    no_stale_modify(proxy)

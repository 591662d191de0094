"""Exclusion-list endpoints (no static member list): Aurora routes every
instance they do not exclude, so a new reader would join them on its own,
cold. The shipped workflows against the simulated cluster
(fixtures/aurora_sim.py; real PostgreSQL as the instances), with the moto
extension's routing view (moto_custom_endpoints.routed_members: which
instances an endpoint sends connections to, a Modify taking effect once
the endpoint is available again) polled while a workflow runs:

  (a) aurora-replica-prewarm excludes the new reader as soon as the event
      arrives (before it is available), warms it, then lifts the
      exclusion: it is never routed before the warm succeeded, and is
      afterwards; the static endpoint gets it as before; the same event
      again leaves it in service;
  (b) the warm phase fails (replica lag stays high): the reader stays
      excluded (tag "held"), one failure alert says so;
  (c) reconcile warms a reader whose exclusion aurora-prewarm placed and a
      dead execution forgot, and lifts it; an operator's own exclusion
      stays;
  (d) check-config says the cluster's reader endpoint cannot exclude.
"""
import datetime
import os
import time

import pytest

from fixtures.aurora_sim import (CLUSTER, ENDPOINT, READER, WRITER, AuroraSim,  # noqa: F401
                                 create_instance_event, execution_of, journal,
                                 seed_hot_table, sim_moto, wait_run)
from fixtures.moto_custom_endpoints import routed_members
from fixtures.moto_server import endpoint_of, plugin_call
from fixtures.pg_cluster import PgCluster

OPEN = "app-prod-open"          # exclusion-list endpoint, managed
NEW = "app-prod-reader-2"       # (a) warmed, then let in
LAGGY = "app-prod-laggy"        # (b) lag stays high: held out
FORGOT = "app-prod-forgot"      # (c) excluded by a dead execution
OPERATOR = "app-prod-reporting" # (c) excluded by an operator: stays out
TAG = "aurora-prewarm:exclusion:" + OPEN


@pytest.fixture(scope="module")
def pg():
    with PgCluster(standbys=2, shared_buffers="16MB") as c:
        seed_hot_table(c)
        yield c


@pytest.fixture(scope="module")
def sim(sim_moto, pg, tmp_path_factory):
    s = AuroraSim(sim_moto, tmp_path_factory.mktemp("sim"))
    s.create_cluster(pg.password)
    s.add_instance(OPERATOR)
    s.rds.create_db_cluster_endpoint(DBClusterIdentifier=CLUSTER, DBClusterEndpointIdentifier=OPEN,
                                     EndpointType="READER", ExcludedMembers=[OPERATOR])
    s.state = tmp_path_factory.mktemp("state")
    return s


def config(sim, pg, tmp_path):
    a, b = pg.standbys
    hosts = {READER: pg.primary, NEW: a, WRITER: b, LAGGY: a, FORGOT: b, OPERATOR: b}
    return sim.config(str(tmp_path / "prewarm.json"), hosts,
                      **{"clusters.%s.endpoints" % CLUSTER: ENDPOINT + "," + OPEN})


def endpoint(sim, name=OPEN):
    return endpoint_of(sim.rds, name)


def wait_for(pred, what, timeout=20):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def tag_of(sim, name):
    tags = sim.instance(name).get("TagList", [])
    return next((t["Value"] for t in tags if t["Key"] == TAG), None)


def stamp(event):
    return datetime.datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()


def test_a_new_reader_joins_an_exclusion_list_endpoint_only_warm(sim, pg, tmp_path):
    sim.add_instance(NEW, status="creating")
    sim.lag(NEW, [4.0, 6.5])
    event = create_instance_event(NEW, event_id="excl-happy")
    proc = sim.start("aurora-replica-prewarm.yaml", event, config(sim, pg, tmp_path), sim.state)
    # The exclusion is placed while the instance is still creating ...
    wait_for(lambda: NEW in endpoint(sim)["ExcludedMembers"] and endpoint(sim)["Status"] == "available",
             "the exclusion")
    assert tag_of(sim, NEW).startswith("excluded ")
    sim.set_available(NEW)  # ... so when it becomes available it is kept out.
    polls = []
    while proc.poll() is None:
        polls.append((time.time(), NEW in routed_members(sim.url, OPEN)))
        time.sleep(0.1)
    rc, out, err = wait_run(proc)
    assert rc == 0, (out, err)
    events = journal(sim.state, out["Execution"])
    (warmed,) = [e for e in events if e["type"] == "TaskSucceeded" and e.get("state") == "Warm"]
    routed_at = [t for t, routed in polls if routed]
    assert len(polls) >= 10, len(polls)  # ~0.1 s apart while it ran
    assert not routed_at or min(routed_at) > stamp(warmed), \
        f"routed {stamp(warmed) - min(routed_at):.2f} s before the warm finished"
    wait_for(lambda: NEW in routed_members(sim.url, OPEN), "the reader to be routed", timeout=5)
    assert NEW not in endpoint(sim)["ExcludedMembers"] and OPERATOR in endpoint(sim)["ExcludedMembers"]
    assert tag_of(sim, NEW).startswith("lifted ")
    assert NEW in sim.members()  # the static endpoint as before
    print(f"exclusion: {len(polls)} polls, first routed "
          f"{min(routed_at) - stamp(warmed) if routed_at else float('nan'):.2f} s after the warm")
    # The same event again (delivered twice): the reader stays in service.
    rc, out, err = sim.run("aurora-replica-prewarm.yaml", create_instance_event(NEW, event_id="excl-again"),
                           config(sim, pg, tmp_path), sim.state)
    assert rc == 0 and out["Status"] == "ignored", (out, err)
    assert NEW not in endpoint(sim)["ExcludedMembers"] and NEW in routed_members(sim.url, OPEN)


def test_b_a_failed_warm_keeps_the_reader_out_with_one_alert(sim, pg, tmp_path):
    sim.add_instance(LAGGY)
    sim.lag(LAGGY, [450.0, 900.0])
    rc, out, err = sim.run("aurora-replica-prewarm.yaml", create_instance_event(LAGGY),
                           config(sim, pg, tmp_path), sim.state)
    assert rc == 1 and out["Error"] == "Prewarm.ReplicaLagTimeout", out
    assert LAGGY in endpoint(sim)["ExcludedMembers"]
    wait_for(lambda: endpoint(sim)["Status"] == "available", "the endpoint")
    assert LAGGY not in routed_members(sim.url, OPEN)
    assert tag_of(sim, LAGGY).startswith("held ")
    notes = sim.notes(about="FAILED for " + LAGGY)
    assert len(notes) == 1, notes
    assert "stays excluded from the exclusion-list endpoint(s) " + OPEN in notes[0]["Message"]
    assert execution_of(out) in notes[0]["Message"]
    assert sim.notes(about=LAGGY, expect=0, timeout=1) == []  # one alert only
    sim.rds.delete_db_instance(DBInstanceIdentifier=LAGGY, SkipFinalSnapshot=True)


def test_c_reconcile_lifts_a_forgotten_exclusion_never_an_operators(sim, pg, tmp_path):
    sim.add_instance(FORGOT)
    # An execution excluded it (tag "excluded") and died before the warm.
    rc, out, err = plugin_call("rds", "AddExcludedMember", {
        "DBClusterEndpointIdentifier": OPEN, "DBInstanceIdentifier": FORGOT}, env=sim.env())
    assert rc == 0 and out["Changed"], (out, err)
    wait_for(lambda: endpoint(sim)["Status"] == "available", "the endpoint")
    assert FORGOT not in routed_members(sim.url, OPEN)
    rc, out, err = sim.run("reconcile.yaml", {}, config(sim, pg, tmp_path), sim.state)
    assert rc == 0, (out, err)
    ep = endpoint(sim)
    assert FORGOT not in ep["ExcludedMembers"] and OPERATOR in ep["ExcludedMembers"], ep
    assert tag_of(sim, FORGOT).startswith("lifted ")
    (summary,) = out["Clusters"]
    assert any(w["DBInstanceIdentifier"] == FORGOT for w in summary.get("Warmed", [])) or \
        FORGOT in str(summary), summary
    wait_for(lambda: FORGOT in routed_members(sim.url, OPEN), "the lifted reader", timeout=5)
    assert OPERATOR not in routed_members(sim.url, OPEN)
    # Again: nothing to lift, the operator's exclusion still holds.
    rc, out, err = sim.run("reconcile.yaml", {}, config(sim, pg, tmp_path), sim.state)
    assert rc == 0 and OPERATOR in endpoint(sim)["ExcludedMembers"], (out, err)


def test_d_check_config_says_the_reader_endpoint_cannot_exclude(sim, pg, tmp_path):
    rc, out, err = sim.run("check-config.yaml", {}, config(sim, pg, tmp_path), sim.state)
    assert rc == 0, (out, err)
    assert any("cluster-ro" in n and "cannot exclude" in n for n in out["Notes"]), out
    assert any(OPEN + " has no static member list" in n for n in out["Notes"]), out
    assert out["Warnings"] in ({}, [])


@pytest.mark.parametrize("action", ["AddExcludedMember", "RemoveExcludedMember"])
def test_e_a_static_endpoint_is_refused_or_skipped(sim, action):
    base = {"DBClusterEndpointIdentifier": ENDPOINT, "DBInstanceIdentifier": READER}
    rc, out, _ = plugin_call("rds", action, base, env=sim.env())
    assert rc == 1 and out["Error"] == "RDS.EndpointNotExclusionList", out
    rc, out, _ = plugin_call("rds", action, dict(base, IfExclusionList=True), env=sim.env())
    assert rc == 0 and out["Changed"] is False and "static" in out["Skipped"], out

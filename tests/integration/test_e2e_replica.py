"""End to end: the shipped workflows against a simulated Aurora cluster
(moto with the custom endpoint extension, fixtures/aurora_sim.py) whose
instances are real PostgreSQL servers (a primary as the in-service reader
to mirror, three pg_basebackup standbys as new readers and the former
writer). Each test checks what an operator sees: the endpoint's members,
the notification received through SNS -> SQS, and the execution journal.

test_workflow_runs.py already covers: other clusters/writers ignored, a
missing endpoint failing at PlanWarm, --dry-run, the warm's CloudWatch
metric, failover and reconcile membership. Here: the gaps.
  - happy path: held in `creating`, then warmed, hit ratio rises, and only
    then (journal order) in the endpoint; notified;
  - never `available`: bounded wait, notified, endpoint untouched;
  - replica lag stays high: bounded wait, notified, endpoint untouched;
  - the database refuses connections: the Warm is retried as the workflow
    says (with a 1 s first interval instead of 20 s), notified, endpoint
    untouched;
  - a wrong password in the secret (prewarm's role logs in with a SCRAM
    password, pg_hba.conf has no trust): Postgres.AuthFailed at once, not
    retried, notified, endpoint untouched, and neither password in stdout,
    stderr, the notification or any file of the state directory;
  - two replicas at the same moment (two concurrent `prewarm run`s): both
    warmed and both in the endpoint;
  - an event for another cluster: no AWS call, no notification; a duplicate
    event (--key): the first one's result, no second execution;
  - failover: notified with the changes, journal shows remove then warm+add.
"""
import json
import os
import socket
import time

import pytest
import yaml

from fixtures.aurora_sim import (CLUSTER, ENDPOINT, READER, WORKFLOWS, WRITER, AuroraSim,  # noqa: F401
                                 create_instance_event, execution_of, executions, journal,
                                 hot_buffers, load_event, seed_hot_table, sim_moto, wait_run)
from fixtures.pg_cluster import PgCluster

NEW = "app-prod-reader-2"


@pytest.fixture(scope="module")
def pg():
    with PgCluster(standbys=3, shared_buffers="16MB") as c:
        seed_hot_table(c)
        script = os.path.join(c.base, "read-hot.sql")
        with open(script, "w") as f:
            f.write("SELECT count(*) FROM hot;\n")
        os.chmod(script, 0o644)
        c.read_hot = script
        yield c


@pytest.fixture(scope="module")
def sim(sim_moto, pg, tmp_path_factory):
    s = AuroraSim(sim_moto, tmp_path_factory.mktemp("sim"))
    s.create_cluster(pg.password)
    s.state = tmp_path_factory.mktemp("state")
    return s


def closed_port():
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def config(sim, pg, tmp_path, **extra):
    a, b, c = pg.standbys
    hosts = {READER: pg.primary, NEW: a, WRITER: b,
             "app-prod-reader-3": b, "app-prod-reader-4": c, "app-prod-reader-5": b,
             "app-prod-stuck": a, "app-prod-laggy": a, "app-prod-badpass": a,
             "app-prod-refusing": "127.0.0.1:%d" % closed_port()}
    return sim.config(str(tmp_path / "prewarm.json"), hosts, **extra)


def read_hot(inst, script):
    """(misses, hit ratio) in shared buffers of one full read of the hot
    table (pg_stat_database, so catalog lookups count too)."""
    misses, hits = inst.pgbench(script, 1, seed=1)
    return misses, hits / (hits + misses)


def scheduled(events, resource):
    return [i for i, e in enumerate(events) if e["type"] == "TaskScheduled"
            and e.get("resource") == resource]


def state_events(events, kind, state):
    return [i for i, e in enumerate(events) if e["type"] == kind and e.get("state") == state]


def assert_untouched(sim, events, members_before):
    """The endpoint is as it was, and the journal shows no endpoint change
    was even attempted."""
    assert sim.members() == members_before
    for mutating in ("rds:AddStaticMember", "rds:RemoveStaticMember",
                     "rds:ModifyDBClusterEndpoint"):
        assert not scheduled(events, mutating), mutating


def assert_failed(sim, out, error, state, instance):
    """Failed with the original error; the failure notification arrived
    through SNS naming the state and the execution; the journal ends with
    ExecutionFailed of that error."""
    assert out["Error"] == error, out
    execution = execution_of(out)
    (note,) = sim.notes(about="FAILED for " + instance)
    assert "aurora-replica-prewarm" in note["Subject"]
    assert state in note["Message"] and execution in note["Message"], note
    events = journal(sim.state, execution)
    assert events[0]["type"] == "ExecutionStarted"
    assert events[-1]["type"] == "ExecutionFailed" and error in str(events[-1]), events[-1]
    assert state_events(events, "StateEntered", "NotifyFailure")
    return events


def test_a_new_reader_is_warmed_and_only_then_added(sim, pg, tmp_path):
    target = pg.standbys[0]
    target.restart()
    cold_misses, cold = read_hot(target, pg.read_hot)
    target.restart()  # a new instance starts with an empty cache
    sim.add_instance(NEW, status="creating")
    sim.lag(NEW, [4.0, 6.5])
    cfg = config(sim, pg, tmp_path)
    event = create_instance_event(NEW, event_id="e2e-happy")
    proc = sim.start("aurora-replica-prewarm.yaml", event, cfg, sim.state, "--key", event["id"])
    time.sleep(2.5)
    assert proc.poll() is None, "finished while the instance was still creating"
    assert sim.members() == [READER]
    sim.set_available(NEW)
    rc, out, err = wait_run(proc)
    assert rc == 0, (out, err)
    assert out["Status"] == "warmed" and out["Strategy"] == ["mirror"]
    assert out["Report"]["blocks_loaded"] > 300, out["Report"]
    assert sim.members() == sorted([READER, NEW])
    warm_misses, warm = read_hot(target, pg.read_hot)
    # Cold, every block of the table is a miss; warmed, (almost) none.
    assert cold_misses >= 500 and warm_misses * 20 < cold_misses, (cold_misses, warm_misses)
    assert warm > cold and warm > 0.95, (cold, warm)

    (note,) = sim.notes(about=NEW + " warmed and in service")
    assert "added to " + ENDPOINT in note["Message"] and out["Execution"] in note["Message"]
    assert "blocks" in note["Message"]

    events = journal(sim.state, out["Execution"])
    assert events[-1]["type"] == "ExecutionSucceeded"
    # It waited for `available` (more than one status check) ...
    assert len(scheduled(events, "rds:DescribeDBInstances")) >= 3
    # ... and the endpoint changed only after the warm succeeded.
    (warm_done,) = state_events(events, "TaskSucceeded", "Warm")
    (add,) = scheduled(events, "rds:AddStaticMember")
    assert warm_done < add
    assert not scheduled(events, "rds:ModifyDBClusterEndpoint")
    assert pg.password not in err + str(out)


def test_an_instance_that_never_becomes_available(sim, pg, tmp_path):
    name = "app-prod-stuck"
    sim.add_instance(name, status="creating")
    before = sim.members()
    cfg = config(sim, pg, tmp_path)
    start = time.monotonic()
    rc, out, err = sim.run("aurora-replica-prewarm.yaml", create_instance_event(name), cfg, sim.state)
    elapsed = time.monotonic() - start
    assert rc == 1
    # available_wait.max_wait_seconds is 6 in the config: bounded.
    assert 5 <= elapsed < 30, elapsed
    assert "still creating" in out["Cause"]
    events = assert_failed(sim, out, "Prewarm.AvailableTimeout", "CheckStatus", name)
    assert not scheduled(events, "postgres-warm:Warm")
    assert_untouched(sim, events, before)
    sim.rds.delete_db_instance(DBInstanceIdentifier=name, SkipFinalSnapshot=True)


def test_replica_lag_that_stays_high(sim, pg, tmp_path):
    name = "app-prod-laggy"
    sim.add_instance(name)
    sim.lag(name, [450.0, 900.0])
    before = sim.members()
    cfg = config(sim, pg, tmp_path)
    start = time.monotonic()
    rc, out, err = sim.run("aurora-replica-prewarm.yaml", create_instance_event(name), cfg, sim.state)
    elapsed = time.monotonic() - start
    assert rc == 1
    assert 5 <= elapsed < 30, elapsed  # lag.max_wait_seconds is 6
    events = assert_failed(sim, out, "Prewarm.ReplicaLagTimeout", "EvaluateLag", name)
    assert len(scheduled(events, "cloudwatch:GetMetricStatistics")) >= 2
    assert not scheduled(events, "postgres-warm:Warm")
    assert_untouched(sim, events, before)
    sim.rds.delete_db_instance(DBInstanceIdentifier=name, SkipFinalSnapshot=True)


def quick_retry_workflow(tmp_path):
    """aurora-replica-prewarm with one change: the Warm step's retry starts
    at 1 s instead of 20 s (20+40+80 s of waiting is the shipped policy;
    the retry count and everything else stay as shipped)."""
    with open(os.path.join(WORKFLOWS, "aurora-replica-prewarm.yaml")) as f:
        wf = yaml.safe_load(f)
    (retry,) = wf["States"]["Warm"]["Retry"]
    assert retry["ErrorEquals"] == ["Postgres.ConnectionFailed"] and retry["IntervalSeconds"] == 20
    retry["IntervalSeconds"] = 1
    path = tmp_path / "aurora-replica-prewarm.json"
    path.write_text(json.dumps(wf))
    os.symlink(os.path.join(WORKFLOWS, "steps"), str(tmp_path / "steps"))
    os.symlink(os.path.join(WORKFLOWS, "vars-check.lua"), str(tmp_path / "vars-check.lua"))
    return str(path), retry["MaxAttempts"]


def test_a_database_that_refuses_connections(sim, pg, tmp_path):
    name = "app-prod-refusing"
    sim.add_instance(name)
    sim.lag(name, [3.0, 2.0])
    before = sim.members()
    cfg = config(sim, pg, tmp_path)
    workflow, retries = quick_retry_workflow(tmp_path)
    rc, out, err = sim.run(workflow, create_instance_event(name), cfg, sim.state)
    assert rc == 1
    events = assert_failed(sim, out, "Postgres.ConnectionFailed", "Warm", name)
    # The workflow's Retry (MaxAttempts retries after the first attempt),
    # then the failure path.
    assert len(scheduled(events, "postgres-warm:Warm")) == 1 + retries
    assert "cannot connect" in out["Cause"]
    assert_untouched(sim, events, before)
    assert pg.password not in err + str(out)
    sim.rds.delete_db_instance(DBInstanceIdentifier=name, SkipFinalSnapshot=True)


def files_text(top):
    """Everything under a directory (journals, results, locks), as text."""
    out = []
    for d, _, names in os.walk(str(top)):
        for n in names:
            with open(os.path.join(d, n), "rb") as f:
                out.append(f.read().decode("utf-8", "replace"))
    return "\n".join(out)


def test_a_wrong_password_fails_authentication_and_never_shows(sim, pg, tmp_path):
    name = "app-prod-badpass"
    sim.add_instance(name)
    sim.lag(name, [3.0, 2.0])
    before = sim.members()
    wrong = "wrong-" + pg.password
    arn = sim.sm.create_secret(Name="app-prod/prewarm-badpass", SecretString=json.dumps(
        pg.secret(password=wrong)))["ARN"]
    cfg = config(sim, pg, tmp_path, **{"clusters.%s.database.secret_id" % CLUSTER: arn})
    rc, out, err = sim.run("aurora-replica-prewarm.yaml", create_instance_event(name), cfg,
                           sim.state)
    assert rc == 1
    assert out["Error"] == "Postgres.AuthFailed", out
    assert "password authentication failed" in out["Cause"], out
    (note,) = sim.notes(about="FAILED for " + name)
    events = journal(sim.state, execution_of(out))
    assert events[-1]["type"] == "ExecutionFailed" and "Postgres.AuthFailed" in str(events[-1])
    # A wrong password does not heal: one attempt, no retry.
    assert len(scheduled(events, "postgres-warm:Warm")) == 1
    assert_untouched(sim, events, before)
    everything = "\n".join([json.dumps(out), err, json.dumps(note), files_text(sim.state)])
    for secret in (wrong, pg.password):
        assert secret not in everything
    sim.rds.delete_db_instance(DBInstanceIdentifier=name, SkipFinalSnapshot=True)


def test_two_replicas_created_at_the_same_moment(sim, pg, tmp_path):
    names = ["app-prod-reader-3", "app-prod-reader-4"]
    targets = pg.standbys[1:]  # their hosts in config()
    # New instances start cold (streaming the seed had left the hot table
    # in these standbys' caches, and a warm skips what the target holds).
    for t in targets:
        t.restart()
        assert hot_buffers(t) < 10
    for n in names:
        sim.add_instance(n)
        sim.lag(n, [1.0, 2.0])
    before = sim.members()
    cfg = config(sim, pg, tmp_path)
    procs = [sim.start("aurora-replica-prewarm.yaml", create_instance_event(n), cfg, sim.state)
             for n in names]
    results = [wait_run(p) for p in procs]
    for (rc, out, err), n in zip(results, names):
        assert rc == 0 and out["Status"] == "warmed" and out["DBInstanceIdentifier"] == n, (out, err)
        assert out["Report"]["blocks_loaded"] > 300
        (note,) = sim.notes(about=n + " warmed and in service")
        assert out["Execution"] in note["Message"]
        events = journal(sim.state, out["Execution"])
        assert events[-1]["type"] == "ExecutionSucceeded"
        (add,) = state_events(events, "TaskSucceeded", "AddStaticMember")
        assert n in events[add]["output"]["StaticMembers"]
    assert sim.members() == sorted(before + names)
    for t in targets:
        assert hot_buffers(t) > 300  # of about 500 pages


def test_another_clusters_event_and_a_duplicate_event(sim, pg, tmp_path):
    cfg = config(sim, pg, tmp_path)
    before = sim.members()
    # Another cluster: ignored before any AWS call, nothing sent.
    rc, out, _ = sim.run("aurora-replica-prewarm.yaml",
                         create_instance_event("billing-reader-7", cluster="billing"), cfg, sim.state)
    assert rc == 0 and out["Status"] == "ignored" and "billing" in out["Reason"]
    events = journal(sim.state, out["Execution"])
    assert events[-1]["type"] == "ExecutionSucceeded"
    assert not [e for e in events if e["type"] == "TaskScheduled"
                and not e["resource"].startswith("lua:")]
    assert sim.notes(about="billing-reader-7", timeout=2) == []
    assert sim.members() == before

    # The same event delivered twice (SQS is at-least-once): one execution.
    name = "app-prod-reader-5"
    sim.add_instance(name)
    sim.lag(name, [1.0, 1.0])
    event = create_instance_event(name, event_id="e2e-duplicate")
    rc1, first, err = sim.run("aurora-replica-prewarm.yaml", event, cfg, sim.state, "--key", event["id"])
    assert rc1 == 0 and first["Status"] == "warmed", (first, err)
    count = len(executions(sim.state))
    rc2, second, _ = sim.run("aurora-replica-prewarm.yaml", event, cfg, sim.state, "--key", event["id"])
    assert rc2 == 0 and second == first
    assert len(executions(sim.state)) == count
    assert len(sim.notes(about=name + " warmed", expect=2, timeout=3)) == 1
    assert sim.members() == sorted(before + [name])
    events = journal(sim.state, first["Execution"])
    assert len([e for e in events if e["type"] == "ExecutionStarted"]) == 1


def test_failover_moves_the_new_writer_out_and_the_former_writer_in(sim, pg, tmp_path):
    before = sim.members()
    assert NEW in before and WRITER not in before
    sim.rds.failover_db_cluster(DBClusterIdentifier=CLUSTER, TargetDBInstanceIdentifier=NEW)
    assert sim.writer() == NEW
    cfg = config(sim, pg, tmp_path)
    event = load_event("rds-event-0071.json", Message="Completed failover to DB instance: " + NEW)
    rc, out, err = sim.run("aurora-failover-adjust.yaml", event, cfg, sim.state)
    assert rc == 0, (out, err)
    assert sim.members() == sorted(set(before) - {NEW} | {WRITER})
    (note,) = sim.notes(about="adjusted endpoints of " + CLUSTER)
    assert NEW in note["Message"] and WRITER in note["Message"]
    assert out["Execution"] in note["Message"]
    events = journal(sim.state, out["Execution"])
    assert events[-1]["type"] == "ExecutionSucceeded"
    removes = scheduled(events, "rds:RemoveStaticMember")
    adds = scheduled(events, "rds:AddStaticMember")
    warms = scheduled(events, "postgres-warm:Warm")
    assert [events[i]["parameters"]["DBInstanceIdentifier"] for i in removes] == [NEW]
    assert [events[i]["parameters"]["DBInstanceIdentifier"] for i in adds] == [WRITER]
    # The former writer joins only after its warm.
    assert len(warms) == 1 and warms[0] < adds[0]
    assert max(state_events(events, "TaskSucceeded", "Warm")) < adds[0]

"""Step Functions mode (engine/SFN.md): the shipped aurora-replica-prewarm
exported with `prewarm export --to stepfunctions`, run by moto's ASL
interpreter (execute_state_machine, with fixtures/moto_sfn_activities.py's
activities) with two `prewarm worker` processes as its fleet, against the
simulated Aurora cluster (fixtures/aurora_sim.py) whose instances are real
PostgreSQL servers (prewarm's least-privilege role, SCRAM password).

  - a CreateDBInstance event: the reader is warmed and added to the
    endpoint; the worker holding the Warm task is killed with SIGKILL
    (its database connection held back by a relay, so the kill lands
    mid-step): the heartbeat times out, the exported Retry hands the task
    to the other worker, the execution succeeds, the endpoint changed once;
    the password appears in no spelling in the whole execution history,
    the definition or the workers' logs;
  - an event for a missing instance fails with the same error and cause as
    `prewarm run` of the same event;
  - every shipped workflow's export passes moto's
    ValidateStateMachineDefinition and the asl-validator npm package;
  - $$.Vars outside a worker Task is refused at its line:column by export
    and validate --target stepfunctions;
  - SIGTERM: an idle worker exits 0 at once; one in a task that outlives
    --drain-seconds hands it back (Prewarm.WorkerStopped), and the exported
    Retry gives it to another worker;
  - worker setup errors (bad flags, workflow, activity) exit 2.
"""
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request

import pytest

# moto's long poll, short: a worker killed while polling leaves its request
# behind in moto, which would take the next task for nobody for 60 s.
os.environ["PW_MOTO_ACTIVITY_POLL_SECONDS"] = "2"

from fixtures.aurora_sim import (READER, WORKFLOWS, WRITER, AuroraSim,  # noqa: E402,F401
                                 create_instance_event, seed_hot_table, sim_moto)
from fixtures.pg_cluster import PgCluster  # noqa: E402
from fixtures.secret_spellings import leaks  # noqa: E402

NEW = "app-prod-reader-2"
WF = os.path.join(WORKFLOWS, "aurora-replica-prewarm.yaml")
PREWARM = os.environ.get("PREWARM", os.path.join(os.getcwd(), "prewarm"))
ROLE = "arn:aws:iam::123456789012:role/prewarm-sfn"
SECRET_VAR = "tok-NeverInTheDefinition-42"


class Relay:
    """A TCP relay to a PostgreSQL server that accepts connections but
    forwards nothing while held: a step that connects through it is stuck
    mid-step until release()."""

    def __init__(self, port):
        self.target = port
        self.go = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        self.go.wait()
        try:
            u = socket.create_connection(("127.0.0.1", self.target))
        except OSError:
            c.close()
            return
        for a, b in ((c, u), (u, c)):
            threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                b.sendall(d)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def release(self):
        self.go.set()

    def close(self):
        self.go.set()
        self.sock.close()


@pytest.fixture(scope="module")
def pg():
    with PgCluster(standbys=2, shared_buffers="16MB") as c:
        seed_hot_table(c)
        yield c


@pytest.fixture(scope="module")
def sfn(sim_moto):
    req = urllib.request.Request(
        sim_moto + "/moto-api/config", method="POST",
        data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode())
    urllib.request.urlopen(req, timeout=10).read()
    client = sim_moto.client("stepfunctions")
    client.activity = client.create_activity(name="prewarm")["activityArn"]
    return client


@pytest.fixture(scope="module")
def relay(pg):
    r = Relay(pg.standbys[0].port)
    yield r
    r.close()


@pytest.fixture(scope="module")
def sim(sim_moto, pg, tmp_path_factory):
    s = AuroraSim(sim_moto, tmp_path_factory.mktemp("sim"))
    s.create_cluster(pg.password)
    s.state = tmp_path_factory.mktemp("state")
    return s


@pytest.fixture(scope="module")
def cfg(sim, pg, relay, tmp_path_factory):
    hosts = {READER: pg.primary, NEW: "127.0.0.1:%d" % relay.port, WRITER: pg.standbys[1]}
    return sim.config(str(tmp_path_factory.mktemp("cfg") / "prewarm.json"), hosts)


def export(path, arn, *args, env=None):
    return subprocess.run([PREWARM, "export", path, "--to", "stepfunctions", "--activity-arn",
                           arn] + list(args), capture_output=True, text=True, env=env, timeout=60)


@pytest.fixture(scope="module")
def machine(sfn, sim, cfg):
    p = export(WF, sfn.activity, "--config", cfg, "--heartbeat-seconds", "5", env=sim.env())
    assert p.returncode == 0, p.stderr
    arn = sfn.create_state_machine(name="aurora-replica-prewarm", definition=p.stdout,
                                   roleArn=ROLE)["stateMachineArn"]
    return {"arn": arn, "definition": p.stdout}


class Workers:
    def __init__(self, sim, sfn, cfg, tmp_path):
        self.sim, self.sfn, self.cfg, self.tmp = sim, sfn, cfg, tmp_path
        self.procs = {}

    def start(self, name, *args):
        log = open(self.tmp / (name + ".log"), "w")
        self.procs[name] = (subprocess.Popen(
            [PREWARM, "worker", WF, "--activity-arn", self.sfn.activity, "--config", self.cfg,
             "--name", name, "--log-format", "json"] + list(args),
            stdout=log, stderr=subprocess.STDOUT, env=self.sim.env()), log)

    def logs(self):
        return {n: open(self.tmp / (n + ".log"), "rb").read() for n in self.procs}

    def stop(self):
        for p, log in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p, log in self.procs.values():
            p.wait(timeout=30)
            log.close()


@pytest.fixture
def workers(sim, sfn, cfg, tmp_path):
    w = Workers(sim, sfn, cfg, tmp_path)
    yield w
    w.stop()


def history(sfn, execution):
    events, token = [], None
    while True:
        kw = {"nextToken": token} if token else {}
        r = sfn.get_execution_history(executionArn=execution, maxResults=1000, **kw)
        events += r["events"]
        token = r.get("nextToken")
        if not token:
            return events


def activities(events):
    """[(state, worker name or None, outcome event type)] of each activity
    task, in order."""
    out = []
    for e in events:
        t = e["type"]
        if t == "ActivityScheduled":
            out.append([json.loads(e["activityScheduledEventDetails"]["input"])["State"], None, None])
        elif t == "ActivityStarted":
            out[-1][1] = e["activityStartedEventDetails"].get("workerName")
        elif t in ("ActivitySucceeded", "ActivityFailed", "ActivityTimedOut"):
            out[-1][2] = t
    return [tuple(a) for a in out]


def wait_done(sfn, execution, timeout=180):
    end = time.time() + timeout
    while time.time() < end:
        r = sfn.describe_execution(executionArn=execution)
        if r["status"] != "RUNNING":
            return r
        time.sleep(0.2)
    raise AssertionError("execution still running after %d s" % timeout)


def wait_started(sfn, execution, state, timeout=90):
    """The worker name that took `state`'s task."""
    end = time.time() + timeout
    while time.time() < end:
        for s, worker, _ in activities(history(sfn, execution)):
            if s == state and worker:
                return worker
        time.sleep(0.05)
    r = sfn.describe_execution(executionArn=execution)
    raise AssertionError("no worker took %s within %d s: %s %s %s; %s" % (
        state, timeout, r["status"], r.get("error"), r.get("cause"),
        activities(history(sfn, execution))))


def test_a_new_reader_is_warmed_by_the_fleet_and_survives_a_killed_worker(
        sim, sfn, machine, workers, relay, pg):
    sim.add_instance(NEW)
    sim.lag(NEW, [4.0, 6.5])
    assert sim.members() == [READER]
    workers.start("w1")
    workers.start("w2")
    event = create_instance_event(NEW, event_id="sfn-happy")
    execution = sfn.start_execution(stateMachineArn=machine["arn"], name="sfn-happy",
                                    input=json.dumps(event))["executionArn"]
    holder = wait_started(sfn, execution, "Warm")
    p, _ = workers.procs[holder]
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=10)
    relay.release()
    r = wait_done(sfn, execution)
    assert r["status"] == "SUCCEEDED", (r.get("error"), r.get("cause"))
    out = json.loads(r["output"])
    assert out["Status"] == "warmed" and out["Strategy"] == ["mirror"], out
    assert out["Report"]["blocks_loaded"] > 300, out["Report"]
    assert sim.members() == sorted([READER, NEW])
    events = history(sfn, execution)
    acts = activities(events)
    warm = [a for a in acts if a[0] == "Warm"]
    other = "w2" if holder == "w1" else "w1"
    # The heartbeat stopped with the killed worker; the Retry the export
    # added gave the task to the other one.
    assert warm == [("Warm", holder, "ActivityTimedOut"), ("Warm", other, "ActivitySucceeded")], acts
    timed_out = [e for e in events if e["type"] == "ActivityTimedOut"]
    assert timed_out[0]["activityTimedOutEventDetails"]["error"] == "States.HeartbeatTimeout"
    # The endpoint changed once: one AddStaticMember, no rollback.
    assert [a for a in acts if a[0] in ("AddStaticMember", "RemoveStaticMember")] == [
        ("AddStaticMember", other, "ActivitySucceeded")], acts
    # The credentials crossed Step Functions only as a recipe.
    assert "Prewarm.SecretRef" in json.dumps(events, default=str)
    texts = {"history": json.dumps(events, default=str).encode(), "output": r["output"].encode(),
             "definition": machine["definition"].encode()}
    texts.update({"log " + k: v for k, v in workers.logs().items()})
    assert leaks(pg.password, texts) == []


def normalized(text, *ids):
    for i in ids:
        text = text.replace(i, "EXECUTION")
    return text


def test_a_missing_instance_fails_as_prewarm_run_does(sim, sfn, machine, workers, cfg):
    workers.start("w3")
    event = create_instance_event("app-prod-missing", event_id="sfn-missing")
    execution = sfn.start_execution(stateMachineArn=machine["arn"], name="sfn-missing",
                                    input=json.dumps(event))["executionArn"]
    r = wait_done(sfn, execution)
    assert r["status"] == "FAILED"
    rc, local, err = sim.run("aurora-replica-prewarm.yaml", event, cfg, sim.state)
    assert rc == 1, err
    local_id = local["Cause"].rsplit("(execution ", 1)[1].rstrip(")")
    assert r["error"] == local["Error"] == "RDS.DBInstanceNotFound", (r, local)
    assert normalized(r["cause"], execution) == normalized(local["Cause"], local_id), (r, local)
    assert sim.members() == sorted([READER, NEW])


def shipped():
    paths = sorted(glob.glob(os.path.join(WORKFLOWS, "*.yaml")))
    paths.append(os.path.join(WORKFLOWS, "examples", "hello.yaml"))
    return paths


ASL_VALIDATOR = "asl-validator@4.0.0"  # the version tests/setup-venv.sh installs


def asl_validator():
    """tests/setup-venv.sh's copy in the venv, $PW_ASL_VALIDATOR, PATH; else
    npm installs it once into the build tree (a venv made before it was
    added has none)."""
    cache = os.path.join(os.environ.get("PW_TOP_BUILDDIR", os.getcwd()), "tests", ".npm")
    candidates = (os.environ.get("PW_ASL_VALIDATOR"),
                  os.path.join(os.environ.get("PREWARM_VENV", ""), "node_modules", ".bin",
                               "asl-validator"),
                  shutil.which("asl-validator"),
                  os.path.join(cache, "node_modules", ".bin", "asl-validator"))
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    npm = shutil.which("npm")
    assert npm, "asl-validator not found and no npm: run contrib/dev/install-deps.sh"
    subprocess.run([npm, "install", "--prefix", cache, "--no-audit", "--no-fund", "--silent",
                    ASL_VALIDATOR], check=True, timeout=300, capture_output=True)
    return candidates[-1]


def test_every_shipped_workflow_exports_to_a_valid_definition(sfn, sim, cfg, tmp_path):
    validator = asl_validator()
    # A secret var (by its name) stays with the workers.
    with open(cfg) as f:
        doc = json.load(f)
    doc["vars"]["test.api_token"] = SECRET_VAR
    cfg2 = tmp_path / "secret-var.json"
    cfg2.write_text(json.dumps(doc))
    for path in shipped():
        p = export(path, sfn.activity, "--config", str(cfg2), env=sim.env())
        assert p.returncode == 0, (path, p.stderr)
        assert "clusters.app-prod.endpoints" in p.stdout or "check-config" not in path
        assert SECRET_VAR not in p.stdout and "test.api_token" not in p.stdout
        r = sfn.validate_state_machine_definition(definition=p.stdout, type="STANDARD")
        assert r["result"] == "OK", (path, r["diagnostics"])
        v = subprocess.run([validator, "--json-definition", p.stdout], capture_output=True,
                           text=True, timeout=60)
        assert v.returncode == 0, (path, v.stdout, v.stderr)
        d = json.loads(p.stdout)
        # What Step Functions runs itself stays; what it cannot goes to the worker.
        for name, st in d["States"].items():
            if st["Type"] == "Task":
                assert st["Resource"] == sfn.activity and st["HeartbeatSeconds"] >= 1, name
                assert st["Retry"][0]["ErrorEquals"] == ["States.HeartbeatTimeout",
                                                        "Prewarm.WorkerStopped"], name
    # An aws-sdk Task stays native; a broken definition is reported.
    wf = tmp_path / "native.yaml"
    wf.write_text("StartAt: D\nStates:\n  D:\n    Type: Task\n"
                  "    Resource: arn:aws:states:::aws-sdk:rds:describeDBInstances\n"
                  "    Parameters: {DbInstanceIdentifier: x}\n    End: true\n")
    p = export(str(wf), sfn.activity, env=sim.env())
    assert p.returncode == 0, p.stderr
    st = json.loads(p.stdout)["States"]["D"]
    assert st == {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:rds:describeDBInstances",
                  "Parameters": {"DbInstanceIdentifier": "x"}, "End": True}
    bad = sfn.validate_state_machine_definition(definition='{"StartAt": "X", "States": {}}')
    assert bad["result"] == "FAIL"


def test_what_step_functions_cannot_run_is_refused_at_its_line(sim, tmp_path):
    wf = tmp_path / "vars.yaml"
    wf.write_text("StartAt: A\nStates:\n  A:\n    Type: Pass\n    Parameters:\n"
                  "      cluster.$: $$.Vars.cluster\n    Next: B\n"
                  "  B:\n    Type: Task\n    Resource: lua:b.lua\n    Parameters:\n"
                  "      ok.$: $$.Vars.cluster\n"
                  "      bad.$: States.Format('{}', $$.Vars.cluster)\n    End: true\n")
    (tmp_path / "b.lua").write_text("return ...\n")
    arn = "arn:aws:states:us-east-1:123456789012:activity:prewarm"
    p = export(str(wf), arn, env=sim.env())
    assert p.returncode == 2 and p.stdout == ""
    assert "vars.yaml:6:7: state 'A': Step Functions has no $$.Vars" in p.stderr, p.stderr
    assert "vars.yaml:13:7: state 'B'" in p.stderr, p.stderr
    v = subprocess.run([PREWARM, "validate", "--target", "stepfunctions", str(wf)],
                       capture_output=True, text=True, env=sim.env(), timeout=60)
    assert v.returncode == 2 and "vars.yaml:6:7" in v.stderr, v.stderr
    # Without the target the engine runs it: valid.
    v = subprocess.run([PREWARM, "validate", str(wf)], capture_output=True, text=True,
                       env=sim.env(), timeout=60)
    assert v.returncode == 0, v.stderr
    u = export(str(wf), "not-an-arn", env=sim.env())
    assert u.returncode == 2 and "not an activity ARN" in u.stderr


def test_sigterm_idle_exits_at_once_and_a_stuck_task_is_handed_back(
        sim, sfn, workers, pg, tmp_path, sim_moto):
    # Idle (two pollers): exit 0 within a second, though moto holds each poll for 2 s.
    workers.start("idle", "--concurrency", "2")
    p, _ = workers.procs["idle"]
    time.sleep(1.0)
    t0 = time.time()
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=10) == 0 and time.time() - t0 < 1.0
    # Its dropped polls stay open in moto until their long poll ends and
    # would take the next task (which a heartbeat timeout then recovers,
    # engine/SFN.md); not what this test is about.
    time.sleep(float(os.environ["PW_MOTO_ACTIVITY_POLL_SECONDS"]) + 0.5)
    # A task that outlives --drain-seconds: a Warm held by a relay.
    held = Relay(pg.standbys[0].port)
    w = None
    try:
        wf = tmp_path / "hold.yaml"
        wf.write_text("StartAt: Warm\nStates:\n  Warm:\n    Type: Task\n"
                      "    Resource: postgres-warm:Warm\n    TimeoutSeconds: 120\n"
                      "    Parameters:\n      target: 'host=127.0.0.1 port=%d dbname=postgres "
                      "user=x connect_timeout=60'\n      strategy: relations\n      relations: [hot]\n    End: true\n"
                      % held.port)
        d = export(str(wf), sfn.activity, "--heartbeat-seconds", "30", env=sim.env())
        assert d.returncode == 0, d.stderr
        arn = sfn.create_state_machine(name="hold", definition=d.stdout,
                                       roleArn=ROLE)["stateMachineArn"]
        log = open(tmp_path / "drain.log", "w")
        w = subprocess.Popen([PREWARM, "worker", str(wf), "--activity-arn", sfn.activity,
                              "--name", "drain", "--drain-seconds", "1"], stdout=log,
                             stderr=subprocess.STDOUT, env=sim.env())
        ex = sfn.start_execution(stateMachineArn=arn, name="hold")["executionArn"]
        assert wait_started(sfn, ex, "Warm") == "drain"
        t0 = time.time()
        w.send_signal(signal.SIGTERM)
        assert w.wait(timeout=20) == 0
        assert 0.9 < time.time() - t0 < 10
        log.close()
        end = time.time() + 10
        while len(activities(history(sfn, ex))) < 2 and time.time() < end:
            time.sleep(0.1)
        acts = activities(history(sfn, ex))
        assert acts[0] == ("Warm", "drain", "ActivityFailed"), acts
        failed = [e for e in history(sfn, ex) if e["type"] == "ActivityFailed"][0]
        assert failed["activityFailedEventDetails"]["error"] == "Prewarm.WorkerStopped"
        # The exported Retry scheduled it again for the next worker.
        assert len(acts) == 2 and acts[1][0] == "Warm", acts
        sfn.stop_execution(executionArn=ex)
    finally:
        if w is not None and w.poll() is None:
            w.kill()
            w.wait()
        held.close()


def test_worker_setup_errors_exit_2_before_polling(sim, sfn, tmp_path):
    def worker(*args):
        return subprocess.run([PREWARM, "worker"] + list(args), capture_output=True, text=True,
                              env=sim.env(), timeout=60)
    p = worker(WF)
    assert p.returncode == 2 and "--activity-arn" in p.stderr
    p = worker(WF, "--activity-arn", "arn:aws:states:us-east-1:1:stateMachine:x")
    assert p.returncode == 2
    p = worker(str(tmp_path / "missing.yaml"), "--activity-arn", sfn.activity)
    assert p.returncode == 2 and "missing.yaml" in p.stderr
    p = worker(WF, "--activity-arn", sfn.activity, "--concurrency", "0")
    assert p.returncode == 2 and "--concurrency expects an integer from 1 to 256" in p.stderr
    # An activity Step Functions does not know: stops at the first poll.
    gone = sfn.activity.rsplit(":", 1)[0] + ":no-such-activity"
    p = worker(WF, "--activity-arn", gone, "--log-format", "json")
    assert p.returncode == 2 and "ActivityDoesNotExist" in p.stderr, p.stderr

#!/usr/bin/env python3
"""sfn-bench.py - Step Functions mode (engine/SFN.md) against moto.

    PREWARM_VENV=... tests/bench/sfn-bench.py      (from a build dir, or set
                                                  PW_TOP_BUILDDIR / PW_TOP_SRCDIR)

Runs a workflow of K no-op Tasks (a `lua:` step returning its input),
exported with `prewarm export --to stepfunctions`, on moto's interpreter
(fixtures/moto_sfn_activities.py) with one `prewarm worker`:
  1. throughput: M executions at once, one worker (concurrency 1): tasks
     per second the worker sustains;
  2. latency: one execution alone: seconds per Task;
  3. the same workflow with `prewarm run --no-journal`: seconds per Task;
and prints the added latency per Task of Step Functions mode (2 - 3).
K, M: $SFN_BENCH_TASKS (default 40), $SFN_BENCH_EXECUTIONS (default 8).
engine/SFN.md records a run.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

SRC = os.environ.get("PW_TOP_SRCDIR", os.path.abspath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")))
BUILD = os.environ.get("PW_TOP_BUILDDIR", os.getcwd())
PREWARM = os.environ.get("PREWARM", os.path.join(BUILD, "prewarm"))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
os.environ.setdefault("PW_MOTO_ACTIVITY_POLL_SECONDS", "2")

from fixtures.aurora_sim import aws_env, start_moto, stop_moto  # noqa: E402

K = int(os.environ.get("SFN_BENCH_TASKS", "40"))
M = int(os.environ.get("SFN_BENCH_EXECUTIONS", "8"))


def workflow(d):
    states = {}
    for i in range(K):
        states["T%d" % i] = {"Type": "Task", "Resource": "lua:noop.lua", "TimeoutSeconds": 30}
        states["T%d" % i].update({"Next": "T%d" % (i + 1)} if i + 1 < K else {"End": True})
    with open(os.path.join(d, "noop.lua"), "w") as f:
        f.write("return ...\n")
    path = os.path.join(d, "bench.json")
    with open(path, "w") as f:
        json.dump({"StartAt": "T0", "States": states}, f)
    return path


def run_all(sfn, machine, n, tag):
    t0 = time.monotonic()
    arns = [sfn.start_execution(stateMachineArn=machine, name="%s-%d" % (tag, i),
                                input='{"x": 1}')["executionArn"] for i in range(n)]
    for a in arns:
        while True:
            r = sfn.describe_execution(executionArn=a)
            if r["status"] != "RUNNING":
                assert r["status"] == "SUCCEEDED", r
                break
            time.sleep(0.02)
    return time.monotonic() - t0


def main():
    work = tempfile.mkdtemp(prefix="sfn-bench-")
    wf = workflow(work)
    url, proc, log = start_moto()
    worker = None
    try:
        req = urllib.request.Request(
            url + "/moto-api/config", method="POST",
            data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode())
        urllib.request.urlopen(req, timeout=10).read()
        sfn = url.client("stepfunctions")
        act = sfn.create_activity(name="bench")["activityArn"]
        env = dict(os.environ)
        env.update(aws_env(url))
        d = subprocess.run([PREWARM, "export", wf, "--to", "stepfunctions", "--activity-arn", act],
                           capture_output=True, text=True, env=env, check=True).stdout
        machine = sfn.create_state_machine(name="bench", definition=d,
                                           roleArn="arn:aws:iam::123456789012:role/b")["stateMachineArn"]
        worker = subprocess.Popen([PREWARM, "worker", wf, "--activity-arn", act,
                                   "--log-level", "warn"], env=env)
        run_all(sfn, machine, 1, "warm-up")
        many = run_all(sfn, machine, M, "many")
        one = run_all(sfn, machine, 1, "one")
        t0 = time.monotonic()
        for _ in range(3):
            subprocess.run([PREWARM, "run", wf, "--no-journal", "--log-level", "warn"], env=env,
                           check=True, capture_output=True)
        local = (time.monotonic() - t0) / 3
        print("tasks per execution: %d, executions at once: %d, one worker" % (K, M))
        print("throughput, one worker:            %.1f tasks/s" % (M * K / many))
        print("latency per Task, Step Functions:  %.1f ms" % (one / K * 1000))
        print("latency per Task, prewarm run:     %.2f ms (whole process / %d)" % (local / K * 1000, K))
        print("added latency per Task:            %.1f ms" % ((one - local) / K * 1000))
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait()
        stop_moto(proc, log)


if __name__ == "__main__":
    main()

"""Map items run concurrently in the real `prewarm` process: SIGKILL in
the middle of a Map, then `prewarm resume` runs no finished item's
mutating Task again (the journal says which item each event belongs to);
SIGTERM stops every running item at once, resumably."""
import json
import signal
import time

from fixtures.prewarm_cli import cli, one_json_line  # noqa: F401

# Six items, three at a time. Each item: a mutating Bump, then a Nap (a
# thread-safe sleep) as long as the item says. Items 4 and 5 nap for long.
FLOW = {
    "StartAt": "M",
    "States": {
        "M": {
            "Type": "Map", "ItemsPath": "$.naps", "MaxConcurrency": 3,
            "ItemSelector": {"Name.$": "States.Format('m{}', $$.Map.Item.Index)",
                             "Ms.$": "$$.Map.Item.Value"},
            "ItemProcessor": {"StartAt": "B", "States": {
                "B": {"Type": "Task", "Resource": "counter:Bump",
                      "Parameters": {"Name.$": "$.Name"}, "ResultPath": "$.bump",
                      "Next": "N"},
                "N": {"Type": "Task", "Resource": "counter:Nap",
                      "Parameters": {"Name.$": "$.Name", "Ms.$": "$.Ms"},
                      "ResultSelector": {"n.$": "$.Napped"}, "OutputPath": "$.n", "End": True},
            }},
            "End": True,
        },
    },
}
NAPS = [50, 50, 50, 50, 4000, 4000]
EXPECTED = [f"m{i}" for i in range(6)]


def wait_for_calls(cli, proc, lines, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        calls = cli.calls_list()
        if all(line in calls for line in lines):
            return
        if proc.poll() is not None:
            raise AssertionError(f"prewarm ended early ({proc.returncode}): "
                                 f"{proc.stderr.read()[-2000:]}")
        time.sleep(0.02)
    raise AssertionError(f"{lines!r} never all called; calls: {cli.calls_list()}")


def start_and_signal(cli, sig):
    wf = cli.workflow(FLOW)
    inp = cli.write("in.json", json.dumps({"naps": NAPS}))
    proc = cli.popen("run", wf, "--input", inp)
    # items 0..3 done, 4 and 5 napping: both in flight at once
    wait_for_calls(cli, proc, ["Nap m3", "NapStart m4", "NapStart m5"])
    t0 = time.time()
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=20)
    return proc.returncode, out, err, time.time() - t0


def test_sigkill_mid_map_then_resume_runs_no_finished_mutating_task_again(cli):
    rc, out, _, _ = start_and_signal(cli, signal.SIGKILL)
    assert rc == -signal.SIGKILL and out == ""
    (ex,) = cli.executions()
    history = [json.loads(l) for l in cli.run("history", ex).stdout.splitlines()]
    scopes = {e.get("scope") for e in history if e.get("scope")}
    assert scopes == {f"M[{i}]" for i in range(6)}
    bumped = {e["scope"] for e in history if e["type"] == "TaskSucceeded" and
              e["state"] == "B"}
    assert bumped == scopes  # every item's Bump had finished

    r = cli.run("resume", ex)
    assert r.returncode == 0, r.stderr
    assert one_json_line(r.stdout) == EXPECTED
    calls = cli.calls_list()
    for i in range(6):
        assert calls.count(f"Bump m{i}") == 1, calls  # never again
    assert calls.count("NapStart m0") == 1  # finished item: replayed
    assert calls.count("NapStart m4") == 2 and calls.count("NapStart m5") == 2  # in flight
    assert calls.count("Nap m4") == 1
    history = [json.loads(l) for l in cli.run("history", ex).stdout.splitlines()]
    assert [e["id"] for e in history] == list(range(1, len(history) + 1))
    assert history[-1]["type"] == "ExecutionSucceeded"


def test_sigterm_stops_every_running_item_and_resumes(cli):
    rc, out, _, secs = start_and_signal(cli, signal.SIGTERM)
    assert rc == 1
    assert one_json_line(out)["Error"] == "Prewarm.Interrupted"
    assert secs < 2.0  # the 4 s naps were cut short, not waited for
    assert "Nap m4" not in cli.calls_list() and "Nap m5" not in cli.calls_list()
    (ex,) = cli.executions()
    r = cli.run("resume", ex)
    assert r.returncode == 0 and one_json_line(r.stdout) == EXPECTED
    assert cli.calls_list().count("Bump m5") == 1

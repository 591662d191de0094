"""The operator views of the journal (issue 13): `prewarm executions`,
`prewarm history ID --format text` and `prewarm graph WORKFLOW --execution
ID` (DOT, Mermaid, SVG), checked against golden files in
tests/data/ops-views/ after normalising ids, times and durations.

Four executions on the counter test plugin make the list: one succeeded
(after a retry, through a Map), one failed (a caught error, then a Fail
state), one killed with SIGKILL mid-step (interrupted: no process holds its
journal), and one still running (a live process holds its journal's lock).

PW_UPDATE_GOLDEN=1 rewrites the golden files from this run.
"""
import html
import json
import os
import re
import signal
import subprocess
import time

import pytest

from fixtures.prewarm_cli import Cli, prewarm_bin

SRC = os.environ.get("PW_TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
GOLDEN = os.path.join(SRC, "tests", "data", "ops-views")

VIEWS = {
    "StartAt": "Flaky",
    "States": {
        "Flaky": {"Type": "Task", "Resource": "counter:Fail",
                  "Parameters": {"Name": "flaky", "Times.$": "$.flaky_times"},
                  "Retry": [{"ErrorEquals": ["Counter.Failed"], "IntervalSeconds": 1,
                             "MaxAttempts": 2}],
                  "ResultPath": "$.flaky", "Next": "Items"},
        "Items": {"Type": "Map", "ItemsPath": "$.items",
                  "ItemProcessor": {"StartAt": "Look", "States": {"Look": {
                      "Type": "Task", "Resource": "counter:Echo",
                      "Parameters": {"Item.$": "$"}, "End": True}}},
                  "ResultPath": "$.looked", "Next": "Decide"},
        "Decide": {"Type": "Choice",
                   "Choices": [{"Variable": "$.fail", "BooleanEquals": True, "Next": "Broken"}],
                   "Default": "Done"},
        "Broken": {"Type": "Task", "Resource": "counter:Fail",
                   "Parameters": {"Name": "broken", "Error": "Test.Broken", "Cause": "as asked"},
                   "Catch": [{"ErrorEquals": ["Test.Broken"], "ResultPath": "$.error",
                              "Next": "GiveUp"}],
                   "Next": "Done"},
        "GiveUp": {"Type": "Fail", "Error": "Test.GaveUp", "Cause": "Broken broke"},
        "Done": {"Type": "Succeed"},
    },
}
SLOW = {"StartAt": "Prepare", "States": {
    "Prepare": {"Type": "Pass", "Result": "ready", "ResultPath": "$.prepared", "Next": "Nap"},
    "Nap": {"Type": "Task", "Resource": "counter:Sleep",
            "Parameters": {"Ms.$": "$.ms", "Name": "nap"}, "End": True}}}

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
DURATION = re.compile(r"\b(\d+\.\d+s|\d+m\d\ds|\d+h\d\dm)")


def normalise(text, ids):
    """Execution ids as E1, E2... (in the order given), times as <TIME>,
    durations as <DUR>; column padding squeezed (durations vary in width)."""
    for i, ex in enumerate(ids):
        text = text.replace(ex, "E%d" % (i + 1))
    text = UUID.sub("<UUID>", text)
    text = STAMP.sub("<TIME>", text)
    text = DURATION.sub("<DUR>", text)
    return "\n".join(re.sub(r" {2,}", "  ", line).rstrip() for line in text.splitlines()) + "\n"


def golden(name, text):
    path = os.path.join(GOLDEN, name)
    if os.environ.get("PW_UPDATE_GOLDEN"):
        with open(path, "w") as f:
            f.write(text)
    with open(path) as f:
        assert text == f.read(), "%s differs; got:\n%s" % (name, text)


def wait_for(pred, timeout=20):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The four executions: (cli, ids oldest first, the running process)."""
    cli = Cli(tmp_path_factory.mktemp("views"))
    views = cli.workflow(VIEWS, "views.json")
    slow = cli.workflow(SLOW, "slow.json")
    ok = cli.run("run", views, "--input", "-",
                 stdin=json.dumps({"items": [1, 2], "fail": False, "flaky_times": 1}))
    assert ok.returncode == 0, ok.stderr
    bad = cli.run("run", views, "--input", "-",
                  stdin=json.dumps({"items": [3], "fail": True, "flaky_times": 0}))
    assert bad.returncode == 1, bad.stderr
    # Two slow runs: the first is SIGKILLed mid-step (nothing journaled
    # after its TaskScheduled), the second keeps running.
    procs = []
    for ms in (30000, 60000):
        p = subprocess.Popen(cli.args("run", slow, "--input", "-", "--state-dir", str(cli.state)),
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, text=True, env=cli.env)
        p.stdin.write(json.dumps({"ms": ms}))
        p.stdin.close()
        procs.append(p)
        wait_for(lambda: cli.calls_list().count("SleepStart nap") == len(procs))
    procs[0].send_signal(signal.SIGKILL)
    procs[0].wait()
    running = procs[1]
    ids = []
    for ex in cli.executions():
        with open(cli.state / "executions" / (ex + ".jsonl")) as f:
            ids.append((json.loads(f.readline())["startTime"], ex))
    ids = [ex for _, ex in sorted(ids)]
    assert len(ids) == 4, ids
    yield cli, ids, running
    running.send_signal(signal.SIGKILL)
    running.wait()


def views(cli, *args):
    p = subprocess.run([prewarm_bin(), *args, "--state-dir", str(cli.state)], capture_output=True,
                       text=True, env=cli.env, timeout=60)
    return p


def test_executions_lists_every_status_newest_first(runs):
    cli, ids, _ = runs
    p = views(cli, "executions")
    assert p.returncode == 0, p.stderr
    golden("executions.txt", normalise(p.stdout, ids))
    rows = [json.loads(line) for line in views(cli, "executions", "--json").stdout.splitlines()]
    assert [r["id"] for r in rows] == ids[::-1]
    assert [r["status"] for r in rows] == ["running", "interrupted", "failed", "succeeded"]
    assert rows[2]["state"] == "GiveUp" and rows[2]["error"] == "Test.GaveUp"
    assert rows[1]["state"] == "Nap" and rows[0]["state"] == "Nap"
    # The retry waited 1 s: the measured duration shows it.
    assert 1.0 <= rows[3]["duration_seconds"] < 10, rows[3]


def test_executions_filters(runs):
    cli, ids, _ = runs

    def listed(*args):
        p = views(cli, "executions", "--json", *args)
        assert p.returncode == 0, p.stderr
        return [json.loads(line)["id"] for line in p.stdout.splitlines()]

    assert listed("--status", "failed") == [ids[1]]
    assert listed("--status", "running") == [ids[3]]
    assert listed("--status", "interrupted") == [ids[2]]
    assert listed("--workflow", "views") == [ids[1], ids[0]]
    assert listed("--workflow", str(cli.tmp / "slow.json")) == [ids[3], ids[2]]
    assert listed("--since", "1h") == ids[::-1]
    assert listed("--since", "0s") == []
    assert listed("--limit", "1") == [ids[3]]
    assert listed("--limit", "3") == ids[:0:-1]
    assert listed("--limit", "2", "--workflow", "views") == [ids[1], ids[0]]
    for bad in (["--status", "dead"], ["--since", "yesterday"], ["--limit", "0"],
                ["--limit", "x"], ["extra"]):
        p = views(cli, "executions", *bad)
        assert p.returncode == 2 and p.stderr, (bad, p.stderr)


def test_history_text_is_a_timeline(runs):
    cli, ids, _ = runs
    out = ""
    for ex in ids:
        p = views(cli, "history", ex, "--format", "text")
        assert p.returncode == 0, p.stderr
        out += p.stdout
    golden("history.txt", normalise(out, ids))
    # The default stays JSON lines, one event each.
    p = views(cli, "history", ids[0])
    assert all(json.loads(line)["type"] for line in p.stdout.splitlines())
    assert views(cli, "history", ids[0], "--format", "xml").returncode == 2


@pytest.mark.parametrize("fmt,ext", [("dot", "dot"), ("mermaid", "mmd")])
def test_graph_marks_the_execution_path(runs, fmt, ext):
    cli, ids, _ = runs
    out = ""
    for ex, wf in zip(ids[:3], ("views.json", "views.json", "slow.json")):
        p = views(cli, "graph", str(cli.tmp / wf), "--execution", ex, "--format", fmt)
        assert p.returncode == 0, p.stderr
        out += p.stdout
    golden("graph-execution." + ext, normalise(out, ids))


def test_graph_svg_needs_graphviz(runs):
    cli, ids, _ = runs
    wf = str(cli.tmp / "views.json")
    p = views(cli, "graph", wf, "--execution", ids[1], "--format", "svg")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("<?xml") and "</svg>" in p.stdout
    assert "execution %s: failed in GiveUp" % ids[1] in html.unescape(p.stdout)
    assert "#f8d7da" in p.stdout  # the failed state's fill
    env = dict(cli.env, PATH="/nonexistent")
    p = subprocess.run([prewarm_bin(), "graph", wf, "--format", "svg"], capture_output=True,
                       text=True, env=env, timeout=60)
    assert p.returncode == 2 and "needs Graphviz's `dot`" in p.stderr, p.stderr
    assert p.stdout == ""
    # A dot that fails: its message is relayed (through the redactor), exit 1.
    fake = cli.tmp / "fakebin"
    fake.mkdir(exist_ok=True)
    (fake / "dot").write_text("#!/bin/sh\necho 'Error: dot broke' >&2\nexit 3\n")
    (fake / "dot").chmod(0o755)
    p = subprocess.run([prewarm_bin(), "graph", wf, "--format", "svg"], capture_output=True,
                       text=True, env=dict(cli.env, PATH=str(fake)), timeout=60)
    assert p.returncode == 1 and "Error: dot broke" in p.stderr and "failed" in p.stderr, p.stderr
    assert p.stdout == ""
    p = views(cli, "graph", wf, "--execution", "no-such-execution")
    assert p.returncode == 2 and "no execution no-such-execution" in p.stderr, p.stderr

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


CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")


def test_hostile_journals_print_no_control_characters(tmp_path):
    """A journal is data from disk: its strings are shown with every
    control character as \\xNN (no cursor moves, retitled terminals or
    forged lines), and a corrupt one is a named error, never a crash."""
    cli = Cli(tmp_path)
    ex = cli.state / "executions"
    ex.mkdir(parents=True, mode=0o700)
    t = "2026-12-03T10:00:00Z"
    evil = "E\x1b]0;pwn\x07\nFORGED\r\x9b31m\x7f"
    events = [{"type": "ExecutionStarted", "timestamp": t, "startTime": t,
               "workflow": "/x/\x1b[31mevil\n.json", "key": "k\x1b[2J"},
              {"type": "StateEntered", "timestamp": t, "state": "A\x1b[1m"},
              {"type": "TaskFailed", "timestamp": t, "state": "A\x1b[1m", "error": evil},
              {"type": "ExecutionFailed", "timestamp": t, "error": evil, "cause": "c\x08\x08"}]
    (ex / "evil.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    (ex / "corrupt.jsonl").write_text("\x00\x1b[2J\n")
    (ex / "deep.jsonl").write_text("[" * 100000 + "\n")
    wf = cli.workflow({"StartAt": "A\x1b[1m", "States": {"A\x1b[1m": {"Type": "Pass", "End": True}}})
    shown = []
    for args in (["executions"], ["history", "evil", "--format", "text"],
                 ["graph", wf, "--execution", "evil", "--format", "dot"],
                 ["graph", wf, "--execution", "evil", "--format", "mermaid"]):
        p = views(cli, *args)
        assert p.returncode == 0, (args, p.stderr)
        for text in (p.stdout, p.stderr):
            assert not CONTROL.search(text), (args, text)
        shown.append(p.stdout)
    assert "\\x1b]0;pwn\\x07\\x0aFORGED\\x0d\\x9b31m\\x7f" in shown[0], shown[0]
    assert "FORGED" not in "".join(l[:1] for l in shown[1].splitlines())
    assert len(shown[1].splitlines()) == 4, shown[1]
    p = views(cli, "executions")
    assert p.stderr.count("not a JSON event") == 2 and not CONTROL.search(p.stderr), p.stderr
    for bad in ("corrupt", "deep"):
        p = views(cli, "history", bad, "--format", "text")
        assert p.returncode == 2 and "not a JSON event" in p.stderr and p.stdout == "", p.stderr
    for bad in ("../evil", "a/../../etc/passwd", ".evil", "e\x1b[2Jvil"):
        p = views(cli, "history", bad, "--format", "text")
        assert p.returncode == 2 and "is not a valid execution id" in p.stderr, p.stderr
        assert not CONTROL.search(p.stderr), p.stderr

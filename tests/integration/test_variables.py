"""Workflow variables through the command: SIGKILL in the middle of a
workflow whose states assign variables, then `prewarm resume` goes on with
the same variables; `prewarm history` shows each state's assignments;
`prewarm validate` reports variable mistakes at their line:column."""
import json
import signal

from fixtures.prewarm_cli import cli, one_json_line  # noqa: F401
from test_cli_resume import wait_for_call

FLOW = {
    "StartAt": "Setup",
    "States": {
        "Setup": {"Type": "Pass", "Result": {"n": 41},
                  "Assign": {"count.$": "$.n", "who.$": "$$.Execution.Input.who",
                             "tags": ["a", "b"]},
                  "ResultPath": None, "Next": "Bump"},
        "Bump": {"Type": "Task", "Resource": "counter:Bump", "Parameters": {"Name.$": "$who"},
                 "Assign": {"count.$": "States.MathAdd($count, 1)", "bumped.$": "$.Count"},
                 "ResultPath": None, "Next": "Slow"},
        "Slow": {"Type": "Task", "Resource": "counter:Sleep",
                 "Parameters": {"Name": "slow", "Ms": 1500}, "ResultPath": None,
                 "Next": "Each"},
        "Each": {"Type": "Map", "ItemsPath": "$tags",
                 "ItemProcessor": {"StartAt": "Tag", "States": {
                     "Tag": {"Type": "Pass", "Assign": {"mine.$": "States.Format('{}{}', $, $count)"},
                             "Next": "Out"},
                     "Out": {"Type": "Pass", "OutputPath": "$mine", "End": True}}},
                 "Assign": {"tagged.$": "$"}, "ResultPath": None, "Next": "Done"},
        "Done": {"Type": "Pass",
                 "Parameters": {"count.$": "$count", "who.$": "$who", "bumped.$": "$bumped",
                                "tagged.$": "$tagged"},
                 "End": True},
    },
}

EXPECTED = {"count": 42, "who": "w1", "bumped": 1, "tagged": ["a42", "b42"]}


def test_sigkill_then_resume_keeps_the_variables(cli):
    kill_in_slow_then_resume(cli, FLOW)


def kill_in_slow_then_resume(cli, flow):
    """SIGKILL during Slow, resume, and check the output and each state's
    assignments; test_jsonata_mode.py runs it on FLOW's JSONata twin."""
    wf = cli.workflow(flow)
    inp = cli.write("in.json", '{"who": "w1"}')
    proc = cli.popen("run", wf, "--input", inp)
    wait_for_call(cli, "SleepStart slow")
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == -signal.SIGKILL and out == ""
    (ex,) = cli.executions()

    r = cli.run("resume", ex)
    assert r.returncode == 0, r.stderr
    assert one_json_line(r.stdout) == EXPECTED
    calls = cli.calls_list()
    assert calls.count("Bump w1") == 1  # finished before the kill: its assignments came back
    assert calls.count("SleepStart slow") == 2

    history = [json.loads(line) for line in cli.run("history", ex).stdout.splitlines()]
    exits = {e["state"]: e for e in history if e["type"] == "StateExited" and "scope" not in e}
    assert exits["Setup"]["assignedVariables"] == {"count": 41, "who": "w1", "tags": ["a", "b"]}
    assert exits["Bump"]["assignedVariables"] == {"count": 42, "bumped": 1}
    assert exits["Each"]["assignedVariables"] == {"tagged": ["a42", "b42"]}
    assert "assignedVariables" not in exits["Slow"]
    inner = [e for e in history if e["type"] == "StateExited" and e.get("scope") == "Each[1]"]
    assert inner[0]["assignedVariables"] == {"mine": "b42"}
    (resumed,) = [e for e in history if e["type"] == "ExecutionResumed"]
    assert resumed["next"] == "Slow"
    assert resumed["variables"] == {"count": 42, "who": "w1", "tags": ["a", "b"], "bumped": 1}


def test_validate_reports_variable_mistakes_with_positions(cli):
    wf = cli.write("bad.yaml", "\n".join([
        "StartAt: A",
        "States:",
        "  A:",
        "    Type: Pass",
        "    Assign: {states: 1, ok: 2}",
        "    Next: B",
        "  B:",
        "    Type: Pass",
        "    Parameters: {v.$: $nobody}",
        "    End: true",
        ""]))
    r = cli.run("validate", wf)
    assert r.returncode == 2
    lines = r.stderr.splitlines() + r.stdout.splitlines()
    assert any(l.startswith(f"{wf}:5:14: state 'A': Assign: $states is reserved") for l in lines), lines
    assert any(l.startswith(f"{wf}:9:18: warning: state 'B': Parameters reads $nobody") for l in lines), lines

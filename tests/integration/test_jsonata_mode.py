"""JSONata states through the command: a SIGKILL in the middle of a
JSONata workflow whose states assign variables, then `prewarm resume` goes
on with them and `prewarm history` shows each state's assignments;
`prewarm validate` reports JSONata mistakes at their line:column."""
import json
import signal

from fixtures.prewarm_cli import cli, one_json_line  # noqa: F401
from test_cli_resume import wait_for_call

FLOW = {
    "QueryLanguage": "JSONata",
    "StartAt": "Setup",
    "States": {
        "Setup": {"Type": "Pass",
                  "Assign": {"count": "{% 41 %}", "who": "{% $states.input.who %}",
                             "tags": ["a", "b"]},
                  "Next": "Bump"},
        "Bump": {"Type": "Task", "Resource": "counter:Bump", "Arguments": {"Name": "{% $who %}"},
                 "Assign": {"count": "{% $count + 1 %}", "bumped": "{% $states.result.Count %}"},
                 "Next": "Slow"},
        "Slow": {"Type": "Task", "Resource": "counter:Sleep",
                 "Arguments": {"Name": "slow", "Ms": 1500}, "Next": "Each"},
        "Each": {"Type": "Map", "Items": "{% $tags %}",
                 "ItemProcessor": {"StartAt": "Tag", "States": {
                     "Tag": {"Type": "Pass", "Assign": {"mine": "{% $states.input & $count %}"},
                             "Output": "{% $states.input & $count %}", "End": True}}},
                 "Assign": {"tagged": "{% $states.result %}"}, "Next": "Done"},
        "Done": {"Type": "Succeed",
                 "Output": {"count": "{% $count %}", "who": "{% $who %}",
                            "bumped": "{% $bumped %}", "tagged": "{% $tagged %}"}},
    },
}

EXPECTED = {"count": 42, "who": "w1", "bumped": 1, "tagged": ["a42", "b42"]}


def test_sigkill_then_resume_keeps_the_variables(cli):
    wf = cli.workflow(FLOW)
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
    assert calls.count("Bump w1") == 1
    assert calls.count("SleepStart slow") == 2
    history = [json.loads(line) for line in cli.run("history", ex).stdout.splitlines()]
    exits = {e["state"]: e for e in history if e["type"] == "StateExited" and "scope" not in e}
    assert exits["Setup"]["assignedVariables"] == {"count": 41, "who": "w1", "tags": ["a", "b"]}
    assert exits["Bump"]["assignedVariables"] == {"count": 42, "bumped": 1}
    assert exits["Each"]["assignedVariables"] == {"tagged": ["a42", "b42"]}


def test_validate_reports_jsonata_mistakes_with_positions(cli):
    wf = cli.write("bad.yaml", "\n".join([
        "QueryLanguage: JSONata",
        "StartAt: A",
        "States:",
        "  A:",
        "    Type: Pass",
        "    Parameters: {a: 1}",
        "    Output: {x: '{% $states.input.( %}'}",
        "    Next: B",
        "  B:",
        "    Type: Wait",
        "    Seconds: '{% $states.result %}'",
        "    End: true",
        ""]))
    r = cli.run("validate", wf)
    assert r.returncode == 2
    lines = r.stderr.splitlines() + r.stdout.splitlines()
    assert any(l.startswith(f"{wf}:6:5: state 'A': Parameters is a JSONPath field") for l in lines), lines
    assert any(l.startswith(f"{wf}:7:14: state 'A': Output: JSONata syntax error at offset 19")
               for l in lines), lines
    assert any(l.startswith(f"{wf}:11:5: state 'B': Seconds reads $states.result") for l in lines), lines

"""JSONata states through the command: a SIGKILL in the middle of a
JSONata workflow whose states assign variables, then `prewarm resume` goes
on with them and `prewarm history` shows each state's assignments (the
JSONata twin of test_variables.py's FLOW, checked by the same function);
`prewarm validate` reports JSONata mistakes at their line:column."""
from fixtures.prewarm_cli import cli  # noqa: F401
from test_variables import kill_in_slow_then_resume

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


def test_sigkill_then_resume_keeps_the_variables(cli):
    """The same checks as for the JSONPath FLOW of test_variables.py: the
    JSONata twin assigns the same values in the same states."""
    kill_in_slow_then_resume(cli, FLOW)


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

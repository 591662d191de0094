"""The prewarm command: exit codes, stdout purity, bad input, dry-run,
variables, secrets, keys, plugins, validate, history, warm flags."""
import json
import os

from fixtures.prewarm_cli import cli, one_json_line  # noqa: F401

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": True},
                                         "ResultPath": "$.r", "End": True}}}

BUMP_FLOW = {
    "StartAt": "Read",
    "States": {
        "Read": {"Type": "Task", "Resource": "counter:Read",
                 "Parameters": {"Name": "r"}, "ResultPath": "$.read", "Next": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 600, "Next": "Bump"},
        "Bump": {"Type": "Task", "Resource": "counter:Bump",
                 "Parameters": {"Name": "b", "Cluster.$": "$$.Vars.cluster"},
                 "ResultPath": "$.bump", "End": True},
    },
}


def test_version_and_help(cli):
    r = cli.run("--version")
    assert r.returncode == 0 and r.stdout.startswith("prewarm ")
    r = cli.run("--help")
    assert r.returncode == 0 and "run" in r.stdout and "resume" in r.stdout
    r = cli.run("run", "--help", state=False)
    assert r.returncode == 0 and "--dry-run" in r.stdout


def test_success_prints_only_the_output(cli):
    wf = cli.workflow(PASS)
    r = cli.run("run", wf, "--input", "-", "--log-format", "json", stdin='{"a": 1}')
    assert r.returncode == 0, r.stderr
    assert one_json_line(r.stdout) == {"a": 1, "r": {"ok": True}}
    # Logs went to stderr, as JSON lines.
    for line in r.stderr.splitlines():
        json.loads(line)
    r = cli.run("run", wf)
    assert one_json_line(r.stdout) == {"r": {"ok": True}}


def test_failure_prints_error_and_exits_1(cli):
    wf = cli.workflow({"StartAt": "F", "States": {
        "F": {"Type": "Fail", "Error": "Prewarm.TooCold", "Cause": "hit ratio 12%"}}})
    r = cli.run("run", wf)
    assert r.returncode == 1
    assert one_json_line(r.stdout) == {"Error": "Prewarm.TooCold", "Cause": "hit ratio 12%"}


def test_usage_errors_exit_2(cli):
    wf = cli.workflow(PASS)
    for args in (["run"], ["run", wf, wf], ["run", wf, "--bogus"], ["run", wf, "--var", "novalue"],
                 ["frobnicate"], ["run", wf, "--log-format", "xml"], ["graph", wf, "--format", "png"],
                 ["history"], []):
        r = cli.run(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert r.stdout == "", args


def test_bad_workflows_exit_2_with_position(cli):
    bad_yaml = cli.write("bad.yaml", "StartAt: A\nStates:\n  A:\n    Type: Pass\n    End: [\n")
    r = cli.run("run", bad_yaml)
    assert r.returncode == 2 and r.stdout == ""
    assert "bad.yaml:" in r.stderr
    missing_next = cli.write("next.yaml", "StartAt: A\nStates:\n  A:\n    Type: Pass\n"
                             "    Next: Nowhere\n")
    r = cli.run("validate", missing_next)
    assert r.returncode == 2
    assert "next.yaml:5:" in r.stderr and "Nowhere" in r.stderr
    no_plugin = cli.workflow({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "nosuchplugin:Do", "End": True}}})
    r = cli.run("run", no_plugin)
    assert r.returncode == 2 and "nosuchplugin" in r.stderr
    r = cli.run("run", str(cli.tmp / "missing.yaml"))
    assert r.returncode == 2 and r.stdout == ""


def test_garbage_never_crashes(cli):
    samples = ["", "{", "[]", "null", "42", "StartAt: 3", '{"StartAt":"A","States":[]}',
               '{"StartAt":"A","States":{"A":{"Type":"Nope"}}}',
               '{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{}]}}}',
               '{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x.$":"$$$"},"End":true}}}',
               "\x00\x01\x02", "States:\n  - a\n  - b\n", "a: &x [*x]\n"]
    for i, text in enumerate(samples):
        wf = cli.write(f"g{i}.yaml", text)
        r = cli.run("run", wf)
        assert r.returncode == 2, (text, r.returncode, r.stderr)
        assert r.stderr.strip(), text


def test_bad_input_exits_2(cli):
    wf = cli.workflow(PASS)
    bad = cli.write("in.json", '{"a": 1,\n "b": }\n')
    r = cli.run("run", wf, "--input", bad)
    assert r.returncode == 2 and r.stdout == ""
    assert "in.json:2" in r.stderr
    r = cli.run("run", wf, "--input", str(cli.tmp / "nope.json"))
    assert r.returncode == 2


def test_dry_run_reads_but_never_mutates_and_never_waits(cli):
    wf = cli.workflow(BUMP_FLOW)
    r = cli.run("run", wf, "--dry-run", "--var", "cluster=prod", "--log-format", "text",
                timeout=20)
    assert r.returncode == 0, r.stderr
    out = one_json_line(r.stdout)
    assert out["read"]["DryRun"] is True
    assert out["bump"] == {"DryRun": True, "Action": "Bump",
                           "Parameters": {"Name": "b", "Cluster": "prod"}}
    assert cli.calls_list() == ["Read r"]
    assert "would call counter:Bump" in r.stderr
    assert "would wait" in r.stderr


def test_secrets_never_printed(cli):
    wf = cli.workflow({"StartAt": "S", "States": {
        "S": {"Type": "Task", "Resource": "counter:Secret",
              "Parameters": {"Generate": True}, "ResultPath": "$.cred", "Next": "Use"},
        "Use": {"Type": "Task", "Resource": "counter:Echo",
                "Parameters": {"Password.$": "$.cred.Token"}, "End": True}}})
    r = cli.run("run", wf, "--log-format", "json")
    assert r.returncode == 0
    assert one_json_line(r.stdout) == {"Password": "***"}
    assert "using secret ***" in r.stderr
    assert "gen-s3cr3t-from-the-vault" not in r.stderr
    (ex,) = cli.executions()
    journal = (cli.state / "executions" / f"{ex}.jsonl").read_text()
    assert "gen-s3cr3t-from-the-vault" not in journal
    assert '"Token":"***"' in journal
    h = cli.run("history", ex)
    assert h.returncode == 0 and h.stdout == journal


def test_history_lists_events_in_order(cli):
    wf = cli.workflow(PASS)
    r = cli.run("run", wf)
    assert r.returncode == 0
    (ex,) = cli.executions()
    h = cli.run("history", ex)
    events = [json.loads(line) for line in h.stdout.splitlines()]
    assert [e["type"] for e in events] == ["ExecutionStarted", "StateEntered", "StateExited",
                                           "ExecutionSucceeded"]
    assert [e["id"] for e in events] == [1, 2, 3, 4]
    assert all(e["timestamp"].endswith("Z") for e in events)
    assert events[0]["execution"] == ex
    r = cli.run("history", "no-such-id")
    assert r.returncode == 2


def test_key_runs_once(cli):
    wf = cli.workflow({"StartAt": "B", "States": {
        "B": {"Type": "Task", "Resource": "counter:Bump", "Parameters": {"Name": "k"},
              "End": True}}})
    first = cli.run("run", wf, "--key", "evt-1")
    second = cli.run("run", wf, "--key", "evt-1")
    assert first.returncode == 0 and second.returncode == 0
    assert one_json_line(first.stdout) == one_json_line(second.stdout)
    assert cli.calls_list() == ["Bump k"]
    assert len(cli.executions()) == 1


def test_plugins_lists_actions_and_refusals(cli):
    r = cli.run("plugins")
    assert r.returncode == 0
    assert "counter:Bump" in r.stdout and "mutates" in r.stdout
    line = next(l for l in r.stdout.splitlines() if "counter:Read" in l)
    assert "read-only" in line
    assert line.endswith("[one call at a time]")  # no PW_ACTION_THREAD_SAFE
    nap = next(l for l in r.stdout.splitlines() if "counter:Nap" in l)
    assert "one call at a time" not in nap
    assert "badabi.so was built for plugin ABI 99.0" in r.stderr
    assert "nosym.so does not export pw_plugin_entry" in r.stderr


def test_validate_many(cli):
    good = cli.workflow(PASS, "good.json")
    bad = cli.write("bad.json", '{"StartAt": "A", "States": {"A": {"Type": "Pass"}}}')
    r = cli.run("validate", good, bad)
    assert r.returncode == 2
    assert f"{good}: valid" in r.stdout
    assert "bad.json:1:" in r.stderr
    r = cli.run("validate", good)
    assert r.returncode == 0


def test_lua_step_and_sandbox(cli):
    cli.write("step.lua", "local input = ...\nreturn {n = input.n + 1, io = io == nil}\n")
    cli.write("escape.lua", "return os.execute('touch /tmp/pw-escaped')\n")
    cli.write("syntax.lua", "return {\n")
    wf = cli.workflow({"StartAt": "L", "States": {
        "L": {"Type": "Task", "Resource": "lua:step.lua", "Next": "E"},
        "E": {"Type": "Task", "Resource": "lua:escape.lua", "End": True,
              "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.err",
                         "Next": "Done"}]},
        "Done": {"Type": "Succeed"}}})
    r = cli.run("run", wf, "--input", "-", stdin='{"n": 1}')
    assert r.returncode == 0, r.stderr
    out = one_json_line(r.stdout)
    assert out["n"] == 2 and out["io"] is True
    assert "execute" in out["err"]["Cause"]
    bad = cli.workflow({"StartAt": "L", "States": {
        "L": {"Type": "Task", "Resource": "lua:syntax.lua", "End": True}}}, "bad.json")
    r = cli.run("validate", bad)
    assert r.returncode == 2 and "syntax.lua:2:" in r.stderr
    esc = cli.workflow({"StartAt": "L", "States": {
        "L": {"Type": "Task", "Resource": "lua:../outside.lua", "End": True}}}, "esc.json")
    r = cli.run("validate", esc)
    assert r.returncode == 2 and ".." in r.stderr


def test_config_file(cli):
    cfg = cli.write("prewarm.yaml", "vars:\n  cluster: from-config\nlog_format: json\n")
    wf = cli.workflow({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {
        "c.$": "$$.Vars.cluster"}, "End": True}}})
    r = cli.run("run", wf, "--config", cfg)
    assert one_json_line(r.stdout) == {"c": "from-config"}
    r = cli.run("run", wf, "--config", cfg, "--var", "cluster=from-flag")
    assert one_json_line(r.stdout) == {"c": "from-flag"}
    bad = cli.write("bad.yaml", "vars: {}\nstate_dri: /x\n")
    r = cli.run("run", wf, "--config", bad)
    assert r.returncode == 2 and "bad.yaml:2:" in r.stderr and "state_dri" in r.stderr


def test_warm_flags_map_to_parameters(cli):
    # resource_map points postgres-warm:Warm at counter:Echo, which returns
    # the parameters it was given.
    cfg = cli.write("warm.yaml", "resource_map:\n  'postgres-warm:Warm': 'counter:Echo'\n")
    r = cli.run("warm", "--config", cfg, "--target", "host=t dbname=app",
                "--source", "host=s", "--strategy", "relations,queries", "--strategy", "mirror",
                "--queries-s3", "s3://bkt/top/queries.csv", "--relations", "a,b",
                "--top", "50", "--parallel", "4", "--budget-seconds", "120",
                "--statement-timeout-ms", "5000", "--max-buffer-fraction", "0.5",
                "--force", "--snapshot", "/tmp/snap.json")
    assert r.returncode == 0, r.stderr
    assert one_json_line(r.stdout) == {
        "target": "host=t dbname=app", "source": "host=s",
        "strategy": ["relations", "queries", "mirror"],
        "queries": {"s3": {"Bucket": "bkt", "Key": "top/queries.csv"}},
        "relations": ["a", "b"], "top_n": 50, "parallel": 4,
        "budget": {"seconds": 120, "statement_timeout_ms": 5000,
                   "max_shared_buffers_fraction": 0.5},
        "force": True, "snapshot_file": "/tmp/snap.json"}
    r = cli.run("warm", "--config", cfg, "--target", "t", "--strategy", "mirror",
                "--queries", "/q.csv")
    assert one_json_line(r.stdout) == {"target": "t", "strategy": "mirror",
                                       "queries": {"file": "/q.csv"}}
    assert cli.run("warm", "--config", cfg).returncode == 2
    assert cli.run("warm", "--config", cfg, "--target", "t", "--top", "x").returncode == 2
    assert cli.run("warm", "--config", cfg, "--target", "t",
                   "--queries-s3", "bucket-only").returncode == 2


def test_graph_formats(cli):
    wf = cli.workflow({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}})
    dot = cli.run("graph", wf)
    assert dot.returncode == 0 and "digraph" in dot.stdout and 'label="A' in dot.stdout
    mer = cli.run("graph", wf, "--format", "mermaid")
    assert mer.returncode == 0 and mer.stdout.startswith("flowchart")


def test_readme_example_runs(cli):
    src = os.environ.get("PW_TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
    ex = os.path.join(src, "workflows", "examples")
    r = cli.run("run", os.path.join(ex, "hello.yaml"), "--input",
                os.path.join(ex, "hello-input.json"), "--log-format", "text")
    assert r.returncode == 0, r.stderr
    out = one_json_line(r.stdout)
    assert out["score"] == {"hit_pct": 98.2, "warm": True}
    assert "reader aurora-reader-2 is warm, 98.2% of reads hit the cache" in r.stderr
    cold = cli.run("run", os.path.join(ex, "hello.yaml"), "--input", "-",
                   stdin='{"reader": "r", "blks_hit": 1, "blks_read": 9}')
    assert cold.returncode == 1
    assert one_json_line(cold.stdout)["Error"] == "Example.TooCold"

"""Durability: SIGKILL in the middle of a multi-step workflow, then
`prewarm resume` finishes it and every finished Task ran exactly once."""
import json
import signal
import time

from fixtures.prewarm_cli import cli, one_json_line  # noqa: F401

FLOW = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Task", "Resource": "counter:Bump", "Parameters": {"Name": "a"},
              "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Task", "Resource": "counter:Read", "Parameters": {"Name": "b"},
              "ResultPath": "$.b", "Next": "C"},
        "C": {"Type": "Task", "Resource": "counter:Sleep",
              "Parameters": {"Name": "c", "Ms": 1500}, "ResultPath": "$.c", "Next": "D"},
        "D": {"Type": "Task", "Resource": "counter:Bump", "Parameters": {"Name": "d"},
              "ResultPath": "$.d", "Next": "Done"},
        "Done": {"Type": "Succeed"},
    },
}

EXPECTED = {"in": 1, "a": {"Name": "a", "Count": 1}, "b": {"Name": "b", "DryRun": False},
            "c": {"Slept": "c"}, "d": {"Name": "d", "Count": 1}}


def wait_for_call(cli, line, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if line in cli.calls_list():
            return
        time.sleep(0.02)
    raise AssertionError(f"{line!r} never called; calls: {cli.calls_list()}")


def start_and_kill(cli, *extra, sig=signal.SIGKILL):
    wf = cli.workflow(FLOW)
    inp = cli.write("in.json", '{"in": 1}')
    proc = cli.popen("run", wf, "--input", inp, *extra)
    wait_for_call(cli, "SleepStart c")
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=20)
    return wf, proc.returncode, out, err


def test_sigkill_then_resume_runs_each_finished_task_once(cli):
    _, rc, out, _ = start_and_kill(cli)
    assert rc == -signal.SIGKILL and out == ""
    (ex,) = cli.executions()
    types = [json.loads(l)["type"] for l in cli.run("history", ex).stdout.splitlines()]
    assert "ExecutionSucceeded" not in types and types[-1] == "TaskScheduled"

    r = cli.run("resume", ex)
    assert r.returncode == 0, r.stderr
    assert one_json_line(r.stdout) == EXPECTED
    calls = cli.calls_list()
    # Finished Tasks never ran again; the one in flight ran again.
    assert calls.count("Bump a") == 1
    assert calls.count("Read b") == 1
    assert calls.count("Sleep c") == 1
    assert calls.count("SleepStart c") == 2
    assert calls.count("Bump d") == 1

    history = [json.loads(l) for l in cli.run("history", ex).stdout.splitlines()]
    assert [e["id"] for e in history] == list(range(1, len(history) + 1))
    assert "ExecutionResumed" in [e["type"] for e in history]
    assert history[-1]["type"] == "ExecutionSucceeded"

    # Resuming a finished execution only reports its result.
    again = cli.run("resume", ex)
    assert again.returncode == 0 and one_json_line(again.stdout) == EXPECTED
    assert cli.calls_list() == calls


def test_sigterm_stops_resumably(cli):
    _, rc, out, err = start_and_kill(cli, sig=signal.SIGTERM)
    assert rc == 1
    assert one_json_line(out)["Error"] == "Prewarm.Interrupted"
    (ex,) = cli.executions()
    r = cli.run("resume", ex)
    assert r.returncode == 0 and one_json_line(r.stdout) == EXPECTED
    assert cli.calls_list().count("Bump a") == 1
    assert cli.calls_list().count("Bump d") == 1


def test_same_key_after_a_kill_resumes_instead_of_rerunning(cli):
    wf, rc, _, _ = start_and_kill(cli, "--key", "event-7")
    assert rc == -signal.SIGKILL
    inp = cli.write("in.json", '{"in": 1}')
    r = cli.run("run", wf, "--input", inp, "--key", "event-7")
    assert r.returncode == 0, r.stderr
    assert one_json_line(r.stdout) == EXPECTED
    assert len(cli.executions()) == 1
    assert cli.calls_list().count("Bump a") == 1
    assert cli.calls_list().count("Bump d") == 1


def test_second_run_with_key_waits_for_the_running_one(cli):
    wf = cli.workflow(FLOW)
    inp = cli.write("in.json", '{"in": 1}')
    first = cli.popen("run", wf, "--input", inp, "--key", "event-8")
    wait_for_call(cli, "SleepStart c")
    second = cli.run("run", wf, "--input", inp, "--key", "event-8")
    out1, _ = first.communicate(timeout=20)
    assert first.returncode == 0 and second.returncode == 0
    result = one_json_line(out1)
    assert one_json_line(second.stdout) == result
    assert result["d"]["Name"] == "d" and result["c"] == {"Slept": "c"}
    assert cli.calls_list().count("SleepStart c") == 1


def test_resume_unknown_id_exits_2(cli):
    r = cli.run("resume", "0000-nope")
    assert r.returncode == 2 and r.stdout == ""


# A read-only step fetches a secret (registered with the host, so the
# history shows "***"), a slow step is killed, then a Lua step needs the
# real secret: its length is 25, "***" would give 3.
SECRET = "gen-s3cr3t-from-the-vault"
LEN_LUA = "local input = ...\nreturn {Length = #input.tok}\n"


def secret_flow(before_kill):
    states = {
        "A": {"Type": "Task", "Resource": "counter:Read", "Parameters": {"Name": "a"},
              "ResultPath": "$.a", "Next": "S"},
        "S": {"Type": "Task", "Resource": "counter:Secret",
              "Parameters": {"Generate": True, "Name": "s"}, "ResultPath": "$.cred",
              "Next": before_kill[0]["name"] if before_kill else "C"},
        "C": {"Type": "Task", "Resource": "counter:Sleep",
              "Parameters": {"Name": "c", "Ms": 1500}, "ResultPath": "$.c", "Next": "L"},
        "L": {"Type": "Task", "Resource": "lua:len.lua",
              "Parameters": {"tok.$": "$.cred.Token"}, "End": True},
    }
    for i, step in enumerate(before_kill):
        nxt = before_kill[i + 1]["name"] if i + 1 < len(before_kill) else "C"
        states[step["name"]] = dict(step["state"], Next=nxt)
    return {"StartAt": "A", "States": states}


def kill_in_sleep(cli, flow):
    cli.write("len.lua", LEN_LUA)
    wf = cli.workflow(flow)
    proc = cli.popen("run", wf)
    wait_for_call(cli, "SleepStart c")
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=20)
    (ex,) = cli.executions()
    return ex


def journal_text(cli, ex):
    return (cli.state / "executions" / f"{ex}.jsonl").read_text()


def test_resume_fetches_a_redacted_secret_again(cli):
    wait = {"name": "W", "state": {"Type": "Wait", "Seconds": 0}}
    ex = kill_in_sleep(cli, secret_flow([wait]))
    events = [json.loads(l) for l in journal_text(cli, ex).splitlines()]
    exits = {e["state"]: e for e in events if e["type"] == "StateExited"}
    assert "redacted" not in exits["A"]
    assert exits["S"]["redacted"] is True and exits["W"]["redacted"] is True

    r = cli.run("resume", ex)
    assert r.returncode == 0, r.stderr
    assert one_json_line(r.stdout) == {"Length": len(SECRET)}
    calls = cli.calls_list()
    # The secret step ran again (fresh credentials); the one before it,
    # whose data held no secret, did not.
    assert calls.count("Secret s") == 2
    assert calls.count("Read a") == 1
    assert calls.count("SleepStart c") == 2 and calls.count("Sleep c") == 1
    text = journal_text(cli, ex)
    assert SECRET not in text
    resumed = [json.loads(l) for l in text.splitlines() if '"ExecutionResumed"' in l]
    assert resumed[0]["next"] == "S"
    # history prints the journal as it is.
    assert cli.run("history", ex).stdout == text


def test_resume_refuses_to_rerun_a_finished_mutating_task_for_a_secret(cli):
    bump = {"name": "M", "state": {"Type": "Task", "Resource": "counter:Bump",
                                   "Parameters": {"Name": "m"}, "ResultPath": "$.m"}}
    ex = kill_in_sleep(cli, secret_flow([bump]))
    r = cli.run("resume", ex)
    assert r.returncode == 1
    err = one_json_line(r.stdout)
    assert err["Error"] == "Prewarm.ResumeLostSecret"
    assert "counter:Bump" in err["Cause"]
    calls = cli.calls_list()
    assert calls.count("Bump m") == 1 and calls.count("Secret s") == 1
    assert calls.count("SleepStart c") == 1
    events = [json.loads(l) for l in journal_text(cli, ex).splitlines()]
    assert events[-1]["type"] == "ExecutionFailed"
    assert events[-1]["error"] == "Prewarm.ResumeLostSecret"
    # The refusal is final: resuming again reports it, runs nothing.
    again = cli.run("resume", ex)
    assert again.returncode == 1
    assert one_json_line(again.stdout)["Error"] == "Prewarm.ResumeLostSecret"
    assert cli.calls_list() == calls


def test_resume_inside_a_map_fetches_a_redacted_secret_again(cli):
    inner = secret_flow([])
    del inner["States"]["A"]
    inner["StartAt"] = "S"
    flow = {"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": "counter:Read", "Parameters": {"Name": "a"},
              "ResultPath": "$.a", "Next": "Items"},
        "Items": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": inner,
                  "Parameters": {"i.$": "$$.Map.Item.Value"}, "End": True}}}
    cli.write("in.json", '{"items": [1]}')
    cli.write("len.lua", LEN_LUA)
    wf = cli.workflow(flow)
    proc = cli.popen("run", wf, "--input", str(cli.tmp / "in.json"))
    wait_for_call(cli, "SleepStart c")
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=20)
    (ex,) = cli.executions()
    r = cli.run("resume", ex)
    assert r.returncode == 0, r.stderr
    assert one_json_line(r.stdout) == [{"Length": len(SECRET)}]
    calls = cli.calls_list()
    assert calls.count("Secret s") == 2 and calls.count("Read a") == 1
    assert SECRET not in journal_text(cli, ex)

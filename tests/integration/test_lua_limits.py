"""Lua steps stay inside their limits when run by the real `prewarm` binary
(issue 8): a slow string pattern, a finalizer, a hostile error object, an
input larger than the memory cap or nested deeper than the Lua stack all end
by the step's deadline with a named error and an exit code below 128, and a
Lua step out of memory is a task error a Catch takes."""
import json
import signal
import time

from fixtures.prewarm_cli import cli, one_json_line  # noqa: F401

SLOW = "return ('a'):rep(300):find('.-.-.-b')"
HARDER = "return ('a'):rep(5000):find('.-.-.-.-.-.-.-b')"


def lua_flow(cli, script, timeout=1, catch=False):
    cli.write("step.lua", script)
    task = {"Type": "Task", "Resource": "lua:step.lua", "TimeoutSeconds": timeout,
            "End": True}
    states = {"Step": task}
    if catch:
        task["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error",
                          "Next": "Alert"}]
        states["Alert"] = {"Type": "Pass", "Result": "alert sent", "ResultPath": "$.alert",
                           "End": True}
    return cli.workflow({"StartAt": "Step", "States": states})


def run_timed(cli, wf, input_text="{}", timeout=60, config=None):
    inp = cli.write("in.json", input_text)
    extra = ("--config", cli.write("config.json", json.dumps(config))) if config else ()
    t0 = time.monotonic()
    r = cli.run("run", wf, "--input", inp, *extra, timeout=timeout)
    return r, time.monotonic() - t0


def failed_with(r, name):
    assert 0 < r.returncode < 128, (r.returncode, r.stderr[-2000:])
    out = one_json_line(r.stdout)
    assert out["Error"] == name, out
    return out


def test_slow_pattern_ends_at_the_deadline_with_a_timeout(cli):
    for script in (SLOW, HARDER):
        r, took = run_timed(cli, lua_flow(cli, script))
        failed_with(r, "States.Timeout")
        assert took < 3.0, f"{script}: {took:.1f} s under TimeoutSeconds 1"


def test_sigterm_stops_a_step_inside_the_pattern_matcher(cli):
    wf = lua_flow(cli, "while true do ('a'):rep(5000):find('.-.-.-.-.-.-.-b') end", timeout=60)
    inp = cli.write("in.json", "{}")
    proc = cli.popen("run", wf, "--input", inp)
    time.sleep(0.7)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert time.monotonic() - t0 < 3.0, "SIGTERM did not stop the step promptly"
    assert 0 < proc.returncode < 128, (proc.returncode, err[-2000:])
    assert one_json_line(out)["Error"] == "Prewarm.Interrupted"


FINALIZERS = [
    # an __index on the metatable that adds __gc while setmetatable looks
    "local spin = function() while true do end end\n"
    "local mt = setmetatable({}, {__index = function(t, k) rawset(t, '__gc', spin) end})\n"
    "local x = setmetatable({}, mt)\n"
    "rawset(mt, '__gc', spin)\n"
    "return setmetatable({}, {__index = function(t, k)\n"
    "  pcall(setmetatable, {}, {__gc = spin}) return spin() end})",
    # the result's and the error's metamethods are never called by the engine
    "error(setmetatable({}, {__index = function() while true do end end}))",
    # a to-be-closed variable closes under the hook
    "local x <close> = setmetatable({}, {__close = function() while true do end end})\n"
    "while true do end",
]


def test_no_user_code_runs_past_the_deadline(cli):
    for script in FINALIZERS:
        r, took = run_timed(cli, lua_flow(cli, script))
        assert r.returncode < 128, (script, r.returncode, r.stderr[-2000:])
        assert took < 3.0, f"{script}: {took:.1f} s under TimeoutSeconds 1"


def test_throwing_error_object_is_a_named_error(cli):
    script = ("error(setmetatable({}, {__index = function() error('i') end,\n"
              "  __tostring = function() error('t') end}))")
    r, _ = run_timed(cli, lua_flow(cli, script))
    assert "no Error field" in failed_with(r, "States.TaskFailed")["Cause"]


def test_validate_of_a_hostile_lua_workflow_is_bounded(cli):
    for script in (script for script in FINALIZERS + [
            HARDER, "error(setmetatable({}, {__index = function() error('i') end}))",
            "local t = {} while true do t[#t + 1] = ('x'):rep(1 << 20) end"]):
        wf = cli.write("flow.lua", script)
        t0 = time.monotonic()
        r = cli.run("validate", wf, timeout=30)
        took = time.monotonic() - t0
        assert 0 < r.returncode < 128, (script, r.returncode, r.stderr[-2000:])
        assert took < 5.0, f"validate of {script}: {took:.1f} s"


def test_input_larger_than_the_memory_cap_is_a_named_error(cli):
    big = "[" + ",".join(["{}"] * 1_100_000) + "]"
    # Above Step Functions' 256 KiB payload limit too: lift that limit so the
    # input reaches the Lua step, whose memory cap must stop it.
    r, took = run_timed(cli, lua_flow(cli, "return #...", timeout=20), input_text=big,
                        config={"payload_limit_bytes": 16 << 20})
    failed_with(r, "Lua.MemoryLimit")


def test_deeply_nested_input_round_trips(cli):
    for levels in (60, 127):
        doc = "[" * levels + "7" + "]" * levels
        r, _ = run_timed(cli, lua_flow(cli, "return ...", timeout=5), input_text=doc)
        assert r.returncode == 0, r.stderr[-2000:]
        assert one_json_line(r.stdout) == json.loads(doc)


def test_memory_limit_is_caught_and_the_alert_runs(cli):
    wf = lua_flow(cli, "local t = {} while true do t[#t + 1] = ('x'):rep(1 << 20) end",
                  timeout=20, catch=True)
    r, _ = run_timed(cli, wf)
    assert r.returncode == 0, r.stderr[-2000:]
    out = one_json_line(r.stdout)
    assert out["error"]["Error"] == "Lua.MemoryLimit"
    assert out["alert"] == "alert sent"


def test_print_logs_no_addresses(cli):
    r, _ = run_timed(cli, lua_flow(cli, "print({}, print, prewarm.json.null) return 1"))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "table\tfunction\tnull" in r.stderr or "table\\tfunction\\tnull" in r.stderr, r.stderr
    assert "0x" not in r.stderr, r.stderr

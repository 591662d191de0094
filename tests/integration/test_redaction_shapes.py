"""No secret in any output when no plugin registered it: secrets known by
their shape (engine/pw_secret_scan.c). A password in a conninfo or a URI,
a secret-named member (also inside a string that is JSON; PGPASSWORD with
no separator; an array of strings; the value of an ECS or SSM name/value
pair whose name says secret), written into
the workflow's input, a Pass state's Result or a Lua step's output (and
print), and a secret-named workflow variable assigned from an input field
whose name says nothing: none may reach stdout, stderr, the journal,
`history` or `resume`, in any spelling (fixtures/secret_spellings.py).
Resume still works: a killed run whose secrets came from a Pass and a Lua
step runs them again; one whose input held a secret is refused with
Prewarm.ResumeLostSecret. Then `graph` in every format with a state named
after a secret config var that holds a ", <, >, ' and -."""
import json
import signal
import subprocess
import time

from fixtures.prewarm_cli import Cli
from fixtures.secret_spellings import leaks

IN_CONNINFO = "In\"c0n'fo x-1"          # quoted conninfo value: \' and a blank
IN_URI = 'p@ss"w-rd/9'                  # percent-encoded in a URI's userinfo
IN_QUERY = "Qu\"ery-pw7"                # ?password= in a URI query
IN_MEMBER = "Obj\"pw-1\\x"              # {"creds": {"password": ...}}
IN_JSON_TEXT = "J\"son-pw/2"            # {"password": ...} inside a JSON string
IN_CAMEL = "Camel\"Tok3n"               # {"SessionToken": ...}
ASSIGNED = "As\"sign-pw9"               # $.plain -> Assign db_password
IN_ENV_NAME = "Pg\"env-pw3"             # {"PGPASSWORD": ...}: no separator
IN_PAIR = "Ecs\"pair-pw4"               # {"name": "PGPASSWORD", "value": ...}
IN_SSM = "Ssm\"param-pw5"               # {"Name": "/prod/db_password", "Value": ...}
IN_ARRAY = "Arr\"ay-pw6"                # {"password": [...]}
PASS_RESULT = "Pa\"ss-Result"           # a Pass state's literal Result conninfo
LUA_CONNINFO = "Lua\"cinfo8"            # returned and print()ed by a Lua step
LUA_URI = "Lu'a-ur\"i5"                 # in a URI the Lua step returns
INPUT_SECRETS = (IN_CONNINFO, IN_URI, IN_QUERY, IN_MEMBER, IN_JSON_TEXT, IN_CAMEL, ASSIGNED,
                 IN_ENV_NAME, IN_PAIR, IN_SSM, IN_ARRAY)
STEP_SECRETS = (PASS_RESULT, LUA_CONNINFO, LUA_URI)


def pct(s):
    return "".join(c if c.isalnum() else "%%%02X" % ord(c) for c in s)


def conninfo_quote(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


INPUT = {
    "dsn": f"host=db user=app password = {conninfo_quote(IN_CONNINFO)} dbname=shop",
    "url": f"postgresql://app:{pct(IN_URI)}@db:5432/shop?sslmode=require",
    "jdbc": f"postgres://db/shop?user=app&password={pct(IN_QUERY)}&x=1",
    "creds": {"user": "app", "password": IN_MEMBER},
    "doc": json.dumps({"db": {"password": IN_JSON_TEXT}}),
    "aws": {"SessionToken": IN_CAMEL},
    "plain": ASSIGNED,
    "env": {"PGPASSWORD": IN_ENV_NAME, "PGHOST": "db"},
    "environment": [{"name": "PGUSER", "value": "app"}, {"name": "PGPASSWORD", "value": IN_PAIR}],
    "Parameter": {"Name": "/prod/shop/db_password", "Value": IN_SSM, "Version": 3},
    "old": {"password": ["x", IN_ARRAY]},
}

# The step makes its secrets (they are in no journaled input).
LUA = r"""
local pw, upw = %s, %s
local c = "host=db password=" .. pw .. " dbname=shop"
print("connecting with " .. c)
return {conninfo = c, uri = "postgresql://app:" .. upw .. "@db/shop", n = #pw}
""" % (json.dumps(LUA_CONNINFO), json.dumps(LUA_URI))


def flow(nap_ms, with_input):
    """Assign (from the input), Pass (a literal conninfo), Lua, Nap, Bump."""
    states = {
        "Take": {"Type": "Pass", "Next": "Literal",
                 "Assign": {"db_password.$": "$.plain"} if with_input else {"n": 1}},
        "Literal": {"Type": "Pass", "ResultPath": "$.literal", "Next": "Lua",
                    "Result": {"dsn": f"host=h password={PASS_RESULT}"}},
        "Lua": {"Type": "Task", "Resource": "lua:step.lua", "ResultPath": "$.lua",
                "Next": "Nap"},
        "Nap": {"Type": "Task", "Resource": "counter:Sleep", "ResultPath": "$.nap",
                "Parameters": {"Name": "nap", "Ms": nap_ms}, "Next": "Plan"},
        "Plan": {"Type": "Task", "Resource": "counter:Bump", "ResultPath": "$.bump",
                 "End": True, "Parameters": {"Name": "plan", "Dsn.$": "$.literal.dsn",
                                             "Conninfo.$": "$.lua.conninfo"}},
    }
    if with_input:
        states["Plan"]["Parameters"]["Aws.$"] = "$$.Execution.Input.aws"
    return {"StartAt": "Take", "States": states}


def state_files(cli):
    out = {}
    for p in cli.state.rglob("*"):
        if p.is_file():
            out[str(p)] = p.read_bytes()
    return out


def no_leaks(secrets, texts):
    found = [(s, sp, where) for s in secrets for sp, where in leaks(s, texts)]
    assert found == [], found[:5]


def wait_for_call(cli, line, timeout=20):
    end = time.time() + timeout
    while line not in cli.calls_list():
        assert time.time() < end, cli.calls_list()
        time.sleep(0.02)


def test_shaped_secrets_in_input_and_steps_never_leak(tmp_path):
    cli = Cli(tmp_path)
    cli.write("step.lua", LUA)
    wf = cli.workflow(flow(10, True))
    inp = cli.write("input.json", json.dumps(INPUT))
    texts = {}
    for fmt in ("json", "text"):
        r = cli.run("run", wf, "--input", inp, "--log-format", fmt)
        assert r.returncode == 0, r.stderr
        texts[f"run {fmt} stdout"], texts[f"run {fmt} stderr"] = r.stdout.encode(), r.stderr.encode()
    result = json.loads(r.stdout)
    # A dry run journals nothing: its "would call ... with {...}" log line
    # is where the parameters show.
    d = cli.run("run", wf, "--input", inp, "--dry-run", "--log-format", "text")
    assert d.returncode == 0 and "would call counter:Bump" in d.stderr, d.stderr
    assert '"SessionToken":"***"' in d.stderr, d.stderr
    texts["dry-run"] = (d.stdout + d.stderr).encode()
    assert result["creds"]["password"] == "***" and result["aws"]["SessionToken"] == "***"
    assert result["plain"] == "***"
    assert result["url"] == "postgresql://app:***@db:5432/shop?sslmode=require"
    assert result["jdbc"] == "postgres://db/shop?user=app&password=***&x=1"
    assert "password = '***' dbname=shop" in result["dsn"]
    assert result["literal"]["dsn"] == "host=h password=***"
    assert result["lua"]["n"] == len(LUA_CONNINFO)  # the step saw the real value
    assert "connecting with host=db password=*** dbname=shop" in r.stderr
    for ex in cli.executions():
        for cmd in ("history", "resume"):
            h = cli.run(cmd, ex)
            assert h.returncode == 0, h.stderr
            texts[f"{cmd} {ex}"] = (h.stdout + h.stderr).encode()
    journal = [json.loads(line) for f, data in state_files(cli).items()
               for line in data.decode().splitlines()]
    assert any(ev["type"] == "ExecutionStarted" and ev.get("redacted") for ev in journal)
    texts.update(state_files(cli))
    no_leaks(INPUT_SECRETS + STEP_SECRETS, texts)


def test_a_killed_run_resumes_through_steps_that_made_secrets(tmp_path):
    """The Pass and Lua outputs held secrets: resume walks back over them
    (their StateExited are marked redacted) and runs them again."""
    cli = Cli(tmp_path)
    cli.write("step.lua", LUA)
    proc = cli.popen("run", cli.workflow(flow(1500, False)), "--log-format", "json")
    wait_for_call(cli, "SleepStart nap")
    proc.send_signal(signal.SIGKILL)
    _, killed_err = proc.communicate(timeout=20)
    (ex,) = cli.executions()
    r = cli.run("resume", ex, "--log-format", "json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["literal"]["dsn"] == "host=h password=***"
    assert result["lua"]["n"] == len(LUA_CONNINFO)
    assert cli.calls_list().count("Bump plan") == 1
    h = cli.run("history", ex)
    texts = {"killed": killed_err.encode(), "resume": (r.stdout + r.stderr).encode(),
             "history": h.stdout.encode(), **state_files(cli)}
    no_leaks(STEP_SECRETS, texts)


def test_a_killed_run_whose_input_held_a_secret_is_refused(tmp_path):
    cli = Cli(tmp_path)
    cli.write("step.lua", LUA)
    inp = cli.write("input.json", json.dumps(INPUT))
    proc = cli.popen("run", cli.workflow(flow(1500, True)), "--input", inp)
    wait_for_call(cli, "SleepStart nap")
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=20)
    (ex,) = cli.executions()
    r = cli.run("resume", ex)
    assert r.returncode == 1 and json.loads(r.stdout)["Error"] == "Prewarm.ResumeLostSecret"
    no_leaks(INPUT_SECRETS, {"resume": (r.stdout + r.stderr).encode(), **state_files(cli)})


GRAPH_SECRET = "Gr\"aph<x>-y'z"


def test_graph_shows_no_secret_in_any_format(tmp_path):
    """A state named after a secret var: Mermaid writes " as #quot;, DOT
    as \\", Graphviz's SVG as &quot; (and - as &#45;, ' as &#39;)."""
    cli = Cli(tmp_path)
    config = cli.write("config.yaml", json.dumps({"vars": {"db_password": GRAPH_SECRET}}))
    name = f"Use {GRAPH_SECRET}"
    wf = cli.workflow({"StartAt": name, "States": {name: {"Type": "Pass", "End": True}}})
    texts = {}
    for fmt in ("mermaid", "dot", "svg"):
        r = cli.run("graph", wf, "--format", fmt, "--config", config)
        assert r.returncode == 0, r.stderr
        assert "Use ***" in r.stdout, r.stdout
        texts[f"graph {fmt}"] = (r.stdout + r.stderr).encode()
    no_leaks([GRAPH_SECRET], texts)


def test_the_graph_grep_finds_each_format_spelling(tmp_path):
    """Control: with a var named like no secret, each format's spelling is
    there and the grep finds it."""
    cli = Cli(tmp_path)
    name = f"Use {GRAPH_SECRET}"
    wf = cli.workflow({"StartAt": name, "States": {name: {"Type": "Pass", "End": True}}})
    for fmt, spelling in (("mermaid", "Gr#quot;aph#lt;x#gt;-y'z"), ("dot", 'Gr\\"aph<x>-y\'z'),
                          ("svg", "Gr&quot;aph&lt;x&gt;&#45;y&#39;z")):
        r = cli.run("graph", wf, "--format", fmt)
        assert r.returncode == 0, r.stderr
        assert spelling in r.stdout, (fmt, r.stdout)
        assert (spelling, "out") in leaks(GRAPH_SECRET, {"out": r.stdout.encode()})


CAUSE_SECRET = "Ca\"use-pw3"


def test_an_error_cause_holding_a_conninfo_never_leaks(tmp_path):
    """A step that fails saying its conninfo: TaskFailed, ExecutionFailed,
    the error JSON on stdout and the log hide the password."""
    cli = Cli(tmp_path)
    cli.write("fail.lua", "error('cannot connect: host=db password=' .. %s .. ' dbname=x')"
              % json.dumps(CAUSE_SECRET))
    wf = cli.workflow({"StartAt": "F", "States": {
        "F": {"Type": "Task", "Resource": "lua:fail.lua", "End": True}}})
    texts = {}
    for fmt in ("json", "text"):
        r = cli.run("run", wf, "--log-format", fmt)
        assert r.returncode == 1, r.stderr
        assert "password=*** dbname=x" in json.loads(r.stdout)["Cause"]
        texts[f"run {fmt}"] = (r.stdout + r.stderr).encode()
    for ex in cli.executions():
        texts[f"history {ex}"] = cli.run("history", ex).stdout.encode()
    texts.update(state_files(cli))
    no_leaks([CAUSE_SECRET], texts)

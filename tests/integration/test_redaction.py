"""No secret in any output, in any spelling (issue 8 item 9).

A password with the characters that broke redaction (/ with " and \\, and
+ % space from Secrets Manager GetRandomPassword's default set) comes
from a `--var db_password=...` and from moto Secrets Manager. The workflow
spells it every way the engine can: in JSON (json-c escapes / as \\/ in
some places, not in others), JSON inside a JSON string, base64 alone and
inside a longer base64 text, a conninfo in a JSON string, percent-encoded
(form and path) by a Lua step that also print()s it. Then `run` (text and
JSON logs), `run --dry-run`, `history` and `resume` (of a finished run and
of a killed one), and a notification posted to a webhook, must show none of those spellings in stdout, stderr or
any file under the state directory. A control run with a var whose name
does not say "secret" shows that the grep finds the spellings when they
are there (its flow without the conninfo and URI whose shape
would make it one)."""
import base64
import http.server
import json
import os
import threading
import signal
import time
import urllib.parse as up

from fixtures.moto_server import moto_server  # noqa: F401
from fixtures.prewarm_cli import Cli
from fixtures.secret_spellings import json_esc, leaks

# GetRandomPassword's default punctuation is !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
# (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetRandomPassword.html)
VAR_SECRET = 'Vp/a"s\\s+w%2F0 d~*\'!#$&()x'
SM_PASSWORD = 'Sm/p"w\\d+%41 q:@[]^`{|}<>=z'

SPELL_LUA = r"""
local input = ...
local s = input.pw
local function enc(str, keep, plus, fmt)
  return (str:gsub("[^%w" .. keep .. "]", function(c)
    if plus and c == " " then return "+" end
    return string.format(fmt or "%%%02X", string.byte(c))
  end))
end
local conninfo = "host=db user=app password='" .. s:gsub("[\\']", "\\%0") .. "'"
print("connecting with " .. conninfo)
return {
  len = #s,
  conninfo = conninfo,
  form = enc(s, "%-%._%*", true),
  path = enc(s, "%-%._~/", false),
  lower = enc(s, "%-%._~", false, "%%%02x"),
  uri = "postgresql://app:" .. enc(s, "%-%._~", false) .. "@db/shop",
}
"""


def flow(source, nap_ms=200):
    """Every state's data carries the password taken from `source`; Nap
    sleeps nap_ms (long enough to be killed in, where a test does)."""
    return {"StartAt": "Creds", "States": {
        "Creds": {"Type": "Task", "Resource": "secrets:GetSecretValue",
                  "Parameters": {"SecretId": "red/db"}, "ResultPath": "$.sm",
                  "Next": "Spell"},
        "Spell": {"Type": "Pass", "ResultPath": "$.spell", "Next": "Wrap", "Parameters": {
            "pw.$": source,
            "b64.$": f"States.Base64Encode({source})",
            "basic.$": f"States.Base64Encode(States.Format('app:{{}}', {source}))",
            "basic2.$": f"States.Base64Encode(States.Format('a:{{}}', {source}))",
            "basic3.$": f"States.Base64Encode(States.Format('ab:{{}}', {source}))",
            "dsn.$": f"States.Format('host=db password={{}}', {source})"}},
        "Wrap": {"Type": "Pass", "ResultPath": "$.wrapped",
                 "Parameters": {"doc.$": "States.JsonToString($.spell)"}, "Next": "Lua"},
        "Lua": {"Type": "Task", "Resource": "lua:spell.lua",
                "Parameters": {"pw.$": "$.spell.pw"}, "ResultPath": "$.lua", "Next": "Nap"},
        "Nap": {"Type": "Task", "Resource": "counter:Sleep",
                "Parameters": {"Name": "nap", "Ms": nap_ms}, "ResultPath": "$.nap",
                "Next": "Plan"},
        "Plan": {"Type": "Task", "Resource": "counter:Bump", "ResultPath": "$.bump",
                 "End": True, "Parameters": {"Name": "plan", "Conninfo.$": "$.lua.conninfo",
                                             "Uri.$": "$.lua.uri", "Doc.$": "$.wrapped.doc"}},
    }}


class Outputs:
    """Collects every stream and the state directory's files."""

    def __init__(self, cli):
        self.cli = cli
        self.texts = {}

    def add(self, name, r):
        self.texts[f"{name} stdout"] = r.stdout.encode()
        self.texts[f"{name} stderr"] = r.stderr.encode()

    def with_state_files(self):
        out = dict(self.texts)
        for root, _, files in os.walk(self.cli.state):
            for f in files:
                path = os.path.join(root, f)
                with open(path, "rb") as fh:
                    out[path] = fh.read()
        return out


def make_cli(tmp_path, moto_server):
    sm = moto_server.client("secretsmanager")
    try:
        sm.create_secret(Name="red/db", SecretString=json.dumps({
            "username": "app", "password": SM_PASSWORD, "host": "db", "port": 5432,
            "dbname": "shop", "engine": "postgres"}))
    except sm.exceptions.ResourceExistsException:
        pass
    cli = Cli(tmp_path)
    cli.write("spell.lua", SPELL_LUA)
    return cli


def wait_for_call(cli, line, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if line in cli.calls_list():
            return
        time.sleep(0.02)
    raise AssertionError(f"{line!r} never called; calls: {cli.calls_list()}")


def test_a_secret_var_and_a_fetched_password_never_leak(moto_server, tmp_path):
    cli = make_cli(tmp_path, moto_server)
    wf = cli.workflow(flow("$$.Vars.db_password"))
    var = f"db_password={VAR_SECRET}"
    out = Outputs(cli)
    r = cli.run("run", wf, "--var", var, "--log-format", "json")
    assert r.returncode == 0, r.stderr
    out.add("run(json logs)", r)
    result = json.loads(r.stdout)
    assert result["spell"]["pw"] == "***" and result["spell"]["b64"] == "***"
    assert result["lua"]["form"] == "***" and result["lua"]["path"] == "***"
    assert "password='***'" in result["lua"]["conninfo"]
    assert result["sm"]["Credentials"]["password"] == "***"
    # The steps worked on the real value, not on "***".
    assert result["lua"]["len"] == len(VAR_SECRET)
    assert "connecting with" in r.stderr

    r = cli.run("run", wf, "--var", var, "--log-format", "text")
    assert r.returncode == 0, r.stderr
    out.add("run(text logs)", r)

    r = cli.run("run", wf, "--var", var, "--dry-run", "--log-format", "json")
    assert r.returncode == 0, r.stderr
    out.add("dry-run", r)
    assert json.loads(r.stdout)["bump"]["DryRun"] is True
    assert "would call counter:Bump" in r.stderr

    for ex in cli.executions():
        h = cli.run("history", ex)
        assert h.returncode == 0 and h.stdout
        out.add(f"history {ex}", h)
        again = cli.run("resume", ex)  # finished: reports the journaled result
        assert again.returncode == 0, again.stderr
        out.add(f"resume {ex}", again)

    # Killed while it slept, then resumed: vars held a secret, so resume
    # refuses (Prewarm.ResumeLostSecret), saying so without the secret.
    before = set(cli.executions())
    naps = cli.calls_list().count("SleepStart nap")
    proc = cli.popen("run", cli.workflow(flow("$$.Vars.db_password", 1500), "slow.json"),
                     "--var", var)
    end = time.time() + 20
    while cli.calls_list().count("SleepStart nap") == naps and time.time() < end:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=20)
    (last,) = set(cli.executions()) - before
    r = cli.run("resume", last)
    out.add("resume(killed, secret var)", r)
    assert r.returncode == 1 and json.loads(r.stdout)["Error"] == "Prewarm.ResumeLostSecret"

    texts = out.with_state_files()
    assert len([k for k in texts if k.endswith(".jsonl")]) == 3
    for secret in (VAR_SECRET, SM_PASSWORD):
        assert leaks(secret, texts) == []


def test_a_killed_run_resumed_prints_no_secret(moto_server, tmp_path):
    cli = make_cli(tmp_path, moto_server)
    wf = cli.workflow(flow("$.sm.Credentials.password", 1500))
    proc = cli.popen("run", wf, "--log-format", "json")
    wait_for_call(cli, "SleepStart nap")
    proc.send_signal(signal.SIGKILL)
    _, killed_err = proc.communicate(timeout=20)
    (ex,) = cli.executions()
    out = Outputs(cli)
    out.texts["killed run stderr"] = killed_err.encode()
    r = cli.run("resume", ex, "--log-format", "json")
    assert r.returncode == 0, r.stderr
    out.add("resume", r)
    result = json.loads(r.stdout)
    assert result["spell"]["pw"] == "***" and result["lua"]["lower"] == "***"
    assert result["lua"]["len"] == len(SM_PASSWORD)
    assert cli.calls_list().count("Bump plan") == 1
    out.add("history", cli.run("history", ex))
    assert leaks(SM_PASSWORD, out.with_state_files()) == []


def test_the_grep_finds_spellings_of_a_value_that_is_not_secret(moto_server, tmp_path):
    """Control: the same run with a var named like no secret prints the
    value in many spellings, so the checks above are not vacuous."""
    cli = make_cli(tmp_path, moto_server)
    # Without the conninfo and URI, whose shape makes any value a secret
    # (engine/pw_secret_scan.c, test_redaction_shapes.py).
    cli.write("spell.lua", "\n".join(line for line in SPELL_LUA.splitlines()
                                      if "conninfo" not in line and "uri =" not in line))
    plain = flow("$$.Vars.db_plain")
    del plain["States"]["Spell"]["Parameters"]["dsn.$"]
    for key in ("Conninfo.$", "Uri.$"):
        del plain["States"]["Plan"]["Parameters"][key]
    wf = cli.workflow(plain)
    r = cli.run("run", wf, "--var", f"db_plain={VAR_SECRET}", "--dry-run",
                "--log-format", "json")
    assert r.returncode == 0, r.stderr
    out = Outputs(cli)
    out.add("dry-run", r)
    found = {sp for sp, _ in leaks(VAR_SECRET, out.texts)}
    b64 = base64.b64encode(VAR_SECRET.encode()).decode()
    for expected in (json_esc(VAR_SECRET, False), b64[:8 * len(VAR_SECRET) // 6],
                     up.quote_plus(VAR_SECRET, safe="*").replace("~", "%7E")):
        assert expected in found, (expected, sorted(found))
    assert len(found) >= 8


def test_a_notification_sent_out_holds_no_secret(moto_server, tmp_path):
    """notify:Publish posts outside the process: the host redacts it too
    (host->redact, plugin ABI 1.1)."""
    bodies = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        cli = make_cli(tmp_path, moto_server)
        wf = cli.workflow({"StartAt": "Creds", "States": {
            "Creds": {"Type": "Task", "Resource": "secrets:GetSecretValue",
                      "Parameters": {"SecretId": "red/db"}, "ResultPath": "$.sm",
                      "Next": "Alert"},
            "Alert": {"Type": "Task", "Resource": "notify:Publish", "End": True,
                      "Parameters": {
                          "Target": "webhook",
                          "Url": f"http://127.0.0.1:{server.server_port}/hook",
                          "Subject.$": "$.sm.Credentials.password",
                          "Template": "careless: password {sm.Credentials.password} "
                                      "secret {sm.SecretString}",
                          "Data.$": "$"}}}})
        r = cli.run("run", wf)
        assert r.returncode == 0, r.stderr
    finally:
        server.shutdown()
    assert len(bodies) == 1
    text = json.loads(bodies[0])["text"]
    assert text == "*****\ncareless: password *** secret ***"  # *Subject*, then text
    assert leaks(SM_PASSWORD, {"webhook body": bodies[0], "stdout": r.stdout.encode(),
                               "stderr": r.stderr.encode()}) == []

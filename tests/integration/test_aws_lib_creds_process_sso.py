"""credential_process and SSO profiles in the AWS library's credential
chain (plugins/aws/aws_creds_process.c, aws_creds_sso.c), driven through
tests/unit/aws-probe: the command runs without a shell, its Expiration is
honoured, every failure names the profile and never falls through to
the instance role; the SSO token cached by the AWS CLI is found by its
file name rule and sent to a local GetRoleCredentials listener; no
secret reaches any output."""
import hashlib
import json
import sys
import time
from datetime import datetime, timedelta, timezone

from fixtures.http_stub import (Reply, clean_aws_env, http_stub,  # noqa: F401
                                run_probe)

SECRET = "procSecret/DoNotLog+0123456789abcdefghijkl"
TOKEN = "procSessionTokenDoNotLog0123456789abcdef"
BEARER = "ssoBearerTokenDoNotLog0123456789abcdefgh"


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


def iso(seconds_from_now):
    t = datetime.now(timezone.utc) + timedelta(seconds=seconds_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def write_config(tmp_path, text):
    aws = tmp_path / ".aws"
    aws.mkdir(exist_ok=True)
    (aws / "config").write_text(text)


def imds_with_credentials(stub):
    """An instance role that must NOT be used when a profile is broken."""
    stub.route("PUT", "/latest/api/token", Reply(200, "imds-token"))
    stub.route("GET", "/latest/meta-data/iam/security-credentials/", Reply(200, "role"))
    stub.route("GET", "/latest/meta-data/iam/security-credentials/role", Reply(200, json.dumps({
        "AccessKeyId": "ASIAIMDS", "SecretAccessKey": "imds", "Token": "t",
        "Expiration": iso(3600), "Code": "Success"})))


def no_leak(r, *secrets):
    for s in secrets:
        assert s not in r.stdout and s not in r.stderr, s


# ---- credential_process

PROCESS = r"""
import json, os, sys, time
log = os.environ["PROC_LOG"]
with open(log, "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\n")
fds = [int(x) for x in os.listdir("/proc/self/fd")]  # what it inherited
with open(log + ".fds", "w") as f:
    json.dump({"fds": fds, "stdin": os.readlink("/proc/self/fd/0")}, f)
mode = os.environ.get("PROC_MODE", "ok")
if mode == "fail":
    sys.stderr.write("token for account expired: please log in\n")
    sys.exit(3)
if mode == "sleep":
    time.sleep(20)
if mode == "big":
    sys.stdout.write("x" * 200000)
    sys.exit(0)
doc = {"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": os.environ["PROC_SECRET"],
       "SessionToken": os.environ["PROC_TOKEN"]}
if mode == "v2":
    doc["Version"] = 2
if mode == "nosecret":
    del doc["SecretAccessKey"]
if mode == "garbage":
    sys.stdout.write("not json " + os.environ["PROC_SECRET"])
    sys.exit(0)
if os.environ.get("PROC_EXPIRES"):
    doc["Expiration"] = os.environ["PROC_EXPIRES"]
json.dump(doc, sys.stdout)
"""


def process_env(tmp_path, command, **extra):
    script = tmp_path / "cred_proc.py"
    script.write_text(PROCESS)
    cmd = command.format(py=sys.executable, script=script)
    write_config(tmp_path, f"[profile proc]\nregion = eu-west-1\ncredential_process = {cmd}\n")
    return clean_aws_env(tmp_path, AWS_PROFILE="proc", PROC_LOG=tmp_path / "runs.log",
                         PROC_SECRET=SECRET, PROC_TOKEN=TOKEN, **extra)


def runs(tmp_path):
    log = tmp_path / "runs.log"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_credential_process_runs_without_a_shell(tmp_path):
    env = process_env(tmp_path, "{py} {script} 'two words' \"a\\\"b\" $HOME ';echo' x\\ y",
                      PROC_EXPIRES=iso(3600))
    r = run_probe(env, "creds")
    assert r.rc == 0, r.stdout + r.stderr
    c = r.out[0]
    assert c["source"] == "profile proc (credential_process)"
    assert c["access_key_id"] == "ASIAPROC" and c["secret_sha256"] == sha(SECRET)
    assert c["has_session_token"] is True
    assert abs(c["expiration"] - (time.time() + 3600)) < 60
    # split as shlex.split does; no shell: $HOME and ; are plain text
    assert runs(tmp_path) == [["two words", 'a"b', "$HOME", ";echo", "x y"]]
    # stdin is /dev/null and none of the probe's descriptors (its pipe
    # ends, sockets) leaked in; the one above 2 is listdir's own

    inherited = json.loads((tmp_path / "runs.log.fds").read_text())
    assert inherited["stdin"] == "/dev/null"
    assert len([fd for fd in inherited["fds"] if fd > 2]) <= 1, inherited
    assert r.counter("secrets_registered") == 2
    no_leak(r, SECRET, TOKEN)


def test_credential_process_expiration_is_honoured(tmp_path):
    # valid for an hour: run once for three uses
    env = process_env(tmp_path, "{py} {script}", PROC_EXPIRES=iso(3600))
    assert run_probe(env, "creds", "3").rc == 0
    assert len(runs(tmp_path)) == 1
    # within the 5-minute refresh margin: run again at every use
    (tmp_path / "runs.log").unlink()
    env["PROC_EXPIRES"] = iso(120)
    r = run_probe(env, "creds", "3")
    assert r.rc == 0 and len(runs(tmp_path)) == 3
    # already expired: an error, not stale credentials
    env["PROC_EXPIRES"] = iso(-60)
    r = run_probe(env, "creds")
    assert r.rc == 1 and r.out["Error"] == "AWS.InvalidCredentials"
    assert "profile 'proc'" in r.out["Cause"] and "expired" in r.out["Cause"]
    # no Expiration: long-term, never refreshed
    (tmp_path / "runs.log").unlink()
    del env["PROC_EXPIRES"]
    r = run_probe(env, "creds", "3")
    assert r.rc == 0 and r.out[0]["expiration"] == 0 and len(runs(tmp_path)) == 1


def test_credential_process_failures_name_the_profile(tmp_path, http_stub):
    imds_with_credentials(http_stub)
    imds = {"AWS_EC2_METADATA_DISABLED": None,
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": http_stub.url}
    cases = [
        ({"PROC_MODE": "fail"}, "AWS.CredentialProcessFailed",
         "exited with status 3: token for account expired: please log in"),
        ({"PROC_MODE": "v2"}, "AWS.InvalidCredentials", '"Version": 1'),
        ({"PROC_MODE": "nosecret"}, "AWS.InvalidCredentials", "has no SecretAccessKey"),
        ({"PROC_MODE": "garbage"}, "AWS.InvalidCredentials", "not a JSON object"),
        ({"PROC_MODE": "big"}, "AWS.CredentialProcessFailed", "more than 65536 bytes"),
    ]
    for extra, name, text in cases:
        env = process_env(tmp_path, "{py} {script}", **imds, **extra)
        r = run_probe(env, "creds")
        assert r.rc == 1, (extra, r.stdout)
        assert r.out["Error"] == name, r.out
        assert "profile 'proc'" in r.out["Cause"] and text in r.out["Cause"], r.out
        no_leak(r, SECRET, TOKEN)
    # never a silent fall-through to the instance role
    assert not any(q.path.endswith("/role") for q in http_stub.requests)


def test_credential_process_is_bounded_in_time(tmp_path):
    env = process_env(tmp_path, "{py} {script}", PROC_MODE="sleep",
                      PREWARM_CREDENTIAL_PROCESS_TIMEOUT_MS=500)
    t0 = time.monotonic()
    r = run_probe(env, "creds")
    assert time.monotonic() - t0 < 5
    assert r.out["Error"] == "AWS.CredentialProcessFailed"
    assert "did not finish within 500 ms" in r.out["Cause"]


def test_credential_process_bad_commands(tmp_path):
    env = process_env(tmp_path, "/nonexistent/helper --x")
    r = run_probe(env, "creds")
    assert r.out["Error"] == "AWS.CredentialProcessFailed"
    assert "cannot run '/nonexistent/helper'" in r.out["Cause"]
    env = process_env(tmp_path, "{py} '{script}")
    r = run_probe(env, "creds")
    assert r.out["Error"] == "AWS.InvalidConfiguration"
    assert "profile 'proc': credential_process" in r.out["Cause"]
    assert "no closing quotation" in r.out["Cause"]


# ---- SSO

START_URL = "https://d-1234567890.awsapps.com/start"


def role_credentials(expires_ms):
    return json.dumps({"roleCredentials": {
        "accessKeyId": "ASIASSO", "secretAccessKey": SECRET,
        "sessionToken": TOKEN, "expiration": expires_ms}})


def write_token(tmp_path, key, expires_in=3600, token=BEARER):
    cache = tmp_path / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / (hashlib.sha1(key.encode()).hexdigest() + ".json")
    path.write_text(json.dumps({"startUrl": START_URL, "region": "eu-west-1",
                                "accessToken": token, "expiresAt": iso(expires_in)}))
    return path


SESSION_CONFIG = f"""[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Read Only
region = eu-west-1

[sso-session corp]
sso_start_url = {START_URL}
sso_region = eu-central-1
sso_registration_scopes = sso:account:access
"""


def sso_env(tmp_path, stub, **extra):
    return clean_aws_env(tmp_path, AWS_PROFILE="dev", AWS_ENDPOINT_URL_SSO=stub.url, **extra)


def test_sso_session_profile(tmp_path, http_stub):
    write_config(tmp_path, SESSION_CONFIG)
    write_token(tmp_path, "corp")
    exp_ms = int((time.time() + 3600) * 1000)
    http_stub.route("GET", "/federation/credentials", Reply(200, role_credentials(exp_ms)))
    r = run_probe(sso_env(tmp_path, http_stub), "creds")
    assert r.rc == 0, r.stdout + r.stderr
    c = r.out[0]
    assert c["source"] == "profile dev (sso)" and c["access_key_id"] == "ASIASSO"
    assert c["secret_sha256"] == sha(SECRET) and c["has_session_token"] is True
    assert c["expiration"] == exp_ms // 1000
    (q,) = http_stub.requests
    assert q.method == "GET" and q.path == "/federation/credentials"
    assert dict(p.split("=", 1) for p in q.query.split("&")) == {
        "account_id": "123456789012", "role_name": "Read%20Only"}
    assert q.headers["x-amz-sso_bearer_token"] == BEARER
    # bearer token, secret key and session token registered for redaction
    assert r.counter("secrets_registered") == 3
    no_leak(r, SECRET, TOKEN, BEARER)


def test_legacy_sso_profile_uses_the_start_url_cache_key(tmp_path, http_stub):
    write_config(tmp_path, f"""[profile dev]
sso_start_url = {START_URL}
sso_region = us-west-2
sso_account_id = 123456789012
sso_role_name = Admin
""")
    write_token(tmp_path, START_URL)
    http_stub.route("GET", "/federation/credentials",
                    Reply(200, role_credentials(int((time.time() + 900) * 1000))))
    r = run_probe(sso_env(tmp_path, http_stub), "creds")
    assert r.rc == 0, r.stdout
    assert r.out[0]["source"] == "profile dev (sso)"


def test_sso_errors_name_the_profile_and_the_missing_piece(tmp_path, http_stub):
    imds_with_credentials(http_stub)
    env = sso_env(tmp_path, http_stub, AWS_EC2_METADATA_DISABLED=None,
                  AWS_EC2_METADATA_SERVICE_ENDPOINT=http_stub.url)

    def fails(config, name, text, token_key="corp", **token):
        write_config(tmp_path, config)
        cache = tmp_path / ".aws" / "sso" / "cache"
        for f in cache.glob("*.json") if cache.exists() else []:
            f.unlink()
        if token_key is not None:
            write_token(tmp_path, token_key, **token)
        r = run_probe(env, "creds")
        assert r.rc == 1, r.stdout
        assert r.out["Error"] == name, r.out
        assert text in r.out["Cause"], r.out["Cause"]
        no_leak(r, BEARER, SECRET, TOKEN)
        return r

    fails(SESSION_CONFIG.replace("sso_region = eu-central-1\n", ""),
          "AWS.InvalidConfiguration", "profile 'dev': sso_session 'corp' has no sso_region")
    fails(SESSION_CONFIG.replace("[sso-session corp]", "[sso-session other]"),
          "AWS.InvalidConfiguration", "profile 'dev': sso_session 'corp' has no [sso-session corp]")
    fails(SESSION_CONFIG.replace("sso_role_name = Read Only\n", ""),
          "AWS.InvalidConfiguration", "profile 'dev': SSO profile has no sso_role_name")
    fails("[profile dev]\nsso_start_url = https://x/start\nsso_account_id = 1\nsso_role_name = r\n",
          "AWS.InvalidConfiguration", "sso_region is missing", token_key=None)
    fails(SESSION_CONFIG.replace("region = eu-west-1", "sso_region = us-east-1"),
          "AWS.InvalidConfiguration", "profile 'dev': sso_region differs")
    r = fails(SESSION_CONFIG, "AWS.NoCredentials", "profile 'dev': no cached SSO token",
              token_key=None)
    assert hashlib.sha1(b"corp").hexdigest() + ".json" in r.out["Cause"]
    assert "aws sso login --profile dev" in r.out["Cause"]
    fails(SESSION_CONFIG, "AWS.ExpiredToken", "profile 'dev': the SSO token for sso_session "
          "'corp' expired", expires_in=-10)
    # the portal refuses the token
    http_stub.route("GET", "/federation/credentials",
                    Reply(401, '{"message":"Session token not found or invalid"}',
                          {"x-amzn-ErrorType": "UnauthorizedException:http://internal"}))
    r = fails(SESSION_CONFIG, "SSO.UnauthorizedException", "profile 'dev': SSO "
              "GetRoleCredentials for account 123456789012 role Read Only answered HTTP 401")
    assert "aws sso login --profile dev" in r.out["Cause"]
    # never a silent fall-through to the instance role
    assert not any(q.path.endswith("/role") for q in http_stub.requests)

"""The AWS library's credential chain (plugins/aws/aws_creds.c), driven
through tests/unit/aws-probe: every source, its order, expiry and refresh,
and the errors a user sees when nothing is configured."""
import hashlib
import json
import time
from datetime import datetime, timedelta, timezone

from fixtures.http_stub import (Reply, clean_aws_env, http_stub,  # noqa: F401
                                run_probe)

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEXAMPLEsessionTOKENvalue0123456789"


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def creds_doc(key, secret=SECRET, token=TOKEN, expires_in=3600):
    exp = datetime.now(timezone.utc) + timedelta(seconds=expires_in)
    return json.dumps({"AccessKeyId": key, "SecretAccessKey": secret,
                       "Token": token, "Expiration": iso(exp), "Code": "Success"})


def test_environment_credentials(tmp_path):
    env = clean_aws_env(tmp_path, AWS_ACCESS_KEY_ID="AKIDENV",
                        AWS_SECRET_ACCESS_KEY=SECRET, AWS_SESSION_TOKEN=TOKEN)
    r = run_probe(env, "creds")
    assert r.rc == 0, r.stdout
    c = r.out[0]
    assert (c["source"], c["access_key_id"]) == ("environment", "AKIDENV")
    assert c["secret_sha256"] == sha(SECRET)
    assert c["has_session_token"] is True
    assert c["expiration"] == 0
    # the secret key and the session token were registered for redaction
    assert r.counter("secrets_registered") == 2


def write_files(tmp_path, credentials=None, config=None):
    aws = tmp_path / ".aws"
    aws.mkdir(exist_ok=True)
    if credentials is not None:
        (aws / "credentials").write_text(credentials)
    if config is not None:
        (aws / "config").write_text(config)


def test_shared_credentials_file_profile(tmp_path):
    write_files(tmp_path, credentials=(
        "# comment\n[default]\naws_access_key_id = AKIDDEFAULT\n"
        f"aws_secret_access_key = other\n\n[prod]\naws_access_key_id=AKIDPROD\n"
        f"aws_secret_access_key = {SECRET}\n"))
    env = clean_aws_env(tmp_path, AWS_PROFILE="prod")
    r = run_probe(env, "creds")
    assert r.rc == 0, r.stdout
    assert r.out[0]["source"] == "profile prod"
    assert r.out[0]["access_key_id"] == "AKIDPROD"
    assert r.out[0]["secret_sha256"] == sha(SECRET)
    # without AWS_PROFILE: [default]
    r = run_probe(clean_aws_env(tmp_path), "creds")
    assert r.out[0]["access_key_id"] == "AKIDDEFAULT"


def test_config_file_profile_with_region_and_custom_paths(tmp_path):
    cfg = tmp_path / "elsewhere.ini"
    cfg.write_text("[profile ops]\nregion = eu-west-3\naws_access_key_id = AKIDOPS\n"
                   f"aws_secret_access_key = {SECRET}\n"
                   "s3 =\n  max_concurrent_requests = 4\n")
    env = clean_aws_env(tmp_path, AWS_CONFIG_FILE=cfg,
                        AWS_SHARED_CREDENTIALS_FILE=tmp_path / "none",
                        AWS_PROFILE="ops", AWS_REGION=None)
    r = run_probe(env, "creds")
    assert r.rc == 0, r.stdout
    assert r.out[0]["access_key_id"] == "AKIDOPS"
    r = run_probe(env, "config")
    assert r.out == {"region": "eu-west-3",
                     "endpoint": "https://rds.eu-west-3.amazonaws.com"}
    # AWS_REGION wins over the profile, AWS_DEFAULT_REGION too
    env["AWS_DEFAULT_REGION"] = "ap-south-1"
    assert run_probe(env, "config").out["region"] == "ap-south-1"
    env["AWS_REGION"] = "us-west-2"
    assert run_probe(env, "config").out["region"] == "us-west-2"


def test_profile_that_does_not_exist_is_a_clear_error(tmp_path):
    write_files(tmp_path, credentials="[default]\naws_access_key_id=A\n"
                "aws_secret_access_key=B\n")
    env = clean_aws_env(tmp_path, AWS_PROFILE="nope")
    r = run_probe(env, "creds")
    assert r.rc == 1
    assert r.out["Error"] == "AWS.ProfileNotFound"
    assert "'nope'" in r.out["Cause"]
    assert str(tmp_path / ".aws" / "credentials") in r.out["Cause"]


def test_malformed_config_file_names_file_and_line(tmp_path):
    write_files(tmp_path, config="[default]\nregion = us-east-1\nthis is not ini\n")
    r = run_probe(clean_aws_env(tmp_path), "creds")
    assert r.rc == 1
    assert r.out["Error"] == "AWS.InvalidConfiguration"
    assert f"{tmp_path}/.aws/config:3" in r.out["Cause"]


def test_no_credentials_names_every_source(tmp_path):
    r = run_probe(clean_aws_env(tmp_path), "creds")
    assert r.rc == 1
    assert r.out["Error"] == "AWS.NoCredentials"
    cause = r.out["Cause"]
    for source in ("environment (AWS_ACCESS_KEY_ID not set)",
                   "web identity (AWS_WEB_IDENTITY_TOKEN_FILE not set)",
                   "shared files (no profile 'default'",
                   "ECS (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                   "IMDSv2 (AWS_EC2_METADATA_DISABLED=true)"):
        assert source in cause, cause


def test_no_region_is_a_clear_error(tmp_path):
    r = run_probe(clean_aws_env(tmp_path, AWS_REGION=None), "config")
    assert r.rc == 1
    assert r.out["Error"] == "AWS.InvalidConfiguration"
    assert "AWS_REGION" in r.out["Cause"]


STS_OK = """<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <Credentials>
      <AccessKeyId>ASIAWEBID</AccessKeyId>
      <SecretAccessKey>{secret}</SecretAccessKey>
      <SessionToken>{token}</SessionToken>
      <Expiration>{exp}</Expiration>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>"""


def test_web_identity_assumes_role_through_sts(tmp_path, http_stub):
    exp = iso(datetime.now(timezone.utc) + timedelta(hours=1))
    http_stub.route("POST", "/", Reply(200, STS_OK.format(secret=SECRET, token=TOKEN,
                                                          exp=exp)))
    tok = tmp_path / "token"
    tok.write_text("eyJhbGciOiJSUzI1NiJ9.web-identity-jwt\n")
    env = clean_aws_env(tmp_path, AWS_WEB_IDENTITY_TOKEN_FILE=tok,
                        AWS_ROLE_ARN="arn:aws:iam::123456789012:role/prewarm",
                        AWS_ROLE_SESSION_NAME="s1",
                        AWS_ENDPOINT_URL_STS=http_stub.url)
    r = run_probe(env, "creds")
    assert r.rc == 0, r.stdout
    c = r.out[0]
    assert (c["source"], c["access_key_id"]) == ("web identity", "ASIAWEBID")
    assert c["has_session_token"] and c["secret_sha256"] == sha(SECRET)
    form = http_stub.requests[0].form()
    assert form["Action"] == "AssumeRoleWithWebIdentity"
    assert form["RoleArn"] == "arn:aws:iam::123456789012:role/prewarm"
    assert form["RoleSessionName"] == "s1"
    assert form["WebIdentityToken"] == "eyJhbGciOiJSUzI1NiJ9.web-identity-jwt"
    assert "authorization" not in http_stub.requests[0].headers  # unsigned
    # the web identity token is registered as a secret too
    assert r.counter("secrets_registered") == 3


def test_web_identity_refused_by_sts(tmp_path, http_stub):
    http_stub.route("POST", "/", Reply(400, "<ErrorResponse><Error><Type>Sender</Type>"
                                       "<Code>InvalidIdentityToken</Code><Message>"
                                       "bad jwt</Message></Error></ErrorResponse>"))
    tok = tmp_path / "token"
    tok.write_text("jwt")
    env = clean_aws_env(tmp_path, AWS_WEB_IDENTITY_TOKEN_FILE=tok,
                        AWS_ROLE_ARN="arn:aws:iam::1:role/r",
                        AWS_ENDPOINT_URL=http_stub.url)
    r = run_probe(env, "creds")
    assert r.rc == 1
    assert r.out["Error"] == "STS.InvalidIdentityToken"
    assert "web identity" in r.out["Cause"] and "bad jwt" in r.out["Cause"]


def test_ecs_full_uri_with_authorization_token(tmp_path, http_stub):
    def answer(req):
        if req.headers.get("authorization") != "ecs-auth-token-1234":
            return Reply(401, "no")
        return Reply(200, creds_doc("ASIAECS"))
    http_stub.route("GET", "/v2/credentials/abc", answer)
    env = clean_aws_env(tmp_path,
                        AWS_CONTAINER_CREDENTIALS_FULL_URI=http_stub.url + "/v2/credentials/abc",
                        AWS_CONTAINER_AUTHORIZATION_TOKEN="ecs-auth-token-1234")
    r = run_probe(env, "creds")
    assert r.rc == 0, r.stdout
    assert (r.out[0]["source"], r.out[0]["access_key_id"]) == ("ecs", "ASIAECS")
    assert r.out[0]["expiration"] > time.time() + 3000
    # the token can come from a file (EKS Pod Identity does that)
    f = tmp_path / "ecs-token"
    f.write_text("ecs-auth-token-1234\n")
    del env["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
    env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = str(f)
    assert run_probe(env, "creds").out[0]["access_key_id"] == "ASIAECS"
    # a wrong token: the error says which source failed
    f.write_text("wrong")
    r = run_probe(env, "creds")
    assert r.rc == 1 and "ECS credentials" in r.out["Cause"] and "401" in r.out["Cause"]


def test_temporary_credentials_are_refreshed_before_they_expire(tmp_path, http_stub):
    served = []

    def answer(expires_in):
        def reply(req):
            served.append(1)
            return Reply(200, creds_doc(f"ASIA{len(served)}", expires_in=expires_in))
        return reply

    # expiring in 2 minutes: inside the 5-minute margin, so every use refetches
    http_stub.route("GET", "/creds", answer(120))
    env = clean_aws_env(tmp_path, AWS_CONTAINER_CREDENTIALS_FULL_URI=http_stub.url + "/creds")
    r = run_probe(env, "creds", "3")
    assert r.rc == 0, r.stdout
    assert [c["access_key_id"] for c in r.out] == ["ASIA1", "ASIA2", "ASIA3"]
    # expiring in an hour: fetched once, reused
    served.clear()
    http_stub.route("GET", "/creds", answer(3600))
    r = run_probe(env, "creds", "3")
    assert [c["access_key_id"] for c in r.out] == ["ASIA1"] * 3
    assert len(served) == 1


def imds_routes(stub, role="prewarm-role"):
    def token(req):
        if req.headers.get("x-aws-ec2-metadata-token-ttl-seconds") != "21600":
            return Reply(400, "missing ttl")
        return Reply(200, "imds-session-token-xyz")

    def need_token(body):
        def reply(req):
            if req.headers.get("x-aws-ec2-metadata-token") != "imds-session-token-xyz":
                return Reply(401, "")
            return Reply(200, body)
        return reply
    stub.route("PUT", "/latest/api/token", token)
    stub.route("GET", "/latest/meta-data/iam/security-credentials/", need_token(role + "\n"))
    stub.route("GET", f"/latest/meta-data/iam/security-credentials/{role}",
               need_token(creds_doc("ASIAIMDS")))


def test_imdsv2_with_endpoint_override(tmp_path, http_stub):
    imds_routes(http_stub)
    env = clean_aws_env(tmp_path, AWS_EC2_METADATA_DISABLED=None,
                        AWS_EC2_METADATA_SERVICE_ENDPOINT=http_stub.url + "/")
    r = run_probe(env, "creds")
    assert r.rc == 0, r.stdout
    assert (r.out[0]["source"], r.out[0]["access_key_id"]) == ("imds", "ASIAIMDS")
    assert [q.method for q in http_stub.requests] == ["PUT", "GET", "GET"]
    # the metadata token is a secret too
    assert r.counter("secrets_registered") == 3
    # disabled: not even asked
    http_stub.requests.clear()
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    r = run_probe(env, "creds")
    assert r.out["Error"] == "AWS.NoCredentials" and http_stub.requests == []


def test_imds_unreachable_is_reported_quickly(tmp_path, http_stub):
    http_stub.close()  # a port nobody listens on
    env = clean_aws_env(tmp_path, AWS_EC2_METADATA_DISABLED=None,
                        AWS_EC2_METADATA_SERVICE_ENDPOINT=http_stub.url)
    t0 = time.monotonic()
    r = run_probe(env, "creds")
    assert time.monotonic() - t0 < 5
    assert r.out["Error"] == "AWS.NoCredentials"
    assert "IMDSv2 (PUT " in r.out["Cause"] and http_stub.url in r.out["Cause"]


def test_chain_order(tmp_path, http_stub):
    """environment, then web identity, then shared files, then ECS, then IMDS"""
    write_files(tmp_path, credentials="[default]\naws_access_key_id=AKIDFILE\n"
                "aws_secret_access_key=s\n")
    http_stub.route("GET", "/creds", Reply(200, creds_doc("ASIAECS")))
    imds_routes(http_stub)
    env = clean_aws_env(tmp_path, AWS_CONTAINER_CREDENTIALS_FULL_URI=http_stub.url + "/creds",
                        AWS_EC2_METADATA_DISABLED=None,
                        AWS_EC2_METADATA_SERVICE_ENDPOINT=http_stub.url,
                        AWS_ACCESS_KEY_ID="AKIDENV", AWS_SECRET_ACCESS_KEY="s")
    assert run_probe(env, "creds").out[0]["source"] == "environment"
    del env["AWS_ACCESS_KEY_ID"]
    assert run_probe(env, "creds").out[0]["source"] == "profile default"
    (tmp_path / ".aws" / "credentials").unlink()
    assert run_probe(env, "creds").out[0]["source"] == "ecs"
    del env["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    assert run_probe(env, "creds").out[0]["source"] == "imds"


ASSUME_ROLE_OK = STS_OK.replace("AssumeRoleWithWebIdentity", "AssumeRole").replace(
    "ASIAWEBID", "ASIAROLE")


def test_profile_role_with_source_profile(tmp_path, http_stub):
    from fixtures.http_stub import verify_sigv4
    exp = iso(datetime.now(timezone.utc) + timedelta(hours=1))
    http_stub.route("POST", "/", Reply(200, ASSUME_ROLE_OK.format(secret=SECRET, token=TOKEN,
                                                                  exp=exp)))
    base_secret = "baseSecretKey0123456789"
    write_files(tmp_path, credentials=f"[base]\naws_access_key_id=AKIDBASE\n"
                f"aws_secret_access_key={base_secret}\n",
                config="[profile ops]\nrole_arn = arn:aws:iam::1:role/ops\n"
                "source_profile = base\nrole_session_name = sess\nexternal_id = ext-1\n"
                "duration_seconds = 1800\n")
    env = clean_aws_env(tmp_path, AWS_PROFILE="ops", AWS_ENDPOINT_URL_STS=http_stub.url)
    r = run_probe(env, "creds")
    assert r.rc == 0, r.stdout
    assert (r.out[0]["source"], r.out[0]["access_key_id"]) == ("profile ops (role)", "ASIAROLE")
    req = http_stub.requests[0]
    assert req.form() == {"Action": "AssumeRole", "Version": "2011-06-15",
                          "RoleArn": "arn:aws:iam::1:role/ops", "RoleSessionName": "sess",
                          "DurationSeconds": "1800", "ExternalId": "ext-1"}
    # signed with the source profile's keys, for STS
    assert "Credential=AKIDBASE/" in req.headers["authorization"]
    assert "/sts/aws4_request" in req.headers["authorization"]
    verify_sigv4(req, base_secret)


def test_profile_role_errors(tmp_path, http_stub):
    http_stub.route("POST", "/", Reply(403, "<ErrorResponse><Error><Code>AccessDenied</Code>"
                                       "<Message>not trusted</Message></Error></ErrorResponse>"))
    write_files(tmp_path, credentials="[base]\naws_access_key_id=A\naws_secret_access_key=B\n",
                config="[profile ops]\nrole_arn = arn:aws:iam::1:role/ops\nsource_profile = base\n"
                "[profile loop]\nrole_arn = r\nsource_profile = loop2\n"
                "[profile loop2]\nrole_arn = r\nsource_profile = loop\n"
                "[profile orphan]\nrole_arn = r\nsource_profile = gone\n"
                "[profile env]\nrole_arn = r\ncredential_source = Environment\n")
    env = clean_aws_env(tmp_path, AWS_ENDPOINT_URL_STS=http_stub.url)
    env["AWS_PROFILE"] = "ops"
    r = run_probe(env, "creds")
    assert r.out["Error"] == "AWS.AccessDenied"
    assert "profile ops (role): STS AssumeRole" in r.out["Cause"] and "not trusted" in r.out["Cause"]
    env["AWS_PROFILE"] = "loop"
    r = run_probe(env, "creds")
    assert r.out["Error"] == "AWS.InvalidConfiguration" and "loop" in r.out["Cause"]
    env["AWS_PROFILE"] = "orphan"
    assert run_probe(env, "creds").out["Error"] == "AWS.ProfileNotFound"
    env["AWS_PROFILE"] = "env"  # credential_source = Environment, but none there
    r = run_probe(env, "creds")
    assert r.out["Error"] == "AWS.NoCredentials" and "AWS_ACCESS_KEY_ID" in r.out["Cause"]

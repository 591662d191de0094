"""The AWS library's protocols and retries (plugins/aws), driven through
tests/unit/aws-probe against a scripted local listener: what goes on the
wire (checked with an independent SigV4 verifier), how responses and
errors come back, retries, timeouts, connection reuse, and that no secret
reaches a log line."""
import datetime
import json
import re
import time

import pytest

from fixtures.http_stub import (Reply, clean_aws_env, http_stub,  # noqa: F401
                                run_probe, verify_sigv4)

SECRET = "pwLibSecret/DoNotLog+0123456789abcdefghij"
TOKEN = "pwLibSessionTokenDoNotLog0123456789"

DESCRIBE_ONE = """<DescribeDBInstancesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <DescribeDBInstancesResult>
    <DBInstances>
      <DBInstance>
        <DBInstanceIdentifier>reader-1</DBInstanceIdentifier>
        <DBInstanceStatus>available</DBInstanceStatus>
        <Endpoint><Address>reader-1.x.rds.amazonaws.com</Address><Port>5432</Port></Endpoint>
        <MultiAZ>false</MultiAZ>
        <DbiResourceId>12345</DbiResourceId>
      </DBInstance>
    </DBInstances>
    {marker}
  </DescribeDBInstancesResult>
  <ResponseMetadata><RequestId>abc</RequestId></ResponseMetadata>
</DescribeDBInstancesResponse>"""


def rds_error(code, message="it failed", status=400):
    return Reply(status, f"""<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>
  <RequestId>r</RequestId></ErrorResponse>""")


def env_for(tmp_path, stub, **extra):
    return clean_aws_env(tmp_path, AWS_ACCESS_KEY_ID="AKIDLIB",
                         AWS_SECRET_ACCESS_KEY=SECRET, AWS_SESSION_TOKEN=TOKEN,
                         AWS_ENDPOINT_URL=stub.url, **extra)


LISTS = ("--lists", "DBInstances")


def test_query_request_and_response(tmp_path, http_stub):
    http_stub.route("POST", "/", Reply(200, DESCRIBE_ONE.format(marker="")))
    params = {"DBInstanceIdentifier": "reader-1", "MaxRecords": 20,
              "Filters": [{"Name": "db-cluster-id", "Values": ["c1", "c 2"]}]}
    r = run_probe(env_for(tmp_path, http_stub), *LISTS, "--items", "Filters,Filter,Values,Value",
                  "query", "DescribeDBInstances", json.dumps(params))
    assert r.rc == 0, r.stdout
    # a one-element list is an array; numbers and booleans typed; ids stay strings
    assert r.out == {"DBInstances": [{
        "DBInstanceIdentifier": "reader-1", "DBInstanceStatus": "available",
        "Endpoint": {"Address": "reader-1.x.rds.amazonaws.com", "Port": 5432},
        "MultiAZ": False, "DbiResourceId": "12345"}]}
    req = http_stub.requests[0]
    assert req.form() == {"Action": "DescribeDBInstances", "Version": "2014-10-31",
                          "DBInstanceIdentifier": "reader-1", "MaxRecords": "20",
                          "Filters.Filter.1.Name": "db-cluster-id",
                          "Filters.Filter.1.Values.Value.1": "c1",
                          "Filters.Filter.1.Values.Value.2": "c 2"}
    assert req.headers["x-amz-security-token"] == TOKEN
    assert "/us-east-1/rds/aws4_request" in req.headers["authorization"]
    verify_sigv4(req, SECRET)


def test_query_lists_default_to_member_and_empty_lists(tmp_path, http_stub):
    http_stub.route("POST", "/", Reply(200, """<ModifyDBClusterEndpointResponse>
      <ModifyDBClusterEndpointResult><StaticMembers/><DBClusterEndpointIdentifier>e
      </DBClusterEndpointIdentifier></ModifyDBClusterEndpointResult></ModifyDBClusterEndpointResponse>"""))
    r = run_probe(env_for(tmp_path, http_stub), "--lists", "StaticMembers,ExcludedMembers",
                  "query", "ModifyDBClusterEndpoint",
                  json.dumps({"DBClusterEndpointIdentifier": "e",
                              "StaticMembers": ["a", "b"], "ExcludedMembers": []}))
    assert r.rc == 0, r.stdout
    assert r.out["StaticMembers"] == []
    assert http_stub.requests[0].form() == {
        "Action": "ModifyDBClusterEndpoint", "Version": "2014-10-31",
        "DBClusterEndpointIdentifier": "e", "StaticMembers.member.1": "a",
        "StaticMembers.member.2": "b", "ExcludedMembers": ""}


def test_pagination_and_connection_reuse(tmp_path, http_stub):
    http_stub.route("POST", "/", [
        Reply(200, DESCRIBE_ONE.format(marker="<Marker>page-2</Marker>")),
        Reply(200, DESCRIBE_ONE.format(marker="").replace("reader-1", "reader-2"))])
    r = run_probe(env_for(tmp_path, http_stub), *LISTS, "query-all",
                  "DescribeDBInstances", "{}", "Marker", "DBInstances")
    assert r.rc == 0, r.stdout
    assert [i["DBInstanceIdentifier"] for i in r.out["DBInstances"]] == ["reader-1", "reader-2"]
    assert "Marker" not in r.out
    first, second = http_stub.requests
    assert "Marker" not in first.form() and second.form()["Marker"] == "page-2"
    # one TCP connection for both requests
    assert first.client_port == second.client_port


def test_500_then_success_is_retried(tmp_path, http_stub):
    http_stub.route("POST", "/", [Reply(500, "internal"), Reply(503, ""),
                                  Reply(200, DESCRIBE_ONE.format(marker=""))])
    r = run_probe(env_for(tmp_path, http_stub), *LISTS, "--retry-base-ms", "20",
                  "query", "DescribeDBInstances", "{}")
    assert r.rc == 0, r.stdout
    assert len(http_stub.requests) == 3
    assert r.counter("sleeps") == 2
    # each attempt is signed afresh and verifies
    for req in http_stub.requests:
        verify_sigv4(req, SECRET)


def test_permanent_throttling_gives_up_after_bounded_retries(tmp_path, http_stub):
    http_stub.route("POST", "/", rds_error("Throttling", "Rate exceeded"))
    t0 = time.monotonic()
    r = run_probe(env_for(tmp_path, http_stub), "--max-attempts", "4", "--retry-base-ms", "50",
                  "query", "DescribeDBInstances", "{}")
    elapsed = time.monotonic() - t0
    assert r.rc == 1
    assert r.out["Error"] == "AWS.Throttling"
    assert "Rate exceeded" in r.out["Cause"] and "after 4 attempts" in r.out["Cause"]
    assert len(http_stub.requests) == 4
    # full jitter under a cap: 3 sleeps, each at most 50, 100, 200 ms
    assert r.counter("sleeps") == 3 and r.counter("slept_ms") <= 350
    assert elapsed < 10


def test_error_names(tmp_path, http_stub):
    cases = [
        (rds_error("DBInstanceNotFound", "DBInstance x not found"), "RDS.DBInstanceNotFound"),
        (rds_error("InvalidDBClusterEndpointStateFault"), "RDS.InvalidDBClusterEndpointStateFault"),
        (rds_error("AccessDenied", "not allowed", 403), "AWS.AccessDenied"),
        (rds_error("InvalidClientTokenId", "bad key", 403), "AWS.InvalidClientToken"),
        (rds_error("ValidationError", "bad param"), "AWS.ValidationError"),
        (Reply(400, "not xml at all"), "AWS.HttpError"),
    ]
    env = env_for(tmp_path, http_stub)
    for reply, name in cases:
        http_stub.route("POST", "/", reply)
        r = run_probe(env, "query", "DescribeDBInstances", "{}")
        assert r.rc == 1 and r.out["Error"] == name, (name, r.stdout)
    assert len(http_stub.requests) == len(cases)  # none of these is retried


def test_malformed_xml_response(tmp_path, http_stub):
    http_stub.route("POST", "/", Reply(200, "<DescribeDBInstancesResponse><DescribeDB"))
    r = run_probe(env_for(tmp_path, http_stub), "query", "DescribeDBInstances", "{}")
    assert r.rc == 1
    assert r.out["Error"] == "AWS.MalformedResponse"
    assert "rds:DescribeDBInstances" in r.out["Cause"] and "line" in r.out["Cause"]


def test_json_protocol(tmp_path, http_stub):
    http_stub.route("POST", "/", Reply(200, '{"QueueUrl": "http://q/1", "Count": 3}'))
    env = env_for(tmp_path, http_stub)
    r = run_probe(env, "--service", "sqs", "--prefix", "SQS", "json", "AmazonSQS", "1.0",
                  "GetQueueUrl", '{"QueueName": "q"}')
    assert r.rc == 0 and r.out == {"QueueUrl": "http://q/1", "Count": 3}
    req = http_stub.requests[0]
    assert req.headers["x-amz-target"] == "AmazonSQS.GetQueueUrl"
    assert req.headers["content-type"] == "application/x-amz-json-1.0"
    assert json.loads(req.body) == {"QueueName": "q"}
    assert "/sqs/aws4_request" in req.headers["authorization"]
    verify_sigv4(req, SECRET)
    # errors: __type after '#'
    http_stub.route("POST", "/", Reply(400, '{"__type": "com.amazonaws.sqs#QueueDoesNotExist",'
                                       ' "message": "no such queue"}'))
    r = run_probe(env, "--service", "sqs", "--prefix", "SQS", "json", "AmazonSQS", "1.0",
                  "GetQueueUrl", "{}")
    assert r.out == {"Error": "SQS.QueueDoesNotExist", "Cause": "no such queue"}
    http_stub.route("POST", "/", Reply(400, '{"__type": "ThrottlingException"}'))
    r = run_probe(env, "--service", "sqs", "--max-attempts", "2", "--retry-base-ms", "10",
                  "json", "AmazonSQS", "1.0", "GetQueueUrl", "{}")
    assert r.out["Error"] == "AWS.Throttling"


def test_malformed_json_response(tmp_path, http_stub):
    http_stub.route("POST", "/", Reply(200, '{"SecretString": "x", '))
    r = run_probe(env_for(tmp_path, http_stub), "--service", "secretsmanager", "json",
                  "secretsmanager", "1.1", "GetSecretValue", '{"SecretId": "s"}')
    assert r.rc == 1
    assert r.out["Error"] == "AWS.MalformedResponse"
    assert "secretsmanager:GetSecretValue" in r.out["Cause"]


def test_rest_s3_path_style_with_endpoint_override(tmp_path, http_stub):
    http_stub.route("PUT", "/bkt/dir/a b+c.txt", Reply(200, "", {"ETag": '"e1"'}))
    http_stub.route("GET", "/bkt/missing", Reply(404, "<Error><Code>NoSuchKey</Code>"
                                                 "<Message>gone</Message></Error>"))
    env = env_for(tmp_path, http_stub)
    r = run_probe(env, "--service", "s3", "rest", "PUT", "/bkt/dir/a%20b%2Bc.txt", "",
                  "hello")
    assert r.rc == 0, r.stdout
    assert r.out["Headers"]["etag"] == '"e1"'
    req = http_stub.requests[0]
    assert req.body == b"hello"
    assert req.headers["host"] == http_stub.url.split("//")[1]
    assert "x-amz-content-sha256" in req.headers  # S3 signs the payload
    verify_sigv4(req, SECRET)
    r = run_probe(env, "--service", "s3", "rest", "GET", "/bkt/missing")
    assert r.out == {"Error": "S3.NoSuchKey", "Cause": "gone"}


def test_connection_refused(tmp_path, http_stub):
    http_stub.close()
    r = run_probe(env_for(tmp_path, http_stub), "--max-attempts", "2", "--retry-base-ms", "10",
                  "query", "DescribeDBInstances", "{}")
    assert r.rc == 1
    assert r.out["Error"] == "AWS.NetworkError"
    assert http_stub.url in r.out["Cause"] and "after 2 attempts" in r.out["Cause"]


def test_request_timeout(tmp_path, http_stub):
    http_stub.route("POST", "/", Reply(200, DESCRIBE_ONE.format(marker=""), delay=3))
    t0 = time.monotonic()
    r = run_probe(env_for(tmp_path, http_stub), "--max-attempts", "1", "--timeout-ms", "300",
                  "query", "DescribeDBInstances", "{}")
    assert r.rc == 1
    assert r.out["Error"] == "AWS.Timeout"
    assert time.monotonic() - t0 < 2.5


def test_expired_token_refreshes_credentials_once(tmp_path, http_stub):
    keys = []

    def ecs(req):
        keys.append(f"ASIAREFRESH{len(keys) + 1}")
        return Reply(200, json.dumps({"AccessKeyId": keys[-1], "SecretAccessKey": SECRET,
                                      "Token": TOKEN, "Expiration": "2099-01-01T00:00:00Z"}))
    http_stub.route("GET", "/creds", ecs)
    http_stub.route("POST", "/", [rds_error("ExpiredToken", "token expired", 403),
                                  Reply(200, DESCRIBE_ONE.format(marker=""))])
    env = clean_aws_env(tmp_path, AWS_CONTAINER_CREDENTIALS_FULL_URI=http_stub.url + "/creds",
                        AWS_ENDPOINT_URL=http_stub.url)
    r = run_probe(env, *LISTS, "query", "DescribeDBInstances", "{}")
    assert r.rc == 0, r.stdout
    posts = [q for q in http_stub.requests if q.method == "POST"]
    assert "Credential=ASIAREFRESH1/" in posts[0].headers["authorization"]
    assert "Credential=ASIAREFRESH2/" in posts[1].headers["authorization"]


def test_endpoint_resolution(tmp_path):
    env = clean_aws_env(tmp_path, AWS_REGION="eu-central-1")
    assert run_probe(env, "config").out["endpoint"] == "https://rds.eu-central-1.amazonaws.com"
    assert run_probe(env, "--service", "monitoring", "config").out["endpoint"] == \
        "https://monitoring.eu-central-1.amazonaws.com"
    env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:1/"
    assert run_probe(env, "config").out["endpoint"] == "http://127.0.0.1:1"
    env["AWS_ENDPOINT_URL_RDS"] = "http://127.0.0.1:2"
    assert run_probe(env, "config").out["endpoint"] == "http://127.0.0.1:2"
    assert run_probe(env, "--service", "s3", "config").out["endpoint"] == "http://127.0.0.1:1"
    env["AWS_ENDPOINT_URL_RDS"] = "ftp://nope"
    r = run_probe(env, "config")
    assert r.out["Error"] == "AWS.InvalidConfiguration" and "AWS_ENDPOINT_URL_RDS" in r.out["Cause"]


def test_rds_auth_token_is_presigned(tmp_path):
    env = clean_aws_env(tmp_path, AWS_ACCESS_KEY_ID="AKIDLIB", AWS_SECRET_ACCESS_KEY=SECRET,
                        AWS_REGION="us-west-2")
    r = run_probe(env, "rds-token", "db.example.com", "5432", "app_user")
    assert r.rc == 0, r.stdout
    tok = r.out["Token"]
    assert tok.startswith("db.example.com:5432/?Action=connect&DBUser=app_user&")
    assert "X-Amz-Credential=AKIDLIB%2F" in tok and "%2Fus-west-2%2Frds-db%2Faws4_request" in tok
    assert "X-Amz-Expires=900" in tok and "X-Amz-Signature=" in tok
    assert r.counter("secrets_registered") >= 2  # secret key and the token


def botocore_token(host, port, user, when, access_key, secret_key, token=None,
                   region="us-west-2"):
    """botocore's own generate_db_auth_token for fixed credentials with its
    SigV4 clock fixed at `when`."""
    import botocore.auth
    import botocore.session
    from unittest import mock

    s = botocore.session.Session()
    rds = s.create_client("rds", region_name=region, aws_access_key_id=access_key,
                          aws_secret_access_key=secret_key, aws_session_token=token)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
        return rds.generate_db_auth_token(DBHostname=host, Port=port, DBUsername=user)


@pytest.mark.parametrize("user,session_token", [
    ("app_user", None),
    ("prewarm", TOKEN),
    ("user with@odd/chars+~", None),
])
def test_rds_auth_token_equals_botocores(tmp_path, user, session_token):
    """The token is byte for byte what botocore's generate_db_auth_token
    signs for the same credentials and clock: a wrong canonical request,
    key derivation or encoding changes the signature. The clock is the one
    the C side stamped (X-Amz-Date), fixed on botocore's side."""
    creds = dict(AWS_ACCESS_KEY_ID="AKIDLIB", AWS_SECRET_ACCESS_KEY=SECRET,
                 AWS_REGION="us-west-2")
    if session_token:
        creds["AWS_SESSION_TOKEN"] = session_token
    r = run_probe(clean_aws_env(tmp_path, **creds), "rds-token",
                  "db-1.cluster-ro-abc.us-west-2.rds.amazonaws.com", "5432", user)
    assert r.rc == 0, r.stdout
    ours = r.out["Token"]
    stamp = re.search(r"[?&]X-Amz-Date=(\d{8}T\d{6}Z)(&|$)", ours)
    assert stamp, ours
    when = datetime.datetime.strptime(stamp.group(1), "%Y%m%dT%H%M%SZ")
    theirs = botocore_token("db-1.cluster-ro-abc.us-west-2.rds.amazonaws.com", 5432, user,
                            when, "AKIDLIB", SECRET, session_token)
    assert ours == theirs


def test_no_secret_in_any_log_line(tmp_path, http_stub):
    """Retries, errors, credential fetches: the library's log lines (printed
    unredacted by the probe's host) never hold the secret key, the session
    token, or a signature."""
    http_stub.route("GET", "/creds", Reply(200, json.dumps({
        "AccessKeyId": "ASIALOG", "SecretAccessKey": SECRET, "Token": TOKEN,
        "Expiration": "2099-01-01T00:00:00Z"})))
    http_stub.route("POST", "/", [Reply(500, ""), rds_error("Throttling"),
                                  rds_error("ExpiredToken", status=403),
                                  Reply(200, DESCRIBE_ONE.format(marker="")),
                                  rds_error("DBInstanceNotFound")])
    env = clean_aws_env(tmp_path, AWS_CONTAINER_CREDENTIALS_FULL_URI=http_stub.url + "/creds",
                        AWS_CONTAINER_AUTHORIZATION_TOKEN="ecsAuthTokenDoNotLog",
                        AWS_ENDPOINT_URL=http_stub.url)
    out = []
    for _ in range(2):
        r = run_probe(env, "--retry-base-ms", "5", "query", "DescribeDBInstances", "{}")
        out.append(r.stdout + r.stderr)
    r = run_probe(env, "rds-token", "h", "5432", "u")
    token = r.out["Token"]
    text = "\n".join(out) + r.stderr
    assert "log WARN" in text and "log DEBUG" in text  # there was logging to check
    signatures = [verify_sigv4(q, SECRET) for q in http_stub.requests if q.method == "POST"]
    assert len(signatures) >= 4
    for secret in [SECRET, TOKEN, "ecsAuthTokenDoNotLog", token.split("Signature=")[1],
                   *signatures]:
        assert secret not in text


def test_response_body_cap_fails_without_retry(tmp_path, http_stub):
    """A body past max_response_bytes stops the transfer and fails the
    call as AWS.ResponseTooLarge, never retried; one at the cap passes."""
    http_stub.route("GET", "/big/obj", Reply(200, "x" * 5000))
    http_stub.route("GET", "/small/obj", Reply(200, "y" * 4096))
    env = env_for(tmp_path, http_stub)
    r = run_probe(env, "--service", "s3", "--max-response-bytes", "4096",
                  "--retry-base-ms", "10", "rest", "GET", "/big/obj")
    assert r.rc == 1, r.stdout
    assert r.out["Error"] == "AWS.ResponseTooLarge"
    assert "4096 bytes" in r.out["Cause"] and "/big/obj" in r.out["Cause"]
    assert len(http_stub.requests) == 1 and r.counter("sleeps") == 0
    r = run_probe(env, "--service", "s3", "--max-response-bytes", "4096",
                  "rest", "GET", "/small/obj")
    assert r.rc == 0, r.stdout
    assert r.out["Body"] == "y" * 4096
    # the default cap (64 MiB) takes a body this size
    r = run_probe(env, "--service", "s3", "rest", "GET", "/big/obj")
    assert r.rc == 0 and len(r.out["Body"]) == 5000, r.stdout

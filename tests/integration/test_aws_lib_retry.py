"""The AWS library's retry modes (plugins/aws/aws_retry.c), driven through
tests/unit/aws-probe against a local listener that fails every 2nd call:
reads get through with per-call retries; a call marked not idempotent is
never resent after an ambiguous failure (5xx, timeout) but is after one
that proves it was not applied (throttling, refused connection), and the
caller learns which; retry_mode/max_attempts from the environment and
the config file; the adaptive mode slows down after throttles."""
import json
import re
import socket
import threading
import time

from fixtures.http_stub import (Reply, clean_aws_env, http_stub,  # noqa: F401
                                run_probe)

SECRET = "pwRetrySecret/DoNotLog+0123456789abcdefghij"

DESCRIBE = """<DescribeDBClusterEndpointsResponse>
  <DescribeDBClusterEndpointsResult><DBClusterEndpoints><DBClusterEndpointMembership>
  <DBClusterEndpointIdentifier>ep</DBClusterEndpointIdentifier>
  </DBClusterEndpointMembership></DBClusterEndpoints></DescribeDBClusterEndpointsResult>
</DescribeDBClusterEndpointsResponse>"""

MODIFY = """<ModifyDBClusterEndpointResponse><ModifyDBClusterEndpointResult>
  <DBClusterEndpointIdentifier>ep</DBClusterEndpointIdentifier><StaticMembers>
  <member>r1</member></StaticMembers></ModifyDBClusterEndpointResult>
</ModifyDBClusterEndpointResponse>"""

MODIFY_PARAMS = json.dumps({"DBClusterEndpointIdentifier": "ep", "StaticMembers": ["r1"]})


def rds_error(code, status=400):
    return Reply(status, f"""<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>
  <Message>{code} here</Message></Error><RequestId>r</RequestId></ErrorResponse>""")


def every_second(fault, ok):
    """A reply that answers calls 1, 3, 5, ... with fault and the others ok."""
    count = [0]
    lock = threading.Lock()

    def reply(_req):
        with lock:
            count[0] += 1
            n = count[0]
        return fault if n % 2 == 1 else ok
    return reply


def env_for(tmp_path, url, **extra):
    return clean_aws_env(tmp_path, AWS_ACCESS_KEY_ID="AKIDRETRY",
                         AWS_SECRET_ACCESS_KEY=SECRET, AWS_ENDPOINT_URL=url, **extra)


def outcomes(r):
    return re.findall(r"probe: call failure=(\S+) attempts=(\d+)", r.stderr)


def test_reads_get_through_every_second_call_503(tmp_path, http_stub):
    http_stub.route("POST", "/", every_second(Reply(503, ""), Reply(200, DESCRIBE)))
    r = run_probe(env_for(tmp_path, http_stub.url), "--retry-base-ms", "20",
                  "--call-attempts", "0", "--repeat", "10",
                  "query", "DescribeDBClusterEndpoints", "{}")
    assert r.rc == 0, r.stdout + r.stderr
    assert len(http_stub.requests) == 20
    assert outcomes(r) == [("none", "2")] * 10
    assert SECRET not in r.stdout + r.stderr


def test_reads_get_through_every_second_call_throttled(tmp_path, http_stub):
    http_stub.route("POST", "/", every_second(rds_error("Throttling"), Reply(200, DESCRIBE)))
    r = run_probe(env_for(tmp_path, http_stub.url), "--retry-base-ms", "20",
                  "--repeat", "10", "query", "DescribeDBClusterEndpoints", "{}")
    assert r.rc == 0, r.stdout + r.stderr
    assert len(http_stub.requests) == 20
    assert r.counter("sleeps") == 10


def test_a_change_answered_5xx_is_not_resent(tmp_path, http_stub):
    http_stub.route("POST", "/", [Reply(503, ""), Reply(200, MODIFY)])
    r = run_probe(env_for(tmp_path, http_stub.url), "--retry-base-ms", "20",
                  "--not-idempotent", "--call-attempts", "5",
                  "query", "ModifyDBClusterEndpoint", MODIFY_PARAMS)
    assert r.rc == 1
    assert r.out["Error"] == "AWS.ServiceError"
    assert len(http_stub.requests) == 1
    assert outcomes(r) == [("ambiguous", "1")]
    # the same call, idempotent, is retried and gets through
    http_stub.requests.clear()
    http_stub.route("POST", "/", [Reply(503, ""), Reply(200, MODIFY)])
    r = run_probe(env_for(tmp_path, http_stub.url), "--retry-base-ms", "20",
                  "query", "ModifyDBClusterEndpoint", MODIFY_PARAMS)
    assert r.rc == 0 and len(http_stub.requests) == 2


def test_a_change_that_timed_out_is_not_resent(tmp_path, http_stub):
    http_stub.route("POST", "/", [Reply(200, MODIFY, delay=1.5), Reply(200, MODIFY)])
    r = run_probe(env_for(tmp_path, http_stub.url), "--retry-base-ms", "20",
                  "--timeout-ms", "300", "--not-idempotent",
                  "query", "ModifyDBClusterEndpoint", MODIFY_PARAMS)
    assert r.rc == 1 and r.out["Error"] == "AWS.Timeout"
    assert len(http_stub.requests) == 1
    assert outcomes(r) == [("ambiguous", "1")]


def test_a_change_refused_as_not_applied_may_be_resent(tmp_path, http_stub):
    # Throttling says it was not applied: resending is safe.
    http_stub.route("POST", "/", [rds_error("Throttling"), Reply(200, MODIFY)])
    r = run_probe(env_for(tmp_path, http_stub.url), "--retry-base-ms", "20",
                  "--not-idempotent", "query", "ModifyDBClusterEndpoint", MODIFY_PARAMS)
    assert r.rc == 0, r.stdout
    assert len(http_stub.requests) == 2
    assert outcomes(r) == [("none", "2")]
    # A read-modify-write caller asks for one attempt and learns
    # "not applied" (read again, rebuild, write) ...
    for fault, name in ((rds_error("Throttling"), "AWS.Throttling"),
                        (rds_error("InvalidDBClusterEndpointStateFault"),
                         "RDS.InvalidDBClusterEndpointStateFault")):
        http_stub.requests.clear()
        http_stub.route("POST", "/", [fault, Reply(200, MODIFY)])
        r = run_probe(env_for(tmp_path, http_stub.url), "--not-idempotent",
                      "--call-attempts", "1",
                      "query", "ModifyDBClusterEndpoint", MODIFY_PARAMS)
        assert r.rc == 1 and r.out["Error"] == name
        assert len(http_stub.requests) == 1
        assert outcomes(r) == [("not-applied", "1")]


def test_a_refused_connection_is_not_applied(tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    r = run_probe(env_for(tmp_path, f"http://127.0.0.1:{port}"), "--retry-base-ms", "10",
                  "--not-idempotent", "--call-attempts", "3",
                  "query", "ModifyDBClusterEndpoint", MODIFY_PARAMS)
    assert r.rc == 1 and r.out["Error"] == "AWS.NetworkError"
    assert outcomes(r) == [("not-applied", "3")]


def test_environment_and_config_file_choose_attempts(tmp_path, http_stub):
    http_stub.route("POST", "/", rds_error("Throttling"))
    # the tool's default (4) applies when nothing is configured
    r = run_probe(env_for(tmp_path, http_stub.url), "--max-attempts", "4",
                  "--retry-base-ms", "10", "query", "DescribeDBClusterEndpoints", "{}")
    assert r.rc == 1 and len(http_stub.requests) == 4
    # the profile's max_attempts wins over it
    cfg = tmp_path / "config"
    cfg.write_text("[default]\nmax_attempts = 2\nretry_mode = standard\n")
    http_stub.requests.clear()
    r = run_probe(env_for(tmp_path, http_stub.url, AWS_CONFIG_FILE=cfg),
                  "--max-attempts", "4", "--retry-base-ms", "10",
                  "query", "DescribeDBClusterEndpoints", "{}")
    assert r.rc == 1 and len(http_stub.requests) == 2
    assert "after 2 attempts" in r.out["Cause"]
    # and AWS_MAX_ATTEMPTS wins over the profile
    http_stub.requests.clear()
    r = run_probe(env_for(tmp_path, http_stub.url, AWS_CONFIG_FILE=cfg, AWS_MAX_ATTEMPTS=3),
                  "--max-attempts", "4", "--retry-base-ms", "10",
                  "query", "DescribeDBClusterEndpoints", "{}")
    assert r.rc == 1 and len(http_stub.requests) == 3
    # a bad value is a named error, no request sent
    http_stub.requests.clear()
    r = run_probe(env_for(tmp_path, http_stub.url, AWS_RETRY_MODE="fast"),
                  "query", "DescribeDBClusterEndpoints", "{}")
    assert r.rc == 1 and r.out["Error"] == "AWS.InvalidConfiguration"
    assert "AWS_RETRY_MODE 'fast'" in r.out["Cause"]
    assert http_stub.requests == []


def test_adaptive_mode_slows_down_after_a_throttle(tmp_path, http_stub):
    http_stub.route("POST", "/", [rds_error("Throttling"), Reply(200, DESCRIBE)])
    t0 = time.monotonic()
    r = run_probe(env_for(tmp_path, http_stub.url, AWS_RETRY_MODE="adaptive"),
                  "--retry-base-ms", "10", "--repeat", "2",
                  "query", "DescribeDBClusterEndpoints", "{}")
    elapsed = time.monotonic() - t0
    assert r.rc == 0, r.stdout + r.stderr
    assert len(http_stub.requests) == 3
    # after the throttle, sends wait for the limiter's tokens
    waits = re.findall(r"adaptive retry mode: waiting (\d+) ms", r.stderr)
    assert len(waits) >= 1 and sum(int(w) for w in waits) >= 500
    assert elapsed >= 0.5
    # the same in standard mode does not wait beyond the backoff
    http_stub.requests.clear()
    http_stub.route("POST", "/", [rds_error("Throttling"), Reply(200, DESCRIBE)])
    r = run_probe(env_for(tmp_path, http_stub.url), "--retry-base-ms", "10",
                  "--repeat", "2", "query", "DescribeDBClusterEndpoints", "{}")
    assert r.rc == 0 and "adaptive retry mode" not in r.stderr

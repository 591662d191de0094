"""`prewarm watch`'s Prometheus textfile (watch.metrics_file), against
moto's SQS with counter-plugin workflows: the file is parsed with a strict
reader of the text exposition format (HELP and TYPE before each family,
metric and label names, escaped label values, float samples) every time it
is read, and its values are checked after the runs: executions by workflow
and outcome, messages in flight while one runs, the last poll and reconcile
times, and the last warm's seconds and quality per cluster.
"""
import json
import math
import os
import re
import stat
import time

import pytest

from fixtures.moto_server import moto_server  # noqa: F401
from fixtures.watch import Watcher, wait_queue_empty

SRC = os.environ.get("PW_TOP_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
EVENTS = os.path.join(SRC, "tests", "data", "events")

# instance-created: sleeps ($.SleepMs), then returns a warm report as
# aurora-replica-prewarm's output has it.
WARM = {"StartAt": "Sleep", "States": {
    "Sleep": {"Type": "Task", "Resource": "counter:Sleep",
              "Parameters": {"Ms.$": "$.SleepMs", "Name.$": "$.DBInstanceIdentifier"},
              "ResultPath": None, "Next": "Report"},
    "Report": {"Type": "Task", "Resource": "counter:Echo", "End": True, "Parameters": {
        "Status": "warmed", "DBClusterIdentifier": "app-prod",
        "DBInstanceIdentifier.$": "$.DBInstanceIdentifier",
        "Report": {"seconds": 1.25, "source_hot_resident": 0.93, "shared_buffers_filled": 0.4,
                   "blocks_loaded": 512}}}}}
BROKEN = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Test.Down", "Cause": "down"}}}
RECONCILE = {"StartAt": "R", "States": {"R": {"Type": "Task", "Resource": "counter:Bump",
                                              "Parameters": {"Name": "reconcile"}, "End": True}}}
# A workflow file name that needs escaping as a label value.
ODD = 'fail"over\\x'

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*$")
SAMPLE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def parse(text):
    """{(name, ((label, value), ...)): float}; fails on anything the text
    format does not allow."""
    assert text.endswith("\n"), "the file does not end with a newline (half written?)"
    families, samples = {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            kind, name, rest = line[2:6], *line[7:].split(" ", 1)
            assert NAME.match(name), line
            families.setdefault(name, {})[kind] = rest
            if kind == "TYPE":
                assert rest in ("counter", "gauge"), line
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        name, labels = m.group(1), ()
        assert "TYPE" in families.get(name, {}) and "HELP" in families[name], \
            "%s: no HELP/TYPE before its samples" % name
        if m.group(3):
            pairs, rest = [], m.group(3)
            while rest:
                lm = LABEL.match(rest)
                assert lm, "bad labels in %r" % line
                value = re.sub(r"\\(.)", lambda e: {"n": "\n"}.get(e.group(1), e.group(1)),
                               lm.group(2))
                pairs.append((lm.group(1), value))
                rest = rest[lm.end():]
            labels = tuple(pairs)
        value = float(m.group(4))
        assert not math.isnan(value), line
        assert (name, labels) not in samples, "duplicate sample %r" % line
        samples[(name, labels)] = value
    return samples


def read_metrics(path):
    return parse(path.read_text())


def test_metrics_file_after_runs(tmp_path, moto_server):  # noqa: F811
    sqs = moto_server.client("sqs")
    queue = sqs.create_queue(QueueName="watch-metrics")["QueueUrl"]
    (tmp_path / "warm.json").write_text(json.dumps(WARM))
    (tmp_path / (ODD + ".json")).write_text(json.dumps(BROKEN))
    (tmp_path / "reconcile.json").write_text(json.dumps(RECONCILE))
    prom_dir = tmp_path / "textfile"
    prom_dir.mkdir()
    prom = prom_dir / "prewarm.prom"
    w = Watcher(tmp_path, {
        "queue_url": queue, "visibility_timeout_seconds": 10, "receive_wait_seconds": 1,
        "reconcile_interval_seconds": 2, "metrics_file": str(prom),
        "workflows": {"instance-created": "warm.json", "failover": ODD + ".json",
                      "reconcile": "reconcile.json"}, "clusters": ["app-prod"]})
    t0 = time.time()
    try:
        w.start()
        w.wait_log(lambda m: m.startswith("watching"))
        deadline = time.monotonic() + 10
        while not prom.exists():
            assert time.monotonic() < deadline, "no metrics file"
            time.sleep(0.05)
        first = read_metrics(prom)
        # Every route's series exist from the start, at zero.
        assert first[("prewarm_executions_total",
                      (("workflow", ODD), ("outcome", "failed")))] == 0
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(
            {"DBInstanceIdentifier": "app-prod-reader-9", "SleepMs": 2500}))
        # While it runs: one message in flight, one execution running. Each
        # read parses completely (the file is replaced, never rewritten).
        seen_in_flight = False
        deadline = time.monotonic() + 20
        while not seen_in_flight:
            assert time.monotonic() < deadline, read_metrics(prom)
            m = read_metrics(prom)
            seen_in_flight = (m[("prewarm_queue_messages_in_flight", ())] == 1 and
                              m[("prewarm_executions_running", ())] >= 1)
            time.sleep(0.02)
        with open(os.path.join(EVENTS, "rds-event-0071.json")) as f:
            sqs.send_message(QueueUrl=queue, MessageBody=f.read())
        wait_queue_empty(sqs, queue)
        w.wait_log(lambda m: "Test.Down" in m)
        w.wait_log(lambda m: "reconcile" in m and "SUCCEEDED" in m)
        time.sleep(1.5)  # the next loop turns write the file
        assert w.stop() == 0
    finally:
        w.close()
    t1 = time.time()
    m = read_metrics(prom)

    def executions(workflow, outcome):
        return m[("prewarm_executions_total", (("workflow", workflow), ("outcome", outcome)))]

    assert executions("warm", "succeeded") == 1
    assert executions("warm", "failed") == 0
    assert executions(ODD, "failed") == 1
    assert executions("reconcile", "succeeded") >= 1
    assert m[("prewarm_queue_messages_in_flight", ())] == 0
    assert m[("prewarm_executions_running", ())] == 0
    assert t0 <= m[("prewarm_last_successful_poll_timestamp_seconds", ())] <= t1
    assert t1 - m[("prewarm_last_successful_poll_timestamp_seconds", ())] < 5
    assert t0 <= m[("prewarm_last_successful_reconcile_timestamp_seconds", ())] <= t1
    cluster = (("cluster", "app-prod"),)
    assert m[("prewarm_last_warm_seconds", cluster)] == 1.25
    assert m[("prewarm_last_warm_source_hot_resident_ratio", cluster)] == 0.93
    assert m[("prewarm_last_warm_shared_buffers_filled_ratio", cluster)] == 0.4
    assert m[("prewarm_last_warm_blocks_loaded", cluster)] == 512
    assert t0 <= m[("prewarm_last_warm_timestamp_seconds", cluster)] <= t1
    # Readable by a node exporter running as another user; no temporary left.
    assert stat.S_IMODE(prom.stat().st_mode) == 0o644
    assert sorted(p.name for p in prom_dir.iterdir()) == ["prewarm.prom"]


def test_the_parser_refuses_what_prometheus_refuses():
    good = '# HELP a_total x\n# TYPE a_total counter\na_total{w="q\\"x\\\\"} 1\n'
    assert parse(good) == {("a_total", (("w", 'q"x\\'),)): 1.0}
    for bad in ("a_total 1\n",                                        # no HELP/TYPE
                '# HELP a x\n# TYPE a gauge\na{w="q"x"} 1\n',         # unescaped quote
                "# HELP a x\n# TYPE a gauge\na 1",                    # no final newline
                "# HELP a x\n# TYPE a gauge\na one\n"):               # not a number
        with pytest.raises((AssertionError, ValueError)):
            parse(bad)

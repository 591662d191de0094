"""Progress of a warm: `prewarm warm` on a terminal prints progress lines
on stderr (blocks loaded of planned, MB/s, ETA, database and relation);
with JSON logs they are JSON events, never closer than the host's one a
second; inside a workflow they reach the log and the history
(TaskProgress events).

Setup: a real primary (the mirror's source, its cache holding a 4.5 MB
table) and a streaming standby (the target), 16 MB shared_buffers.
"""
import json
import os
import pty
import re
import subprocess

import pytest

from fixtures.pg_cluster import PgCluster
from fixtures.pgwarm import prewarm_binary

LINE = re.compile(r"progress: (\d+) of (\d+) blocks \((\d+)%\), [\d.]+ MB/s, "
                  r"ETA (\d+ s|unknown), database postgres, relation "
                  r"\w+\.\w+\r?$", re.M)


@pytest.fixture(scope="module")
def pg():
    with PgCluster(standbys=1) as c:
        c.primary.query("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v "
                        "FROM generate_series(1, 60000) g")
        c.primary.query("CHECKPOINT")
        c.wait_replay()
        c.primary.query("SELECT count(*) FROM t")
        yield c


def warm_args(pg, tmp_path):
    return [prewarm_binary(), "warm", "--state-dir", str(tmp_path / "state"),
            "--target", pg.standbys[0].dsn(), "--source", pg.primary.dsn(),
            "--strategy", "mirror"]


def test_terminal_shows_a_progress_line(pg, tmp_path):
    pg.standbys[0].restart()
    master, slave = pty.openpty()
    p = subprocess.Popen(warm_args(pg, tmp_path), stdout=subprocess.PIPE,
                         stderr=slave, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        try:
            b = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not b:
            break
        chunks.append(b)
    out, _ = p.communicate(timeout=120)
    os.close(master)
    text = b"".join(chunks).decode(errors="replace")
    assert p.returncode == 0, text
    m = LINE.search(text)
    assert m, text
    assert int(m.group(2)) >= 500  # the table's blocks are planned
    # A terminal gets readable lines, not JSON.
    line = next(l for l in text.splitlines() if "progress:" in l)
    assert "info  postgres-warm:Warm" in line, line
    assert not line.lstrip().startswith("{"), line
    assert json.loads(out)["blocks_loaded"] >= int(m.group(2))


def test_json_logs_carry_progress_events(pg, tmp_path):
    pg.standbys[0].restart()
    p = subprocess.run(warm_args(pg, tmp_path) + ["--log-format", "json"],
                       capture_output=True, text=True, timeout=120,
                       check=False)
    assert p.returncode == 0, p.stderr
    events = [json.loads(l) for l in p.stderr.splitlines() if l.strip()]
    prog = [e for e in events if e["msg"].startswith("progress:")]
    assert prog, p.stderr
    assert all(LINE.search(e["msg"]) for e in prog), prog
    assert all(e["component"].startswith("postgres-warm:Warm") for e in prog), prog
    # The host passes at most one a second.
    times = [e["time"] for e in prog]
    assert len(set(t[:19] for t in times)) == len(times), times


def test_workflow_progress_reaches_the_log_and_the_history(pg, tmp_path):
    pg.standbys[0].restart()
    wf = tmp_path / "warm.json"
    wf.write_text(json.dumps({"StartAt": "Warm", "States": {
        "Warm": {"Type": "Task", "Resource": "postgres-warm:Warm",
                 "Parameters": {"target.$": "$.target", "source.$": "$.source",
                                "strategy": "mirror"},
                 "End": True}}}))
    inp = tmp_path / "in.json"
    inp.write_text(json.dumps({"source": pg.primary.dsn(),
                               "target": pg.standbys[0].dsn()}))
    state = str(tmp_path / "state")
    p = subprocess.run([prewarm_binary(), "run", str(wf), "--input", str(inp),
                        "--state-dir", state, "--log-format", "json"],
                       capture_output=True, text=True, timeout=120,
                       check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    logged = [json.loads(l) for l in p.stderr.splitlines() if l.strip()]
    assert any(LINE.search(e["msg"]) and "[Warm]" in e["component"]
               for e in logged), p.stderr
    ex = next(m.group(1) for m in (re.match(r"execution (\S+) started", e["msg"])
                                   for e in logged) if m)
    h = subprocess.run([prewarm_binary(), "history", ex,
                        "--state-dir", state], capture_output=True,
                       text=True, timeout=60, check=False)
    assert h.returncode == 0, h.stderr
    events = [json.loads(l) for l in h.stdout.splitlines() if l.strip()]
    prog = [e for e in events if e["type"] == "TaskProgress"]
    assert prog, h.stdout
    assert prog[0]["state"] == "Warm"
    assert LINE.search(prog[0]["message"]), prog[0]
    # Between the call's start and its result.
    types = [e["type"] for e in events]
    assert types.index("TaskScheduled") < types.index("TaskProgress") \
        < types.index("TaskSucceeded"), types
    assert all(pg.password not in e["message"] for e in prog)

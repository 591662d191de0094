"""The local demo's driver (contrib/demo/demo.py --quick) works: it
finishes by itself within 90 s, exits 0, `prewarm watch` consumes the event
from SQS and deletes it, the table shows the new replica joining the
endpoint, a warmed hit ratio above the cold one, the engine-overhead
benchmark under its 5 s target, a dry-run plan that changes nothing, and
leaves no PostgreSQL or moto process or work directory behind."""
import os
import re
import subprocess
import sys
import time

SRC = os.environ.get("PW_TOP_SRCDIR",
                     os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
PREWARM = os.environ.get("PREWARM", os.path.join(os.getcwd(), "prewarm"))
DEMO = os.path.join(SRC, "contrib", "demo", "demo.py")


def test_quick_demo_warms_and_adds_the_replica():
    env = dict(os.environ)
    env.pop("PREWARM_CONFIG", None)
    start = time.monotonic()
    p = subprocess.run([sys.executable, DEMO, "--quick", "--runner", "watch", "--prewarm", PREWARM],
                       capture_output=True, text=True, env=env, timeout=180)
    elapsed = time.monotonic() - start
    out = p.stdout
    assert p.returncode == 0, out + p.stderr
    assert elapsed < 90, elapsed

    # prewarm watch consumed the CreateDBInstance event and deleted it: the
    # watch path ran, not the prewarm run fallback.
    assert "prewarm watch: consuming the queue" in out, out
    assert "prewarm watch deleted the event from the queue" in out, out
    assert "FALLBACK" not in out and "this script plays the watcher" not in out, out
    assert re.search(r"^demo succeeded in \d+ s \(runner: prewarm watch\)$", out, re.M), out

    row = re.search(r"^endpoint app-prod-readers\s*\| (.*?)\s*\| (.*)$", out, re.M)
    assert row, out
    before, after = row.group(1).split(", "), row.group(2).split(", ")
    assert before == ["app-prod-reader-1"]
    assert sorted(after) == ["app-prod-reader-1", "app-prod-reader-2"]

    ratio = re.search(r"^hit ratio of app-prod-reader-2\s*\| cold\s+([\d.]+)%\s*\| warmed ([\d.]+)%",
                      out, re.M)
    assert ratio, out
    cold, warm = float(ratio.group(1)), float(ratio.group(2))
    assert warm > cold, (cold, warm)
    reads = re.search(r"^reads from storage\s*\| (\d+)\s*\| (\d+)", out, re.M)
    assert int(reads.group(2)) < int(reads.group(1)), reads.group(0)

    bench = re.search(r"engine overhead ([\d.]+) s", out)
    assert bench and float(bench.group(1)) < 5.0, out

    plan = out[out.index("--dry-run of aurora-replica-prewarm"):]
    assert "rds:DescribeDBInstances -> HTTP 200" in plan
    assert "rds:AddStaticMember in state AddStaticMember" in plan
    # The member list printed is the AddStaticMember dry run's result: the
    # current members plus the new replica, nothing written.
    members = re.search(r"^\s+= ModifyDBClusterEndpoint app-prod-readers StaticMembers=\[(.*?)\] "
                        r"\(the dry run's result; read, write, verify\)$", plan, re.M)
    assert members, plan
    assert members.group(1).split(", ") == ["app-prod-reader-1", "app-prod-reader-2",
                                            "app-prod-reader-3"]
    assert "notify:Publish in state NotifySuccess" in plan
    assert "(unchanged)" in plan

    # It cleaned up: moto, the PostgreSQL servers and the directories.
    m = re.search(r"cleaning up \(moto pid (\d+), PostgreSQL in (\S+), (\S+)\)", out)
    assert m, out
    pid, pgdir, work = int(m.group(1)), m.group(2), m.group(3)
    assert not os.path.exists("/proc/%d" % pid)
    assert not os.path.exists(pgdir) and not os.path.exists(work)
    ps = subprocess.run(["pgrep", "-f", pgdir], capture_output=True, text=True)
    assert ps.stdout.strip() == "", ps.stdout

#!/usr/bin/env python3
"""postgres-warm at production scale: the source's cost and the physical limit.

Usage (from the source tree, as root, after building the test driver):
    .venv/bin/python tests/bench/pgwarm-scale.py all [--dir /var/tmp]
        [--builddir DIR] [--rows 6600000] [--hot 560000] [--seconds 20]
    ... setup | measure | teardown   (the three steps of `all`, to rerun
                                      `measure` on a kept cluster)
    measure --warm-only [--parallel K] [--no-replay] [--no-prefetch]
        [--fio-direct 0] [--fio-iodepth D]
    A smaller run (minutes, not hours): setup --shared-buffers 512MB
        --rows 825000 --hot 70000 (1.6 GB of table, the same ratios)

setup: a primary with shared_buffers 4 GB (524,288 buffers) built with
wal_level minimal, so the table costs no WAL, and one table `big` of --rows
rows of ~1.9 kB (4 per 8 kB page, not TOASTed): 6.6 M rows = 12.9 GB plus a
141 MB primary key. The primary then switches to wal_level replica and a
standby (shared_buffers 4 GB too) is made by pg_basebackup. A hot set of
--hot rows scattered by a multiplicative permutation (id = 1 + r*P mod rows)
is read once through the index (about 480 k heap pages plus the index: most
of shared_buffers), then a pgbench mix of uniform and zipfian reads over the
same rows gives the buffers varied usage counts.

measure (the primary is the source, the standby the target):
  1. reading the buffer list: one unsliced pg_buffercache query against the
     sliced reads the plugin does (buffercache_slice), time and the
     backend's temp bytes (pg_stat_database) and peak RSS (VmHWM);
  2. the source's select-only throughput (pgbench -T --seconds, the hot-set
     script) alone and while the plugin's list read runs in a loop;
  3. a mirror warm of the cold target (OS cache dropped): the plugin's
     report (list_seconds, load_seconds), the warm process's max RSS
     (/usr/bin/time) and the target's backend CPU seconds;
  4. fio reading the same blocks (the planned blocks' file offsets from
     pg_relation_filepath and 1 GB segments, random 8 KiB, iodepth =
     parallel, direct=1 unless --fio-direct 0, OS cache dropped) for the
     physical limit.
Heavy steps run under `nice -n 10 ionice -c3`: the machine is shared.
teardown: stops both servers and removes everything under --dir.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from fixtures.pg_cluster import (PgCluster, PgInstance,  # noqa: E402
                                 drop_os_cache, run_pg)

NICE = ["nice", "-n", "10", "ionice", "-c3"]
PRIME = 7919  # coprime with --rows: the hot ids are a permutation
STATE = "pgwarm-scale.json"


def state_path(args):
    return os.path.join(args.dir, STATE)


def hot_script(path, rows, hot):
    with open(path, "w") as f:
        f.write("""\\set p random(1, 100)
\\set r CASE WHEN :p <= 50 THEN random(1, {hot}) ELSE random_zipfian(1, {hot}, 1.1) END
\\set id 1 + (:r * {prime}) % {rows}
SELECT length(filler) FROM big WHERE id = :id;
""".format(hot=hot, rows=rows, prime=PRIME))
    os.chmod(path, 0o644)
    return path


def setup(args):
    tempfile.tempdir = args.dir
    c = PgCluster(standbys=0, shared_buffers=args.shared_buffers,
                  extra_conf="""
wal_level = minimal
max_wal_senders = 0
log_temp_files = 0
work_mem = 4MB
""")
    c.__enter__()
    try:
        build(args, c)
    except BaseException:
        c.close()
        raise


def build(args, c):
    p = c.primary
    t0 = time.time()
    p.query("""BEGIN;
CREATE TABLE big (id int8 NOT NULL, filler text)
  WITH (fillfactor = 100, autovacuum_enabled = off);
ALTER TABLE big ALTER filler SET STORAGE PLAIN;
INSERT INTO big SELECT i, repeat(md5(i::text), 59) || 'x'
  FROM generate_series(1, %d) i;
COMMIT;""" % args.rows)
    p.query("ALTER TABLE big ADD PRIMARY KEY (id)")
    p.query("VACUUM (FREEZE, ANALYZE) big")
    build_s = time.time() - t0
    p.query("ALTER SYSTEM SET wal_level = replica")
    p.query("ALTER SYSTEM SET max_wal_senders = 10")
    p.stop()
    p.start()
    p.wait_ready()
    t1 = time.time()
    s = c.add_standby("standby1")
    backup_s = time.time() - t1
    script = hot_script(os.path.join(c.base, "hot.sql"), args.rows, args.hot)
    t2 = time.time()
    # Read every hot row once through the index (a nested loop, no
    # seq scan: a big seq scan would go through a 256 kB buffer ring).
    p.query("""SET enable_hashjoin = off; SET enable_mergejoin = off;
SET enable_seqscan = off;
SELECT count(length(filler)) FROM big
  WHERE id IN (SELECT 1 + (r::int8 * %d) %% %d
               FROM generate_series(1, %d) r)""" % (PRIME, args.rows,
                                                   args.hot))
    run_pg(["pgbench", "-n", "-h", c.base, "-p", str(p.port),
                "-U", "postgres", "-f", script, "-c", "2", "-T",
                str(args.seconds), "postgres"])
    heat_s = time.time() - t2
    st = {"base": c.base, "password": c.password,
          "primary": [p.datadir, p.port], "standby": [s.datadir, s.port],
          "rows": args.rows, "hot": args.hot, "script": script,
          "build_s": build_s, "backup_s": backup_s, "heat_s": heat_s,
          "db_bytes": p.scalar("SELECT pg_database_size('postgres')")}
    with open(state_path(args), "w") as f:
        json.dump(st, f, indent=1)
    print(json.dumps(st, indent=1))

# The plugin's list read (pgw_dbs.c): every database, no ORDER BY.
LIST_SQL = ("SELECT d.datname, b.relfilenode, b.relforknumber, "
            "b.relblocknumber, b.usagecount FROM pg_buffercache b "
            "JOIN pg_database d ON d.oid = b.reldatabase")


def cli(args, action, params, timed=False):
    exe = os.path.join(args.builddir, "tests", "unit", "pgwarm-cli")
    cmd = [exe, action, json.dumps(params)]
    if timed:
        cmd = ["/usr/bin/time", "-v"] + cmd
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.time() - t0
    if p.returncode != 0:
        raise RuntimeError("%s failed: %s %s" % (action, p.stdout, p.stderr))
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return (json.loads(p.stdout), wall,
            int(rss.group(1)) if rss else None)


def temp_bytes_since(log, offset):
    """Temp file bytes the server logged (log_temp_files = 0) after
    offset."""
    with open(log) as f:
        f.seek(offset)
        return sum(int(m.group(1)) for m in re.finditer(
            r"temporary file: path \"[^\"]*\", size (\d+)", f.read()))


def log_size(log):
    return os.path.getsize(log)


def anon_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            m = re.search(r"RssAnon:\s+(\d+)", f.read())
            return int(m.group(1)) if m else 0
    except OSError:
        return 0


def timed_read(inst, queries, work_mem=None):
    """Runs queries (fetching every row) on one backend: wall seconds,
    rows, temp bytes, peak anonymous RSS of the backend (sampled)."""
    log = os.path.join(inst.cluster.base, inst.name + ".log")
    conn = inst.connect()
    cur = conn.cursor()
    if work_mem:
        cur.execute("SET work_mem = %s", (work_mem,))
    cur.execute("SELECT pg_backend_pid()")
    pid = cur.fetchone()[0]
    peak, done = [anon_kb(pid)], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], anon_kb(pid))
            time.sleep(0.01)
    th = threading.Thread(target=sample)
    off = log_size(log)
    th.start()
    rows, t0 = 0, time.time()
    for q in queries:
        cur.execute(q)
        rows += len(cur.fetchall())
    secs = time.time() - t0
    done.set()
    th.join()
    conn.close()
    time.sleep(0.3)
    return secs, rows, temp_bytes_since(log, off), peak[0]


def sliced(nbuffers, n):
    if n <= 0:
        return [LIST_SQL]
    return [LIST_SQL + " WHERE b.bufferid BETWEEN %d AND %d" % (
        lo, min(lo + n - 1, nbuffers)) for lo in range(1, nbuffers + 1, n)]


def pgbench_tps(inst, script, seconds):
    p = run_pg(["pgbench", "-n", "-h", inst.cluster.base, "-p",
                str(inst.port), "-U", "postgres", "-f", script, "-c", "2",
                "-j", "2", "-T", str(seconds), "postgres"])
    m = re.search(r"tps = ([\d.]+)", p.stdout)
    return float(m.group(1))


def throughput(args, c):
    """The source's select-only tps alone, then while the plugin reads its
    buffer list over and over (SnapshotBuffers, the same query)."""
    src = c.primary
    snap = os.path.join(c.base, "snap.csv")
    script = os.path.join(c.base, "hot.sql")
    out = []
    for rnd in range(2):
        alone = pgbench_tps(src, script, args.seconds)
        stop, reads = threading.Event(), [0, 0.0]

        def loop():
            while not stop.is_set():
                _, w, _ = cli(args, "SnapshotBuffers", {
                    "source": src.dsn(), "snapshot_file": snap})
                reads[0] += 1
                reads[1] += w
        th = threading.Thread(target=loop)
        th.start()
        withr = pgbench_tps(src, script, args.seconds)
        stop.set()
        th.join()
        out.append({"alone_tps": alone, "with_reads_tps": withr,
                    "list_reads": reads[0],
                    "read_s_each": reads[1] / max(reads[0], 1)})
        print("  throughput round %d: %s" % (rnd, out[-1]), file=sys.stderr)
    return out


def target_blocks(inst):
    """(path, block) of every relation block the target holds."""
    dd = inst.datadir
    rows = inst.query(
        "SELECT b.reltablespace, b.reldatabase, b.relfilenode, "
        "b.relforknumber, b.relblocknumber FROM pg_buffercache b "
        "WHERE b.relfilenode IS NOT NULL")
    sfx = {0: "", 1: "_fsm", 2: "_vm", 3: "_init"}
    out = set()
    for spc, db, node, fork, blk in rows:
        base = (os.path.join(dd, "global") if spc == 1664 else
                os.path.join(dd, "base", str(db)))
        out.add((os.path.join(base, "%d%s" % (node, sfx[fork])), blk))
    return out


def fio_limit(args, blocks, workdir):
    """fio reads the blocks: 8 KiB each, shuffled, K psync jobs (K
    synchronous readers, like K pg_prewarm backends, i.e. queue depth K),
    OS cache dropped. Returns (wall, MB/s, fio's runtime seconds)."""
    import random
    segs = []
    for path, blk in blocks:
        seg = blk // 131072
        segs.append(("%s.%d" % (path, seg) if seg else path,
                     (blk % 131072) * 8192))
    random.Random(1).shuffle(segs)
    k = args.parallel
    # --fio-iodepth D > 1: each job keeps D reads in flight (libaio), the
    # limit for a load that prefetches a whole batch at once.
    engine = (["ioengine=psync"] if args.fio_iodepth <= 1 else
              ["ioengine=libaio", "iodepth=%d" % args.fio_iodepth])
    job = ["[global]"] + engine + ["direct=%d" % args.fio_direct,
           "bs=8k",
           "replay_no_stall=1", "group_reporting=1", ""]
    for j in range(k):
        part = segs[j::k]
        files = sorted({f for f, _ in part})
        log = os.path.join(workdir, "fio-%d.iolog" % j)
        with open(log, "w") as f:
            f.write("fio version 2 iolog\n")
            for name in files:
                f.write("%s add\n%s open\n" % (name, name))
            for name, off in part:
                f.write("%s read %d 8192\n" % (name, off))
            for name in files:
                f.write("%s close\n" % name)
        job += ["[r%d]" % j, "read_iolog=%s" % log, ""]
    jobfile = os.path.join(workdir, "blocks.fio")
    with open(jobfile, "w") as f:
        f.write("\n".join(job))
    drop_os_cache()
    t0 = time.time()
    p = subprocess.run(["fio", "--output-format=json", jobfile],
                       capture_output=True, text=True, check=True)
    wall = time.time() - t0
    r = json.loads(p.stdout)["jobs"][0]["read"]
    return wall, r["io_bytes"] / 2**20 / (r["runtime"] / 1000.0), \
        r["runtime"] / 1000.0


def server_cpu(inst):
    """CPU seconds of a server so far: the postmaster plus its exited
    children (the warm's backends are gone when it returns)."""
    with open(os.path.join(inst.datadir, "postmaster.pid")) as f:
        pid = int(f.readline())
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def warm(args, c):
    """A mirror warm of the cold target; then fio on the blocks it read."""
    src, tgt = c.primary, c.standbys[0]
    tgt.stop()
    drop_os_cache()
    tgt.start()
    tgt.wait_ready()
    before = target_blocks(tgt)
    cpu0 = server_cpu(tgt)
    rep, wall, rss = cli(args, "Warm", {
        "source": src.dsn(), "target": tgt.dsn(), "strategy": "mirror",
        "parallel": args.parallel,
        "replay_usage_counts": not args.no_replay,
        "prefetch": not args.no_prefetch}, timed=True)
    cpu = server_cpu(tgt) - cpu0
    read = target_blocks(tgt) - before
    step = rep["steps"][0]
    fio_wall, fio_mbs, fio_s = fio_limit(args, read, c.base)
    return {"warm_seconds": rep["seconds"], "wall": wall, "max_rss_kb": rss,
            "parallel": args.parallel, "target_cpu_s": cpu,
            "prefetch": not args.no_prefetch,
            "fio_iodepth": max(args.fio_iodepth, 1),
            "list_seconds": step.get("list_seconds"),
            "load_seconds": step.get("load_seconds"),
            "blocks_loaded": rep["blocks_loaded"], "blocks_read": len(read),
            "load_mb_s": len(read) * 8192 / 2**20 / step["load_seconds"]
            if step.get("load_seconds") else None,
            "fio_seconds": fio_s, "fio_wall": fio_wall, "fio_mb_s": fio_mbs}


def measure(args):
    c, st = attach(args)
    src = c.primary
    nbuf = src.scalar("SELECT setting::int FROM pg_settings "
                      "WHERE name = 'shared_buffers'")
    used = src.scalar("SELECT count(*) FROM pg_buffercache "
                      "WHERE relfilenode IS NOT NULL")
    res = {"nbuffers": nbuf, "source_buffers_used": used,
           "db_bytes": st["db_bytes"], "list": [], "throughput": [],
           "warm": []}
    if not args.warm_only:
        source_cost(args, c, res)
    for _ in range(args.warm_runs):
        res["warm"].append(warm(args, c))
        print("  warm %s" % res["warm"][-1], file=sys.stderr)
    report(res, st)


def source_cost(args, c, res):
    """The list read alone and sliced, then the source's tps."""
    src = c.primary
    nbuf = res["nbuffers"]
    for n in [int(x) for x in args.slices.split(",")]:
        for wm in ([None, "64MB"] if n == 0 else [None]):
            secs, rows, temp, anon = timed_read(src, sliced(nbuf, n), wm)
            res["list"].append({"slice": n, "work_mem": wm or "4MB",
                                "seconds": secs, "rows": rows,
                                "temp_bytes": temp, "backend_anon_kb": anon})
            print("  list read %s" % res["list"][-1], file=sys.stderr)
    _, snap_wall, snap_rss = cli(args, "SnapshotBuffers", {
        "source": src.dsn(), "snapshot_file": os.path.join(c.base, "s.csv")},
        timed=True)
    res["snapshot_wall"], res["snapshot_rss_kb"] = snap_wall, snap_rss
    res["throughput"] = throughput(args, c)


def report(res, st):
    print(json.dumps(res, indent=1))
    print("\n| measure | value |\n|---|---:|")
    print("| database | %.1f GB |" % (res["db_bytes"] / 2**30))
    print("| source buffers in use | %d of %d |" % (
        res["source_buffers_used"], res["nbuffers"]))
    for r in res["list"]:
        print("| list read, slice %s, work_mem %s | %.2f s, %d rows, temp "
              "%.1f MB, backend anon peak %.1f MB |" % (
                  r["slice"] or "none", r["work_mem"], r["seconds"],
                  r["rows"], r["temp_bytes"] / 2**20,
                  r["backend_anon_kb"] / 1024))
    if "snapshot_wall" in res:
        print("| SnapshotBuffers (list + names + CSV) | %.2f s, max RSS "
              "%.1f MB |" % (res["snapshot_wall"],
                             res["snapshot_rss_kb"] / 1024))
    for t in res["throughput"]:
        print("| source tps alone / while the list is read in a loop | "
              "%.0f / %.0f (%.1f%%), %d reads of %.2f s |" % (
                  t["alone_tps"], t["with_reads_tps"],
                  100.0 * (t["with_reads_tps"] / t["alone_tps"] - 1),
                  t["list_reads"], t["read_s_each"]))
    for w in res["warm"]:
        print("| mirror warm K=%d%s: list / load / total s, max RSS, target "
              "CPU | %.2f / %.2f / %.2f s, %.1f MB, %.1f s |" % (
                  w["parallel"], "" if w["prefetch"] else ", no prefetch",
                  w["list_seconds"], w["load_seconds"],
                  w["warm_seconds"], w["max_rss_kb"] / 1024,
                  w["target_cpu_s"]))
        print("| blocks read by the load / fio same blocks (%d jobs, "
              "iodepth %d) | %d: %.2f s (%.0f MB/s) / %.2f s (%.0f MB/s): "
              "load = %.2fx fio |" % (
                  w["parallel"], w["fio_iodepth"],
                  w["blocks_read"], w["load_seconds"], w["load_mb_s"],
                  w["fio_seconds"], w["fio_mb_s"],
                  w["load_seconds"] / w["fio_seconds"]))



def attach(args):
    with open(state_path(args)) as f:
        st = json.load(f)
    c = PgCluster(standbys=0, shared_buffers="4GB")
    c.base, c.password = st["base"], st["password"]
    c.primary = PgInstance(c, "primary", *st["primary"])
    c.standbys = [PgInstance(c, "standby1", *st["standby"])]
    for i in (c.primary, c.standbys[0]):
        i.running = True
    return c, st


def teardown(args):
    if os.path.exists(state_path(args)):
        c, _ = attach(args)
        c.close()
        os.unlink(state_path(args))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=["setup", "measure", "teardown", "all"])
    ap.add_argument("--dir", default="/var/tmp")
    ap.add_argument("--builddir", default=os.environ.get(
        "PW_TOP_BUILDDIR", "/work/build/pgwarm"))
    ap.add_argument("--rows", type=int, default=6600000)
    ap.add_argument("--hot", type=int, default=560000)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--shared-buffers", default="4GB",
                    help="setup: both servers' shared_buffers; a smaller "
                    "run keeps the documented ratios, e.g. 512MB with "
                    "--rows 825000 --hot 70000 (1.6 GB of table)")
    ap.add_argument("--parallel", type=int, default=2)
    ap.add_argument("--warm-runs", type=int, default=1)
    ap.add_argument("--warm-only", action="store_true",
                    help="measure: skip the source's cost, only warm + fio")
    ap.add_argument("--no-replay", action="store_true",
                    help="warm with replay_usage_counts false (each block "
                    "read once: the per-statement CPU without replay)")
    ap.add_argument("--no-prefetch", action="store_true",
                    help="warm with prefetch false (one synchronous read "
                    "at a time per backend, as before the prefetch pass)")
    ap.add_argument("--fio-iodepth", type=int, default=1,
                    help="reads in flight per fio job (1: psync, the "
                    "queue depth of --parallel; more: libaio)")
    ap.add_argument("--fio-direct", type=int, default=1, choices=[0, 1],
                    help="fio with O_DIRECT (1) or buffered (0)")
    ap.add_argument("--slices", default="0,65536,16384",
                    help="buffercache_slice values to time (0: unsliced)")
    args = ap.parse_args()
    if args.step in ("setup", "all"):
        setup(args)
    if args.step in ("measure", "all"):
        measure(args)
    if args.step in ("teardown", "all"):
        teardown(args)


if __name__ == "__main__":
    main()

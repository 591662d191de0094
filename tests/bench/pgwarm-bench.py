#!/usr/bin/env python3
"""postgres-warm benchmark: warming quality per strategy and warm throughput.

Usage (from the source tree, after building the test driver):
    sudo .venv/bin/python tests/bench/pgwarm-bench.py [--builddir DIR]
        [--scale 16] [--skew 1.3] [--n 4000] [--throughput-scale 30]

Part 1 (quality): a primary and two streaming standbys with 16 MB
shared_buffers, pgbench_accounts at --scale (16: 205 MB heap + 34 MB index),
zipfian reads with the hot keys scattered. Both standbys reach a steady
state (20000 transactions, seed 1); the target is then restarted cold (OS
page cache dropped when allowed) and warmed by each strategy from the
untouched source. For each row: warm seconds, blocks loaded, misses of the
first N transactions (seed 2) against the warm reference (1.0 is perfect),
and the hit ratio over those N transactions.

Part 2 (throughput): one standby with shared_buffers 512 MB and
pgbench_accounts at --throughput-scale (30: 384 MB); after a restart and a
dropped OS page cache, a plain `SELECT pg_prewarm('pgbench_accounts')` (the
local limit) against the relations strategy with K = 1, 2, 4 connections.

--shapes heldout,uniform,index (instead of parts 1 and 2): the defaults'
quality on three data shapes, each 16 MB shared_buffers, measured as the
issue does: misses in the first 1 s / 3 s of the same requests, i.e. the
first R1 / R3 transactions (seed 2), where R1 and R3 are what the
never-restarted reader serves in 1 s and 3 s; divided by that reader's
misses for the same transactions. Every variant is a separate cold restart
plus warm per window. Shapes:
  heldout  pgbench_accounts (scale 12) plus a 110 MB table never read
           (18x shared_buffers); 95% of reads uniform over 900 hot rows
           scattered by permute() (about 0.85 of shared_buffers of heap
           and index pages), 5% uniform over all rows
  uniform  pgbench_accounts (scale 3, 3x shared_buffers), uniform keys
  index    a 600k-row table with three secondary B-tree indexes, each
           transaction three lookups through them; 98% zipfian (s=1.2)
           over 200 hot keys scattered by permute(), 2% uniform
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from fixtures.pg_cluster import (PgCluster, drop_os_cache,  # noqa: E402
                                 load_pgbench_data, run_pg,
                                 write_zipf_script)


def core(builddir, action, params):
    cli = os.path.join(builddir, "tests", "unit", "pgwarm-cli")
    t0 = time.time()
    p = subprocess.run([cli, action, json.dumps(params)], capture_output=True,
                       text=True, check=False)
    elapsed = time.time() - t0
    if p.returncode != 0:
        raise RuntimeError("%s failed: %s %s" % (action, p.stdout, p.stderr))
    return json.loads(p.stdout), elapsed


def quality(args):
    rows = []
    with PgCluster(standbys=2) as c:
        load_pgbench_data(c, args.scale, c.base)
        script = write_zipf_script(c.base, args.scale * 100000, args.skew)
        source, target = c.standbys
        for s in (source, target):
            s.restart()
        for s in (source, target):
            s.pgbench(script, args.warmup, 1)
        ref_miss, ref_hit = target.pgbench(script, args.n, 2)
        snap = os.path.join(c.base, "snapshot.csv")
        core(args.builddir, "SnapshotBuffers",
             {"source": source.dsn(), "snapshot_file": snap})
        top = os.path.join(c.base, "top.csv")
        core(args.builddir, "ExportTopQueries",
             {"source": source.dsn(), "file": top})

        def row(name, miss, hit, secs=None, blocks=None):
            rows.append({"strategy": name, "warm_seconds": secs,
                         "blocks": blocks, "miss_ratio": miss / ref_miss,
                         "hit_ratio": hit / (hit + miss)})

        row("steady state (warm reference)", ref_miss, ref_hit)
        variants = [
            ("cold restart", None, None),
            ("mirror K=2", "Warm", {"source": source.dsn(),
                                    "strategy": "mirror"}),
            ("mirror K=2, fraction 1.0", "Warm", {
                "source": source.dsn(), "strategy": "mirror",
                "budget": {"max_shared_buffers_fraction": 1.0}}),
            ("mirror without usage-count replay", "Warm", {
                "source": source.dsn(), "strategy": "mirror",
                "replay_usage_counts": False}),
            ("restore snapshot file", "RestoreBuffers",
             {"snapshot_file": snap}),
            ("queries (exported CSV only)", "Warm", {
                "strategy": "queries", "queries": {"file": top}}),
            ("relations (source pg_statio)", "Warm", {
                "source": source.dsn(), "strategy": "relations"}),
        ]
        for name, action, params in variants:
            target.stop()
            dropped = drop_os_cache()
            target.start()
            target.wait_ready()
            secs = blocks = None
            if action is not None:
                rep, _ = core(args.builddir, action,
                              dict(params, target=target.dsn()))
                secs, blocks = rep["seconds"], rep["blocks_loaded"]
            miss, hit = target.pgbench(script, args.n, 2)
            row(name, miss, hit, secs, blocks)
            print("  %s done (page cache dropped: %s)" % (name, dropped),
                  file=sys.stderr)
    return rows, ref_miss


def throughput(args):
    out = []
    with PgCluster(standbys=1, shared_buffers="512MB") as c:
        load_pgbench_data(c, args.throughput_scale, c.base)
        s = c.standbys[0]
        mb = s.scalar("SELECT pg_relation_size('pgbench_accounts')") / 2**20

        def cold():
            s.stop()
            drop_os_cache()
            s.start()
            s.wait_ready()

        cold()
        t0 = time.time()
        s.query("SELECT pg_prewarm('pgbench_accounts')")
        limit = mb / (time.time() - t0)
        out.append(("plain pg_prewarm (1 statement)", mb, limit, 1.0))
        for k in (1, 2, 4):
            cold()
            rep, _ = core(args.builddir, "Warm", {
                "target": s.dsn(), "strategy": "relations",
                "relations": ["pgbench_accounts"], "parallel": k,
                "budget": {"max_shared_buffers_fraction": 1.0}})
            got = rep["bytes_loaded"] / 2**20
            rate = got / rep["seconds"]
            out.append(("relations K=%d" % k, got, rate, rate / limit))
    return out


SHAPES = {
    "heldout": {
        "scale": 12,
        "sql": ["CREATE TABLE archive AS SELECT i AS id, repeat('x', 400) "
                "AS body FROM generate_series(1, 240000) i"],
        "script": """\\set p random(1, 100)
\\set r CASE WHEN :p <= 95 THEN random(1, 900) ELSE random(1, 1200000) END
\\set aid 1 + permute(:r - 1, 1200000, 7919)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
"""},
    "uniform": {
        "scale": 3, "sql": [],
        "script": """\\set aid random(1, 300000)
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
"""},
    "index": {
        "scale": 1,
        "sql": ["CREATE TABLE lookup AS SELECT i::int8 AS id, "
                "(i::int8 * 7919) % 600000 AS a, (i::int8 * 104729) % 600000 AS b, "
                "md5(i::text) AS c, repeat('y', 60) AS pad "
                "FROM generate_series(1, 600000) i",
                "ALTER TABLE lookup ADD PRIMARY KEY (id)",
                "CREATE INDEX lookup_a ON lookup (a)",
                "CREATE INDEX lookup_b ON lookup (b)",
                "CREATE INDEX lookup_c ON lookup (c)",
                "VACUUM ANALYZE lookup"],
        "script": """\\set p random(1, 100)
\\set r CASE WHEN :p <= 98 THEN random_zipfian(1, 200, 1.2) ELSE random(1, 600000) END
\\set x permute(:r - 1, 600000, 7919)
SELECT id FROM lookup WHERE a = :x;
SELECT id FROM lookup WHERE b = :x;
SELECT id FROM lookup WHERE c = md5(:x::text);
"""},
}


def pgbench_tps(inst, script, transactions, seed):
    """tps of `transactions` transactions (connection time excluded)."""
    p = run_pg(["pgbench", "-n", "-h", inst.cluster.base, "-p",
                str(inst.port), "-U", "postgres", "-f", script, "-t",
                str(transactions), "--random-seed=%d" % seed, "postgres"])
    for line in p.stdout.splitlines():
        if line.startswith("tps ="):
            return float(line.split()[2])
    raise RuntimeError("no tps in pgbench output:\n" + p.stdout)


def shape_variants(source):
    src = source.dsn()
    return [
        ("cold restart", None, None),
        ("mirror, defaults", "Warm", {"source": src}),
        ("mirror, fraction 0.9 (old default)", "Warm", {
            "source": src, "budget": {"max_shared_buffers_fraction": 0.9}}),
        ("mirror, fraction 1.0 given (no free-buffer cap)", "Warm", {
            "source": src, "budget": {"max_shared_buffers_fraction": 1.0}}),
        ("mirror K=1", "Warm", {"source": src, "parallel": 1}),
        ("mirror K=4", "Warm", {"source": src, "parallel": 4}),
        ("mirror, 128-block statements", "Warm", {
            "source": src, "statement_blocks": 128}),
        ("mirror, 4096-block statements", "Warm", {
            "source": src, "statement_blocks": 4096}),
        ("mirror, hottest-first load order (old default)", "Warm", {
            "source": src, "load_order": "hot"}),
        ("mirror, no usage-count replay", "Warm", {
            "source": src, "replay_usage_counts": False}),
        ("relations (source pg_statio)", "Warm", {
            "source": src, "strategy": "relations"}),
        ("queries (exported CSV only)", "Warm", {"strategy": "queries"}),
        # Headroom: a budget under the free buffers leaves room for the
        # first misses, so the loaded pages that get hit meanwhile rise
        # above the others before the clock sweep starts evicting.
        ("relations, fraction 0.5", "Warm", {
            "source": src, "strategy": "relations",
            "budget": {"max_shared_buffers_fraction": 0.5}}),
        ("relations, fraction 0.7", "Warm", {
            "source": src, "strategy": "relations",
            "budget": {"max_shared_buffers_fraction": 0.7}}),
        # Usage count: each loaded block read u times, so the clock sweep
        # that the first misses start passes over the loaded pages u times
        # before it evicts one that was not hit yet.
    ] + [("relations, usage count %d" % u, "Warm", {
            "source": src, "strategy": "relations", "usage_count": u})
         for u in (1, 3, 5)] + [
        ("queries, usage count %d" % u, "Warm", {
            "strategy": "queries", "usage_count": u}) for u in (1, 3, 5)]


def one_shape(args, name):
    shape = SHAPES[name]
    rows = []
    with PgCluster(standbys=2) as c:
        load_pgbench_data(c, shape["scale"], c.base)
        for sql in shape["sql"]:
            c.primary.query(sql)
        c.primary.query("CHECKPOINT")
        c.wait_replay()
        script = os.path.join(c.base, name + ".sql")
        with open(script, "w") as f:
            f.write(shape["script"])
        os.chmod(script, 0o644)
        source, target = c.standbys
        nbuf = target.scalar("SELECT setting::int8 FROM pg_settings "
                             "WHERE name = 'shared_buffers'")
        dbblocks = target.scalar("SELECT pg_database_size('postgres')") // 8192
        for s in (source, target):
            s.restart()
        for s in (source, target):
            s.pgbench(script, args.warmup, 1)
        tps = pgbench_tps(target, script, 4000, 9)
        wins = [max(1, int(round(tps * 1))), max(1, int(round(tps * 3)))]
        refs = []
        for n in wins:
            # Back to a steady state that no longer holds what the last
            # seed-2 run read (else the 3 s reference would reuse the
            # 1 s run's rare pages and look better than it is).
            target.pgbench(script, max(wins[-1], args.warmup), 3)
            refs.append(target.pgbench(script, n, 2)[0])
        top = os.path.join(c.base, "top.csv")
        core(args.builddir, "ExportTopQueries",
             {"source": source.dsn(), "file": top})
        src_blocks = source.scalar(
            "SELECT count(*) FROM pg_buffercache WHERE relfilenode IS NOT "
            "NULL AND reldatabase = (SELECT oid FROM pg_database WHERE "
            "datname = 'postgres')")
        variants = [v for v in shape_variants(source)
                    if (args.only is None or re.search(args.only, v[0])) and
                    (not args.variants or any(
                        p.strip() and v[0].startswith(p.strip())
                        for p in args.variants.split(",")))]
        # The defaults row again, to show the run-to-run noise.
        variants += [("%s (repeat %d)" % (v[0], k + 2), v[1], v[2])
                     for k in range(args.repeat - 1)
                     for v in variants if v[0] == "mirror, defaults"]
        for vname, action, params in variants:
            if params is not None and params.get("strategy") == "queries":
                params = dict(params, queries={"file": top})
            ratios, rep = [], None
            for n, ref in zip(wins, refs):
                target.restart()
                if action is not None:
                    rep, _ = core(args.builddir, action,
                                  dict(params, target=target.dsn()))
                miss, _ = target.pgbench(script, n, 2)
                ratios.append(miss / ref if ref else float("nan"))
            rows.append((name, vname, ratios, rep))
            print("  %s / %s: %s resident %s used %s" % (
                name, vname, ["%.3f" % r for r in ratios],
                rep and rep.get("source_hot_resident"),
                rep and rep.get("target_buffers_used")), file=sys.stderr)
        info = {"shape": name, "db_blocks": dbblocks, "nbuffers": nbuf,
                "source_cache_blocks": src_blocks, "windows": wins,
                "ref_misses": refs, "tps": tps}
    return rows, info


def shapes(args):
    for name in args.shapes.split(","):
        rows, info = one_shape(args, name)
        print("\n#### %s: database %d blocks = %.1fx shared_buffers (%d); "
              "source cache %d blocks; windows 1 s / 3 s = %d / %d "
              "transactions (reference misses %d / %d)\n" % (
                  name, info["db_blocks"],
                  info["db_blocks"] / info["nbuffers"], info["nbuffers"],
                  info["source_cache_blocks"], info["windows"][0],
                  info["windows"][1], info["ref_misses"][0],
                  info["ref_misses"][1]))
        print("| variant | misses 1 s | misses 3 s | warm s | blocks read "
              "/ source cache |")
        print("|---|---:|---:|---:|---:|")
        for _, vname, ratios, rep in rows:
            print("| %s | %.2f | %.2f | %s | %s |" % (
                vname, ratios[0], ratios[1],
                "-" if rep is None else "%.2f" % rep["seconds"],
                "-" if rep is None else "%.2f" % (
                    rep["blocks_loaded"] / info["source_cache_blocks"])))
        sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--builddir", default=os.environ.get(
        "PW_TOP_BUILDDIR", "/work/build/pgwarm"))
    ap.add_argument("--scale", type=int, default=16)
    ap.add_argument("--skew", type=float, default=1.3)
    ap.add_argument("--warmup", type=int, default=20000)
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--throughput-scale", type=int, default=30)
    ap.add_argument("--only", help="--shapes: run only the variants whose "
                    "name matches this regular expression")
    ap.add_argument("--repeat", type=int, default=1, help="--shapes: "
                    "run the defaults row this many times (noise)")
    ap.add_argument("--shapes", help="comma list of heldout,uniform,index: "
                    "measure the defaults on these data shapes instead")
    ap.add_argument("--variants", help="with --shapes: comma list of "
                    "variant name prefixes to run (e.g. 'cold,relations,"
                    "queries'); all by default")
    args = ap.parse_args()
    if args.shapes:
        shapes(args)
        return

    rows, ref = quality(args)
    print("\n### Quality: first %d transactions after warming "
          "(reference misses: %d)\n" % (args.n, ref))
    print("| strategy | warm s | blocks loaded | misses vs warm | "
          "hit ratio |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print("| %s | %s | %s | %.3f | %.4f |" % (
            r["strategy"],
            "-" if r["warm_seconds"] is None else "%.2f" % r["warm_seconds"],
            "-" if r["blocks"] is None else r["blocks"],
            r["miss_ratio"], r["hit_ratio"]))
    tp = throughput(args)
    print("\n### Throughput: loading pgbench_accounts from a cold start "
          "(OS page cache dropped)\n")
    print("| method | MB | MB/s | vs plain pg_prewarm |")
    print("|---|---:|---:|---:|")
    for name, mb, rate, rel in tp:
        print("| %s | %.0f | %.0f | %.2f |" % (name, mb, rate, rel))


if __name__ == "__main__":
    main()

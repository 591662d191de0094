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
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from fixtures.pg_cluster import (PgCluster, drop_os_cache,  # noqa: E402
                                 load_pgbench_data, write_zipf_script)


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--builddir", default=os.environ.get(
        "PW_TOP_BUILDDIR", "/work/build/pgwarm"))
    ap.add_argument("--scale", type=int, default=16)
    ap.add_argument("--skew", type=float, default=1.3)
    ap.add_argument("--warmup", type=int, default=20000)
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--throughput-scale", type=int, default=30)
    args = ap.parse_args()

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

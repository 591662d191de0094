#!/usr/bin/env python3
"""Where mirror's excess misses come from, on one --shapes shape of
pgwarm-bench.py: the never-restarted reader (twice) and mirror warms
(--reps each of --variants) side by side, with

- the misses of the first-1 s window per relation (pg_statio deltas,
  catalogs and indexes included; shared catalogs count in no database's
  blks_read, so they are not in the metric),
- the source's blocks missing on the warmed target, the blocks it holds
  that the source does not (its own first connections' catalog pages),
- the usage-count histograms of the source, the reference and the warmed
  target (blocks in the source's set, and the others).

Usage: sudo .venv/bin/python tests/bench/pgwarm-miss-sources.py
           --builddir BUILD --shape heldout --reps 2 --variants defaults,hot
A variant is `defaults`, a load order (`hot`, `address`) or `fN` for
max_shared_buffers_fraction N. Output goes to stderr.
"""
import argparse
import collections
import importlib.util
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "pgwarm_bench", os.path.join(HERE, "pgwarm-bench.py"))
pb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pb)
from fixtures.pg_cluster import PgCluster, load_pgbench_data  # noqa: E402

STATIO = ("SELECT relname, coalesce(heap_blks_read, 0) + "
          "coalesce(toast_blks_read, 0) + coalesce(tidx_blks_read, 0) "
          "FROM pg_statio_all_tables UNION ALL "
          "SELECT indexrelname, idx_blks_read FROM pg_statio_all_indexes")
BUFFERS = (
    "SELECT coalesce(c.relname, CASE WHEN b.reldatabase = 0 THEN "
    "'shared:' || b.relfilenode WHEN b.relfilenode IS NULL THEN '(free)' "
    "ELSE 'other:' || b.reldatabase || ':' || b.relfilenode END), "
    "b.relforknumber, b.relblocknumber, b.usagecount FROM pg_buffercache b "
    "LEFT JOIN pg_class c ON pg_relation_filenode(c.oid) = b.relfilenode "
    "AND b.reldatabase IN (0, (SELECT oid FROM pg_database "
    "WHERE datname = current_database()))")


def say(*a):
    print(*a, file=sys.stderr, flush=True)


def statio(inst):
    return collections.Counter({r: n for r, n in inst.query(STATIO)})


def window(inst, script, n):
    """Misses of the first-1 s window, and per relation."""
    s0 = statio(inst)
    miss, _ = inst.pgbench(script, n, 2)
    time.sleep(0.6)  # the stats collector
    d = statio(inst)
    d.subtract(s0)
    return miss, +d


def hist(rows):
    return sorted(collections.Counter(r[3] for r in rows).items())


def params_of(variant, src):
    p = {"source": src}
    if variant in ("hot", "address"):
        p["load_order"] = variant
    elif variant.startswith("f"):
        p["budget"] = {"max_shared_buffers_fraction": float(variant[1:])}
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--builddir", default=os.environ.get(
        "PW_TOP_BUILDDIR", "/work/build/pgwarm"))
    ap.add_argument("--shape", default="heldout", choices=sorted(pb.SHAPES))
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--variants", default="defaults")
    ap.add_argument("--warmup", type=int, default=20000)
    args = ap.parse_args()
    shape = pb.SHAPES[args.shape]
    with PgCluster(standbys=2) as c:
        load_pgbench_data(c, shape["scale"], c.base)
        for sql in shape["sql"]:
            c.primary.query(sql)
        c.primary.query("CHECKPOINT")
        c.wait_replay()
        script = os.path.join(c.base, args.shape + ".sql")
        with open(script, "w") as f:
            f.write(shape["script"])
        os.chmod(script, 0o644)
        source, target = c.standbys
        for s in (source, target):
            s.restart()
        for s in (source, target):
            s.pgbench(script, args.warmup, 1)
        n = max(1, int(round(pb.pgbench_tps(target, script, 4000, 9))))
        src = {(r[0], r[1], r[2]): r[3] for r in source.query(BUFFERS)}
        say("window %d transactions; source usage counts %s" % (
            n, hist([k + (u,) for k, u in src.items()])))
        refs = []
        for k in range(2):
            target.pgbench(script, max(3 * n, args.warmup), 3)
            rows = target.query(BUFFERS)
            miss, per = window(target, script, n)
            refs.append((miss, per))
            say("reference %d: misses %d, per relation %s" % (
                k, miss, per.most_common(10)))
            say("   usage counts %s" % hist(rows))
        for variant in args.variants.split(","):
            for k in range(args.reps):
                target.restart()
                rep, _ = pb.core(args.builddir, "Warm", dict(
                    params_of(variant, source.dsn()), target=target.dsn()))
                rows = target.query(BUFFERS)
                miss, per = window(target, script, n)
                held = {(r[0], r[1], r[2]): r[3] for r in rows}
                missing = collections.Counter(
                    key[0] for key in src if key not in held)
                own = [r for r in rows
                       if (r[0], r[1], r[2]) not in src and r[0] != "(free)"]
                mine = [r for r in rows if (r[0], r[1], r[2]) in src]
                excess = per.copy()
                excess.subtract(refs[0][1])
                say("%s %d: misses %d = %.3f of reference 0; loaded %d, "
                    "free before %s" % (
                        variant, k, miss, miss / refs[0][0],
                        rep["blocks_loaded"],
                        rep.get("target_free_buffers_before")))
                say("   source blocks missing on the target %s (sum %d)" % (
                    missing.most_common(8), sum(missing.values())))
                say("   target blocks not in the source %s (sum %d)" % (
                    collections.Counter(r[0] for r in own).most_common(8),
                    len(own)))
                say("   usage counts: of source blocks %s, of the others %s"
                    % (hist(mine), hist(own)))
                say("   excess misses per relation %s" % [
                    x for x in excess.most_common() if x[1] != 0][:12])


if __name__ == "__main__":
    main()

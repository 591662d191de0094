"""Usage-count replay of the mirror strategy, on its own: after a mirror
the source's hottest blocks sit in the target's cache with usage counts of
at least 2, so the clock sweep does not evict them first; without replay
they sit at 1 like everything else (the control, which shows the measure
can tell the two apart).

Setup (a real primary and a streaming standby, 16 MB shared_buffers): the
primary, the mirror's source, is restarted cold and then runs a small
workload: table `hot` read 5 times (its blocks reach the maximum usage
count, 5), table `cool` read once (usage count 1). The standby, the target,
is restarted cold before each mirror. Blocks are compared by relfilenode,
fork and block number, which a physical standby shares with its primary.
"""
import collections
import time

import pytest

from fixtures.pg_cluster import PgCluster
from fixtures.pgwarm import run_core, warm_ok

HOT_READS = 5
BLOCKS = ("SELECT relfilenode, relforknumber, relblocknumber, usagecount "
          "FROM pg_buffercache WHERE reldatabase = "
          "(SELECT oid FROM pg_database WHERE datname = current_database()) "
          "AND relfilenode IN (SELECT relfilenode FROM pg_class WHERE relname = %s)")


def usage(inst, relname):
    """{(relfilenode, fork, block): usage count} of a table's buffers."""
    return {(r[0], r[1], r[2]): r[3] for r in inst.query(BLOCKS, (relname,))}


@pytest.fixture(scope="module")
def pg():
    # track_functions counts the pg_prewarm calls (the prefetch test).
    with PgCluster(standbys=1, shared_buffers="16MB",
                   extra_conf="track_functions = 'all'") as c:
        p = c.primary
        for name, rows in (("hot", 30000), ("cool", 30000)):
            p.query("CREATE TABLE %s AS SELECT g AS id, md5(g::text) AS v "
                    "FROM generate_series(1, %d) g" % (name, rows))
        p.query("CHECKPOINT")
        c.wait_replay()
        c.standbys[0].query("CHECKPOINT")  # a restart replays no WAL
        p.restart()  # the source's cache holds only the workload below
        for _ in range(HOT_READS):
            p.query("SELECT count(*) FROM hot")
        p.query("SELECT count(*) FROM cool")
        c.hot, c.cool = usage(p, "hot"), usage(p, "cool")
        yield c


def mirror(pg, replay, order=None, prefetch=True, report=None):
    target = pg.standbys[0]
    target.restart()
    assert not usage(target, "hot") and not usage(target, "cool")
    params = {"target": target.dsn(), "source": pg.primary.dsn(),
              "strategy": "mirror", "replay_usage_counts": replay,
              "prefetch": prefetch}
    if order is not None:
        params["load_order"] = order
    rep = warm_ok(params)
    assert rep["statements_failed"] == 0, rep
    if report is not None:
        report.update(rep)
    # Mirror's default order is the block address (README "Choosing the
    # defaults": hottest first leaves the coldest blocks at the end of
    # the buffer ring, and the first clock sweep lowers the hot ones
    # twice before it reaches them).
    assert rep["steps"][0]["load_order"] == (order or "address"), rep
    return usage(target, "hot"), usage(target, "cool")


def prewarm_calls(inst):
    """pg_prewarm calls so far (track_functions). A backend flushes its
    counts as it exits, which may be just after the warm returns: read
    until two reads a second apart agree (stats survive a clean
    restart)."""
    sql = ("SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions "
           "WHERE funcname = 'pg_prewarm'")
    last = inst.scalar(sql)
    for _ in range(30):
        time.sleep(1)
        now = inst.scalar(sql)
        if now == last:
            return now
        last = now
    return last


def distribution(counts, blocks):
    """How many of `blocks` the target holds at each usage count (0: not
    resident)."""
    return dict(sorted(collections.Counter(counts.get(b, 0) for b in blocks).items()))


def test_the_source_has_hot_and_cool_blocks(pg):
    pages = pg.primary.scalar("SELECT pg_relation_size('hot') / 8192")
    assert len(pg.hot) >= pages and min(pg.hot.values()) == HOT_READS, pg.hot
    assert len(pg.cool) >= pages and max(pg.cool.values()) == 1, pg.cool


@pytest.mark.parametrize("order", ["hot", "address", None])
def test_replayed_usage_counts_keep_the_hottest_blocks_hot(pg, order):
    # In address order one statement mixes usage counts: each range is
    # still read its own number of times.
    hot, cool = mirror(pg, replay=True, order=order)
    d_hot, d_cool = distribution(hot, pg.hot), distribution(cool, pg.cool)
    print("target usage counts: source's hottest %s, source's usage-1 %s" % (d_hot, d_cool))
    # Every one of the source's hottest blocks is resident with a usage
    # count of at least 2 (the replay reads it 5 times: 5, unless a clock
    # sweep passed over it during the warm).
    assert set(d_hot) <= {2, 3, 4, 5}, d_hot
    assert d_hot.get(5, 0) >= 0.9 * len(pg.hot), d_hot
    # What the source held at 1 is loaded once, not promoted.
    assert set(d_cool) <= {1}, d_cool


def test_without_replay_the_hottest_blocks_start_at_one(pg):
    """The control: the same mirror with replay off leaves the hottest
    blocks at usage count 1, which the assertion above would reject."""
    hot, _ = mirror(pg, replay=False)
    d_hot = distribution(hot, pg.hot)
    print("without replay: source's hottest %s" % d_hot)
    assert d_hot == {1: len(pg.hot)}, d_hot


def test_prefetch_loads_the_same_blocks_with_the_same_usage_counts(pg):
    """The prefetch pass only asks the kernel for the blocks: the target
    ends with the same buffers at the same usage counts as without it."""
    with_ = mirror(pg, replay=True, prefetch=True)
    without = mirror(pg, replay=True, prefetch=False)
    assert with_ == without


@pytest.mark.parametrize("prefetch", [False, True])
def test_prefetch_pass_is_one_call_per_range(pg, prefetch):
    """Without replay the buffer pass is one pg_prewarm call per range;
    the prefetch pass adds one per range and the probe (one per database
    loaded), and nothing without it."""
    target = pg.standbys[0]
    rep = {}
    before = prewarm_calls(target)
    mirror(pg, replay=False, prefetch=prefetch, report=rep)
    calls = prewarm_calls(target) - before
    ranges = rep["steps"][0]["ranges"]
    print("prefetch %s: %s pg_prewarm calls, %s ranges" % (
        prefetch, calls, ranges))
    assert ranges > 0
    if prefetch:
        assert 2 * ranges + 1 <= calls <= 2 * ranges + 3, (calls, ranges)
    else:
        assert calls == ranges, (calls, ranges)


def relations_warm(pg, usage_count=None):
    """relations on a cold target: {block: usage count} of `hot`."""
    target = pg.standbys[0]
    target.restart()
    params = {"target": target.dsn(), "strategy": "relations",
              "relations": ["hot"]}
    if usage_count is not None:
        params["usage_count"] = usage_count
    rep = warm_ok(params)
    assert rep["statements_failed"] == 0, rep
    assert rep["blocks_loaded"] > 0, rep
    return usage(target, "hot")


@pytest.mark.parametrize("given,expected", [(None, 2), (1, 1), (4, 4)])
def test_relations_load_at_their_usage_count(pg, given, expected):
    """relations and queries cannot tell hot pages from cold ones; each
    loaded page is read usage_count times (default 2, README "relations
    and queries") so the first clock sweeps pass over it that many times
    before evicting it unhit."""
    counts = relations_warm(pg, given)
    pages = pg.primary.scalar("SELECT pg_relation_size('hot') / 8192")
    assert len(counts) >= pages, counts
    assert set(counts.values()) == {expected}, distribution(counts, counts)


@pytest.mark.parametrize("bad", [0, 6, "2", 2.5])
def test_usage_count_outside_1_to_5_is_refused(pg, bad):
    rc, out, stdout, stderr = run_core("Warm", {
        "target": pg.standbys[0].dsn(), "strategy": "relations",
        "relations": ["hot"], "usage_count": bad})
    assert rc != 0
    assert "usage_count" in stdout + stderr, (stdout, stderr)

"""Mirror and snapshots cover every database of the instance: one warm, given a source
and a target connected to `postgres`, loads the blocks the source holds for
`app1` and `app2` into the target's databases of the same names, and
reports `locked` (no CONNECT privilege for prewarm's role) as skipped
without failing.

Setup (a real primary and two streaming standbys, 16 MB shared_buffers):
three databases with pg_prewarm and a 2.5 MB table each; the source standby
reads the tables of all three (as the superuser), the target standby is
restarted cold before the warm.
"""
import pytest

from fixtures.pg_cluster import PgCluster
from fixtures.pgwarm import run_core, warm_ok

DATABASES = ("app1", "app2", "locked")
RESIDENT = ("SELECT count(*) FROM pg_buffercache b JOIN pg_database d "
            "ON d.oid = b.reldatabase WHERE d.datname = %s "
            "AND b.relfilenode = %s")


def filenode(inst, db):
    return inst.scalar("SELECT pg_relation_filenode('t')", dbname=db)


def resident(inst, db, node):
    return inst.scalar(RESIDENT, (db, node))


@pytest.fixture(scope="module")
def pg():
    with PgCluster(standbys=2) as c:
        p = c.primary
        for db in DATABASES:
            p.query("CREATE DATABASE %s" % db)
            p.query("CREATE EXTENSION pg_prewarm", dbname=db)
            p.query("CREATE TABLE t AS SELECT g AS id, md5(g::text) AS v "
                    "FROM generate_series(1, 30000) g", dbname=db)
        p.query("REVOKE CONNECT ON DATABASE locked FROM PUBLIC")
        p.query("CHECKPOINT")
        c.wait_replay()
        source, target = c.standbys
        source.restart()
        for db in DATABASES:
            source.query("SELECT count(*) FROM t", dbname=db)
        yield c


def test_one_mirror_warms_every_database(pg):
    source, target = pg.standbys
    want = {db: resident(source, db, filenode(source, db))
            for db in DATABASES}
    assert min(want.values()) >= 200, want
    target.restart()
    rep = warm_ok({"target": target.dsn(), "source": source.dsn(),
                   "strategy": "mirror"})
    print(rep["databases"], rep["databases_skipped"])
    per_db = {d["database"]: d for d in rep["databases"]}
    for db in ("app1", "app2"):
        # Every block of the database's table was loaded on the target,
        # and the report says so per database.
        got = resident(target, db, filenode(target, db))
        assert got >= want[db], (db, got, want[db])
        assert per_db[db]["blocks_loaded"] >= want[db], per_db[db]
        assert per_db[db]["statements_failed"] == 0, per_db[db]
    assert "locked" not in per_db
    assert resident(target, "locked", filenode(target, "locked")) == 0
    skipped = {d["database"]: d["reason"] for d in rep["databases_skipped"]}
    assert "permission denied for database" in skipped["locked"], skipped
    # The report's totals are the sum over databases.
    assert rep["blocks_loaded"] == sum(d["blocks_loaded"]
                                       for d in rep["databases"])
    assert rep["blocks_loaded"] <= rep["budget_blocks"]


def test_snapshot_and_restore_cover_every_database(pg, tmp_path):
    source, target = pg.standbys
    snap = str(tmp_path / "buffers.csv")
    rc, out, stdout, stderr = run_core("SnapshotBuffers", {
        "source": source.dsn(), "snapshot_file": snap})
    assert rc == 0, stdout + stderr
    per_db = {d["database"]: d["blocks"] for d in out["databases"]}
    assert per_db["app1"] >= 200 and per_db["app2"] >= 200, out
    assert [d["database"] for d in out["databases_skipped"]] == ["locked"]
    with open(snap) as f:
        text = f.read()
    assert text.startswith("relation,fork,first_block,last_block,"
                           "usage_count,database\n")
    assert '"public.t",main,' in text and ',"app2"\n' in text
    target.restart()
    rc, rep, stdout, stderr = run_core("RestoreBuffers", {
        "target": target.dsn(), "snapshot_file": snap})
    assert rc == 0, stdout + stderr
    loaded = {d["database"]: d["blocks_loaded"] for d in rep["databases"]}
    for db in ("app1", "app2"):
        assert loaded[db] >= per_db[db] * 0.99, loaded
        assert resident(target, db, filenode(target, db)) >= 200

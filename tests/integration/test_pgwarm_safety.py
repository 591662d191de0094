"""Safety rules of postgres-warm on a real primary + streaming standby:
read-only sessions, the writer refused unless forced, statement timeout and
total deadline, one failing query never stops the others, the
shared_buffers budget, no password in any output, named errors, CSV edge
cases, non-SELECT statements never executed."""
import json
import os
import re
import subprocess
import time

import pytest

from fixtures.pg_cluster import (PASSWORD_USER, PG_USER, PREWARM_ROLE, SRC, PgCluster,
                                 load_pgbench_data)
from fixtures.moto_server import moto_server  # noqa: F401
from fixtures.pgwarm import prewarm_binary, run_core, warm_ok, write_csv

HEADER = "queryid,query,calls,total_exec_time\n"
SLOW = "SELECT count(*) FROM generate_series(1, 400000000)"


@pytest.fixture(scope="module")
def pg():
    with PgCluster(standbys=1) as c:
        load_pgbench_data(c, 2, c.base)  # 26 MB accounts vs 16 MB buffers
        p = c.primary
        p.query("CREATE TABLE guard (n int)")
        p.query("INSERT INTO guard SELECT generate_series(1, 3)")
        p.query("CREATE SEQUENCE guard_seq")
        # A function that writes: not on the gate's allow-list.
        p.query("CREATE FUNCTION guard_write() RETURNS int LANGUAGE sql "
                "VOLATILE AS 'INSERT INTO guard VALUES (99) RETURNING n'")
        # The same write reached through a built-in operator symbol and
        # through attribute notation (g.f means f(g)): the gate reads only
        # the text, so these pass it, and only the read-only session stops
        # them (the residual risk plugins/postgres-warm/README.md states).
        p.query("CREATE FUNCTION guard_op(int, text) RETURNS int "
                "LANGUAGE sql VOLATILE "
                "AS 'INSERT INTO guard VALUES (98) RETURNING n'")
        p.query("CREATE OPERATOR + (LEFTARG = int, RIGHTARG = text, "
                "FUNCTION = guard_op)")
        p.query("CREATE FUNCTION guard_attr(guard) RETURNS int "
                "LANGUAGE sql VOLATILE "
                "AS 'INSERT INTO guard VALUES (97) RETURNING n'")
        c.wait_replay()
        yield c


def standby(pg):
    return pg.standbys[0]


def guard_state(pg):
    p = pg.primary
    return (p.scalar("SELECT count(*) FROM guard"),
            p.scalar("SELECT last_value FROM guard_seq"),
            p.scalar("SELECT count(*) FROM pgbench_history"))


def test_writer_is_refused_unless_forced(pg):
    rc, out, _, _ = run_core("Warm", {
        "target": pg.primary.dsn(), "strategy": "relations",
        "relations": ["pgbench_branches"]})
    assert rc == 1
    assert out["Error"] == "Postgres.TargetIsWriter"
    assert "force" in out["Cause"]
    rep = warm_ok({"target": pg.primary.dsn(), "strategy": "relations",
                   "relations": ["pgbench_branches"], "force": True})
    assert rep["steps"][0]["relations"] == ["public.pgbench_branches"]
    # Within the writer's free buffers (none when its cache is full).
    assert rep["blocks_loaded"] <= rep["target_free_buffers_before"]


def test_non_select_statements_are_never_executed(pg, tmp_path):
    before = guard_state(pg)
    csv = write_csv(str(tmp_path / "evil.csv"), HEADER + "".join(
        "%d,\"%s\",1,%d\n" % (i, q.replace('"', '""'), 100 - i)
        for i, q in enumerate([
            "INSERT INTO guard VALUES ($1)",
            "UPDATE guard SET n = $1",
            "DELETE FROM guard",
            "WITH d AS (DELETE FROM guard RETURNING *) SELECT * FROM d",
            "SELECT * INTO guard_copy FROM guard",
            "SELECT 1; DELETE FROM guard",
            "SELECT nextval('guard_seq')",
            "SELECT * FROM guard FOR UPDATE",
            "TRUNCATE guard",
            "INSERT INTO pgbench_history (tid, bid, aid, delta) "
            "VALUES ($1, $2, $3, $4)",
            "SELECT guard_write()",
            "SELECT * FROM guard FOR KEY SHARE",
            "SELECT query_to_xml('SELECT nextval(''guard_seq'')', "
            "true, true, '')",
            "SELECT 1 + 'x'::text",
            "SELECT g.guard_attr FROM guard g",
            "SELECT count(*) FROM guard",
        ])))
    # Even on the writer (forced), where writes would be possible. Its
    # cache is full (no free buffers to stay within): an explicit fraction
    # is taken as given, so the queries that pass the gate run.
    rep = warm_ok({"target": pg.primary.dsn(), "strategy": "queries",
                   "queries": {"file": csv}, "force": True,
                   "budget": {"max_shared_buffers_fraction": 1.0}})
    assert guard_state(pg) == before
    assert not pg.primary.scalar("SELECT to_regclass('guard_copy') IS NOT NULL")
    details = {d["query"]: d for d in rep["queries"]["details"]}
    passing = ("SELECT 1 + 'x'::text", "SELECT g.guard_attr FROM guard g",
               "SELECT count(*) FROM guard")
    assert rep["queries"]["skipped"] == len(details) - len(passing)
    for q, d in details.items():
        if q in passing:
            continue
        assert d["status"] == "skipped", d
        assert d["reason"]
    assert "guard_write()" in details["SELECT guard_write()"]["reason"]
    assert "query_to_xml()" in details[
        "SELECT query_to_xml('SELECT nextval(''guard_seq'')', "
        "true, true, '')"]["reason"]
    # Writes hidden behind an operator or attribute notation got past the
    # gate: the read-only session stopped them.
    for q in passing[:2]:
        assert details[q]["status"] == "failed", details[q]
        assert "read-only transaction" in details[q]["reason"]
    assert details["SELECT count(*) FROM guard"]["status"] == "run"


def test_one_failing_query_never_stops_the_others(pg, tmp_path):
    csv = write_csv(str(tmp_path / "mixed.csv"), HEADER +
                    "1,SELECT * FROM no_such_table,1,90\n"
                    "2,SELECT 1/0 FROM pgbench_branches,1,80\n"
                    "3,SELECT count(*) FROM pgbench_tellers,1,70\n"
                    "4,SELECT abalance FROM pgbench_accounts "
                    "WHERE aid = $1,1,60\n")
    standby(pg).restart()  # free buffers for the queries that run
    rep = warm_ok({"target": standby(pg).dsn(), "strategy": "queries",
                   "queries": {"file": csv}, "parallel": 1})
    st = {d["queryid"]: d for d in rep["queries"]["details"]}
    assert st["1"]["status"] == "failed"
    assert "no_such_table" in st["1"]["reason"]
    assert st["2"]["status"] == "failed"
    assert "division by zero" in st["2"]["reason"]
    assert st["3"]["status"] == "run"
    assert st["4"]["status"] == "planned"
    assert rep["queries"]["failed"] == 2 and rep["queries"]["run"] == 1
    assert rep["blocks_loaded"] > 0


def test_statement_timeout_cancels_one_query_only(pg, tmp_path):
    csv = write_csv(str(tmp_path / "slow.csv"), HEADER +
                    "1,\"%s\",1,90\n" % SLOW +
                    "2,SELECT count(*) FROM pgbench_branches,1,10\n")
    standby(pg).restart()  # free buffers for the queries that run
    t0 = time.time()
    rep = warm_ok({"target": standby(pg).dsn(), "strategy": "queries",
                   "queries": {"file": csv}, "parallel": 1,
                   "budget": {"statement_timeout_ms": 300}})
    assert time.time() - t0 < 10
    st = {d["queryid"]: d for d in rep["queries"]["details"]}
    assert st["1"]["status"] == "failed"
    assert "statement timeout" in st["1"]["reason"]
    assert st["2"]["status"] == "run"


@pytest.mark.parametrize("how", ["budget", "host"])
def test_total_deadline_raises_states_timeout(pg, tmp_path, how):
    csv = write_csv(str(tmp_path / "slow.csv"), HEADER + "".join(
        "%d,\"%s\",1,%d\n" % (i, SLOW.replace("400000000", str(400000000 + i)),
                          10 - i) for i in range(4)))
    params = {"target": standby(pg).dsn(), "strategy": "queries",
              "queries": {"file": csv}, "parallel": 2,
              "budget": {"statement_timeout_ms": 600000}}
    kw = {}
    if how == "budget":
        params["budget"]["seconds"] = 1
    else:
        kw["remaining_ms"] = 1000  # the host's deadline (TimeoutSeconds)
    t0 = time.time()
    rc, out, _, _ = run_core("Warm", params, **kw)
    elapsed = time.time() - t0
    assert rc == 1
    assert out["Error"] == "States.Timeout"
    assert "partial report" in out["Cause"]
    assert '"timed_out":true' in out["Cause"]
    assert elapsed < 6, elapsed
    # The in-flight statements were cancelled, not left running.
    time.sleep(0.5)
    assert standby(pg).scalar(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE query LIKE 'EXPLAIN%generate_series%'") == 0


def buffers_used(inst):
    """Buffers holding user relations: the system catalog pages that any
    session reads to parse its statements are not what a warm loads."""
    return inst.scalar(
        "SELECT count(*) FROM pg_buffercache b JOIN pg_class c "
        "ON b.relfilenode = pg_relation_filenode(c.oid) "
        "WHERE b.reldatabase = (SELECT oid FROM pg_database "
        "WHERE datname = current_database()) "
        "AND c.relnamespace <> 'pg_catalog'::regnamespace")


@pytest.mark.parametrize("strategy", ["relations", "mirror", "queries"])
def test_shared_buffers_budget_is_never_exceeded(pg, tmp_path, strategy):
    s = standby(pg)
    s.restart()
    params = {"target": s.dsn(), "strategy": strategy,
              "budget": {"max_shared_buffers_fraction": 0.25}}
    if strategy == "relations":
        params["relations"] = ["pgbench_accounts_pkey", "pgbench_accounts"]
    elif strategy == "mirror":
        params["source"] = pg.primary.dsn()  # its cache is full of data
    else:
        params["queries"] = {"file": write_csv(
            str(tmp_path / "big.csv"), HEADER +
            "1,SELECT sum(abalance) FROM pgbench_accounts,1,50\n"
            "2,SELECT abalance FROM pgbench_accounts WHERE aid = $1,1,40\n")}
    before = buffers_used(s)
    rep = warm_ok(params)
    after = buffers_used(s)
    budget = 2048 // 4
    assert rep["budget_blocks"] == budget
    assert rep["blocks_loaded"] <= budget
    assert rep["blocks_loaded"] >= budget * 0.9  # there was enough to load
    # What the warm added to the target's cache stays within the budget.
    assert after - before <= budget, (before, after)
    if strategy == "queries":
        d = rep["queries"]["details"][0]
        assert d["status"] == "planned"  # too big to run within budget
        assert "budget" in d["reason"]


def test_password_never_appears(pg, tmp_path):
    s = standby(pg)
    pw = pg.password
    csv = write_csv(str(tmp_path / "q.csv"), HEADER +
                    "1,SELECT * FROM no_such_table,1,90\n"
                    "2,SELECT count(*) FROM pgbench_branches,1,10\n")
    target = {"host": "127.0.0.1", "port": s.port, "dbname": "postgres",
              "user": PASSWORD_USER, "password": pw}
    outputs = []
    # Works with the right password (object form), source as a string.
    # A cold target: mirror leaves out what the target already holds.
    s.restart()
    rc, out, so, se = run_core("Warm", {
        "target": target,
        "source": pg.primary.dsn(user=PASSWORD_USER, password=pw),
        "strategy": ["queries", "mirror"], "queries": {"file": csv}})
    assert rc == 0, so + se
    # A non-superuser with the documented grants really warms.
    assert out["statements_failed"] == 0, out
    assert out["steps"][1]["blocks_loaded"] > 0
    outputs.append(so + se)
    # Wrong password, URI form.
    rc, out, so, se = run_core("Warm", {
        "target": "postgresql://%s:%s-wrong@127.0.0.1:%d/postgres"
                  % (PASSWORD_USER, pw, s.port),
        "relations": ["pgbench_branches"]})
    assert rc == 1 and out["Error"] == "Postgres.AuthFailed", out
    assert "password authentication failed" in out["Cause"]
    outputs.append(so + se)
    # A broken connection string that holds the password.
    rc, out, so, se = run_core("CacheStats", {
        "target": "host=127.0.0.1 password=%s bogus_option=1" % pw})
    assert rc == 1 and out["Error"] == "Postgres.InvalidParameter"
    outputs.append(so + se)
    # A timeout cause carries the report: still no password.
    rc, out, so, se = run_core("Warm", {
        "target": target, "strategy": "queries",
        "queries": {"file": write_csv(str(tmp_path / "s.csv"),
                                      HEADER + "1,\"%s\",1,1\n" % SLOW)},
        "budget": {"seconds": 1}})
    assert rc == 1 and out["Error"] == "States.Timeout"
    outputs.append(so + se)
    for text in outputs:
        assert pw not in text


def test_unreadable_relations_are_skipped_not_fatal(pg):
    """A user without pg_read_all_data may prewarm only what it can SELECT:
    the rest (catalog TOAST, other tables, indexes) is skipped and
    reported, and no statement fails because of it."""
    p, s = pg.primary, standby(pg)
    p.query("DROP ROLE IF EXISTS limited")
    p.query("CREATE ROLE limited LOGIN PASSWORD %s IN ROLE pg_monitor", (pg.password,))
    p.query("GRANT EXECUTE ON FUNCTION pg_prewarm(regclass, text, text, "
            "bigint, bigint) TO limited")
    p.query("GRANT SELECT ON pgbench_accounts TO limited")
    pg.wait_replay()
    # Make sure the source's cache holds a TOAST relation of a catalog.
    p.query("SELECT count(*) FROM pg_statistic")
    s.restart()  # mirror leaves out what the target already holds
    rep = warm_ok({"target": s.dsn(user="limited", password=pg.password),
                   "source": p.dsn(user="limited", password=pg.password),
                   "strategy": "mirror"})
    assert rep["statements_failed"] == 0
    assert rep["blocks_loaded"] > 0
    assert any("pg_read_all_data" in m for m in rep["problems"]), rep
    loaded = s.scalar(
        "SELECT count(*) FROM pg_buffercache "
        "WHERE relfilenode = pg_relation_filenode('pgbench_accounts')")
    assert loaded > 0


def documented_grants():
    """The role memberships contrib/DEPLOY.md's grant table lists."""
    with open(os.path.join(SRC, "contrib", "DEPLOY.md")) as f:
        text = f.read()
    section = text[text.index("**A database user for warming.**"):
                   text.index("**The top-queries export**")]
    return sorted(re.findall(r"^\| `(pg_\w+)`", section, re.M))


def test_prewarm_role_has_exactly_the_documented_grants(pg):
    """The role every test warms as (contrib/sql/prewarm-role.sql) is no
    superuser and holds exactly what DEPLOY.md documents, nothing more."""
    p = pg.primary
    member_of = sorted(r[0] for r in p.query(
        "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = %s", (PREWARM_ROLE,)))
    assert member_of == documented_grants() == ["pg_monitor", "pg_read_all_data"]
    attrs = p.query("SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, "
                    "rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = %s",
                    (PREWARM_ROLE,))
    assert attrs == [(False, False, False, False, False, True)]
    # No privilege granted to the role itself on any object.
    assert p.scalar("SELECT count(*) FROM information_schema.role_table_grants "
                    "WHERE grantee = %s", (PREWARM_ROLE,)) == 0
    assert p.scalar("SELECT count(*) FROM information_schema.role_routine_grants "
                    "WHERE grantee = %s", (PREWARM_ROLE,)) == 0


def test_each_documented_grant_is_needed(pg):
    """Without pg_monitor the mirror cannot read the source's cache; without
    pg_read_all_data see test_unreadable_relations_are_skipped_not_fatal."""
    p, s = pg.primary, standby(pg)
    p.query("DROP ROLE IF EXISTS no_monitor")
    p.query("CREATE ROLE no_monitor LOGIN PASSWORD %s IN ROLE pg_read_all_data",
            (pg.password,))
    pg.wait_replay()
    rc, out, so, se = run_core("Warm", {
        "target": s.dsn(user="no_monitor", password=pg.password),
        "source": p.dsn(user="no_monitor", password=pg.password), "strategy": "mirror"})
    assert rc == 1 and out["Error"] == "Postgres.QueryFailed", so + se
    assert "permission denied" in out["Cause"] and "pg_buffercache" in out["Cause"], out


def test_tcp_logins_need_a_password(pg):
    """pg_hba.conf has no trust over TCP: not even the superuser gets in
    without a password, and a login with none fails as AuthFailed."""
    s = standby(pg)
    rc, out, _, _ = run_core("CacheStats", {"target": s.dsn(user=PG_USER)})
    assert rc == 1 and out["Error"] == "Postgres.AuthFailed", out
    rc, out, _, _ = run_core("CacheStats", {"target": s.dsn(user=PREWARM_ROLE, password="")})
    assert rc == 1 and out["Error"] == "Postgres.AuthFailed", out
    rc, out, so, se = run_core("CacheStats", {"target": s.dsn()})
    assert rc == 0, so + se


def test_connection_failures_are_named(pg):
    # (parameters are checked before connecting: relations makes them valid)
    rc, out, _, _ = run_core("Warm", {
        "target": "host=127.0.0.1 port=1 dbname=postgres connect_timeout=2",
        "relations": ["pgbench_branches"]})
    assert rc == 1 and out["Error"] == "Postgres.ConnectionFailed"
    assert "target" in out["Cause"]
    rc, out, _, _ = run_core("Warm", {
        "target": standby(pg).dsn(),
        "source": {"host": "127.0.0.1", "port": 1, "dbname": "postgres"}})
    assert rc == 1 and out["Error"] == "Postgres.ConnectionFailed"
    assert "source" in out["Cause"]


def test_csv_edge_cases_end_to_end(pg, tmp_path):
    s = standby(pg)
    csv = write_csv(str(tmp_path / "edge.csv"), HEADER +
                    '1,"SELECT aid, abalance FROM pgbench_accounts '
                    'WHERE aid = $1",5,50\n'
                    '2,"SELECT bid,\n  ""bbalance""\nFROM pgbench_branches\n'
                    "WHERE filler IS NULL OR filler <> 'a,b'\",3,40\n"
                    "3,SELECT broken,row\n"
                    "4,SELECT count(*) FROM pgbench_tellers,1,30\n")
    s.restart()  # free buffers for the queries that run
    rep = warm_ok({"target": s.dsn(), "strategy": "queries",
                   "queries": {"file": csv}})
    st = {d["queryid"]: d for d in rep["queries"]["details"]}
    assert set(st) == {"1", "2", "4"}
    assert st["1"]["status"] == "planned"
    assert "public.pgbench_accounts" in st["1"]["relations"]
    assert st["2"]["status"] == "run"
    assert st["2"]["line"] == 3
    assert st["4"]["line"] == 8
    assert any(re.search(r"edge\.csv:7: malformed row", p)
               for p in rep["problems"]), rep["problems"]
    # Header only: nothing to do, not an error.
    empty = write_csv(str(tmp_path / "empty.csv"), HEADER)
    rep = warm_ok({"target": s.dsn(), "strategy": "queries",
                   "queries": {"file": empty}})
    assert rep["queries"]["run"] + rep["queries"]["planned"] == 0
    assert rep["blocks_loaded"] == 0
    # No header at all: a clear error naming file and line.
    rc, out, _, _ = run_core("Warm", {
        "target": s.dsn(), "strategy": "queries",
        "queries": {"file": write_csv(str(tmp_path / "nohdr.csv"), "")}})
    assert rc == 1 and out["Error"] == "Postgres.InvalidParameter"
    assert "nohdr.csv:1:" in out["Cause"]


def test_cache_stats(pg):
    rc, out, so, se = run_core("CacheStats", {"target": standby(pg).dsn()})
    assert rc == 0, so + se
    assert out["in_recovery"] is True
    assert 0 <= out["hit_ratio"] <= 1
    assert out["buffers_total"] == 2048
    assert 0 < out["buffers_used"] <= out["buffers_total"]
    rc, out, _, _ = run_core("CacheStats", {"target": pg.primary.dsn()})
    assert rc == 0 and out["in_recovery"] is False


def test_export_matches_the_pg_cron_view(pg, tmp_path):
    sql = open(os.path.join(os.environ.get("PW_TOP_SRCDIR", "/work/main"),
                            "contrib/pg_cron/export-top-queries.sql")).read()
    view = sql.split("-- BEGIN top-queries view")[1].split(
        "-- END top-queries view")[0].split("\n", 2)[2]
    pg.primary.query(view)
    pg.wait_replay()
    s = standby(pg)
    s.pgbench(os.path.join(pg.base, "zipf.sql"), 200, 5)
    out_file = str(tmp_path / "export.csv")
    rc, out, so, se = run_core("ExportTopQueries", {
        "source": s.dsn(), "file": out_file, "top_n": 100})
    assert rc == 0, so + se
    ours = open(out_file).read()
    import io
    with s.connect() as conn:
        buf = io.StringIO()
        conn.cursor().copy_expert(
            "COPY (SELECT * FROM aurora_prewarm_top_queries LIMIT 100) "
            "TO STDOUT WITH (FORMAT csv, HEADER true)", buf)
    theirs = buf.getvalue()
    assert ours.split("\n")[0] == theirs.split("\n")[0] == (
        "queryid,query,calls,total_exec_time,mean_exec_time,rows,"
        "shared_blks_hit,shared_blks_read")
    row = [l for l in ours.split("\n") if "WHERE aid = $1" in l]
    assert len(row) == 1 and row[0] in theirs.split("\n")
    assert out["rows"] >= 1


def test_snapshot_file_errors_name_file_line_and_field(pg, tmp_path):
    bad = write_csv(str(tmp_path / "snap.csv"),
                    "relation,fork,first_block,last_block,usage_count\n"
                    "public.pgbench_accounts,main,0,10,5\n"
                    "public.pgbench_accounts,main,x,10,5\n")
    rc, out, _, _ = run_core("RestoreBuffers", {
        "target": standby(pg).dsn(), "snapshot_file": bad})
    assert rc == 1 and out["Error"] == "Postgres.SnapshotInvalid"
    assert "snap.csv:3: field first_block" in out["Cause"]


def test_parallel_connections_share_the_work(pg):
    s = standby(pg)
    s.restart()
    rep = warm_ok({"target": s.dsn(), "strategy": "relations",
                   "relations": "pgbench_accounts", "parallel": 4,
                   "budget": {"max_shared_buffers_fraction": 1.0}})
    assert rep["parallel"] == 4
    assert rep["blocks_loaded"] == 2048
    assert rep["statements"] >= 2 and rep["statements_failed"] == 0


def test_bad_parameters_are_named(pg):
    t = standby(pg).dsn()
    for params, needle in [
        ({"strategy": "bogus"}, "strategy[0]"),
        ({"strategy": "mirror"}, "'source'"),
        ({"budget": {"max_shared_buffers_fraction": 2}},
         "max_shared_buffers_fraction"),
        ({"budget": {"secs": 3}}, "budget.secs"),
        ({"parallel": 0}, "parallel"),
        ({"statement_blocks": 1}, "statement_blocks"),
        ({"load_order": "random"}, "load_order"),
        ({"prefetch": "no"}, "prefetch"),
        ({"target": {"host": "x", "colour": "red"}}, "target.colour"),
    ]:
        p = dict({"target": t}, **params)
        rc, out, _, _ = run_core("Warm", p)
        assert rc == 1 and out["Error"] == "Postgres.InvalidParameter", out
        assert needle in out["Cause"], (needle, out["Cause"])


def test_queries_from_s3_through_the_prewarm_binary(pg, moto_server,
                                                    tmp_path):
    """`prewarm warm --queries-s3` reads the pg_cron job's object with
    s3:GetObject through the host (the s3 plugin, against moto)."""
    binary = prewarm_binary()
    s3 = moto_server.client("s3")
    s3.create_bucket(Bucket="prewarm-queries")
    s3.put_object(Bucket="prewarm-queries", Key="top-queries/postgres/h.csv",
                  Body=(HEADER + '1,"SELECT abalance FROM pgbench_accounts '
                        'WHERE aid = $1",10,50\n').encode())
    standby(pg).restart()  # free buffers to load into
    p = subprocess.run([binary, "warm", "--target", standby(pg).dsn(),
                        "--strategy", "queries", "--queries-s3",
                        "s3://prewarm-queries/top-queries/postgres/h.csv"],
                       capture_output=True, text=True, timeout=120,
                       check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    rep = json.loads(p.stdout)
    assert rep["steps"][0]["source"] == \
        "s3://prewarm-queries/top-queries/postgres/h.csv"
    assert rep["queries"]["planned"] == 1
    assert rep["blocks_loaded"] > 0


def test_snapshot_to_s3_and_restore_through_a_workflow(pg, moto_server,
                                                       tmp_path):
    """SnapshotBuffers writes the hot-block list to S3 (s3:PutObject) and
    RestoreBuffers loads it from there (s3:GetObject), as workflow Tasks."""
    binary = prewarm_binary()
    moto_server.client("s3").create_bucket(Bucket="prewarm-snapshots")
    loc = {"Bucket": "prewarm-snapshots", "Key": "buffers/standby.csv"}
    wf = tmp_path / "snap.json"
    wf.write_text(json.dumps({"StartAt": "Snap", "States": {
        "Snap": {"Type": "Task", "Resource": "postgres-warm:SnapshotBuffers",
                 "Parameters": {"source.$": "$.source", "snapshot_s3": loc},
                 "ResultPath": "$.snap", "Next": "Restore"},
        "Restore": {"Type": "Task",
                    "Resource": "postgres-warm:RestoreBuffers",
                    "Parameters": {"target.$": "$.target",
                                   "snapshot_s3": loc,
                                   "budget": {"max_shared_buffers_fraction":
                                              0.25}},
                    "End": True}}}))
    inp = tmp_path / "in.json"
    s = standby(pg)
    s.restart()
    # The primary's cache is full of pgbench data: a big snapshot.
    inp.write_text(json.dumps({"source": pg.primary.dsn(),
                               "target": s.dsn()}))
    p = subprocess.run([binary, "run", str(wf), "--input", str(inp),
                        "--no-journal"], capture_output=True, text=True,
                       timeout=120, check=False)
    assert p.returncode == 0, p.stdout + p.stderr
    rep = json.loads(p.stdout)
    assert rep["strategy"] == "restore"
    assert rep["steps"][0]["snapshot"] == \
        "s3://prewarm-snapshots/buffers/standby.csv"
    assert rep["blocks_loaded"] == 512
    body = moto_server.client("s3").get_object(**loc)["Body"].read().decode()
    assert body.startswith("relation,fork,first_block,last_block,"
                           "usage_count,database\n")
    assert "pgbench_accounts" in body


def run_warm_binary(tmp_path, *args):
    """`prewarm warm ARGS` with its journal in tmp_path/state."""
    binary = prewarm_binary()
    assert binary is not None, "the prewarm binary is not built"
    return subprocess.run([binary, "warm", "--state-dir",
                           str(tmp_path / "state"), "--log-level", "debug",
                           *args], capture_output=True, text=True,
                          timeout=60, check=False)


@pytest.mark.parametrize("target", [
    "postgresql://u:Sup3r%zzSecret@h/db",
    "host=h user=u password=Sup3r Secret dbname=db",
])
def test_unparseable_target_never_echoes_the_password(tmp_path, target):
    """libpq's parse message quotes the text it stops at (here the
    password): it must reach no output, log or journal."""
    p = run_warm_binary(tmp_path, "--target", target)
    assert p.returncode == 2, p.stdout + p.stderr
    out = json.loads(p.stdout)
    assert out["Error"] == "Postgres.InvalidParameter"
    assert "'target'" in out["Cause"] and "cannot parse" in out["Cause"]
    written = p.stdout + p.stderr
    for root, _, files in os.walk(tmp_path / "state"):
        for f in files:
            with open(os.path.join(root, f), "rb") as fh:
                written += fh.read().decode(errors="replace")
    assert "Sup3r" not in written and "Secret" not in written


@pytest.mark.parametrize("flags,needle", [
    (["--parallel", "0"], "parallel"),
    (["--strategy", "bogus"], "strategy[0]"),
    (["--strategy", "mirror"], "'source'"),
    (["--strategy", "relations"], "'relations'"),
])
def test_bad_parameters_exit_2_before_any_connection(tmp_path, flags, needle):
    """A bad parameter is a usage error found before connecting: the
    target (a listener that never answers) sees no connection."""
    import socket
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        p = run_warm_binary(tmp_path, "--target",
                            f"host=127.0.0.1 port={port} connect_timeout=2",
                            *flags)
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert p.returncode == 2, p.stdout + p.stderr
    out = json.loads(p.stdout)
    assert out["Error"] == "Postgres.InvalidParameter"
    assert needle in out["Cause"], out["Cause"]

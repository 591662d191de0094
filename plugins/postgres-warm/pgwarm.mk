# plugins/postgres-warm module rules (included from the top Makefile.am)
#
# libpgwarm: the warming core, a convenience library so the plugin and the
# test driver (tests/unit/pgwarm-cli) share it and it is testable alone.
PGW_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/postgres-warm \
	$(JSONC_CFLAGS) $(PQ_CFLAGS)
PGW_LIBS = $(JSONC_LIBS) $(PQ_LIBS) $(CSV_LIBS) $(PG_QUERY_LIBS) -lpthread

noinst_LTLIBRARIES += plugins/postgres-warm/libpgwarm.la
plugins_postgres_warm_libpgwarm_la_SOURCES = \
	plugins/postgres-warm/pgw.h \
	plugins/postgres-warm/pgw_conn.c plugins/postgres-warm/pgw_conn.h \
	plugins/postgres-warm/pgw_csv.c plugins/postgres-warm/pgw_csv.h \
	plugins/postgres-warm/pgw_sql.c plugins/postgres-warm/pgw_sql.h \
	plugins/postgres-warm/pgw_sql_gate.c plugins/postgres-warm/pgw_sql_gate.h \
	plugins/postgres-warm/pgw_plan.c plugins/postgres-warm/pgw_plan.h \
	plugins/postgres-warm/pgw_parallel.c plugins/postgres-warm/pgw_parallel.h \
	plugins/postgres-warm/pgw_load.c \
	plugins/postgres-warm/pgw_mirror.c \
	plugins/postgres-warm/pgw_dbs.c \
	plugins/postgres-warm/pgw_snapshot.c \
	plugins/postgres-warm/pgw_relations.c \
	plugins/postgres-warm/pgw_queries.c \
	plugins/postgres-warm/pgw_export.c plugins/postgres-warm/pgw_export.h \
	plugins/postgres-warm/pgw_warm.c plugins/postgres-warm/pgw_warm.h \
	plugins/postgres-warm/pgw_actions.c
plugins_postgres_warm_libpgwarm_la_CPPFLAGS = $(PGW_CPPFLAGS)
plugins_postgres_warm_libpgwarm_la_CFLAGS = $(AM_CFLAGS) -pthread
plugins_postgres_warm_libpgwarm_la_LIBADD = $(PGW_LIBS)

pkglib_LTLIBRARIES += plugins/postgres-warm/postgres-warm.la
plugins_postgres_warm_postgres_warm_la_SOURCES = \
	plugins/postgres-warm/pgw_plugin.c
plugins_postgres_warm_postgres_warm_la_CPPFLAGS = $(PGW_CPPFLAGS)
plugins_postgres_warm_postgres_warm_la_LDFLAGS = $(PW_PLUGIN_LINK)
plugins_postgres_warm_postgres_warm_la_LIBADD = \
	plugins/postgres-warm/libpgwarm.la

# The test driver: the core's actions from the command line, no engine.
check_PROGRAMS += tests/unit/pgwarm-cli
tests_unit_pgwarm_cli_SOURCES = tests/unit/pgwarm-cli.c
tests_unit_pgwarm_cli_CPPFLAGS = $(PGW_CPPFLAGS)
tests_unit_pgwarm_cli_LDADD = plugins/postgres-warm/libpgwarm.la

# Unit tests (no server): CSV parsing, range coalescing and budget math,
# the plain-SELECT gate.
PGW_CHECKS = tests/unit/check_pgwarm_csv tests/unit/check_pgwarm_plan \
	tests/unit/check_pgwarm_sql tests/unit/check_pgwarm_conn
check_PROGRAMS += $(PGW_CHECKS)
TESTS += $(PGW_CHECKS)
tests_unit_check_pgwarm_csv_SOURCES = tests/unit/check_pgwarm_csv.c
tests_unit_check_pgwarm_csv_CPPFLAGS = $(PGW_CPPFLAGS) $(CHECK_CFLAGS)
tests_unit_check_pgwarm_csv_LDADD = plugins/postgres-warm/libpgwarm.la \
	$(CHECK_LIBS)
tests_unit_check_pgwarm_plan_SOURCES = tests/unit/check_pgwarm_plan.c
tests_unit_check_pgwarm_plan_CPPFLAGS = $(PGW_CPPFLAGS) $(CHECK_CFLAGS)
tests_unit_check_pgwarm_plan_LDADD = plugins/postgres-warm/libpgwarm.la \
	$(CHECK_LIBS)
tests_unit_check_pgwarm_sql_SOURCES = tests/unit/check_pgwarm_sql.c
tests_unit_check_pgwarm_sql_CPPFLAGS = $(PGW_CPPFLAGS) $(CHECK_CFLAGS)
tests_unit_check_pgwarm_sql_LDADD = plugins/postgres-warm/libpgwarm.la \
	$(CHECK_LIBS)
tests_unit_check_pgwarm_conn_SOURCES = tests/unit/check_pgwarm_conn.c
tests_unit_check_pgwarm_conn_CPPFLAGS = $(PGW_CPPFLAGS) $(CHECK_CFLAGS)
tests_unit_check_pgwarm_conn_LDADD = plugins/postgres-warm/libpgwarm.la \
	$(CHECK_LIBS)

# Integration tests on real PostgreSQL (tests/integration/fixtures/
# pg_cluster.py); they drive the core through tests/unit/pgwarm-cli.
PGW_PYTESTS = tests/integration/test_pgwarm_quality.py \
	tests/integration/test_pgwarm_safety.py \
	tests/integration/test_pgwarm_usage_counts.py \
	tests/integration/test_pgwarm_databases.py \
	tests/integration/test_pgwarm_progress.py
TESTS += $(PGW_PYTESTS)
EXTRA_DIST += $(PGW_PYTESTS) tests/integration/fixtures/pg_cluster.py \
	tests/integration/fixtures/pgwarm.py
EXTRA_DIST += plugins/postgres-warm/README.md tests/bench/pgwarm-bench.py \
	tests/bench/pgwarm-miss-sources.py \
	tests/bench/pgwarm-scale.py

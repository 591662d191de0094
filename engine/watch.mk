# `prewarm watch` (engine/WATCH.md): the SQS-driven service. Included from
# the top Makefile.am after engine/runtime.mk (it extends the prewarm binary).
prewarm_SOURCES += engine/cli_watch.c engine/pw_watch.c engine/pw_watch.h \
	engine/watch_loop.c engine/watch_execute.c engine/watch_rds.c engine/watch_health.c \
	engine/watch_metrics.c
# Where the shipped workflows are installed: the default routes.
prewarm_CPPFLAGS += -DPW_WORKFLOW_DIR='"$(pkgdatadir)/workflows"'
EXTRA_DIST += engine/WATCH.md

# The service against moto's SQS, with test workflows on the counter plugin.
TESTS += tests/integration/test_watch.py tests/integration/test_watch_replicas.py \
	tests/integration/test_watch_metrics.py tests/integration/test_watch_two_hosts.py
EXTRA_DIST += tests/integration/test_watch.py tests/integration/fixtures/watch.py \
	tests/integration/test_watch_replicas.py tests/integration/test_watch_metrics.py \
	tests/integration/test_watch_two_hosts.py tests/integration/fixtures/tcp_gate.py

# Event classification and the watch: config section (Check).
check_PROGRAMS += tests/unit/check_watch
TESTS += tests/unit/check_watch
tests_unit_check_watch_SOURCES = tests/unit/check_watch.c engine/pw_watch.c \
	engine/watch_metrics.c
tests_unit_check_watch_CPPFLAGS = $(RT_CHECK_CPPFLAGS) \
	-DPW_EVENTS_DIR='"$(abs_top_srcdir)/tests/data/events"'
tests_unit_check_watch_LDADD = $(RT_CHECK_LDADD)

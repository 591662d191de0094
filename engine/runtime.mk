# engine runtime module rules (included from the top Makefile.am):
# executor, plugin registry, Lua sandbox, journal, logging, the CLI.
engine_libpwengine_la_SOURCES += \
	engine/pw_log.c engine/pw_log.h \
	engine/pw_redact.c engine/pw_redact.h engine/pw_out.c engine/pw_out.h \
	engine/pw_secret_scan.c engine/pw_secret_scan.h \
	engine/pw_redact_index.c engine/pw_redact_index.h \
	engine/pw_utf8.c engine/pw_utf8.h \
	engine/pw_clock.c engine/pw_clock.h \
	engine/pw_lua_sandbox.c engine/pw_lua_sandbox.h \
	engine/pw_lua_strmatch.c engine/pw_lua_strmatch.h \
	engine/pw_lua_loops.c engine/pw_lua_loops.h
engine_libpwengine_la_SOURCES += \
	engine/pw_retry.c engine/pw_retry.h \
	engine/pw_registry.c engine/pw_registry.h \
	engine/pw_resource.c engine/pw_resource.h \
	engine/pw_trust.c engine/pw_trust.h \
	engine/pw_lua_step.c engine/pw_lua_step.h \
	engine/pw_lambda.c engine/pw_lambda.h
engine_libpwengine_la_SOURCES += \
	engine/pw_journal.c engine/pw_journal.h \
	engine/pw_exec.c engine/pw_exec.h engine/pw_exec_int.h \
	engine/pw_exec_map.c engine/pw_pool.c engine/pw_pool.h
engine_libpwengine_la_LIBADD += -lpthread
engine_libpwengine_la_SOURCES += engine/pw_history.c engine/pw_history.h
engine_libpwengine_la_SOURCES += engine/pw_config.c engine/pw_config.h

# The prewarm command.
bin_PROGRAMS += prewarm
prewarm_SOURCES = engine/main.c engine/pw_cli.h engine/cli_common.c \
	engine/cli_run.c engine/cli_validate.c engine/cli_plugins.c \
	engine/cli_graph.c engine/cli_history.c engine/cli_warm.c \
	engine/cli_executions.c engine/cli_history_text.c engine/cli_graph_svg.c \
	engine/pw_vars_check.c engine/pw_vars_check.h
prewarm_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS) $(LUA_CFLAGS)
prewarm_LDADD = engine/libpwengine.la $(LIBS)
dist_man_MANS += engine/prewarm.1
EXTRA_DIST += engine/RUNTIME.md

# Test-only plugins (never installed): a call-recording counter, one built
# for another ABI, one without the entry symbol.
PW_TEST_PLUGIN_LINK = -module -avoid-version -shared -rpath /nowhere
check_LTLIBRARIES += tests/plugins/counter.la tests/plugins/badabi.la \
	tests/plugins/nosym.la
tests_plugins_counter_la_SOURCES = tests/plugins/counter.c
tests_plugins_counter_la_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS)
tests_plugins_counter_la_LDFLAGS = $(PW_TEST_PLUGIN_LINK)
tests_plugins_counter_la_LIBADD = $(JSONC_LIBS)
tests_plugins_badabi_la_SOURCES = tests/plugins/badabi.c
tests_plugins_badabi_la_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS)
tests_plugins_badabi_la_LDFLAGS = $(PW_TEST_PLUGIN_LINK)
tests_plugins_badabi_la_LIBADD = $(JSONC_LIBS)
tests_plugins_nosym_la_SOURCES = tests/plugins/nosym.c
tests_plugins_nosym_la_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS)
tests_plugins_nosym_la_LDFLAGS = $(PW_TEST_PLUGIN_LINK)
noinst_HEADERS += tests/plugins/rt_test.h tests/unit/exec_harness.h tests/unit/wf_fixture.h
# Plugins that must be refused (issue 8): kept out of tests/plugins so no
# test's plugin directory holds them. evil's constructor writes a marker
# file; malformed returns the broken descriptor $PW_MALFORMED names.
check_LTLIBRARIES += tests/badplugins/evil.la tests/badplugins/malformed.la
tests_badplugins_evil_la_SOURCES = tests/badplugins/evil.c
tests_badplugins_evil_la_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS)
tests_badplugins_evil_la_LDFLAGS = $(PW_TEST_PLUGIN_LINK)
tests_badplugins_evil_la_LIBADD = $(JSONC_LIBS)
tests_badplugins_malformed_la_SOURCES = tests/badplugins/malformed.c
tests_badplugins_malformed_la_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS)
tests_badplugins_malformed_la_LDFLAGS = $(PW_TEST_PLUGIN_LINK)
tests_badplugins_malformed_la_LIBADD = $(JSONC_LIBS)

# Unit tests of the runtime (Check).
RT_CHECK_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS) $(LUA_CFLAGS) $(CHECK_CFLAGS) \
	-DPW_TEST_PLUGIN_DIR='"$(abs_top_builddir)/tests/plugins/.libs"' \
	-DPW_BAD_PLUGIN_DIR='"$(abs_top_builddir)/tests/badplugins/.libs"'
RT_CHECK_LDADD = engine/libpwengine.la $(CHECK_LIBS) $(JSONC_LIBS)
RT_TESTS = tests/unit/check_retry tests/unit/check_registry \
	tests/unit/check_lua tests/unit/check_log tests/unit/check_journal \
	tests/unit/check_exec tests/unit/check_exec_map tests/unit/check_config \
	tests/unit/check_redact \
	tests/unit/check_utf8 tests/unit/check_loader tests/unit/check_lambda \
	tests/unit/check_vars tests/unit/check_history tests/unit/check_jsonata_mode
check_PROGRAMS += $(RT_TESTS)
TESTS += $(RT_TESTS)
tests_unit_check_retry_CPPFLAGS = $(RT_CHECK_CPPFLAGS)
tests_unit_check_retry_LDADD = $(RT_CHECK_LDADD)
tests_unit_check_registry_CPPFLAGS = $(RT_CHECK_CPPFLAGS)
tests_unit_check_registry_LDADD = $(RT_CHECK_LDADD)
tests_unit_check_lua_CPPFLAGS = $(RT_CHECK_CPPFLAGS)
tests_unit_check_lua_LDADD = $(RT_CHECK_LDADD) $(LUA_LIBS)
tests_unit_check_log_CPPFLAGS = $(RT_CHECK_CPPFLAGS)
tests_unit_check_log_LDADD = $(RT_CHECK_LDADD)
tests_unit_check_journal_CPPFLAGS = $(RT_CHECK_CPPFLAGS)
tests_unit_check_journal_LDADD = $(RT_CHECK_LDADD)
tests_unit_check_exec_CPPFLAGS = $(RT_CHECK_CPPFLAGS)
tests_unit_check_exec_LDADD = $(RT_CHECK_LDADD)
tests_unit_check_exec_map_CPPFLAGS = $(RT_CHECK_CPPFLAGS)
tests_unit_check_exec_map_LDADD = $(RT_CHECK_LDADD)
tests_unit_check_config_CPPFLAGS = $(RT_CHECK_CPPFLAGS)
tests_unit_check_config_LDADD = $(RT_CHECK_LDADD)
tests_unit_check_redact_CPPFLAGS = $(RT_CHECK_CPPFLAGS)
tests_unit_check_redact_LDADD = $(RT_CHECK_LDADD)
tests_unit_check_utf8_CPPFLAGS = $(RT_CHECK_CPPFLAGS)
tests_unit_check_utf8_LDADD = $(RT_CHECK_LDADD)
tests_unit_check_loader_CPPFLAGS = $(RT_CHECK_CPPFLAGS)
tests_unit_check_loader_LDADD = $(RT_CHECK_LDADD)
tests_unit_check_lambda_CPPFLAGS = $(RT_CHECK_CPPFLAGS)
tests_unit_check_lambda_LDADD = $(RT_CHECK_LDADD)
tests_unit_check_vars_CPPFLAGS = $(RT_CHECK_CPPFLAGS)
tests_unit_check_vars_LDADD = $(RT_CHECK_LDADD)
tests_unit_check_history_CPPFLAGS = $(RT_CHECK_CPPFLAGS)
tests_unit_check_history_LDADD = $(RT_CHECK_LDADD)
tests_unit_check_jsonata_mode_CPPFLAGS = $(RT_CHECK_CPPFLAGS)
tests_unit_check_jsonata_mode_LDADD = $(RT_CHECK_LDADD)

# Integration tests of the command (pytest; tests/integration/fixtures/
# prewarm_cli.py runs the built binary with the test plugins).
TESTS += tests/integration/test_cli.py tests/integration/test_cli_resume.py \
	tests/integration/test_redaction.py tests/integration/test_redaction_libpq.py \
	tests/integration/test_redaction_shapes.py \
	tests/integration/test_output_utf8.py tests/integration/test_plugin_loading.py \
	tests/integration/test_lua_limits.py tests/integration/test_map_concurrency.py \
	tests/integration/test_variables.py tests/integration/test_jsonata_mode.py
EXTRA_DIST += tests/integration/test_jsonata_mode.py
EXTRA_DIST += tests/integration/test_cli.py tests/integration/test_cli_resume.py \
	tests/integration/test_redaction.py tests/integration/test_redaction_libpq.py \
	tests/integration/test_redaction_shapes.py \
	tests/integration/fixtures/secret_spellings.py \
	tests/integration/test_output_utf8.py tests/integration/test_plugin_loading.py \
	tests/integration/test_lua_limits.py tests/integration/test_map_concurrency.py \
	tests/integration/test_variables.py \
	tests/integration/fixtures/prewarm_cli.py
EXTRA_DIST += tests/bench/engine-bench.sh tests/bench/redact-bench.sh

# The operator views (executions, history --format text, graph --execution)
# against golden files.
TESTS += tests/integration/test_ops_views.py
EXTRA_DIST += tests/integration/test_ops_views.py tests/data/ops-views/executions.txt \
	tests/data/ops-views/history.txt tests/data/ops-views/graph-execution.dot \
	tests/data/ops-views/graph-execution.mmd

# No engine output around pw_out (the redaction choke point).
TESTS += tests/unit/check-output-funnel.sh
EXTRA_DIST += tests/unit/check-output-funnel.sh

# plugins/rds module rules (included from the top Makefile.am)
#
# aws_plugin.[ch] here is the glue every AWS plugin of ours compiles in
# (lazy client, aws-sdk naming, parameter getters).
AWSP_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/aws \
	-I$(top_srcdir)/plugins/rds $(JSONC_CFLAGS)
AWSP_SOURCES = plugins/rds/aws_plugin.c plugins/rds/aws_plugin.h
AWSP_LIBADD = plugins/aws/libpwaws.la $(JSONC_LIBS) -lpthread

pkglib_LTLIBRARIES += plugins/rds/rds.la
plugins_rds_rds_la_SOURCES = $(AWSP_SOURCES) plugins/rds/rds.h \
	plugins/rds/rds.c plugins/rds/rds_describe.c \
	plugins/rds/rds_members.c plugins/rds/rds_lock.c \
	plugins/rds/rds_lease.c plugins/rds/rds_intent.c plugins/rds/rds_token.c
plugins_rds_rds_la_CPPFLAGS = $(AWSP_CPPFLAGS)
plugins_rds_rds_la_LDFLAGS = $(PW_PLUGIN_LINK)
plugins_rds_rds_la_LIBADD = $(AWSP_LIBADD)

TESTS += tests/integration/test_plugin_rds.py
EXTRA_DIST += tests/integration/test_plugin_rds.py \
	tests/integration/fixtures/moto_server.py \
	tests/integration/fixtures/moto_custom_endpoints.py
# Membership under contention and faults: moto playing `modifying`, a
# fault-injecting proxy in between (slow read, 5xx, throttling, lock
# holder killed).
TESTS += tests/integration/test_endpoint_membership.py
EXTRA_DIST += tests/integration/test_endpoint_membership.py \
	tests/integration/fixtures/fault_proxy.py
# One writer per endpoint across hosts: the DynamoDB lease (two lock
# directories as two hosts, a killed holder, fencing, a missing table).
TESTS += tests/integration/test_endpoint_lease.py
EXTRA_DIST += tests/integration/test_endpoint_lease.py
# The plugins through the prewarm binary (aws-sdk ARNs, validate, dry run,
# redaction across plugins, logs and the journal).
TESTS += tests/integration/test_plugin_workflows.py
EXTRA_DIST += tests/integration/test_plugin_workflows.py
EXTRA_DIST += tests/bench/aws-bench.sh

check_PROGRAMS += tests/unit/check_plugin_glue
TESTS += tests/unit/check_plugin_glue
tests_unit_check_plugin_glue_SOURCES = tests/unit/check_plugin_glue.c \
	$(AWSP_SOURCES)
tests_unit_check_plugin_glue_CPPFLAGS = $(AWSP_CPPFLAGS) $(CHECK_CFLAGS)
tests_unit_check_plugin_glue_LDADD = $(AWSP_LIBADD) $(CHECK_LIBS)
# The moto extension the rds tests rest on, checked against the API's rules.
TESTS += tests/integration/test_plugin_moto_endpoints.py
EXTRA_DIST += tests/integration/test_plugin_moto_endpoints.py
EXTRA_DIST += plugins/PLUGINS.md

# The member loop against an in-memory fake RDS and a fake clock (no
# libpwaws: the test defines the pw_aws_* functions the loop uses).
check_PROGRAMS += tests/unit/check_plugin_rds_members
TESTS += tests/unit/check_plugin_rds_members
tests_unit_check_plugin_rds_members_SOURCES = \
	tests/unit/check_plugin_rds_members.c $(AWSP_SOURCES) \
	plugins/rds/rds_members.c plugins/rds/rds_describe.c \
	plugins/rds/rds_lock.c plugins/rds/rds_lease.c plugins/rds/rds_intent.c
tests_unit_check_plugin_rds_members_CPPFLAGS = $(AWSP_CPPFLAGS) $(CHECK_CFLAGS)
tests_unit_check_plugin_rds_members_LDADD = $(JSONC_LIBS) $(CHECK_LIBS)

# plugins/sqs module rules (included from the top Makefile.am)
# (AWSP_* are defined in plugins/rds/rds.mk: the shared AWS plugin glue.)
pkglib_LTLIBRARIES += plugins/sqs/sqs.la
plugins_sqs_sqs_la_SOURCES = $(AWSP_SOURCES) plugins/sqs/sqs.c
plugins_sqs_sqs_la_CPPFLAGS = $(AWSP_CPPFLAGS)
plugins_sqs_sqs_la_LDFLAGS = $(PW_PLUGIN_LINK)
plugins_sqs_sqs_la_LIBADD = $(AWSP_LIBADD)

TESTS += tests/integration/test_plugin_sqs.py
EXTRA_DIST += tests/integration/test_plugin_sqs.py

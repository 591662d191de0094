# plugins/cloudwatch module rules (included from the top Makefile.am)
# (AWSP_* are defined in plugins/rds/rds.mk: the shared AWS plugin glue.)
pkglib_LTLIBRARIES += plugins/cloudwatch/cloudwatch.la
plugins_cloudwatch_cloudwatch_la_SOURCES = $(AWSP_SOURCES) \
	plugins/cloudwatch/cloudwatch.c
plugins_cloudwatch_cloudwatch_la_CPPFLAGS = $(AWSP_CPPFLAGS)
plugins_cloudwatch_cloudwatch_la_LDFLAGS = $(PW_PLUGIN_LINK)
plugins_cloudwatch_cloudwatch_la_LIBADD = $(AWSP_LIBADD)

TESTS += tests/integration/test_plugin_cloudwatch.py
EXTRA_DIST += tests/integration/test_plugin_cloudwatch.py

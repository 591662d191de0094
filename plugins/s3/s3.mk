# plugins/s3 module rules (included from the top Makefile.am)
# (AWSP_* are defined in plugins/rds/rds.mk: the shared AWS plugin glue.)
pkglib_LTLIBRARIES += plugins/s3/s3.la
plugins_s3_s3_la_SOURCES = $(AWSP_SOURCES) plugins/s3/s3.c
plugins_s3_s3_la_CPPFLAGS = $(AWSP_CPPFLAGS)
plugins_s3_s3_la_LDFLAGS = $(PW_PLUGIN_LINK)
plugins_s3_s3_la_LIBADD = $(AWSP_LIBADD)

TESTS += tests/integration/test_plugin_s3.py
EXTRA_DIST += tests/integration/test_plugin_s3.py

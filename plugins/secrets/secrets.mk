# plugins/secrets module rules (included from the top Makefile.am)
# (AWSP_* are defined in plugins/rds/rds.mk: the shared AWS plugin glue.)
pkglib_LTLIBRARIES += plugins/secrets/secrets.la
plugins_secrets_secrets_la_SOURCES = $(AWSP_SOURCES) plugins/secrets/secrets.c
plugins_secrets_secrets_la_CPPFLAGS = $(AWSP_CPPFLAGS)
plugins_secrets_secrets_la_LDFLAGS = $(PW_PLUGIN_LINK)
plugins_secrets_secrets_la_LIBADD = $(AWSP_LIBADD)

TESTS += tests/integration/test_plugin_secrets.py
EXTRA_DIST += tests/integration/test_plugin_secrets.py

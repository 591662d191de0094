# plugins/notify module rules (included from the top Makefile.am)
# SNS goes through libpwaws and the AWS plugin glue in plugins/rds/
# (aws_plugin.c); the webhook through libcurl.
pkglib_LTLIBRARIES += plugins/notify/notify.la
plugins_notify_notify_la_SOURCES = plugins/notify/notify.c \
	plugins/notify/notify.h plugins/notify/notify_log.c \
	plugins/notify/notify_sns.c plugins/notify/notify_webhook.c \
	plugins/notify/notify_template.c plugins/notify/notify_template.h \
	plugins/rds/aws_plugin.c plugins/rds/aws_plugin.h
plugins_notify_notify_la_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/plugins/aws -I$(top_srcdir)/plugins/rds \
	$(JSONC_CFLAGS) $(CURL_CFLAGS)
plugins_notify_notify_la_LDFLAGS = $(PW_PLUGIN_LINK)
plugins_notify_notify_la_LIBADD = plugins/aws/libpwaws.la $(JSONC_LIBS) \
	$(CURL_LIBS)

# The test-only plugin loader used by the AWS plugins' integration tests
# (tests/unit/plugin-call.c). It lives here because notify is the first
# plugin built and the tests fragment belongs to someone else.
check_PROGRAMS += tests/unit/plugin-call
tests_unit_plugin_call_SOURCES = tests/unit/plugin-call.c
tests_unit_plugin_call_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS)
tests_unit_plugin_call_LDADD = $(JSONC_LIBS) $(LIBS)

TESTS += tests/integration/test_plugin_notify.py
EXTRA_DIST += tests/integration/test_plugin_notify.py

check_PROGRAMS += tests/unit/check_plugin_notify
TESTS += tests/unit/check_plugin_notify
tests_unit_check_plugin_notify_SOURCES = tests/unit/check_plugin_notify.c \
	plugins/notify/notify_template.c
tests_unit_check_plugin_notify_CPPFLAGS = $(AM_CPPFLAGS) \
	-I$(top_srcdir)/plugins/notify $(JSONC_CFLAGS) $(CHECK_CFLAGS)
tests_unit_check_plugin_notify_LDADD = $(JSONC_LIBS) $(CHECK_LIBS)

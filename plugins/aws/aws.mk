# plugins/aws module rules (included from the top Makefile.am)
#
# libpwaws: the static (PIC convenience) library every AWS plugin links
# with `plugins_X_X_la_LIBADD = plugins/aws/libpwaws.la`. It talks to the
# host only through the struct pw_host_api the plugin hands it.
noinst_LTLIBRARIES += plugins/aws/libpwaws.la
noinst_HEADERS += plugins/aws/pw_aws.h plugins/aws/aws_buf.h \
	plugins/aws/aws_sigv4.h
plugins_aws_libpwaws_la_SOURCES = \
	plugins/aws/aws_buf.c \
	plugins/aws/aws_sigv4.c
PW_AWS_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/aws \
	$(CURL_CFLAGS) $(XML_CFLAGS) $(CRYPTO_CFLAGS) $(JSONC_CFLAGS)
plugins_aws_libpwaws_la_CPPFLAGS = $(PW_AWS_CPPFLAGS)
plugins_aws_libpwaws_la_LIBADD = $(CURL_LIBS) $(XML_LIBS) $(CRYPTO_LIBS) \
	$(JSONC_LIBS)

# Unit tests.
check_PROGRAMS += tests/unit/check_sigv4
TESTS += tests/unit/check_sigv4
tests_unit_check_sigv4_SOURCES = tests/unit/check_sigv4.c
tests_unit_check_sigv4_CPPFLAGS = $(PW_AWS_CPPFLAGS) $(CHECK_CFLAGS)
tests_unit_check_sigv4_LDADD = plugins/aws/libpwaws.la $(CHECK_LIBS) \
	$(JSONC_LIBS)

# plugins/aws module rules (included from the top Makefile.am)
#
# libpwaws: the static (PIC convenience) library every AWS plugin links
# with `plugins_X_X_la_LIBADD = plugins/aws/libpwaws.la`. It talks to the
# host only through the struct pw_host_api the plugin hands it.
noinst_LTLIBRARIES += plugins/aws/libpwaws.la
noinst_HEADERS += plugins/aws/pw_aws.h plugins/aws/aws_buf.h \
	plugins/aws/aws_sigv4.h plugins/aws/aws_http.h \
	plugins/aws/aws_config_file.h plugins/aws/aws_endpoint.h \
	plugins/aws/aws_retry.h \
	plugins/aws/aws_internal.h
plugins_aws_libpwaws_la_SOURCES = \
	plugins/aws/aws_buf.c \
	plugins/aws/aws_sigv4.c \
	plugins/aws/aws_http.c \
	plugins/aws/aws_config_file.c \
	plugins/aws/aws_endpoint.c \
	plugins/aws/aws_creds.c \
	plugins/aws/aws_creds_process.c \
	plugins/aws/aws_creds_sso.c \
	plugins/aws/aws_sts.c \
	plugins/aws/aws_client.c \
	plugins/aws/aws_retry.c \
	plugins/aws/aws_errors.c \
	plugins/aws/aws_xml.c \
	plugins/aws/aws_query.c \
	plugins/aws/aws_json.c \
	plugins/aws/aws_rest.c \
	plugins/aws/aws_sdk_names.c \
	plugins/aws/aws_rds_token.c
PW_AWS_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/aws \
	$(CURL_CFLAGS) $(XML_CFLAGS) $(CRYPTO_CFLAGS) $(JSONC_CFLAGS)
plugins_aws_libpwaws_la_CPPFLAGS = $(PW_AWS_CPPFLAGS)
plugins_aws_libpwaws_la_LIBADD = $(CURL_LIBS) $(XML_LIBS) $(CRYPTO_LIBS) $(MATH_LIBS) \
	$(JSONC_LIBS)

# Unit tests.
check_PROGRAMS += tests/unit/check_sigv4
TESTS += tests/unit/check_sigv4
tests_unit_check_sigv4_SOURCES = tests/unit/check_sigv4.c
tests_unit_check_sigv4_CPPFLAGS = $(PW_AWS_CPPFLAGS) $(CHECK_CFLAGS)
tests_unit_check_sigv4_LDADD = plugins/aws/libpwaws.la $(CHECK_LIBS) \
	$(JSONC_LIBS)

check_PROGRAMS += tests/unit/check_aws_lib
TESTS += tests/unit/check_aws_lib
tests_unit_check_aws_lib_SOURCES = tests/unit/check_aws_lib.c
tests_unit_check_aws_lib_CPPFLAGS = $(PW_AWS_CPPFLAGS) $(CHECK_CFLAGS)
tests_unit_check_aws_lib_LDADD = plugins/aws/libpwaws.la $(CHECK_LIBS) \
	$(JSONC_LIBS)

check_PROGRAMS += tests/unit/check_aws_retry
TESTS += tests/unit/check_aws_retry
tests_unit_check_aws_retry_SOURCES = tests/unit/check_aws_retry.c
tests_unit_check_aws_retry_CPPFLAGS = $(PW_AWS_CPPFLAGS) $(CHECK_CFLAGS)
tests_unit_check_aws_retry_LDADD = plugins/aws/libpwaws.la $(CHECK_LIBS) \
	$(JSONC_LIBS)

# aws-probe: the command-line driver the integration tests run.
check_PROGRAMS += tests/unit/aws-probe
tests_unit_aws_probe_SOURCES = tests/unit/aws_probe.c
tests_unit_aws_probe_CPPFLAGS = $(PW_AWS_CPPFLAGS)
tests_unit_aws_probe_LDADD = plugins/aws/libpwaws.la $(JSONC_LIBS)

# Integration tests (pytest): a scripted local listener, and moto.
TESTS += tests/integration/test_aws_lib_creds.py \
	tests/integration/test_aws_lib_protocols.py \
	tests/integration/test_aws_lib_moto.py \
	tests/integration/test_aws_lib_retry.py \
	tests/integration/test_aws_lib_creds_process_sso.py
EXTRA_DIST += tests/integration/test_aws_lib_creds.py \
	tests/integration/test_aws_lib_protocols.py \
	tests/integration/test_aws_lib_moto.py \
	tests/integration/test_aws_lib_retry.py \
	tests/integration/test_aws_lib_creds_process_sso.py \
	tests/integration/fixtures/http_stub.py
EXTRA_DIST += plugins/aws/README.md

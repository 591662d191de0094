# JSONata evaluator: a convenience library of its own, on json-c only (no
# engine dependency). lib/jsonata/README.md describes it and its numbers.
noinst_LTLIBRARIES += lib/jsonata/libjsonata.la
lib_jsonata_libjsonata_la_SOURCES = lib/jsonata/jsonata.h lib/jsonata/jn.h \
	lib/jsonata/lexer.h lib/jsonata/functions.h lib/jsonata/numfmt.h \
	lib/jsonata/arena.c lib/jsonata/value.c lib/jsonata/lexer.c \
	lib/jsonata/parser.c lib/jsonata/eval.c lib/jsonata/tuple.c \
	lib/jsonata/signature.c lib/jsonata/functions.c lib/jsonata/strings.c \
	lib/jsonata/regex.c lib/jsonata/datetime.c lib/jsonata/numfmt.c \
	lib/jsonata/natives.c \
	lib/jsonata/api.c
lib_jsonata_libjsonata_la_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS)
lib_jsonata_libjsonata_la_LIBADD = $(JSONC_LIBS) $(MATH_LIBS)

# The official JSONata test suite (tests/jsonata-suite, MIT) run by a
# driver that fails below a pass-rate floor; the API units (Check).
JSONATA_TESTS = tests/unit/jsonata_suite tests/unit/check_jsonata
check_PROGRAMS += $(JSONATA_TESTS) tests/bench/jsonata_bench
TESTS += $(JSONATA_TESTS)
tests_unit_jsonata_suite_SOURCES = tests/unit/jsonata_suite.c
tests_unit_jsonata_suite_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/lib/jsonata
tests_unit_jsonata_suite_LDADD = lib/jsonata/libjsonata.la $(JSONC_LIBS)
tests_unit_check_jsonata_SOURCES = tests/unit/check_jsonata.c
tests_unit_check_jsonata_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/lib/jsonata
tests_unit_check_jsonata_CFLAGS = $(AM_CFLAGS) -pthread
tests_unit_check_jsonata_LDADD = lib/jsonata/libjsonata.la $(JSONC_LIBS) $(CHECK_LIBS) -lpthread
tests_bench_jsonata_bench_SOURCES = tests/bench/jsonata_bench.c
tests_bench_jsonata_bench_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/lib/jsonata
tests_bench_jsonata_bench_LDADD = lib/jsonata/libjsonata.la $(JSONC_LIBS)
EXTRA_DIST += lib/jsonata/README.md tests/jsonata-suite

# engine module rules (included from the top Makefile.am)
# The workflow language: documents, paths, intrinsics, data flow, Choice,
# validation and graphs. libcrypto serves States.Hash and States.Base64*.
engine_libpwengine_la_SOURCES += \
	engine/pw_doc.c engine/pw_doc.h engine/lang_doc.h \
	engine/lang_yaml.c engine/lang_json.c \
	engine/pw_path.c engine/pw_path.h engine/lang_path.c engine/lang_path.h \
	engine/pw_intrinsic.c engine/pw_intrinsic.h \
	engine/lang_intrinsic.h engine/lang_intrinsic_fns.c \
	engine/pw_dataflow.c engine/pw_dataflow.h \
	engine/pw_choice.c engine/pw_choice.h \
	engine/pw_wait.c engine/pw_wait.h \
	engine/pw_validate.c engine/pw_validate.h \
	engine/lang_validate.h engine/lang_validate_fields.c \
	engine/lang_validate_vars.c engine/lang_validate_jsonata.c \
	engine/pw_ident.c engine/pw_ident.h engine/pw_ident_tables.c \
	engine/pw_vars.c engine/pw_vars.h \
	engine/pw_jsonata.c engine/pw_jsonata.h engine/pw_jsonata_fns.c \
	engine/pw_graph.c engine/pw_graph.h
# Lua workflow files run in the runtime's sandbox (engine/pw_lua_sandbox.c).
engine_libpwengine_la_SOURCES += engine/lang_doc_lua.c
engine_libpwengine_la_CPPFLAGS += $(CRYPTO_CFLAGS)
engine_libpwengine_la_LIBADD += $(CRYPTO_LIBS)
# JSONata states evaluate with lib/jsonata (lib/jsonata/jsonata.mk).
engine_libpwengine_la_CPPFLAGS += -I$(top_srcdir)/lib/jsonata
engine_libpwengine_la_LIBADD += lib/jsonata/libjsonata.la

# Unit tests of the language (Check). bench_validate is built by
# `make check` but not run: it prints timings.
LANG_CHECK_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS) $(YAML_CFLAGS) \
	$(CHECK_CFLAGS)
LANG_CHECK_LDADD = engine/libpwengine.la $(CHECK_LIBS) $(JSONC_LIBS)
LANG_TESTS = tests/unit/check_path tests/unit/check_intrinsic \
	tests/unit/check_choice tests/unit/check_dataflow \
	tests/unit/check_validate tests/unit/check_doc tests/unit/check_graph
check_PROGRAMS += $(LANG_TESTS) tests/unit/bench_validate
TESTS += $(LANG_TESTS)
noinst_HEADERS += tests/unit/lang_test.h tests/unit/lang_fake_resources.h
tests_unit_check_path_CPPFLAGS = $(LANG_CHECK_CPPFLAGS)
tests_unit_check_path_LDADD = $(LANG_CHECK_LDADD)
tests_unit_check_intrinsic_CPPFLAGS = $(LANG_CHECK_CPPFLAGS)
tests_unit_check_intrinsic_LDADD = $(LANG_CHECK_LDADD)
tests_unit_check_choice_CPPFLAGS = $(LANG_CHECK_CPPFLAGS)
tests_unit_check_choice_LDADD = $(LANG_CHECK_LDADD)
tests_unit_check_dataflow_CPPFLAGS = $(LANG_CHECK_CPPFLAGS)
tests_unit_check_dataflow_LDADD = $(LANG_CHECK_LDADD)
tests_unit_check_validate_CPPFLAGS = $(LANG_CHECK_CPPFLAGS)
tests_unit_check_validate_LDADD = $(LANG_CHECK_LDADD)
EXTRA_DIST += tests/data/workflows engine/LANGUAGE.md
# Conformance with AWS-recorded executions: run by hand, needs a LocalStack
# checkout (tests/conformance/README.md).
EXTRA_DIST += tests/conformance/README.md tests/conformance/sfn_conformance.py \
	tests/conformance/ls_stubs.py tests/conformance/ls_fakes.py \
	tests/conformance/compare.py tests/conformance/json5lite.py
tests_unit_check_doc_CPPFLAGS = $(LANG_CHECK_CPPFLAGS)
tests_unit_check_doc_LDADD = $(LANG_CHECK_LDADD)
tests_unit_check_graph_CPPFLAGS = $(LANG_CHECK_CPPFLAGS)
tests_unit_check_graph_LDADD = $(LANG_CHECK_LDADD)
tests_unit_bench_validate_CPPFLAGS = $(LANG_CHECK_CPPFLAGS)
tests_unit_bench_validate_LDADD = engine/libpwengine.la $(JSONC_LIBS)

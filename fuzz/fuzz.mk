# fuzz module rules (included from the top Makefile.am): libFuzzer
# harnesses, one per kind of hostile input (fuzz/README.md). Built only
# with ./configure --enable-fuzzing CC=clang, which also instruments and
# sanitizes the libraries they link; `make fuzz-smoke` runs each one for
# FUZZ_SECONDS (default 20) and fails on a crash, leak, timeout or
# sanitizer report.
FUZZ_HARNESSES = fuzz_workflow_yaml fuzz_workflow_json fuzz_workflow_lua \
	fuzz_path fuzz_choice fuzz_aws_xml fuzz_aws_json fuzz_csv \
	fuzz_config fuzz_aws_ini fuzz_sigv4 fuzz_jsonata

if PW_FUZZING
noinst_PROGRAMS = fuzz/fuzz_workflow_yaml fuzz/fuzz_workflow_json \
	fuzz/fuzz_workflow_lua fuzz/fuzz_path fuzz/fuzz_choice \
	fuzz/fuzz_aws_xml fuzz/fuzz_aws_json fuzz/fuzz_csv fuzz/fuzz_config \
	fuzz/fuzz_aws_ini fuzz/fuzz_sigv4 fuzz/fuzz_jsonata
endif

FUZZ_LINK = -fsanitize=fuzzer
FUZZ_ENGINE_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS) \
	-I$(top_srcdir)/tests/unit
FUZZ_ENGINE_LDADD = engine/libpwengine.la $(JSONC_LIBS)
noinst_HEADERS += fuzz/fuzz_common.h

fuzz_fuzz_workflow_yaml_SOURCES = fuzz/fuzz_workflow.c fuzz/fuzz_common.c
fuzz_fuzz_workflow_yaml_CPPFLAGS = $(FUZZ_ENGINE_CPPFLAGS) \
	-DFUZZ_WORKFLOW_NAME='"fuzz.yaml"'
fuzz_fuzz_workflow_yaml_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_workflow_yaml_LDADD = $(FUZZ_ENGINE_LDADD)
fuzz_fuzz_workflow_json_SOURCES = fuzz/fuzz_workflow.c fuzz/fuzz_common.c
fuzz_fuzz_workflow_json_CPPFLAGS = $(FUZZ_ENGINE_CPPFLAGS) \
	-DFUZZ_WORKFLOW_NAME='"fuzz.json"'
fuzz_fuzz_workflow_json_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_workflow_json_LDADD = $(FUZZ_ENGINE_LDADD)
fuzz_fuzz_workflow_lua_SOURCES = fuzz/fuzz_workflow.c fuzz/fuzz_common.c
fuzz_fuzz_workflow_lua_CPPFLAGS = $(FUZZ_ENGINE_CPPFLAGS) \
	-DFUZZ_WORKFLOW_NAME='"fuzz.lua"'
fuzz_fuzz_workflow_lua_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_workflow_lua_LDADD = $(FUZZ_ENGINE_LDADD)

fuzz_fuzz_path_SOURCES = fuzz/fuzz_path.c fuzz/fuzz_common.c
fuzz_fuzz_path_CPPFLAGS = $(FUZZ_ENGINE_CPPFLAGS)
fuzz_fuzz_path_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_path_LDADD = $(FUZZ_ENGINE_LDADD)
fuzz_fuzz_choice_SOURCES = fuzz/fuzz_choice.c fuzz/fuzz_common.c
fuzz_fuzz_choice_CPPFLAGS = $(FUZZ_ENGINE_CPPFLAGS)
fuzz_fuzz_choice_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_choice_LDADD = $(FUZZ_ENGINE_LDADD)
fuzz_fuzz_config_SOURCES = fuzz/fuzz_config.c fuzz/fuzz_common.c
fuzz_fuzz_config_CPPFLAGS = $(FUZZ_ENGINE_CPPFLAGS)
fuzz_fuzz_config_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_config_LDADD = $(FUZZ_ENGINE_LDADD)

FUZZ_AWS_LDADD = plugins/aws/libpwaws.la $(JSONC_LIBS)
fuzz_fuzz_aws_xml_SOURCES = fuzz/fuzz_aws_xml.c fuzz/fuzz_common.c
fuzz_fuzz_aws_xml_CPPFLAGS = $(PW_AWS_CPPFLAGS)
fuzz_fuzz_aws_xml_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_aws_xml_LDADD = $(FUZZ_AWS_LDADD)
fuzz_fuzz_aws_json_SOURCES = fuzz/fuzz_aws_json.c fuzz/fuzz_common.c
fuzz_fuzz_aws_json_CPPFLAGS = $(PW_AWS_CPPFLAGS)
fuzz_fuzz_aws_json_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_aws_json_LDADD = $(FUZZ_AWS_LDADD)
fuzz_fuzz_aws_ini_SOURCES = fuzz/fuzz_aws_ini.c fuzz/fuzz_common.c
fuzz_fuzz_aws_ini_CPPFLAGS = $(PW_AWS_CPPFLAGS)
fuzz_fuzz_aws_ini_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_aws_ini_LDADD = $(FUZZ_AWS_LDADD)
fuzz_fuzz_sigv4_SOURCES = fuzz/fuzz_sigv4.c fuzz/fuzz_common.c
fuzz_fuzz_sigv4_CPPFLAGS = $(PW_AWS_CPPFLAGS)
fuzz_fuzz_sigv4_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_sigv4_LDADD = $(FUZZ_AWS_LDADD)

fuzz_fuzz_jsonata_SOURCES = fuzz/fuzz_jsonata.c fuzz/fuzz_common.c
fuzz_fuzz_jsonata_CPPFLAGS = $(AM_CPPFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/lib/jsonata
fuzz_fuzz_jsonata_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_jsonata_LDADD = lib/jsonata/libjsonata.la $(JSONC_LIBS)

fuzz_fuzz_csv_SOURCES = fuzz/fuzz_csv.c fuzz/fuzz_common.c
fuzz_fuzz_csv_CPPFLAGS = $(PGW_CPPFLAGS)
fuzz_fuzz_csv_LDFLAGS = $(FUZZ_LINK)
fuzz_fuzz_csv_LDADD = plugins/postgres-warm/libpgwarm.la

# The seeds (fuzz/corpus/HARNESS/, plus fixtures the runner collects from
# the tree), dictionaries, the runner and the docs ship in the tarball.
EXTRA_DIST += fuzz/README.md fuzz/run-smoke.sh fuzz/corpus fuzz/workflow.dict \
	fuzz/path.dict fuzz/aws_xml.dict fuzz/sigv4.dict

# make fuzz-smoke [FUZZ_SECONDS=20] [FUZZ_JOBS=2]
FUZZ_SECONDS = 20
FUZZ_JOBS = 2
.PHONY: fuzz-smoke
if PW_FUZZING
fuzz-smoke: $(noinst_PROGRAMS)
	FUZZ_SECONDS='$(FUZZ_SECONDS)' FUZZ_JOBS='$(FUZZ_JOBS)' \
	PW_SHARED_TESTDATA="$${PW_SHARED_TESTDATA:-$(abs_top_srcdir)/../shared/testdata}" \
	bash $(srcdir)/fuzz/run-smoke.sh '$(abs_top_srcdir)' \
		'$(abs_top_builddir)/fuzz' $(FUZZ_HARNESSES)
else
fuzz-smoke:
	@echo "fuzz-smoke: configure with --enable-fuzzing CC=clang first" >&2; exit 1
endif
clean-local: clean-fuzz-work
.PHONY: clean-fuzz-work
clean-fuzz-work:
	-rm -rf fuzz/work

# Step Functions mode (engine/SFN.md): `prewarm export --to stepfunctions`
# and `prewarm worker`. Included from the top Makefile.am after
# engine/watch.mk (it extends the prewarm binary) and plugins/aws/aws.mk
# (the worker talks to Step Functions through the AWS library).
prewarm_SOURCES += engine/cli_export.c engine/sfn_export.c engine/sfn_export.h \
	engine/cli_worker.c engine/sfn_task.c engine/sfn_task.h
prewarm_CPPFLAGS += -I$(top_srcdir)/plugins/aws
prewarm_LDADD += plugins/aws/libpwaws.la -lpthread
EXTRA_DIST += engine/SFN.md tests/bench/sfn-bench.py

# The exported shipped workflow on moto's interpreter with two workers,
# real PostgreSQL, a SIGKILLed worker; exports checked by moto and
# asl-validator.
TESTS += tests/integration/test_sfn_worker.py
EXTRA_DIST += tests/integration/test_sfn_worker.py \
	tests/integration/fixtures/moto_sfn_activities.py

# The export and one worker task, on the counter test plugin (Check).
check_PROGRAMS += tests/unit/check_sfn
TESTS += tests/unit/check_sfn
tests_unit_check_sfn_SOURCES = tests/unit/check_sfn.c engine/sfn_export.c engine/sfn_task.c
tests_unit_check_sfn_CPPFLAGS = $(RT_CHECK_CPPFLAGS)
tests_unit_check_sfn_LDADD = $(RT_CHECK_LDADD)
# test_sfn_worker.py's own copy of asl-validator when the venv has none.
clean-local: clean-sfn-npm
.PHONY: clean-sfn-npm
clean-sfn-npm:
	-rm -rf tests/.npm

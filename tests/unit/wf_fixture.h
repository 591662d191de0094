/* wf_fixture - what the Check suites that run whole workflows on the test
 * plugins share (check_vars, check_jsonata_mode): a temporary directory,
 * the counter plugin's call log, the registry of tests/plugins, a fake
 * clock, and the executor's options. Include after rt_test.h. */
#ifndef WF_FIXTURE_H
#define WF_FIXTURE_H

#include "pw_clock.h"
#include "pw_exec.h"
#include "pw_log.h"
#include "pw_redact.h"
#include "pw_validate.h"

static char *tmp, *calls;
static pw_registry *reg;
static struct pw_fake_clock fc;

static void setup(void)
{
	pw_error err = {{0}, {0}};
	tmp = rt_tmpdir();
	size_t len = strlen(tmp) + 16;
	calls = malloc(len);
	snprintf(calls, len, "%s/calls", tmp);
	setenv("PW_COUNTER_LOG", calls, 1);
	ck_assert_int_eq(pw_registry_open(PW_TEST_PLUGIN_DIR, NULL, &reg, &err), PW_OK);
	pw_fake_clock_init(&fc, 1764067576000LL);
	pw_log_setup(PW_LOG_TEXT, PW_LOG_ERROR);
}

static void teardown(void)
{
	pw_registry_close(reg);
	unsetenv("PW_COUNTER_LOG");
	free(calls);
	rt_rmdir(tmp);
	pw_secret_clear();
}

/* Options for a run on the fake clock (state_dir NULL: no journal). */
static struct pw_exec_opts opts(const char *state_dir)
{
	struct pw_exec_opts o;
	memset(&o, 0, sizeof(o));
	o.registry = reg;
	o.clock = &fc.clock;
	o.state_dir = state_dir;
	return o;
}

/* Each of want[0..n) is in one of the "line:col: message" reports of
 * out, and errors (what the validator returned) is want_errors. */
static void assert_diags(const pw_diag_list *out, const char *const *want, size_t n,
			 int errors, int want_errors)
{
	char all[8192] = "";
	for (size_t i = 0; i < out->count; i++) {
		size_t l = strlen(all);
		snprintf(all + l, sizeof(all) - l, "%d:%d: %s\n", out->items[i].line,
			 out->items[i].column, out->items[i].message);
	}
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(strstr(all, want[i]), "missing '%s' in:\n%s", want[i], all);
	ck_assert_msg(errors == want_errors, "%d errors:\n%s", errors, all);
}

#endif

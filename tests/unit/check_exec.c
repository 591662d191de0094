/* check_exec - the executor: state types, Retry timing on a fake clock,
 * Catch routing and ResultPath, timeouts, dry-run, context object,
 * Map/Parallel, journal and resume, idempotency keys. */
#include "../plugins/rt_test.h"
#include "pw_config.h"
#include "pw_dataflow.h"
#include "pw_exec.h"
#include "pw_journal.h"
#include "pw_log.h"
#include "pw_lua_step.h"

static char *tmp, *calls;
static pw_registry *reg;
static struct pw_fake_clock fc;
static double jitter = 0.5;

static double fixed_random(void *ud)
{
	(void)ud;
	return jitter;
}

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
}

static pw_doc *load(const char *json)
{
	char *path = rt_write(tmp, "wf.json", json);
	pw_doc *doc = NULL;
	pw_diag diag;
	int rc = pw_doc_load_file(path, &doc, &diag);
	ck_assert_msg(rc == 0, "%s:%d:%d: %s", diag.file, diag.line, diag.column, diag.message);
	free(path);
	return doc;
}

static struct pw_exec_opts opts(int dry_run, const char *state_dir)
{
	struct pw_exec_opts o;
	memset(&o, 0, sizeof(o));
	o.registry = reg;
	o.clock = &fc.clock;
	o.dry_run = dry_run;
	o.state_dir = state_dir;
	o.random01 = fixed_random;
	return o;
}

/* Runs wf on input; returns the result (caller clears). */
static struct pw_exec_result run_wf(const char *wf, const char *input, int dry_run)
{
	pw_doc *doc = load(wf);
	json_object *in = json_tokener_parse(input);
	struct pw_exec_opts o = opts(dry_run, NULL);
	struct pw_exec_result res;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_exec_run(doc, in, &o, &res, &err), PW_OK);
	json_object_put(in);
	pw_doc_free(doc);
	return res;
}

static int calls_of(const char *line)
{
	char *log = rt_read(calls);
	int n = rt_count_lines(log, line);
	free(log);
	return n;
}

START_TEST(pass_choice_loop_counts)
{
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"Inc\",\"States\":{"
		"\"Inc\":{\"Type\":\"Pass\",\"Parameters\":{\"i.$\":\"States.MathAdd($.i, 1)\"},"
		"\"Next\":\"Loop\"},"
		"\"Loop\":{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$.i\","
		"\"NumericLessThan\":10,\"Next\":\"Inc\"}],\"Default\":\"Done\"},"
		"\"Done\":{\"Type\":\"Succeed\"}}}",
		"{\"i\":0}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_int_eq(rt_int(res.output, "i"), 10);
	pw_exec_result_clear(&res);
}
END_TEST

START_TEST(retry_waits_with_backoff_and_cap)
{
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\",\"Resource\":\"counter:Fail\","
		"\"Parameters\":{\"Name\":\"t\",\"Times\":3,\"Error\":\"Flaky.Error\"},"
		"\"Retry\":[{\"ErrorEquals\":[\"Other\"],\"MaxAttempts\":9},"
		"{\"ErrorEquals\":[\"Flaky.Error\"],\"IntervalSeconds\":2,\"BackoffRate\":3,"
		"\"MaxDelaySeconds\":10,\"MaxAttempts\":5}],\"End\":true}}}",
		"{}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_int_eq(rt_int(res.output, "Attempts"), 4);
	ck_assert_int_eq(fc.n_slept, 3);
	ck_assert_int_eq(fc.slept[0], 2000);
	ck_assert_int_eq(fc.slept[1], 6000);
	ck_assert_int_eq(fc.slept[2], 10000);
	ck_assert_int_eq(calls_of("Fail t"), 4);
	pw_exec_result_clear(&res);
}
END_TEST

START_TEST(retry_full_jitter_and_max_attempts)
{
	jitter = 0.25;
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\",\"Resource\":\"counter:Fail\","
		"\"Parameters\":{\"Name\":\"j\",\"Times\":10},"
		"\"Retry\":[{\"ErrorEquals\":[\"States.ALL\"],\"IntervalSeconds\":4,"
		"\"MaxAttempts\":2,\"JitterStrategy\":\"FULL\"}],\"End\":true}}}",
		"{}", 0);
	jitter = 0.5;
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "Counter.Failed");
	ck_assert_int_eq(fc.n_slept, 2);
	ck_assert_int_eq(fc.slept[0], 1000); /* 4 s * 0.25 */
	ck_assert_int_eq(fc.slept[1], 2000); /* 8 s * 0.25 */
	ck_assert_int_eq(calls_of("Fail j"), 3);
	pw_exec_result_clear(&res);
}
END_TEST

START_TEST(catch_routes_with_result_path)
{
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"T\",\"States\":{"
		"\"T\":{\"Type\":\"Task\",\"Resource\":\"counter:Fail\","
		"\"Parameters\":{\"Name\":\"c\",\"Error\":\"RDS.DBInstanceNotFound\",\"Cause\":\"gone\"},"
		"\"Catch\":[{\"ErrorEquals\":[\"Other.Error\"],\"Next\":\"Wrong\"},"
		"{\"ErrorEquals\":[\"RDS.DBInstanceNotFound\"],\"ResultPath\":\"$.failure\","
		"\"Next\":\"Handler\"},{\"ErrorEquals\":[\"States.ALL\"],\"Next\":\"Wrong\"}],"
		"\"End\":true},"
		"\"Wrong\":{\"Type\":\"Fail\",\"Error\":\"Wrong\"},"
		"\"Handler\":{\"Type\":\"Pass\",\"End\":true}}}",
		"{\"keep\":1}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_int_eq(rt_int(res.output, "keep"), 1);
	json_object *f = json_object_object_get(res.output, "failure");
	ck_assert_str_eq(rt_str(f, "Error"), "RDS.DBInstanceNotFound");
	ck_assert_str_eq(rt_str(f, "Cause"), "gone");
	pw_exec_result_clear(&res);
}
END_TEST

START_TEST(catch_without_result_path_replaces_input)
{
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"T\",\"States\":{"
		"\"T\":{\"Type\":\"Task\",\"Resource\":\"counter:Fail\",\"Parameters\":{\"Name\":\"d\"},"
		"\"Catch\":[{\"ErrorEquals\":[\"States.TaskFailed\"],\"Next\":\"H\"}],\"End\":true},"
		"\"H\":{\"Type\":\"Pass\",\"End\":true}}}",
		"{\"keep\":1}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_str_eq(rt_str(res.output, "Error"), "Counter.Failed");
	ck_assert_ptr_null(json_object_object_get(res.output, "keep"));
	pw_exec_result_clear(&res);
}
END_TEST

START_TEST(states_all_does_not_catch_runtime)
{
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"T\",\"States\":{"
		"\"T\":{\"Type\":\"Task\",\"Resource\":\"counter:Echo\","
		"\"Parameters\":{\"x.$\":\"$.missing.field\"},"
		"\"Catch\":[{\"ErrorEquals\":[\"States.ALL\"],\"Next\":\"H\"}],\"End\":true},"
		"\"H\":{\"Type\":\"Pass\",\"End\":true}}}",
		"{}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "States.Runtime");
	pw_exec_result_clear(&res);
}
END_TEST

START_TEST(result_path_failure_is_named_and_catchable)
{
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"T\",\"States\":{"
		"\"T\":{\"Type\":\"Task\",\"Resource\":\"counter:Echo\",\"ResultPath\":\"$.s.deeper\","
		"\"Catch\":[{\"ErrorEquals\":[\"States.ResultPathMatchFailure\"],"
		"\"ResultPath\":\"$.err\",\"Next\":\"H\"}],\"End\":true},"
		"\"H\":{\"Type\":\"Pass\",\"End\":true}}}",
		"{\"s\":\"a string\"}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_str_eq(rt_str(json_object_object_get(res.output, "err"), "Error"),
			 "States.ResultPathMatchFailure");
	pw_exec_result_clear(&res);
}
END_TEST

START_TEST(task_timeout_is_states_timeout)
{
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"T\",\"States\":{"
		"\"T\":{\"Type\":\"Task\",\"Resource\":\"counter:Sleep\",\"TimeoutSeconds\":2,"
		"\"Parameters\":{\"Name\":\"s\",\"Ms\":60000},"
		"\"Catch\":[{\"ErrorEquals\":[\"States.TaskFailed\"],\"Next\":\"Wrong\"},"
		"{\"ErrorEquals\":[\"States.Timeout\"],\"Next\":\"H\"}],\"End\":true},"
		"\"Wrong\":{\"Type\":\"Fail\",\"Error\":\"Wrong\"},"
		"\"H\":{\"Type\":\"Pass\",\"End\":true}}}",
		"{}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_str_eq(rt_str(res.output, "Error"), "States.Timeout");
	ck_assert_int_eq(fc.slept[0], 2000);
	pw_exec_result_clear(&res);
}
END_TEST

START_TEST(execution_timeout_fails_the_execution)
{
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"W\",\"TimeoutSeconds\":5,\"States\":{"
		"\"W\":{\"Type\":\"Wait\",\"Seconds\":60,\"Next\":\"P\"},"
		"\"P\":{\"Type\":\"Pass\",\"End\":true}}}",
		"{}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "States.Timeout");
	ck_assert_int_eq(fc.slept[0], 5000);
	pw_exec_result_clear(&res);
}
END_TEST

START_TEST(dry_run_skips_mutations_and_waits)
{
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"R\",\"States\":{"
		"\"R\":{\"Type\":\"Task\",\"Resource\":\"counter:Read\",\"Parameters\":{\"Name\":\"r\"},"
		"\"ResultPath\":\"$.read\",\"Next\":\"W\"},"
		"\"W\":{\"Type\":\"Wait\",\"Seconds\":300,\"Next\":\"B\"},"
		"\"B\":{\"Type\":\"Task\",\"Resource\":\"counter:Bump\",\"Parameters\":{\"Name\":\"b\"},"
		"\"ResultPath\":\"$.bump\",\"End\":true}}}",
		"{}", 1);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_int_eq(calls_of("Read r"), 1);
	ck_assert_int_eq(calls_of("Bump b"), 0);
	ck_assert_int_eq(fc.n_slept, 0);
	json_object *bump = json_object_object_get(res.output, "bump");
	ck_assert(json_object_get_boolean(json_object_object_get(bump, "DryRun")));
	ck_assert_str_eq(rt_str(json_object_object_get(bump, "Parameters"), "Name"), "b");
	ck_assert(json_object_get_boolean(
		json_object_object_get(json_object_object_get(res.output, "read"), "DryRun")));
	pw_exec_result_clear(&res);
}
END_TEST

START_TEST(wait_uses_the_clock)
{
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"W\",\"States\":{"
		"\"W\":{\"Type\":\"Wait\",\"SecondsPath\":\"$.s\",\"Next\":\"T\"},"
		"\"T\":{\"Type\":\"Wait\",\"Timestamp\":\"2025-11-25T10:47:16Z\",\"End\":true}}}",
		"{\"s\":7}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_int_eq(fc.n_slept, 2);
	ck_assert_int_eq(fc.slept[0], 7000);
	ck_assert_int_eq(fc.slept[1], 53000); /* start 10:46:16 + 7 s -> 10:47:16 */
	pw_exec_result_clear(&res);
}
END_TEST

START_TEST(dry_run_bounds_a_polling_loop)
{
	/* The original definition's shape: describe, not ready, wait 300 s,
	 * describe again... A dry run never sees the status change. */
	static const char wf[] =
		"{\"StartAt\":\"R\",\"States\":{"
		"\"R\":{\"Type\":\"Task\",\"Resource\":\"counter:Read\",\"Parameters\":{\"Name\":\"r\"},"
		"\"ResultPath\":\"$.read\",\"Next\":\"C\"},"
		"\"C\":{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$.read.Status\","
		"\"IsPresent\":true,\"Next\":\"Done\"}],\"Default\":\"W\"},"
		"\"W\":{\"Type\":\"Wait\",\"Seconds\":300,\"Next\":\"R\"},"
		"\"Done\":{\"Type\":\"Succeed\"}}}";
	struct pw_exec_result res = run_wf(wf, "{\"n\":1}", 1);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_int_eq(calls_of("Read r"), PW_DRY_RUN_MAX_VISITS);
	ck_assert_int_eq(fc.n_slept, 0); /* the simulated clock moved, not the real one */
	ck_assert_int_eq(rt_int(res.output, "n"), 1);
	pw_exec_result_clear(&res);

	/* A configured bound. */
	pw_doc *doc = load(wf);
	json_object *in = json_tokener_parse("{}");
	struct pw_exec_opts o = opts(1, NULL);
	o.dry_run_max_visits = 5;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_exec_run(doc, in, &o, &res, &err), PW_OK);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_int_eq(calls_of("Read r"), PW_DRY_RUN_MAX_VISITS + 5);
	pw_exec_result_clear(&res);
	json_object_put(in);
	pw_doc_free(doc);
}
END_TEST

START_TEST(dry_run_wait_advances_a_simulated_clock)
{
	/* Start 2025-11-25T10:46:16Z. After 300 s, a Timestamp wait for
	 * 10:50:00 is already past and one for 10:52:00 waits 44 s more:
	 * timestamps see the simulated time, nothing sleeps. */
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"W\",\"States\":{"
		"\"W\":{\"Type\":\"Wait\",\"Seconds\":300,\"Next\":\"P\"},"
		"\"P\":{\"Type\":\"Pass\",\"Parameters\":{\"t.$\":\"$$.State.EnteredTime\"},"
		"\"ResultPath\":\"$.p\",\"Next\":\"Past\"},"
		"\"Past\":{\"Type\":\"Wait\",\"Timestamp\":\"2025-11-25T10:50:00Z\",\"Next\":\"T\"},"
		"\"T\":{\"Type\":\"Wait\",\"TimestampPath\":\"$.until\",\"Next\":\"Q\"},"
		"\"Q\":{\"Type\":\"Pass\",\"Parameters\":{\"t.$\":\"$.p.t\","
		"\"after.$\":\"$$.State.EnteredTime\"},\"End\":true}}}",
		"{\"until\":\"2025-11-25T10:52:00Z\"}", 1);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_int_eq(fc.n_slept, 0);
	ck_assert_str_eq(rt_str(res.output, "t"), "2025-11-25T10:51:16.000Z");
	ck_assert_str_eq(rt_str(res.output, "after"), "2025-11-25T10:52:00.000Z");
	pw_exec_result_clear(&res);
}
END_TEST

START_TEST(context_object_is_filled)
{
	pw_doc *doc = load(
		"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"Parameters\":{"
		"\"id.$\":\"$$.Execution.Id\",\"name.$\":\"$$.Execution.Name\","
		"\"input.$\":\"$$.Execution.Input\",\"start.$\":\"$$.Execution.StartTime\","
		"\"state.$\":\"$$.State.Name\",\"entered.$\":\"$$.State.EnteredTime\","
		"\"retry.$\":\"$$.State.RetryCount\",\"sm.$\":\"$$.StateMachine.Name\","
		"\"var.$\":\"$$.Vars.cluster\"},\"End\":true}}}");
	json_object *in = json_tokener_parse("{\"a\":1}");
	json_object *vars = json_tokener_parse("{\"cluster\":\"prod\"}");
	struct pw_exec_opts o = opts(0, NULL);
	o.vars = vars;
	o.name = "my-run";
	struct pw_exec_result res;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_exec_run(doc, in, &o, &res, &err), PW_OK);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	json_object *out = res.output;
	ck_assert_str_eq(rt_str(out, "id"), res.id);
	ck_assert_int_eq(strlen(res.id), 36);
	ck_assert_str_eq(rt_str(out, "name"), "my-run");
	ck_assert(json_object_equal(json_object_object_get(out, "input"), in));
	ck_assert_str_eq(rt_str(out, "start"), "2025-11-25T10:46:16.000Z");
	ck_assert_str_eq(rt_str(out, "state"), "P");
	ck_assert_str_eq(rt_str(out, "entered"), "2025-11-25T10:46:16.000Z");
	ck_assert_int_eq(rt_int(out, "retry"), 0);
	ck_assert_str_eq(rt_str(out, "sm"), "wf");
	ck_assert_str_eq(rt_str(out, "var"), "prod");
	pw_exec_result_clear(&res);
	json_object_put(vars);
	json_object_put(in);
	pw_doc_free(doc);
}
END_TEST

START_TEST(map_and_parallel_run_every_item_and_branch)
{
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"M\",\"States\":{"
		"\"M\":{\"Type\":\"Map\",\"ItemsPath\":\"$.readers\",\"MaxConcurrency\":2,"
		"\"ItemSelector\":{\"Name.$\":\"$$.Map.Item.Value\",\"Index.$\":\"$$.Map.Item.Index\"},"
		"\"ItemProcessor\":{\"StartAt\":\"B\",\"States\":{\"B\":{\"Type\":\"Task\","
		"\"Resource\":\"counter:Bump\",\"End\":true}}},\"ResultPath\":\"$.bumps\",\"Next\":\"P\"},"
		"\"P\":{\"Type\":\"Parallel\",\"Branches\":["
		"{\"StartAt\":\"X\",\"States\":{\"X\":{\"Type\":\"Pass\",\"Result\":1,\"End\":true}}},"
		"{\"StartAt\":\"Y\",\"States\":{\"Y\":{\"Type\":\"Task\",\"Resource\":\"counter:Read\","
		"\"Parameters\":{\"Name\":\"y\"},\"End\":true}}}],\"ResultPath\":\"$.par\",\"End\":true}}}",
		"{\"readers\":[\"r1\",\"r2\",\"r3\"]}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	json_object *b = json_object_object_get(res.output, "bumps");
	ck_assert_int_eq(json_object_array_length(b), 3);
	ck_assert_str_eq(rt_str(json_object_array_get_idx(b, 2), "Name"), "r3");
	ck_assert_int_eq(calls_of("Bump r1") + calls_of("Bump r2") + calls_of("Bump r3"), 3);
	json_object *p = json_object_object_get(res.output, "par");
	ck_assert_int_eq(json_object_get_int(json_object_array_get_idx(p, 0)), 1);
	ck_assert_str_eq(rt_str(json_object_array_get_idx(p, 1), "Name"), "y");
	pw_exec_result_clear(&res);
}
END_TEST

START_TEST(fail_state_and_no_choice_matched)
{
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"F\",\"States\":{\"F\":{\"Type\":\"Fail\",\"ErrorPath\":\"$.e\","
		"\"Cause\":\"by request\"}}}", "{\"e\":\"Custom.Error\"}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "Custom.Error");
	ck_assert_str_eq(res.error.cause, "by request");
	pw_exec_result_clear(&res);
	res = run_wf("{\"StartAt\":\"C\",\"States\":{\"C\":{\"Type\":\"Choice\",\"Choices\":["
		     "{\"Variable\":\"$.x\",\"StringEquals\":\"a\",\"Next\":\"D\"}]},"
		     "\"D\":{\"Type\":\"Succeed\"}}}", "{\"x\":\"b\"}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "States.NoChoiceMatched");
	pw_exec_result_clear(&res);
	/* CausePath may be an intrinsic call, as ASL allows */
	res = run_wf("{\"StartAt\":\"F\",\"States\":{\"F\":{\"Type\":\"Fail\",\"Error\":\"E\","
		     "\"CausePath\":\"States.Format('replica {} failed', $.id)\"}}}",
		     "{\"id\":\"r2\"}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.cause, "replica r2 failed");
	pw_exec_result_clear(&res);
	/* an ErrorPath that selects nothing is a runtime error, not a silent default */
	res = run_wf("{\"StartAt\":\"F\",\"States\":{\"F\":{\"Type\":\"Fail\",\"ErrorPath\":\"$.missing\"}}}",
		     "{}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "States.Runtime");
	pw_exec_result_clear(&res);
}
END_TEST

START_TEST(lua_step_runs_relative_to_the_workflow)
{
	free(rt_write(tmp, "double.lua", "local input = ...\nreturn {v = input.v * 2}\n"));
	free(rt_write(tmp, "spin.lua", "while true do end\n"));
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"L\",\"States\":{\"L\":{\"Type\":\"Task\",\"Resource\":\"lua:double.lua\","
		"\"ResultPath\":\"$.r\",\"Next\":\"S\"},"
		"\"S\":{\"Type\":\"Task\",\"Resource\":\"lua:spin.lua\",\"TimeoutSeconds\":1,\"End\":true}}}",
		"{\"v\":21}", 0);
	/* The spin step ends in States.Timeout even on a fake clock: Lua's
	 * budget is real time. */
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "States.Timeout");
	pw_exec_result_clear(&res);
}
END_TEST

/* The config's lua_timeout_seconds bounds a lua: step that neither its
 * Task nor the workflow bounds; it is checked like every config key. */
START_TEST(config_lua_timeout_bounds_a_lua_step_without_timeout)
{
	struct pw_config *cfg = NULL;
	pw_diag diag;
	char *path = rt_write(tmp, "prewarm.yaml", "state_dir: /tmp\nlua_timeout_seconds: 1\n");
	ck_assert_int_eq(pw_config_load(path, &cfg, &diag), 0);
	free(path);
	pw_config_free(cfg);
	free(rt_write(tmp, "spin.lua", "while true do end\n"));
	int64_t t0 = pw_clock_system()->mono_ms(NULL);
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"S\",\"States\":{"
		"\"S\":{\"Type\":\"Task\",\"Resource\":\"lua:spin.lua\",\"End\":true}}}",
		"{}", 0);
	int64_t took = pw_clock_system()->mono_ms(NULL) - t0;
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "States.Timeout");
	ck_assert_msg(took >= 900 && took < 5000, "took %lld ms", (long long)took);
	pw_exec_result_clear(&res);

	static const char *const bad[] = {"lua_timeout_seconds: 0\n",
					  "lua_timeout_seconds: 2.5\n",
					  "lua_timeout_seconds: soon\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		path = rt_write(tmp, "bad.yaml", bad[i]);
		ck_assert_msg(pw_config_load(path, &cfg, &diag) == -1, "accepted %s", bad[i]);
		ck_assert_int_eq(diag.line, 1);
		ck_assert_msg(strstr(diag.message, "lua_timeout_seconds") != NULL, "%s",
			      diag.message);
		free(path);
	}
	/* A config without the key restores the built-in 60 s. */
	ck_assert_int_eq(pw_config_load(NULL, &cfg, &diag), 0);
	pw_config_free(cfg);
	ck_assert_int_eq(pw_lua_step_default_timeout_ms(), 60000);
}
END_TEST

/* The payload limit (config payload_limit_bytes, default 256 KiB): a
 * state's input or output, or a Task/Map/Parallel result, above it is
 * States.DataLimitExceeded, which only an explicit name catches. */
START_TEST(payload_limit_raises_data_limit_exceeded)
{
	struct pw_config *cfg = NULL;
	pw_diag diag;
	char *path = rt_write(tmp, "prewarm.yaml", "payload_limit_bytes: 100\n");
	ck_assert_int_eq(pw_config_load(path, &cfg, &diag), 0);
	free(path);
	pw_config_free(cfg);
	ck_assert_uint_eq(pw_payload_limit(), 100);
	/* 101 bytes of input */
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}",
		"{\"s\":\"0123456789012345678901234567890123456789012345678901234567890123456789"
		"01234567890123456789012\"}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "States.DataLimitExceeded");
	ck_assert_msg(strstr(res.error.cause, "input of state 'P'") != NULL, "%s", res.error.cause);
	pw_exec_result_clear(&res);
	/* exactly 100 bytes fit */
	res = run_wf("{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}",
		     "{\"s\":\"0123456789012345678901234567890123456789012345678901234567890123456789"
		     "0123456789012345678901\"}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	pw_exec_result_clear(&res);
	/* a Parallel result twice its 60-byte input: States.ALL does not
	 * catch it, the explicit name does */
	const char *par =
		"{\"StartAt\":\"Par\",\"States\":{\"Par\":{\"Type\":\"Parallel\",\"Branches\":["
		"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Pass\",\"End\":true}}},"
		"{\"StartAt\":\"B\",\"States\":{\"B\":{\"Type\":\"Pass\",\"End\":true}}}],"
		"\"Catch\":[{\"ErrorEquals\":[\"%s\"],\"ResultPath\":null,\"Next\":\"Ok\"}],"
		"\"End\":true},\"Ok\":{\"Type\":\"Succeed\"}}}";
	const char *in60 = "{\"s\":\"01234567890123456789012345678901234567890123456789\"}";
	char wf[1200];
	snprintf(wf, sizeof(wf), par, "States.ALL");
	res = run_wf(wf, in60, 0);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "States.DataLimitExceeded");
	ck_assert_str_eq(res.error.cause, "The state/task 'Par' returned a result with a size "
					  "exceeding the maximum number of bytes service limit.");
	pw_exec_result_clear(&res);
	snprintf(wf, sizeof(wf), par, "States.DataLimitExceeded");
	res = run_wf(wf, in60, 0);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	pw_exec_result_clear(&res);

	static const char *const bad[] = {"payload_limit_bytes: 0\n",
					  "payload_limit_bytes: 1.5\n",
					  "payload_limit_bytes: big\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		path = rt_write(tmp, "bad.yaml", bad[i]);
		ck_assert_msg(pw_config_load(path, &cfg, &diag) == -1, "accepted %s", bad[i]);
		ck_assert_msg(strstr(diag.message, "payload_limit_bytes") != NULL, "%s",
			      diag.message);
		free(path);
	}
	/* a config without the key restores 256 KiB */
	ck_assert_int_eq(pw_config_load(NULL, &cfg, &diag), 0);
	pw_config_free(cfg);
	ck_assert_uint_eq(pw_payload_limit(), 262144);
}
END_TEST

/* A Fail state without Error has no error name, as in Step Functions; a
 * runtime error's cause is worded as Step Functions words it. */
START_TEST(fail_without_error_and_runtime_cause_wording)
{
	struct pw_exec_result res = run_wf(
		"{\"StartAt\":\"F\",\"States\":{\"F\":{\"Type\":\"Fail\",\"Cause\":\"why\"}}}",
		"{}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "");
	ck_assert_str_eq(res.error.cause, "why");
	pw_exec_result_clear(&res);
	res = run_wf("{\"StartAt\":\"A\",\"States\":{"
		     "\"A\":{\"Type\":\"Pass\",\"Next\":\"P\"},"
		     "\"P\":{\"Type\":\"Pass\",\"Parameters\":{\"x.$\":\"$.missing\"},\"End\":true}}}",
		     "{}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "States.Runtime");
	/* events: ExecutionStarted #1, A entered #2, exited #3, P entered #4 */
	static const char want[] =
		"An error occurred while executing the state 'P' (entered at the event id #4). ";
	ck_assert_msg(strncmp(res.error.cause, want, sizeof(want) - 1) == 0, "%s",
		      res.error.cause);
	ck_assert_msg(strstr(res.error.cause, "$.missing") != NULL, "%s", res.error.cause);
	pw_exec_result_clear(&res);
	/* inside a Map the inner state's words are kept, not wrapped again */
	res = run_wf("{\"StartAt\":\"M\",\"States\":{\"M\":{\"Type\":\"Map\",\"ItemProcessor\":{"
		     "\"StartAt\":\"I\",\"States\":{\"I\":{\"Type\":\"Pass\","
		     "\"Parameters\":{\"x.$\":\"$.missing\"},\"End\":true}}},\"End\":true}}}",
		     "[1]", 0);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_msg(strncmp(res.error.cause,
			      "An error occurred while executing the state 'I' ", 48) == 0,
		      "%s", res.error.cause);
	ck_assert_ptr_null(strstr(res.error.cause + 10, "An error occurred"));
	pw_exec_result_clear(&res);
}
END_TEST

/* Wait's run-time values, checked as Step Functions does (causes as AWS
 * recorded them in LocalStack's test_wait and test_wait_timestamp_path). */
START_TEST(wait_values_fail_with_aws_causes)
{
	static const char wf[] = "{\"StartAt\":\"WaitState\",\"States\":{\"WaitState\":{"
				 "\"Type\":\"Wait\",\"SecondsPath\":\"$.input.waitSeconds\","
				 "\"End\":true}}}";
	static const char head[] =
		"An error occurred while executing the state 'WaitState' (entered at the event id #2). ";
	static const struct {
		const char *input, *cause;
	} cases[] = {
		{"{\"input\":{\"waitSeconds\":1.5}}",
		 "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == 1.5"},
		{"{\"input\":{\"waitSeconds\":-1.5}}",
		 "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == -1.5"},
		{"{\"input\":{\"waitSeconds\":-1}}",
		 "The SecondsPath parameter references a negative value: $.input.waitSeconds == -1"},
		{"{\"input\":{\"waitSeconds\":2147483648}}", "Wait state delay is too long."},
	};
	char want[600];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pw_exec_result res = run_wf(wf, cases[i].input, 1);
		ck_assert_int_eq(res.status, PW_EXEC_FAILED);
		ck_assert_str_eq(res.error.name, "States.Runtime");
		snprintf(want, sizeof(want), "%s%s", head, cases[i].cause);
		ck_assert_str_eq(res.error.cause, want);
		pw_exec_result_clear(&res);
	}
	struct pw_exec_result res = run_wf(wf, "{\"input\":{\"waitSeconds\":0}}", 1);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	pw_exec_result_clear(&res);
	res = run_wf("{\"StartAt\":\"WaitUntil\",\"States\":{\"WaitUntil\":{\"Type\":\"Wait\","
		     "\"TimestampPath\":\"$.TimestampValue\",\"End\":true}}}",
		     "{\"TimestampValue\":\"2016-12-05 21:29:29Z\"}", 1);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.cause,
			 "An error occurred while executing the state 'WaitUntil' (entered at the "
			 "event id #2). The TimestampPath parameter does not reference a valid "
			 "ISO-8601 extended offset date-time format string: $.TimestampValue == "
			 "2016-12-05 21:29:29Z");
	pw_exec_result_clear(&res);
	/* a delay past 2^31 - 1 seconds (68 years) is refused */
	res = run_wf("{\"StartAt\":\"W\",\"States\":{\"W\":{\"Type\":\"Wait\","
		     "\"Timestamp\":\"2095-01-01T00:00:00Z\",\"End\":true}}}", "{}", 1);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.cause, "An error occurred while executing the state 'W' "
					  "(entered at the event id #2). Wait state delay is too long.");
	pw_exec_result_clear(&res);
	/* Fail's ErrorPath that selects nothing names the field */
	res = run_wf("{\"StartAt\":\"fail\",\"States\":{\"fail\":{\"Type\":\"Fail\","
		     "\"ErrorPath\":\"$.ErrorX\"}}}",
		     "{\"a\":1}", 0);
	ck_assert_str_eq(res.error.cause, "An error occurred while executing the state 'fail' "
					  "(entered at the event id #2). The JSONPath '$.ErrorX' "
					  "specified for the field 'ErrorPath' could not be found "
					  "in the input '{\"a\":1}'");
	pw_exec_result_clear(&res);
}
END_TEST

static const char *journal_wf =
	"{\"StartAt\":\"A\",\"States\":{"
	"\"A\":{\"Type\":\"Task\",\"Resource\":\"counter:Bump\",\"Parameters\":{\"Name\":\"a\"},"
	"\"ResultPath\":\"$.a\",\"Next\":\"B\"},"
	"\"B\":{\"Type\":\"Task\",\"Resource\":\"counter:Bump\",\"Parameters\":{\"Name\":\"b\"},"
	"\"ResultPath\":\"$.b\",\"End\":true}}}";

START_TEST(journal_records_history_events)
{
	char sd[600];
	snprintf(sd, sizeof(sd), "%s/state", tmp);
	pw_doc *doc = load(journal_wf);
	json_object *in = json_tokener_parse("{}");
	struct pw_exec_opts o = opts(0, sd);
	struct pw_exec_result res;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_exec_run(doc, in, &o, &res, &err), PW_OK);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	json_object *ev = NULL;
	ck_assert_int_eq(pw_journal_read(sd, res.id, &ev, &err), PW_OK);
	static const char *const want[] = {
		"ExecutionStarted", "StateEntered", "TaskScheduled", "TaskSucceeded", "StateExited",
		"StateEntered", "TaskScheduled", "TaskSucceeded", "StateExited", "ExecutionSucceeded"};
	ck_assert_int_eq(json_object_array_length(ev), 10);
	for (size_t i = 0; i < 10; i++)
		ck_assert_str_eq(rt_str(json_object_array_get_idx(ev, i), "type"), want[i]);
	/* A finished execution resumes to its stored result without running. */
	struct pw_exec_result again;
	ck_assert_int_eq(pw_exec_resume(doc, res.id, &o, &again, &err), PW_OK);
	ck_assert(json_object_equal(again.output, res.output));
	ck_assert_int_eq(calls_of("Bump a"), 1);
	pw_exec_result_clear(&again);
	pw_exec_result_clear(&res);
	json_object_put(ev);
	json_object_put(in);
	pw_doc_free(doc);
}
END_TEST

START_TEST(resume_continues_after_the_last_finished_state)
{
	char sd[600], jpath[800];
	snprintf(sd, sizeof(sd), "%s/state", tmp);
	pw_doc *doc = load(journal_wf);
	json_object *in = json_tokener_parse("{}");
	struct pw_exec_opts o = opts(0, sd);
	struct pw_exec_result res;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_exec_run(doc, in, &o, &res, &err), PW_OK);
	/* Cut the journal after A's StateExited: as if killed while in B. */
	snprintf(jpath, sizeof(jpath), "%s/executions/%s.jsonl", sd, res.id);
	char *text = rt_read(jpath);
	char *p = text;
	for (int i = 0; i < 7; i++) /* keep 7 lines: ..., StateExited A, StateEntered B, TaskScheduled B */
		p = strchr(p, '\n') + 1;
	*p = '\0';
	FILE *f = fopen(jpath, "w");
	fputs(text, f);
	fclose(f);
	free(text);
	struct pw_exec_result r2;
	ck_assert_int_eq(pw_exec_resume(doc, res.id, &o, &r2, &err), PW_OK);
	ck_assert_int_eq(r2.status, PW_EXEC_SUCCEEDED);
	ck_assert(r2.resumed);
	ck_assert_int_eq(calls_of("Bump a"), 1); /* finished: not run again */
	ck_assert_int_eq(calls_of("Bump b"), 2); /* in flight: ran again */
	ck_assert_str_eq(rt_str(json_object_object_get(r2.output, "a"), "Name"), "a");
	ck_assert_str_eq(rt_str(json_object_object_get(r2.output, "b"), "Name"), "b");
	pw_exec_result_clear(&r2);
	pw_exec_result_clear(&res);
	json_object_put(in);
	pw_doc_free(doc);
}
END_TEST

START_TEST(resume_inside_a_map_runs_no_finished_item_again)
{
	char sd[600], jpath[800];
	snprintf(sd, sizeof(sd), "%s/state", tmp);
	pw_doc *doc = load(
		"{\"StartAt\":\"M\",\"States\":{"
		"\"M\":{\"Type\":\"Map\",\"ItemSelector\":{\"Name.$\":\"$$.Map.Item.Value\"},"
		"\"MaxConcurrency\":1," /* one at a time: the cut below is after r2 */
		"\"ItemProcessor\":{\"StartAt\":\"B\",\"States\":{\"B\":{\"Type\":\"Task\","
		"\"Resource\":\"counter:Bump\",\"ResultSelector\":{\"N.$\":\"$.Name\"},"
		"\"End\":true}}},\"End\":true}}}");
	json_object *in = json_tokener_parse("[\"r1\",\"r2\",\"r3\"]");
	struct pw_exec_opts o = opts(0, sd);
	struct pw_exec_result res;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_exec_run(doc, in, &o, &res, &err), PW_OK);
	/* Keep the journal up to r2's TaskSucceeded: killed before r3. */
	snprintf(jpath, sizeof(jpath), "%s/executions/%s.jsonl", sd, res.id);
	char *text = rt_read(jpath);
	char *cut = strstr(text, "\"output\":{\"Name\":\"r2\"");
	ck_assert_ptr_nonnull(cut);
	*(strchr(cut, '\n') + 1) = '\0';
	FILE *f = fopen(jpath, "w");
	fputs(text, f);
	fclose(f);
	free(text);
	struct pw_exec_result r2;
	ck_assert_int_eq(pw_exec_resume(doc, res.id, &o, &r2, &err), PW_OK);
	ck_assert_int_eq(r2.status, PW_EXEC_SUCCEEDED);
	ck_assert(json_object_equal(r2.output, res.output));
	ck_assert_int_eq(calls_of("Bump r1"), 1);
	ck_assert_int_eq(calls_of("Bump r2"), 1);
	ck_assert_int_eq(calls_of("Bump r3"), 2); /* ran before the cut too */
	pw_exec_result_clear(&r2);
	pw_exec_result_clear(&res);
	json_object_put(in);
	pw_doc_free(doc);
}
END_TEST

/* Keeps the journal of execution id up to (and with) the first line
 * containing `upto`: as if the process died right after writing it. */
static void cut_journal(const char *sd, const char *id, const char *upto)
{
	char jpath[800];
	snprintf(jpath, sizeof(jpath), "%s/executions/%s.jsonl", sd, id);
	char *text = rt_read(jpath);
	char *cut = strstr(text, upto);
	ck_assert_msg(cut != NULL, "no %s in %s", upto, text);
	*(strchr(cut, '\n') + 1) = '\0';
	FILE *f = fopen(jpath, "w");
	fputs(text, f);
	fclose(f);
	free(text);
}

/* The secret is fetched at the top level, then a Map item hands it to a
 * mutating Task whose output echoes it: that output is journaled as
 * "***", and the Task must not run twice, so resume refuses. */
START_TEST(resume_refuses_a_mutating_output_that_lost_a_secret)
{
	char sd[600];
	snprintf(sd, sizeof(sd), "%s/state", tmp);
	pw_doc *doc = load(
		"{\"StartAt\":\"S\",\"States\":{"
		"\"S\":{\"Type\":\"Task\",\"Resource\":\"counter:Secret\","
		"\"Parameters\":{\"Generate\":true,\"Name\":\"s\"},\"ResultPath\":\"$.cred\","
		"\"Next\":\"M\"},"
		"\"M\":{\"Type\":\"Map\",\"ItemsPath\":\"$.items\",\"MaxConcurrency\":1,"
		"\"ItemSelector\":{\"Name.$\":\"$.cred.Token\"},"
		"\"ItemProcessor\":{\"StartAt\":\"B\",\"States\":{\"B\":{\"Type\":\"Task\","
		"\"Resource\":\"counter:Bump\",\"End\":true}}},\"End\":true}}}");
	json_object *in = json_tokener_parse("{\"items\":[1,2]}");
	struct pw_exec_opts o = opts(0, sd);
	struct pw_exec_result res, r2;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_exec_run(doc, in, &o, &res, &err), PW_OK);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	cut_journal(sd, res.id, "\"type\":\"TaskSucceeded\",\"id\":9,");
	ck_assert_int_eq(pw_exec_resume(doc, res.id, &o, &r2, &err), PW_OK);
	ck_assert_int_eq(r2.status, PW_EXEC_FAILED);
	ck_assert_str_eq(r2.error.name, "Prewarm.ResumeLostSecret");
	ck_assert_msg(strstr(r2.error.cause, "counter:Bump"), "%s", r2.error.cause);
	ck_assert_int_eq(calls_of("Secret s"), 1);
	ck_assert_int_eq(calls_of("Bump gen-s3cr3t-from-the-vault"), 2); /* both items, once */
	pw_exec_result_clear(&r2);
	pw_exec_result_clear(&res);
	json_object_put(in);
	pw_doc_free(doc);
	pw_secret_clear();
}
END_TEST

/* An input that held a secret (registered earlier in the process, as in
 * `prewarm watch`) cannot be rebuilt from the history. */
START_TEST(resume_refuses_an_input_that_lost_a_secret)
{
	char sd[600];
	snprintf(sd, sizeof(sd), "%s/state", tmp);
	pw_secret_add("pa55word-of-the-db");
	pw_doc *doc = load(journal_wf);
	json_object *in = json_tokener_parse("{\"password\":\"pa55word-of-the-db\"}");
	struct pw_exec_opts o = opts(0, sd);
	struct pw_exec_result res, r2;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_exec_run(doc, in, &o, &res, &err), PW_OK);
	cut_journal(sd, res.id, "\"type\":\"ExecutionStarted\"");
	ck_assert_int_eq(pw_exec_resume(doc, res.id, &o, &r2, &err), PW_OK);
	ck_assert_int_eq(r2.status, PW_EXEC_FAILED);
	ck_assert_str_eq(r2.error.name, "Prewarm.ResumeLostSecret");
	ck_assert_int_eq(calls_of("Bump a"), 1);
	pw_exec_result_clear(&r2);
	pw_exec_result_clear(&res);
	json_object_put(in);
	pw_doc_free(doc);
	pw_secret_clear();
}
END_TEST

START_TEST(same_key_runs_once)
{
	char sd[600];
	snprintf(sd, sizeof(sd), "%s/state", tmp);
	pw_doc *doc = load(journal_wf);
	json_object *in = json_tokener_parse("{}");
	struct pw_exec_opts o = opts(0, sd);
	struct pw_exec_result r1, r2;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_exec_run_keyed(doc, in, "event-42", &o, &r1, &err), PW_OK);
	ck_assert_int_eq(pw_exec_run_keyed(doc, in, "event-42", &o, &r2, &err), PW_OK);
	ck_assert(!r1.reused);
	ck_assert(r2.reused);
	ck_assert_str_eq(r1.id, r2.id);
	ck_assert(json_object_equal(r1.output, r2.output));
	ck_assert_int_eq(calls_of("Bump a"), 1);
	pw_exec_result_clear(&r1);
	pw_exec_result_clear(&r2);
	ck_assert_int_eq(pw_exec_run_keyed(doc, in, "event-43", &o, &r1, &err), PW_OK);
	ck_assert_int_eq(calls_of("Bump a"), 2);
	pw_exec_result_clear(&r1);
	/* A process that died right after binding the key left an empty
	 * journal: the next run with the key runs the execution in it. */
	pw_journal *j = NULL;
	char existing[200];
	ck_assert_int_eq(pw_journal_create(sd, "abandoned", NULL, &j, &err), PW_OK);
	ck_assert_int_eq(pw_journal_key_claim(sd, "event-44", "abandoned", existing,
					      sizeof(existing), &err), 0);
	pw_journal_close(j);
	ck_assert_int_eq(pw_exec_run_keyed(doc, in, "event-44", &o, &r1, &err), PW_OK);
	ck_assert_int_eq(r1.status, PW_EXEC_SUCCEEDED);
	ck_assert_str_eq(r1.id, "abandoned");
	ck_assert_int_eq(calls_of("Bump a"), 3);
	pw_exec_result_clear(&r1);
	/* The same key with another workflow file is refused. */
	pw_doc *other = NULL;
	pw_diag diag;
	char *p2 = rt_write(tmp, "other.json", journal_wf);
	ck_assert_int_eq(pw_doc_load_file(p2, &other, &diag), 0);
	ck_assert_int_eq(pw_exec_run_keyed(other, in, "event-42", &o, &r1, &err), PW_ERR);
	ck_assert_msg(strstr(err.cause, "another workflow"), "%s", err.cause);
	pw_exec_result_clear(&r1);
	pw_doc_free(other);
	free(p2);
	json_object_put(in);
	pw_doc_free(doc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exec");
	TCase *tc = tcase_create("exec");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, pass_choice_loop_counts);
	tcase_add_test(tc, retry_waits_with_backoff_and_cap);
	tcase_add_test(tc, retry_full_jitter_and_max_attempts);
	tcase_add_test(tc, catch_routes_with_result_path);
	tcase_add_test(tc, catch_without_result_path_replaces_input);
	tcase_add_test(tc, states_all_does_not_catch_runtime);
	tcase_add_test(tc, result_path_failure_is_named_and_catchable);
	tcase_add_test(tc, task_timeout_is_states_timeout);
	tcase_add_test(tc, execution_timeout_fails_the_execution);
	tcase_add_test(tc, dry_run_skips_mutations_and_waits);
	tcase_add_test(tc, wait_uses_the_clock);
	tcase_add_test(tc, dry_run_bounds_a_polling_loop);
	tcase_add_test(tc, dry_run_wait_advances_a_simulated_clock);
	tcase_add_test(tc, context_object_is_filled);
	tcase_add_test(tc, map_and_parallel_run_every_item_and_branch);
	tcase_add_test(tc, fail_state_and_no_choice_matched);
	tcase_add_test(tc, lua_step_runs_relative_to_the_workflow);
	tcase_add_test(tc, config_lua_timeout_bounds_a_lua_step_without_timeout);
	tcase_add_test(tc, payload_limit_raises_data_limit_exceeded);
	tcase_add_test(tc, fail_without_error_and_runtime_cause_wording);
	tcase_add_test(tc, wait_values_fail_with_aws_causes);
	tcase_add_test(tc, journal_records_history_events);
	tcase_add_test(tc, resume_continues_after_the_last_finished_state);
	tcase_add_test(tc, resume_inside_a_map_runs_no_finished_item_again);
	tcase_add_test(tc, resume_refuses_a_mutating_output_that_lost_a_secret);
	tcase_add_test(tc, resume_refuses_an_input_that_lost_a_secret);
	tcase_add_test(tc, same_key_runs_once);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

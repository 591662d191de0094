/* check_lua - the Lua sandbox: every escape ends in a named error; the
 * prewarm table; lua: steps through the registry. */
#include "../plugins/rt_test.h"
#include "pw_log.h"
#include "pw_lua_sandbox.h"
#include "pw_lua_step.h"
#include "pw_registry.h"

/* Runs src in a fresh sandbox; returns rc and fills err / *out. */
static int run(const char *src, size_t mem, int64_t ms, json_object *arg, json_object **out,
	       pw_error *err)
{
	struct pw_lua_limits lim = {mem, ms};
	pw_lua *L = pw_lua_new(&lim);
	ck_assert_ptr_nonnull(L);
	memset(err, 0, sizeof(*err));
	int rc = pw_lua_run_chunk(L, "test.lua", src, strlen(src), arg, out, err);
	pw_lua_free(L);
	return rc;
}

static void expect_error(const char *src, const char *name, const char *cause_part)
{
	json_object *out = NULL;
	pw_error err;
	ck_assert_int_eq(run(src, 0, 400, NULL, &out, &err), PW_ERR);
	ck_assert_ptr_null(out);
	ck_assert_msg(strcmp(err.name, name) == 0, "%s: got %s (%s)", src, err.name, err.cause);
	ck_assert_msg(strstr(err.cause, cause_part) != NULL, "%s: cause %s", src, err.cause);
}

START_TEST(io_is_absent)
{
	expect_error("return io.open('/etc/passwd')", "States.TaskFailed", "global 'io'");
}
END_TEST

START_TEST(os_execute_is_absent)
{
	expect_error("return os.execute('id')", "States.TaskFailed", "field 'execute'");
	expect_error("return os.getenv('HOME')", "States.TaskFailed", "field 'getenv'");
	expect_error("return os.remove('/tmp/x')", "States.TaskFailed", "field 'remove'");
}
END_TEST

START_TEST(require_dofile_loadfile_are_absent)
{
	expect_error("return require('os')", "States.TaskFailed", "global 'require'");
	expect_error("return dofile('/etc/passwd')", "States.TaskFailed", "global 'dofile'");
	expect_error("return loadfile('/etc/passwd')", "States.TaskFailed", "global 'loadfile'");
	expect_error("return package.loadlib('x','y')", "States.TaskFailed", "global 'package'");
}
END_TEST

START_TEST(bytecode_cannot_be_loaded)
{
	expect_error("return string.dump(function() end)", "States.TaskFailed", "field 'dump'");
	/* A binary chunk header handed to load() is refused, not run. */
	json_object *out = NULL;
	pw_error err;
	ck_assert_int_eq(run("local f, msg = load('\\27Lua\\x54\\0'); "
			     "if f then return 'loaded' end; return msg", 0, 0, NULL, &out, &err),
			 PW_OK);
	ck_assert_msg(strstr(json_object_get_string(out), "binary") != NULL, "%s",
		      json_object_get_string(out));
	json_object_put(out);
	/* And the step itself must be text. */
	pw_lua *L = pw_lua_new(NULL);
	ck_assert_int_eq(pw_lua_run_chunk(L, "b.lua", "\x1bLua\x54", 5, NULL, &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
	pw_lua_free(L);
}
END_TEST

START_TEST(memory_bomb_hits_the_cap)
{
	json_object *out = NULL;
	pw_error err;
	ck_assert_int_eq(run("return string.rep('x', 1 << 30)", 8u << 20, 0, NULL, &out, &err),
			 PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
	ck_assert_msg(strstr(err.cause, "memory limit"), "%s", err.cause);
	/* pcall cannot swallow it. */
	ck_assert_int_eq(run("local t = {} while true do pcall(function() "
			     "t[#t+1] = string.rep('y', 1 << 20) end) end", 8u << 20, 0, NULL,
			     &out, &err), PW_ERR);
	ck_assert_msg(strstr(err.cause, "memory limit"), "%s", err.cause);
}
END_TEST

START_TEST(endless_loop_times_out)
{
	expect_error("while true do end", "States.Timeout", "time budget");
	/* Neither pcall nor xpcall can swallow the timeout. */
	expect_error("while true do pcall(function() while true do end end) end",
		     "States.Timeout", "time budget");
	expect_error("while true do xpcall(function() while true do end end, "
		     "function(m) return m end) end", "States.Timeout", "time budget");
	/* Finalizers run with hooks off: they are refused outright. */
	expect_error("setmetatable({}, {__gc = function() while true do end end})",
		     "States.TaskFailed", "__gc metamethods are not allowed");
	json_object *out = NULL;
	pw_error err;
	ck_assert_int_eq(run("local t = setmetatable({}, {__index = function() return 7 end}) "
			     "return t.x", 0, 0, NULL, &out, &err), PW_OK);
	ck_assert_int_eq(json_object_get_int(out), 7);
	json_object_put(out);
}
END_TEST

START_TEST(named_errors_and_plain_errors)
{
	expect_error("error({Error = 'Warm.TooCold', Cause = 'hit ratio 0.2'})", "Warm.TooCold",
		     "hit ratio 0.2");
	expect_error("error('boom')", "States.TaskFailed", "test.lua:1: boom");
	expect_error("local x = = 1", "States.Runtime", "test.lua:1:");
}
END_TEST

START_TEST(input_in_result_out)
{
	json_object *in = json_tokener_parse("{\"n\":2,\"list\":[1,2,3],\"s\":\"x\",\"z\":null}");
	json_object *out = NULL;
	pw_error err;
	ck_assert_int_eq(run("local input = ... ; local sum = 0 "
			     "for _, v in ipairs(input.list) do sum = sum + v end "
			     "return {sum = sum * input.n, s = input.s .. 'y', z = input.z, "
			     "empty = {}, arr = {true, false}}", 0, 0, in, &out, &err), PW_OK);
	ck_assert_int_eq(rt_int(out, "sum"), 12);
	ck_assert_str_eq(rt_str(out, "s"), "xy");
	ck_assert(json_object_object_get_ex(out, "z", NULL));
	ck_assert_ptr_null(json_object_object_get(out, "z"));
	ck_assert(json_object_is_type(json_object_object_get(out, "empty"), json_type_object));
	ck_assert_int_eq(json_object_array_length(json_object_object_get(out, "arr")), 2);
	json_object_put(out);
	json_object_put(in);
	ck_assert_int_eq(run("local t = {} t.self = t return t", 0, 0, NULL, &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
	ck_assert_int_eq(run("return function() end", 0, 0, NULL, &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
}
END_TEST

/* ---- lua: steps ---- */

static char *tmp, *calls;
static pw_registry *reg;

static void step_setup(void)
{
	pw_error err = {{0}, {0}};
	tmp = rt_tmpdir();
	size_t len = strlen(tmp) + 16;
	calls = malloc(len);
	snprintf(calls, len, "%s/calls", tmp);
	setenv("PW_COUNTER_LOG", calls, 1);
	ck_assert_int_eq(pw_registry_open(PW_TEST_PLUGIN_DIR, NULL, &reg, &err), PW_OK);
}

static void step_teardown(void)
{
	pw_lua_step_set_default_timeout_ms(0);
	pw_registry_close(reg);
	unsetenv("PW_COUNTER_LOG");
	free(calls);
	rt_rmdir(tmp);
}

static int step(const char *script, int dry_run, int64_t timeout_ms, json_object *in,
		json_object **out, pw_error *err)
{
	free(rt_write(tmp, "step.lua", script));
	struct pw_call call;
	memset(&call, 0, sizeof(call));
	call.reg = reg;
	call.workflow_dir = tmp;
	call.dry_run = dry_run;
	call.state = "S";
	call.deadline = INT64_MAX;
	if (timeout_ms > 0)
		call.deadline = pw_clock_system()->mono_ms(NULL) + timeout_ms;
	memset(err, 0, sizeof(*err));
	return pw_registry_invoke(&call, "lua:step.lua", in, out, err);
}

START_TEST(step_calls_plugins_honouring_dry_run)
{
	json_object *out = NULL;
	pw_error err;
	const char *script =
		"local r = prewarm.call('counter:Read', {Name = 'r'})\n"
		"local b = prewarm.call('counter:Bump', {Name = 'b'})\n"
		"return {read = r.Name, bumped = b.DryRun == true, dry = prewarm.dry_run}\n";
	ck_assert_int_eq(step(script, 1, 0, NULL, &out, &err), PW_OK);
	ck_assert_str_eq(rt_str(out, "read"), "r");
	ck_assert(json_object_get_boolean(json_object_object_get(out, "bumped")));
	ck_assert(json_object_get_boolean(json_object_object_get(out, "dry")));
	json_object_put(out);
	char *log = rt_read(calls);
	ck_assert_int_eq(rt_count_lines(log, "Read r"), 1);
	ck_assert_int_eq(rt_count_lines(log, "Bump b"), 0);
	free(log);
	ck_assert_int_eq(step(script, 0, 0, NULL, &out, &err), PW_OK);
	json_object_put(out);
	log = rt_read(calls);
	ck_assert_int_eq(rt_count_lines(log, "Bump b"), 1);
	free(log);
}
END_TEST

START_TEST(step_sees_plugin_errors_as_named_errors)
{
	json_object *out = NULL;
	pw_error err;
	const char *script =
		"local ok, e = pcall(prewarm.call, 'counter:Fail', {Name='f', Error='X.Y', Cause='c'})\n"
		"if ok then return 'no error' end\n"
		"error({Error = 'Wrapped.' .. e.Error, Cause = e.Cause})\n";
	ck_assert_int_eq(step(script, 0, 0, NULL, &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "Wrapped.X.Y");
	ck_assert_str_eq(err.cause, "c");
	ck_assert_int_eq(step("return prewarm.call('counter:Fail', {Name='g', Error='P.Q'})", 0, 0,
			      NULL, &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "P.Q");
}
END_TEST

START_TEST(step_json_helpers_round_trip)
{
	json_object *out = NULL;
	pw_error err;
	const char *script =
		"local t = prewarm.json.decode('{\"a\":[1,2],\"b\":null}')\n"
		"assert(t.b == prewarm.json.null)\n"
		"local s = prewarm.json.encode({x = t.a[2]})\n"
		"local ok = pcall(prewarm.json.decode, '{bad')\n"
		"prewarm.log('info', 'encoded ' .. s)\n"
		"return {s = s, bad = ok}\n";
	ck_assert_int_eq(step(script, 0, 0, NULL, &out, &err), PW_OK);
	ck_assert_str_eq(rt_str(out, "s"), "{\"x\":2}");
	ck_assert(!json_object_get_boolean(json_object_object_get(out, "bad")));
	json_object_put(out);
}
END_TEST

START_TEST(step_endless_loop_ends_with_timeout)
{
	json_object *out = NULL;
	pw_error err;
	ck_assert_int_eq(step("while true do end", 0, 300, NULL, &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.Timeout");
}
END_TEST

static int64_t now_ms(void)
{
	return pw_clock_system()->mono_ms(NULL);
}

START_TEST(step_without_deadline_gets_the_default_budget)
{
	json_object *out = NULL;
	pw_error err;
	ck_assert_int_eq(pw_lua_step_default_timeout_ms(), 60000);
	pw_lua_step_set_default_timeout_ms(1000);
	int64_t t0 = now_ms();
	ck_assert_int_eq(step("while true do end", 0, 0, NULL, &out, &err), PW_ERR);
	int64_t took = now_ms() - t0;
	ck_assert_str_eq(err.name, "States.Timeout");
	ck_assert_msg(strstr(err.cause, "lua_timeout_seconds") != NULL, "%s", err.cause);
	ck_assert_msg(took >= 900 && took < 5000, "took %lld ms", (long long)took);
	/* What the script calls is bounded by the same budget. */
	t0 = now_ms();
	ck_assert_int_eq(step("return prewarm.call('counter:Sleep', {Name = 'z', Ms = 60000})", 0,
			      0, NULL, &out, &err), PW_ERR);
	took = now_ms() - t0;
	ck_assert_str_eq(err.name, "States.Timeout");
	ck_assert_msg(took >= 900 && took < 5000, "took %lld ms", (long long)took);
	/* A step's own deadline wins over the default, shorter or longer. */
	t0 = now_ms();
	ck_assert_int_eq(step("while true do end", 0, 300, NULL, &out, &err), PW_ERR);
	ck_assert_msg(now_ms() - t0 < 900, "took %lld ms", (long long)(now_ms() - t0));
	ck_assert_msg(strstr(err.cause, "lua_timeout_seconds") == NULL, "%s", err.cause);
	pw_lua_step_set_default_timeout_ms(0);
	ck_assert_int_eq(pw_lua_step_default_timeout_ms(), 60000);
}
END_TEST

START_TEST(step_paths_stay_below_the_workflow)
{
	char path[512];
	pw_error err;
	ck_assert_int_eq(pw_lua_step_path("/w", "steps/a.lua", path, sizeof(path), &err), PW_OK);
	ck_assert_str_eq(path, "/w/steps/a.lua");
	ck_assert_int_eq(pw_lua_step_path("/w", "../a.lua", path, sizeof(path), &err), PW_ERR);
	ck_assert_int_eq(pw_lua_step_path("/w", "x/../../a.lua", path, sizeof(path), &err), PW_ERR);
	ck_assert_int_eq(pw_lua_step_path("/w", "/etc/a.lua", path, sizeof(path), &err), PW_ERR);
	ck_assert_int_eq(pw_lua_step_path("/w", "a..b.lua", path, sizeof(path), &err), PW_OK);
	char why[512];
	free(rt_write(tmp, "bad.lua", "local x = \nreturn ="));
	ck_assert_int_eq(pw_lua_step_check(tmp, "bad.lua", why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "bad.lua:2:"), "%s", why);
	ck_assert_int_eq(pw_lua_step_check(tmp, "missing.lua", why, sizeof(why)), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lua");
	TCase *tc = tcase_create("sandbox");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, io_is_absent);
	tcase_add_test(tc, os_execute_is_absent);
	tcase_add_test(tc, require_dofile_loadfile_are_absent);
	tcase_add_test(tc, bytecode_cannot_be_loaded);
	tcase_add_test(tc, memory_bomb_hits_the_cap);
	tcase_add_test(tc, endless_loop_times_out);
	tcase_add_test(tc, named_errors_and_plain_errors);
	tcase_add_test(tc, input_in_result_out);
	suite_add_tcase(s, tc);
	TCase *ts = tcase_create("step");
	tcase_add_checked_fixture(ts, step_setup, step_teardown);
	tcase_add_test(ts, step_calls_plugins_honouring_dry_run);
	tcase_add_test(ts, step_sees_plugin_errors_as_named_errors);
	tcase_add_test(ts, step_json_helpers_round_trip);
	tcase_add_test(ts, step_endless_loop_ends_with_timeout);
	tcase_add_test(ts, step_without_deadline_gets_the_default_budget);
	tcase_add_test(ts, step_paths_stay_below_the_workflow);
	suite_add_tcase(s, ts);
	pw_log_setup(PW_LOG_TEXT, PW_LOG_WARN);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

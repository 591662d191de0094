/* check_lua - the Lua sandbox: every escape ends in a named error; the
 * prewarm table; lua: steps through the registry. */
#include "exec_harness.h"
#include "pw_log.h"
#include "pw_lua_sandbox.h"
#include "pw_lua_step.h"
#include "pw_registry.h"
#include "pw_retry.h"
#include "lang_doc.h"

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
	ck_assert_str_eq(err.name, "Lua.MemoryLimit");
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

static int64_t now_ms(void)
{
	return pw_clock_system()->mono_ms(NULL);
}

/* Runs src with a deadline of ms; asserts the error name and that it ended
 * within ms plus a margin (valgrind included). */
static void expect_timeout_by_deadline(const char *src, int64_t ms)
{
	json_object *out = NULL;
	pw_error err;
	int64_t t0 = now_ms();
	ck_assert_int_eq(run(src, 0, ms, NULL, &out, &err), PW_ERR);
	int64_t took = now_ms() - t0;
	ck_assert_msg(strcmp(err.name, "States.Timeout") == 0, "%s: got %s (%s)", src, err.name,
		      err.cause);
	ck_assert_msg(took < ms + 1500, "%s: took %lld ms for a %lld ms budget", src,
		      (long long)took, (long long)ms);
}

/* Issue 8 item 3: no user code runs with the hook off. */
START_TEST(finalizers_cannot_run_user_code)
{
	/* An __index on the metatable that adds __gc while setmetatable looks
	 * for it: the check is raw, so the __index never runs and the object is
	 * never marked for finalization (lua_close would run it unbounded). */
	json_object *out = NULL;
	pw_error err;
	int64_t t0 = now_ms();
	ck_assert_int_eq(run("local spin = function() while true do end end\n"
			     "local mt = setmetatable({}, {__index = function(t, k)\n"
			     "  rawset(t, '__gc', spin) end})\n"
			     "local keep = setmetatable({}, mt)\n"
			     "rawset(mt, '__gc', spin) -- too late: not marked\n"
			     "return rawget(mt, '__gc') ~= nil", 0, 300, NULL, &out, &err), PW_OK);
	ck_assert(json_object_get_boolean(out));
	json_object_put(out);
	ck_assert_msg(now_ms() - t0 < 1500, "took %lld ms", (long long)(now_ms() - t0));
	/* Converting the result never runs the script's metamethods. */
	t0 = now_ms();
	ck_assert_int_eq(run("return setmetatable({a = 1}, {__index = function() while true do "
			     "end end, __pairs = function() while true do end end, "
			     "__len = function() while true do end end})", 0, 300, NULL, &out,
			     &err), PW_OK);
	ck_assert_str_eq(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN), "{\"a\":1}");
	json_object_put(out);
	ck_assert_msg(now_ms() - t0 < 1500, "took %lld ms", (long long)(now_ms() - t0));
	/* A to-be-closed variable's __close runs under the hook. */
	expect_timeout_by_deadline("do local x <close> = setmetatable({}, {__close = function() "
				   "while true do end end}) end", 300);
	expect_timeout_by_deadline("local x <close> = setmetatable({}, {__close = function() "
				   "while true do end end}) while true do end", 300);
}
END_TEST

/* Issue 8 item 4: the C pattern matcher stops at the deadline. */
START_TEST(slow_patterns_end_by_the_deadline)
{
	expect_timeout_by_deadline("return ('a'):rep(300):find('.-.-.-b')", 1000);
	expect_timeout_by_deadline("return ('a'):rep(5000):find('.-.-.-.-.-.-b')", 1000);
	expect_timeout_by_deadline("return string.match(('a'):rep(5000), '.-.-.-.-.-.-b')", 300);
	expect_timeout_by_deadline("return (('a'):rep(5000)):gsub('.-.-.-.-.-.-b', '')", 300);
	expect_timeout_by_deadline("for m in ('a'):rep(5000):gmatch('.-.-.-.-.-.-b') do end", 300);
	expect_timeout_by_deadline("return ('('):rep(1 << 20):gsub('%b()', '')", 300);
	expect_timeout_by_deadline("return ('a'):rep(1 << 20):find(('a'):rep(1 << 19) .. 'b', 1, "
				   "true)", 300);
	expect_timeout_by_deadline("return ('b'):rep(1 << 20):find('[' .. ('a'):rep(1 << 16) .. "
				   "']')", 300);
	/* pcall cannot swallow it. */
	expect_timeout_by_deadline("while true do pcall(string.find, ('a'):rep(5000), "
				   "'.-.-.-.-.-.-b') end", 300);
}
END_TEST

/* Other C library loops whose count the script picks, with no memory
 * growth and no Lua instruction inside: they stop at the deadline too. */
START_TEST(c_library_loops_end_by_the_deadline)
{
	expect_timeout_by_deadline("return table.move({}, 1, 1 << 50, 1)", 300);
	expect_timeout_by_deadline("return table.move({}, 1, 1 << 50, 2)", 300);
	expect_timeout_by_deadline("return table.move({}, 1, 1 << 50, 1, {})", 300);
	expect_timeout_by_deadline("local t = setmetatable({}, {__len = function() "
				   "return 1 << 50 end}) return table.remove(t, 1)", 300);
	expect_timeout_by_deadline("local t = setmetatable({}, {__len = function() "
				   "return 1 << 50 end}) table.insert(t, 1, 'x')", 300);
	/* A builtin as comparator or metamethod runs no Lua instruction: the
	 * call hook sees it. */
	expect_timeout_by_deadline("local t = setmetatable({}, {__len = function() "
				   "return 1 << 30 end}) table.sort(t, rawequal)", 300);
	/* Same results as Lua where they end. */
	json_object *out = NULL;
	pw_error err;
	ck_assert_int_eq(run("local t = {1, 2, 3} table.insert(t, 1, 0) table.insert(t, 4) "
			     "local r = table.remove(t, 2) table.move(t, 1, 2, 3) "
			     "return {t, r, string.rep('', 1 << 60), string.rep('ab', 3, ','), "
			     "string.rep('', 3, '-'), table.remove({})}", 0, 1000, NULL, &out, &err),
			 PW_OK);
	ck_assert_str_eq(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN),
			 "[[0,2,0,2],1,\"\",\"ab,ab,ab\",\"--\"]");
	json_object_put(out);
}
END_TEST

/* The replacement matcher is Lua's: same results. */
START_TEST(patterns_still_match_as_in_lua)
{
	json_object *out = NULL;
	pw_error err;
	ck_assert_int_eq(run("local r = {}\n"
			     "r[1] = select(3, ('key = value'):find('(%w+)%s*=%s*(%w+)'))\n"
			     "r[2] = ('hello world'):gsub('o', {o = '0'})\n"
			     "r[3] = ('abc'):gsub('%w', function(c) return c:upper() .. '.' end)\n"
			     "local n = 0 for k, v in ('a=1, b=2'):gmatch('(%w+)=(%w+)') do "
			     "n = n + tonumber(v) end r[4] = n\n"
			     "r[5] = ('f(a(b)c)d'):match('%b()')\n"
			     "r[6] = ('THE (quick) fox'):find('%f[%a]%a+%f[%A]', 5)\n"
			     "r[7] = ('x.y'):find('.', 1, true)\n"
			     "r[8] = ('abc'):match('()b()')\n"
			     "r[9] = string.gsub('abc', '', '-')\n"
			     "r[10] = select(2, pcall(string.find, 'a', '%'))\n"
			     "return r", 0, 1000, NULL, &out, &err), PW_OK);
	ck_assert_str_eq(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN),
			 "[\"key\",\"hell0 w0rld\",\"A.B.C.\",3,\"(a(b)c)\",6,2,2,\"-a-b-c-\","
			 "\"malformed pattern (ends with '%')\"]");
	json_object_put(out);
}
END_TEST

/* Issue 8 item 5: error objects are read raw; nothing aborts. */
START_TEST(hostile_error_objects_are_named_errors)
{
	expect_error("error(setmetatable({}, {__index = function() error('i') end, "
		     "__tostring = function() error('t') end}))", "States.TaskFailed",
		     "no Error field");
	expect_error("error(setmetatable({Error = 'A.B'}, {__index = function() "
		     "while true do end end}))", "A.B", "");
	expect_error("error(setmetatable({}, {__index = function() while true do end end}))",
		     "States.TaskFailed", "no Error field");
	expect_error("error(type)", "States.TaskFailed", "a function value");
	expect_error("error({Error = {}, Cause = 'c'})", "States.TaskFailed", "no Error field");
	expect_error("error()", "States.TaskFailed", "a nil value");
	/* A Lua workflow file (prewarm validate) the same way. */
	static const char *const wf[] = {
		"error(setmetatable({}, {__index = function() error('i') end}))",
		"return setmetatable({}, {__index = function() while true do end end, "
		"__gc = nil})",
		"return ('a'):rep(5000):find('.-.-.-.-.-.-b')",
		"local t = {} while true do t[#t + 1] = ('x'):rep(1 << 20) end",
	};
	for (size_t i = 0; i < sizeof(wf) / sizeof(wf[0]); i++) {
		json_object *root = NULL;
		pw_diag diag;
		memset(&diag, 0, sizeof(diag));
		int64_t t0 = now_ms();
		int rc = lang_lua_load("wf.lua", wf[i], strlen(wf[i]), &root, &diag);
		/* 2 s budget; a wide margin for valgrind on a busy machine */
		ck_assert_msg(now_ms() - t0 < 10000, "%s took %lld ms", wf[i],
			      (long long)(now_ms() - t0));
		if (i == 1) {
			ck_assert_int_eq(rc, 0); /* an empty table; checked later */
			json_object_put(root);
			continue;
		}
		ck_assert_int_eq(rc, -1);
		ck_assert_ptr_null(root);
		ck_assert(diag.message[0] != '\0');
	}
}
END_TEST

/* Issue 8 item 6: input bigger than the cap is a named error, not a panic. */
START_TEST(input_larger_than_the_cap_is_a_memory_error)
{
	json_object *in = json_object_new_array();
	for (int i = 0; i < 100000; i++)
		json_object_array_add(in, json_object_new_object());
	json_object *out = NULL;
	pw_error err;
	ck_assert_int_eq(run("return #...", 2u << 20, 2000, in, &out, &err), PW_ERR);
	ck_assert_msg(strcmp(err.name, "Lua.MemoryLimit") == 0, "%s (%s)", err.name, err.cause);
	/* Large enough a cap: the same input arrives whole. */
	ck_assert_int_eq(run("return #...", 0, 5000, in, &out, &err), PW_OK);
	ck_assert_int_eq(json_object_get_int(out), 100000);
	json_object_put(out);
	json_object_put(in);
}
END_TEST

static json_object *nested(int levels)
{
	json_object *v = json_object_new_int(7);
	for (int i = 0; i < levels; i++) {
		json_object *a = json_object_new_array();
		json_object_array_add(a, v);
		v = a;
	}
	return v;
}

/* Issue 8 item 7: deep input fits the Lua stack; deeper than 128 is an
 * error either way. */
START_TEST(deep_input_round_trips_up_to_the_limit)
{
	static const int ok_levels[] = {60, 100, 128};
	for (size_t i = 0; i < 3; i++) {
		json_object *in = nested(ok_levels[i]), *out = NULL;
		pw_error err;
		ck_assert_int_eq(run("return ...", 0, 2000, in, &out, &err), PW_OK);
		ck_assert(json_object_equal(in, out));
		json_object_put(out);
		json_object_put(in);
	}
	json_object *in = nested(129), *out = NULL;
	pw_error err;
	ck_assert_int_eq(run("return ...", 0, 2000, in, &out, &err), PW_ERR);
	ck_assert_msg(strstr(err.cause, "deeper than 128") != NULL, "%s", err.cause);
	json_object_put(in);
	ck_assert_int_eq(run("local t = 7 for i = 1, 129 do t = {t} end return t", 0, 2000, NULL,
			     &out, &err), PW_ERR);
	ck_assert_msg(strstr(err.cause, "deeper than 128") != NULL, "%s", err.cause);
	/* A shared table converts once per reference: 2^60 values would never
	 * end; the conversion stops at the memory cap instead. */
	int64_t t0 = now_ms();
	ck_assert_int_eq(run("local t = {} for i = 1, 60 do t = {t, t} end return t", 1u << 20,
			     5000, NULL, &out, &err), PW_ERR);
	ck_assert_msg(strcmp(err.name, "Lua.MemoryLimit") == 0, "%s (%s)", err.name, err.cause);
	ck_assert_msg(now_ms() - t0 < 5000, "took %lld ms", (long long)(now_ms() - t0));
}
END_TEST

/* Issue 8 item 8: the memory cap is a task error Catch can take. */
START_TEST(memory_limit_is_caught_by_states_all)
{
	json_object *out = NULL;
	pw_error err;
	ck_assert_int_eq(run("local t = {} while true do t[#t + 1] = {} end", 4u << 20, 2000, NULL,
			     &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "Lua.MemoryLimit");
	/* json-c's memory for decode and for the result counts too. */
	ck_assert_int_eq(run("local t = {} for i = 1, 20000 do t[i] = {} end return t", 4u << 20,
			     2000, NULL, &out, &err), PW_ERR);
	ck_assert_msg(strcmp(err.name, "Lua.MemoryLimit") == 0, "%s (%s)", err.name, err.cause);
	json_object *all = json_tokener_parse("[\"States.ALL\"]");
	json_object *task = json_tokener_parse("[\"States.TaskFailed\"]");
	ck_assert(pw_error_matches(all, err.name));
	ck_assert(pw_error_matches(task, err.name));
	json_object_put(all);
	json_object_put(task);
}
END_TEST

/* Issue 8 item 11: tostring and print show no addresses. */
START_TEST(tostring_shows_no_addresses)
{
	json_object *out = NULL;
	pw_error err;
	ck_assert_int_eq(run("return {tostring({}), tostring(type), tostring(nil), tostring(1.5), "
			     "tostring(true), tostring('s'), tostring(setmetatable({}, "
			     "{__tostring = function() return 'T' end})), tostring(...)}", 0, 1000,
			     NULL, &out, &err), PW_OK);
	ck_assert_str_eq(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN),
			 "[\"table\",\"function\",\"nil\",\"1.5\",\"true\",\"s\",\"T\",\"null\"]");
	json_object_put(out);	/* string.format neither: %s goes through the same tostring, %p is
	 * refused. */
	ck_assert_int_eq(run("return string.format('%s|%5s|%d|%%p|%q', {}, type, 3, 'x')", 0, 1000,
			     NULL, &out, &err), PW_OK);
	ck_assert_str_eq(json_object_get_string(out), "table|function|3|%p|\"x\"");
	json_object_put(out);
	expect_error("return string.format('%p', {})", "States.TaskFailed", "'%p'");
	expect_error("return ('%-8p'):format('s')", "States.TaskFailed", "'%p'");
}
END_TEST

/* ---- lua: steps ---- */

static char *tmp, *calls;
static pw_registry *reg;

static void step_setup(void)
{
	eh_open(&tmp, &calls, &reg, NULL);
}

static void step_teardown(void)
{
	pw_lua_step_set_default_timeout_ms(0);
	eh_close(tmp, calls, reg);
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
		"local big_ok, big = pcall(prewarm.json.decode, '[' .. ('{},'):rep(200000) .. '{}]')\n"
		"assert(not big_ok and big.Error == 'Lua.MemoryLimit', tostring(big))\n"
		"prewarm.log('info', 'encoded ' .. s)\n"
		"return {s = s, bad = ok}\n";
	ck_assert_int_eq(step(script, 0, 0, NULL, &out, &err), PW_OK);
	ck_assert_str_eq(rt_str(out, "s"), "{\"x\":2}");
	ck_assert(!json_object_get_boolean(json_object_object_get(out, "bad")));
	json_object_put(out);
}
END_TEST

/* prewarm.time is the engine's RFC 3339 parser: zones, fractions, a
 * missing zone as UTC (S3's LastModified), and nil for anything else. */
START_TEST(step_time_parses_rfc3339)
{
	json_object *out = NULL;
	pw_error err;
	const char *script =
		"return {z = prewarm.time('2026-12-03T17:00:00.000Z'),\n"
		"  off = prewarm.time('2026-12-03T19:00:00+02:00'),\n"
		"  bare = prewarm.time('2026-12-03T17:00:00'),\n"
		"  frac = prewarm.time('1970-01-01T00:00:01.5Z'),\n"
		"  bad = {prewarm.time('2026-02-30T00:00:00Z'), prewarm.time(42),\n"
		"         prewarm.time('2026-12-03 17:00:00Z'), prewarm.time('2026-12-03T17:00:00Zjunk'),\n"
		"         prewarm.time('2026-12-03T17:00:00Z\\0junk')}}\n";
	ck_assert_int_eq(step(script, 0, 0, NULL, &out, &err), PW_OK);
	ck_assert_int_eq(rt_int(out, "z"), 1796317200);
	ck_assert_int_eq(rt_int(out, "off"), 1796317200);
	ck_assert_int_eq(rt_int(out, "bare"), 1796317200);
	ck_assert(json_object_get_double(json_object_object_get(out, "frac")) == 1.5);
	/* every bad one is nil: the table is empty, an object */
	ck_assert_int_eq(json_object_object_length(json_object_object_get(out, "bad")), 0);
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

/* Nested lua: steps share the outer step's memory cap (64 MiB). The inner
 * step's string.rep peaks at 50 MiB (buffer + string): fine alone, not on
 * top of the caller's 25 MiB. */
START_TEST(nested_steps_share_one_memory_cap)
{
	json_object *out = NULL;
	pw_error err;
	free(rt_write(tmp, "inner.lua", "local s = string.rep('x', 25 << 20) return #s"));
	ck_assert_msg(step("return prewarm.call('lua:inner.lua', {})", 0, 30000, NULL, &out,
			   &err) == PW_OK, "%s (%s)", err.name, err.cause);
	ck_assert_int_eq(json_object_get_int(out), 25 << 20);
	json_object_put(out);
	ck_assert_int_eq(step("local keep = string.rep('y', 25 << 20)\n"
			      "local ok, e = pcall(prewarm.call, 'lua:inner.lua', {})\n"
			      "return {ok = ok, error = e.Error, n = #keep}", 0, 30000, NULL, &out,
			      &err), PW_OK);
	ck_assert(!json_object_get_boolean(json_object_object_get(out, "ok")));
	ck_assert_str_eq(rt_str(out, "error"), "Lua.MemoryLimit");
	json_object_put(out);
}
END_TEST

/* print() logs the sandbox's tostring: no addresses. */
START_TEST(step_print_logs_no_addresses)
{
	json_object *out = NULL;
	pw_error err;
	char *path = rt_write(tmp, "log.txt", "");
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	pw_log_set_stream(f);
	pw_log_setup(PW_LOG_TEXT, PW_LOG_INFO);
	int rc = step("print({}, print, prewarm.json.null, 1, 'x') "
		      "prewarm.log('info', {}) return true", 0, 2000, NULL, &out, &err);
	fflush(f);
	pw_log_setup(PW_LOG_TEXT, PW_LOG_WARN);
	pw_log_set_stream(NULL);
	fclose(f);
	ck_assert_int_eq(rc, PW_OK);
	json_object_put(out);
	char *log = rt_read(path);
	ck_assert_msg(strstr(log, "table\tfunction\tnull\t1\tx") != NULL, "%s", log);
	ck_assert_msg(strstr(log, "0x") == NULL, "%s", log);
	free(log);
	free(path);
}
END_TEST

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
	tcase_add_test(tc, finalizers_cannot_run_user_code);
	tcase_add_test(tc, slow_patterns_end_by_the_deadline);
	tcase_add_test(tc, patterns_still_match_as_in_lua);
	tcase_add_test(tc, c_library_loops_end_by_the_deadline);
	tcase_add_test(tc, hostile_error_objects_are_named_errors);
	tcase_add_test(tc, input_larger_than_the_cap_is_a_memory_error);
	tcase_add_test(tc, deep_input_round_trips_up_to_the_limit);
	tcase_add_test(tc, memory_limit_is_caught_by_states_all);
	tcase_add_test(tc, tostring_shows_no_addresses);
	suite_add_tcase(s, tc);
	TCase *ts = tcase_create("step");
	tcase_add_checked_fixture(ts, step_setup, step_teardown);
	tcase_add_test(ts, step_calls_plugins_honouring_dry_run);
	tcase_add_test(ts, step_sees_plugin_errors_as_named_errors);
	tcase_add_test(ts, step_json_helpers_round_trip);
	tcase_add_test(ts, step_time_parses_rfc3339);
	tcase_add_test(ts, step_endless_loop_ends_with_timeout);
	tcase_add_test(ts, step_without_deadline_gets_the_default_budget);
	tcase_add_test(ts, step_paths_stay_below_the_workflow);
	tcase_add_test(ts, nested_steps_share_one_memory_cap);
	tcase_add_test(ts, step_print_logs_no_addresses);
	suite_add_tcase(s, ts);
	pw_log_setup(PW_LOG_TEXT, PW_LOG_WARN);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

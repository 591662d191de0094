/*
 * pw_lua_sandbox - a restricted Lua 5.4 state with a memory cap (custom
 * allocator), a wall-clock budget (count hook) and json-c conversion.
 */
#include "pw_lua_sandbox.h"

#include "pw_clock.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lualib.h>

#define DEFAULT_MEMORY (64u * 1024u * 1024u)
#define HOOK_EVERY 1000  /* instructions between deadline checks */
#define MAX_DEPTH 100    /* JSON nesting; also stops cycles */

struct pw_lua {
	lua_State *L;
	size_t used;
	size_t limit;
	int64_t deadline; /* CLOCK_MONOTONIC ms; 0: none */
	int timed_out;
};

/* The address that stands for JSON null inside Lua (a light userdata). */
static const char json_null_sentinel;

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Allocator that refuses growth beyond the cap (Lua then raises a memory
 * error, after one emergency collection). */
static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct pw_lua *sb = ud;
	size_t old = ptr ? osize : 0;
	if (nsize == 0) {
		free(ptr);
		sb->used -= old;
		return NULL;
	}
	if (nsize > old && nsize - old > sb->limit - sb->used)
		return NULL;
	void *p = realloc(ptr, nsize);
	if (p != NULL)
		sb->used = sb->used - old + nsize;
	return p;
}

static struct pw_lua *sandbox_of(lua_State *L)
{
	void *ud = NULL;
	lua_getallocf(L, &ud);
	return ud;
}

static void deadline_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	struct pw_lua *sb = sandbox_of(L);
	if (pw_cancel_requested()) {
		sb->timed_out = 1; /* a signal asked the process to stop */
		luaL_error(L, "Lua step cancelled");
	}
	if (sb->deadline > 0 && (sb->timed_out || mono_ms() >= sb->deadline)) {
		sb->timed_out = 1;
		luaL_error(L, "Lua step exceeded its time budget");
	}
}

/* pcall/xpcall replacements: a timeout or memory error must not be
 * swallowed by the script, so they are raised again. */
static int finish_pcall(lua_State *L, int status)
{
	struct pw_lua *sb = sandbox_of(L);
	if (status != LUA_OK && (status == LUA_ERRMEM || sb->timed_out))
		return lua_error(L);
	lua_pushboolean(L, status == LUA_OK);
	lua_insert(L, 1);
	return lua_gettop(L);
}

static int safe_pcall(lua_State *L)
{
	luaL_checkany(L, 1);
	int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
	return finish_pcall(L, status);
}

static int safe_xpcall(lua_State *L)
{
	int n = lua_gettop(L);
	luaL_checktype(L, 2, LUA_TFUNCTION);
	/* [f, h, args...] -> [h, f, args...] */
	lua_pushvalue(L, 1);
	lua_copy(L, 2, 1);
	lua_replace(L, 2);
	int status = lua_pcall(L, n - 2, LUA_MULTRET, 1);
	struct pw_lua *sb = sandbox_of(L);
	if (status != LUA_OK && (status == LUA_ERRMEM || sb->timed_out))
		return lua_error(L);
	lua_pushboolean(L, status == LUA_OK);
	lua_replace(L, 1);
	return lua_gettop(L);
}

/* setmetatable() without __gc: Lua runs finalizers with hooks off, so a
 * finalizer could loop forever past the time budget. */
static int safe_setmetatable(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TTABLE) {
		lua_getfield(L, 2, "__gc");
		int has_gc = !lua_isnil(L, -1);
		lua_pop(L, 1);
		if (has_gc)
			return luaL_error(L, "__gc metamethods are not allowed in the sandbox");
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

/* load(chunk [, chunkname [, mode [, env]]]) for text strings only. */
static int safe_load(lua_State *L)
{
	size_t len;
	const char *s = lua_tolstring(L, 1, &len);
	const char *name = luaL_optstring(L, 2, "=(load)");
	if (s == NULL) {
		luaL_pushfail(L);
		lua_pushliteral(L, "load: only string chunks are allowed in the sandbox");
		return 2;
	}
	int env = !lua_isnone(L, 4) ? 4 : 0;
	if (luaL_loadbufferx(L, s, len, name, "t") != LUA_OK) {
		luaL_pushfail(L);
		lua_insert(L, -2);
		return 2;
	}
	if (env) {
		lua_pushvalue(L, env);
		if (lua_setupvalue(L, -2, 1) == NULL)
			lua_pop(L, 1);
	}
	return 1;
}

static void open_lib(lua_State *L, const char *name, lua_CFunction fn)
{
	luaL_requiref(L, name, fn, 1);
	lua_pop(L, 1);
}

static void remove_field(lua_State *L, int table, const char *name)
{
	table = lua_absindex(L, table);
	lua_pushnil(L);
	lua_setfield(L, table, name);
}

static void restrict_libs(lua_State *L)
{
	lua_pushglobaltable(L);
	int g = lua_gettop(L);
	remove_field(L, g, "dofile");
	remove_field(L, g, "loadfile");
	remove_field(L, g, "collectgarbage");
	remove_field(L, g, "print"); /* stdout belongs to the execution output */
	lua_pushcfunction(L, safe_load);
	lua_setfield(L, g, "load");
	lua_getfield(L, g, "setmetatable");
	lua_pushcclosure(L, safe_setmetatable, 1);
	lua_setfield(L, g, "setmetatable");
	lua_pushcfunction(L, safe_pcall);
	lua_setfield(L, g, "pcall");
	lua_pushcfunction(L, safe_xpcall);
	lua_setfield(L, g, "xpcall");

	lua_getfield(L, g, "string");
	remove_field(L, -1, "dump");
	lua_pop(L, 1);

	/* os: only time, clock and date survive. */
	lua_getfield(L, g, "os");
	lua_createtable(L, 0, 3);
	static const char *const keep[] = {"time", "clock", "date"};
	for (size_t i = 0; i < 3; i++) {
		lua_getfield(L, -2, keep[i]);
		lua_setfield(L, -2, keep[i]);
	}
	lua_setfield(L, g, "os");
	lua_pop(L, 2);
}

pw_lua *pw_lua_new(const struct pw_lua_limits *limits)
{
	struct pw_lua *sb = calloc(1, sizeof(*sb));
	if (sb == NULL)
		return NULL;
	sb->limit = (limits && limits->memory_bytes) ? limits->memory_bytes
						       : DEFAULT_MEMORY;
	if (limits && limits->deadline_ms > 0)
		sb->deadline = mono_ms() + limits->deadline_ms;
	sb->L = lua_newstate(capped_alloc, sb);
	if (sb->L == NULL) {
		free(sb);
		return NULL;
	}
	lua_State *L = sb->L;
	open_lib(L, LUA_GNAME, luaopen_base);
	open_lib(L, LUA_STRLIBNAME, luaopen_string);
	open_lib(L, LUA_TABLIBNAME, luaopen_table);
	open_lib(L, LUA_MATHLIBNAME, luaopen_math);
	open_lib(L, LUA_UTF8LIBNAME, luaopen_utf8);
	open_lib(L, LUA_OSLIBNAME, luaopen_os);
	restrict_libs(L);
	lua_sethook(L, deadline_hook, LUA_MASKCOUNT, HOOK_EVERY);
	return sb;
}

void pw_lua_free(pw_lua *sb)
{
	if (sb == NULL)
		return;
	lua_close(sb->L);
	free(sb);
}

lua_State *pw_lua_state(pw_lua *sb)
{
	return sb->L;
}

void pw_lua_push_json(lua_State *L, json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		lua_pushlightuserdata(L, (void *)&json_null_sentinel);
		break;
	case json_type_boolean:
		lua_pushboolean(L, json_object_get_boolean(v));
		break;
	case json_type_int:
		lua_pushinteger(L, (lua_Integer)json_object_get_int64(v));
		break;
	case json_type_double:
		lua_pushnumber(L, json_object_get_double(v));
		break;
	case json_type_string:
		lua_pushlstring(L, json_object_get_string(v),
				(size_t)json_object_get_string_len(v));
		break;
	case json_type_array: {
		size_t n = json_object_array_length(v);
		lua_createtable(L, (int)n, 0);
		for (size_t i = 0; i < n; i++) {
			pw_lua_push_json(L, json_object_array_get_idx(v, i));
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	}
	case json_type_object:
		lua_createtable(L, 0, json_object_object_length(v));
		json_object_object_foreach(v, key, val) {
			pw_lua_push_json(L, val);
			lua_setfield(L, -2, key);
		}
		break;
	}
}

/* A double that serializes in the shortest form that reads back the same
 * (98.2, not 98.200000000000003). */
static json_object *new_double(double d)
{
	char buf[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (strpbrk(buf, ".eEn") == NULL) /* keep it a JSON float: 3 -> 3.0 */
		strncat(buf, ".0", sizeof(buf) - strlen(buf) - 1);
	return json_object_new_double_s(d, buf);
}

/* Returns n when the table at idx has exactly the keys 1..n (n > 0). */
static lua_Integer array_length(lua_State *L, int idx)
{
	lua_Integer n = 0, max = 0;
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		lua_pop(L, 1);
		if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1) {
			lua_pop(L, 1);
			return 0;
		}
		lua_Integer k = lua_tointeger(L, -1);
		if (k > max)
			max = k;
		n++;
	}
	return n == max ? n : 0;
}

static int to_json(lua_State *L, int idx, int depth, json_object **out,
		   pw_error *err)
{
	*out = NULL;
	idx = lua_absindex(L, idx);
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
		return PW_OK;
	case LUA_TBOOLEAN:
		*out = json_object_new_boolean(lua_toboolean(L, idx));
		return PW_OK;
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx)) {
			*out = json_object_new_int64((int64_t)lua_tointeger(L, idx));
		} else {
			double d = lua_tonumber(L, idx);
			if (!isfinite(d))
				return pw_error_set(err, "States.Runtime",
						    "cannot convert a non-finite number to JSON");
			*out = new_double(d);
		}
		return PW_OK;
	case LUA_TSTRING: {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);
		*out = json_object_new_string_len(s, (int)len);
		return PW_OK;
	}
	case LUA_TLIGHTUSERDATA:
		if (lua_touserdata(L, idx) == &json_null_sentinel)
			return PW_OK;
		break;
	case LUA_TTABLE:
		break;
	default:
		return pw_error_set(err, "States.Runtime", "cannot convert a Lua %s to JSON",
				    luaL_typename(L, idx));
	}
	if (lua_type(L, idx) != LUA_TTABLE)
		return pw_error_set(err, "States.Runtime", "cannot convert a Lua userdata to JSON");
	if (depth > MAX_DEPTH)
		return pw_error_set(err, "States.Runtime",
				    "table nested deeper than %d levels (or a cycle)", MAX_DEPTH);
	if (!lua_checkstack(L, 4))
		return pw_error_set(err, "States.Runtime", "Lua stack exhausted");
	lua_Integer n = array_length(L, idx);
	json_object *res = n > 0 ? json_object_new_array_ext((int)n) : json_object_new_object();
	if (n > 0) {
		for (lua_Integer i = 1; i <= n; i++) {
			json_object *item;
			lua_rawgeti(L, idx, i);
			int rc = to_json(L, -1, depth + 1, &item, err);
			lua_pop(L, 1);
			if (rc != PW_OK) {
				json_object_put(res);
				return PW_ERR;
			}
			json_object_array_add(res, item);
		}
		*out = res;
		return PW_OK;
	}
	lua_pushnil(L);
	while (lua_next(L, idx) != 0) {
		int kt = lua_type(L, -2);
		if (kt != LUA_TSTRING && kt != LUA_TNUMBER) {
			lua_pop(L, 2);
			json_object_put(res);
			return pw_error_set(err, "States.Runtime",
					    "cannot convert a table with %s keys to JSON",
					    lua_typename(L, kt));
		}
		/* Copy the key: lua_tolstring on a number key would confuse
		 * lua_next. */
		lua_pushvalue(L, -2);
		size_t klen;
		const char *k = lua_tolstring(L, -1, &klen);
		json_object *item;
		if (to_json(L, -2, depth + 1, &item, err) != PW_OK) {
			lua_pop(L, 3);
			json_object_put(res);
			return PW_ERR;
		}
		json_object_object_add_ex(res, k, item, 0);
		lua_pop(L, 2);
	}
	*out = res;
	return PW_OK;
}

int pw_lua_to_json(lua_State *L, int idx, json_object **out, pw_error *err)
{
	return to_json(L, idx, 0, out, err);
}

/* Turns the error object on top of the stack into a named error. */
static int error_from_lua(struct pw_lua *sb, int status, pw_error *err)
{
	lua_State *L = sb->L;
	if (sb->timed_out)
		return pw_error_set(err, "States.Timeout", "Lua step exceeded its time budget");
	if (status == LUA_ERRMEM)
		return pw_error_set(err, "States.Runtime",
				    "Lua step exceeded its memory limit (%zu bytes)", sb->limit);
	if (lua_type(L, -1) == LUA_TTABLE) {
		lua_getfield(L, -1, "Error");
		lua_getfield(L, -2, "Cause");
		const char *name = lua_tostring(L, -2);
		const char *cause = lua_tostring(L, -1);
		if (name != NULL) {
			pw_error_set(err, name, "%s", cause ? cause : "");
			lua_pop(L, 2);
			return PW_ERR;
		}
		lua_pop(L, 2);
		return pw_error_set(err, "States.TaskFailed",
				    "Lua error with a table that has no Error field");
	}
	const char *msg = lua_tostring(L, -1);
	return pw_error_set(err, "States.TaskFailed", "%s", msg ? msg : "Lua error");
}

int pw_lua_run_chunk(pw_lua *sb, const char *chunkname, const char *src,
		     size_t len, json_object *arg, json_object **result,
		     pw_error *err)
{
	lua_State *L = sb->L;
	int top = lua_gettop(L);
	int rc = PW_ERR;
	char name[600];
	*result = NULL;
	if (chunkname[0] == '@' || chunkname[0] == '=')
		snprintf(name, sizeof(name), "%s", chunkname);
	else
		snprintf(name, sizeof(name), "@%s", chunkname);
	int status = luaL_loadbufferx(L, src, len, name, "t");
	if (status != LUA_OK) {
		if (status == LUA_ERRMEM)
			pw_error_set(err, "States.Runtime", "out of memory loading %s", chunkname);
		else
			pw_error_set(err, "States.Runtime", "%s", lua_tostring(L, -1));
		goto out;
	}
	int nargs = 0;
	if (arg != NULL || json_object_get_type(arg) == json_type_null) {
		pw_lua_push_json(L, arg);
		nargs = 1;
	}
	status = lua_pcall(L, nargs, 1, 0);
	if (status != LUA_OK) {
		error_from_lua(sb, status, err);
		goto out;
	}
	rc = pw_lua_to_json(L, -1, result, err);
out:
	lua_settop(L, top);
	return rc;
}

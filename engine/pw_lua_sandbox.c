/*
 * pw_lua_sandbox - a restricted Lua 5.4 state with a memory cap (custom
 * allocator), a wall-clock budget (count hook) and json-c conversion.
 */
#include "pw_lua_sandbox.h"

#include "pw_clock.h"
#include "pw_lua_loops.h"
#include "pw_lua_strmatch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>
#include <lualib.h>

#define DEFAULT_MEMORY (64u * 1024u * 1024u)
#define HOOK_EVERY 1000  /* instructions between deadline checks */
#define CALLS_EVERY 64   /* calls between deadline checks */
#define MAX_DEPTH PW_LUA_MAX_DEPTH /* also stops cycles */
/* What json-c mallocs for a value (outside the Lua allocator), counted
 * against the cap: an object's hash table of 16 entries, an array's 32
 * slots, a scalar's json_object. */
#define JSON_OBJECT_COST 640
#define JSON_ARRAY_COST 320
#define JSON_VALUE_COST 64
#define CLOCK_EVERY 4096  /* converted values between deadline checks */

struct pw_lua {
	lua_State *L;
	struct pw_lua *budget; /* whose used/limit this state's memory counts
				* against: itself, or the running outer state */
	size_t used;
	size_t limit;
	int64_t deadline; /* CLOCK_MONOTONIC ms; 0: none */
	int timed_out;
	unsigned calls;   /* call-hook events since the last check */
};

/* The state running a chunk on this thread (innermost), so that a state
 * created under it (nested prewarm.call of a lua: step) shares its memory
 * budget. */
static _Thread_local struct pw_lua *running;

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
	struct pw_lua *sb = ((struct pw_lua *)ud)->budget;
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

/* The sandbox of L, or NULL for a state this file did not create. */
static struct pw_lua *sandbox_of(lua_State *L)
{
	void *ud = NULL;
	if (lua_getallocf(L, &ud) != capped_alloc)
		return NULL;
	return ud;
}

/* 1 when the step must stop now: its deadline passed, or a signal asked
 * the process to stop. Sticky. */
static int out_of_time(struct pw_lua *sb)
{
	if (sb == NULL)
		return 0;
	if (pw_cancel_requested())
		sb->timed_out = 1;
	else if (sb->deadline > 0 && mono_ms() >= sb->deadline)
		sb->timed_out = 1;
	return sb->timed_out;
}

void pw_lua_check_deadline(lua_State *L)
{
	if (out_of_time(sandbox_of(L)))
		luaL_error(L, pw_cancel_requested() ? "Lua step cancelled"
						    : "Lua step exceeded its time budget");
}

/* Count events (every HOOK_EVERY instructions) check the clock; call
 * events (every function call, C functions included) every CALLS_EVERY:
 * a C library loop that calls a C metamethod (an __index that is a
 * builtin) runs no Lua instruction, so only the call hook sees it. */
static void deadline_hook(lua_State *L, lua_Debug *ar)
{
	if (ar->event != LUA_HOOKCOUNT) {
		struct pw_lua *sb = sandbox_of(L);
		if (sb != NULL && ++sb->calls % CALLS_EVERY != 0)
			return;
	}
	pw_lua_check_deadline(L);
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

/* setmetatable() without __gc: Lua runs finalizers with hooks off (and
 * lua_close runs them all), so a finalizer could loop forever past the
 * time budget. The check is raw, as Lua's own (lua_setmetatable marks the
 * object for finalization from a raw lookup): an __index on the metatable
 * cannot add __gc between the check and the mark. Adding __gc to the
 * metatable later does not mark the object (Lua 5.4 manual, 2.5.3). */
static int safe_setmetatable(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		int has_gc = lua_rawget(L, 2) != LUA_TNIL;
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

static int sandbox_tostring(lua_State *L)
{
	luaL_checkany(L, 1);
	pw_lua_tostring(L, 1);
	return 1;
}

/* string.format without addresses: "%s" of a table goes through the
 * sandbox's tostring ("table", not "table: 0x55..."), and "%p" (an
 * object's address) is refused. */
static int safe_format(lua_State *L)
{
	size_t len;
	const char *fmt = luaL_checklstring(L, 1, &len);
	for (size_t i = 0; i < len; i++) {
		if (fmt[i] != '%')
			continue;
		i++;
		if (i < len && fmt[i] == '%')
			continue;
		while (i < len && strchr("-+ #0123456789.", fmt[i]) != NULL)
			i++;
		if (i < len && fmt[i] == 'p')
			return luaL_error(L, "string.format: '%%p' (an address) is not available "
					  "in the sandbox");
	}
	int n = lua_gettop(L);
	for (int i = 2; i <= n; i++) {
		switch (lua_type(L, i)) {
		case LUA_TTABLE:
		case LUA_TFUNCTION:
		case LUA_TUSERDATA:
		case LUA_TLIGHTUSERDATA:
		case LUA_TTHREAD:
			pw_lua_tostring(L, i);
			lua_replace(L, i);
			break;
		default:
			break;
		}
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, n, 1);
	return 1;
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
	lua_pushcfunction(L, sandbox_tostring); /* no addresses */
	lua_setfield(L, g, "tostring");

	lua_getfield(L, g, "string");
	remove_field(L, -1, "dump");
	lua_getfield(L, -1, "format");
	lua_pushcclosure(L, safe_format, 1);
	lua_setfield(L, -2, "format");
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

static int open_sandbox(lua_State *L)
{
	open_lib(L, LUA_GNAME, luaopen_base);
	open_lib(L, LUA_STRLIBNAME, luaopen_string);
	open_lib(L, LUA_TABLIBNAME, luaopen_table);
	open_lib(L, LUA_MATHLIBNAME, luaopen_math);
	open_lib(L, LUA_UTF8LIBNAME, luaopen_utf8);
	open_lib(L, LUA_OSLIBNAME, luaopen_os);
	restrict_libs(L);
	pw_lua_strmatch_install(L);
	pw_lua_loops_install(L);
	return 0;
}

pw_lua *pw_lua_new(const struct pw_lua_limits *limits)
{
	struct pw_lua *sb = calloc(1, sizeof(*sb));
	if (sb == NULL)
		return NULL;
	sb->limit = (limits && limits->memory_bytes) ? limits->memory_bytes
						       : DEFAULT_MEMORY;
	sb->budget = running ? running->budget : sb;
	if (limits && limits->deadline_ms > 0)
		sb->deadline = mono_ms() + limits->deadline_ms;
	sb->L = lua_newstate(capped_alloc, sb);
	if (sb->L == NULL) {
		free(sb);
		return NULL;
	}
	lua_State *L = sb->L;
	/* The hook is set before any code runs and stays until lua_close. */
	lua_sethook(L, deadline_hook, LUA_MASKCOUNT | LUA_MASKCALL, HOOK_EVERY);
	lua_pushcfunction(L, open_sandbox);
	if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
		pw_lua_free(sb);
		return NULL;
	}
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

static void push_json(lua_State *L, json_object *v, int depth)
{
	enum json_type type = json_object_get_type(v);
	if ((type == json_type_array || type == json_type_object) && depth >= MAX_DEPTH)
		luaL_error(L, "value nested deeper than %d levels", MAX_DEPTH);
	/* the container, a key and a child */
	luaL_checkstack(L, 3, "value nested too deeply");
	switch (type) {
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
			push_json(L, json_object_array_get_idx(v, i), depth + 1);
			lua_rawseti(L, -2, (lua_Integer)i + 1);
		}
		break;
	}
	case json_type_object:
		lua_createtable(L, 0, json_object_object_length(v));
		json_object_object_foreach(v, key, val) {
			lua_pushstring(L, key);
			push_json(L, val, depth + 1);
			lua_rawset(L, -3);
		}
		break;
	}
}

void pw_lua_push_json(lua_State *L, json_object *v)
{
	push_json(L, v, 0);
}

void pw_lua_tostring(lua_State *L, int idx)
{
	idx = lua_absindex(L, idx);
	if (luaL_callmeta(L, idx, "__tostring")) {
		if (!lua_isstring(L, -1))
			luaL_error(L, "'__tostring' must return a string");
		return;
	}
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
	case LUA_TBOOLEAN:
	case LUA_TNUMBER:
	case LUA_TSTRING:
		luaL_tolstring(L, idx, NULL); /* no metamethod left to call */
		return;
	case LUA_TLIGHTUSERDATA:
		if (lua_touserdata(L, idx) == &json_null_sentinel) {
			lua_pushliteral(L, "null");
			return;
		}
		break;
	default:
		break;
	}
	lua_pushstring(L, luaL_typename(L, idx));
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

/* Returns n when the table at idx has exactly the keys 1..n (n > 0). Raw
 * traversal: no metamethod runs. */
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

/* What one conversion may spend: shared tables are converted once per
 * reference, so {t, t} nested 60 times would be 2^60 values. */
struct conv {
	struct pw_lua *sb; /* NULL: a state not made here (no limits) */
	size_t spent;      /* bytes counted against the cap */
	size_t values;
};

static int conv_charge(struct conv *c, size_t bytes, pw_error *err)
{
	if (c->sb == NULL)
		return PW_OK;
	c->spent += bytes;
	if (c->spent > c->sb->budget->limit)
		return pw_error_set(err, PW_LUA_MEMORY_LIMIT,
				    "Lua value converts to JSON larger than the memory limit "
				    "(%zu bytes; shared tables count once per reference)",
				    c->sb->budget->limit);
	if (++c->values % CLOCK_EVERY == 0 && out_of_time(c->sb))
		return pw_error_set(err, "States.Timeout",
				    "Lua step exceeded its time budget (converting a value to JSON)");
	return PW_OK;
}

/* A number key as Lua's tostring writes it, without lua_tolstring (which
 * allocates and so may raise). */
static void number_key(lua_State *L, int idx, char *buf, size_t len)
{
	if (lua_isinteger(L, idx)) {
		snprintf(buf, len, LUA_INTEGER_FMT, (LUAI_UACINT)lua_tointeger(L, idx));
		return;
	}
	snprintf(buf, len, LUA_NUMBER_FMT, (LUAI_UACNUMBER)lua_tonumber(L, idx));
	if (buf[strspn(buf, "-0123456789")] == '\0') /* looks like an int */
		strncat(buf, ".0", len - strlen(buf) - 1);
}

static int to_json(lua_State *L, int idx, int depth, struct conv *c, json_object **out,
		   pw_error *err)
{
	*out = NULL;
	idx = lua_absindex(L, idx);
	size_t slen = 0;
	if (lua_type(L, idx) == LUA_TSTRING)
		lua_tolstring(L, idx, &slen); /* a string: no conversion */
	if (conv_charge(c, JSON_VALUE_COST + slen, err) != PW_OK)
		return PW_ERR;
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
		const char *s = lua_tolstring(L, idx, &slen);
		if (slen > INT32_MAX)
			return pw_error_set(err, "States.Runtime", "string too long for JSON");
		*out = json_object_new_string_len(s, (int)slen);
		return PW_OK;
	}
	case LUA_TLIGHTUSERDATA:
		if (lua_touserdata(L, idx) == &json_null_sentinel)
			return PW_OK;
		return pw_error_set(err, "States.Runtime", "cannot convert a Lua userdata to JSON");
	case LUA_TTABLE:
		break;
	default:
		return pw_error_set(err, "States.Runtime", "cannot convert a Lua %s to JSON",
				    luaL_typename(L, idx));
	}
	if (depth >= MAX_DEPTH)
		return pw_error_set(err, "States.Runtime",
				    "table nested deeper than %d levels (or a cycle)", MAX_DEPTH);
	if (!lua_checkstack(L, 4))
		return pw_error_set(err, "States.Runtime", "Lua stack exhausted");
	lua_Integer n = array_length(L, idx);
	if (n > INT32_MAX)
		return pw_error_set(err, "States.Runtime", "array too long for JSON");
	if (conv_charge(c, n > 0 ? JSON_ARRAY_COST + (size_t)n * sizeof(void *) : JSON_OBJECT_COST,
			err) != PW_OK)
		return PW_ERR;
	json_object *res = n > 0 ? json_object_new_array_ext((int)n) : json_object_new_object();
	if (n > 0) {
		for (lua_Integer i = 1; i <= n; i++) {
			json_object *item;
			lua_rawgeti(L, idx, i);
			int rc = to_json(L, -1, depth + 1, c, &item, err);
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
		char nbuf[64];
		const char *k;
		if (kt == LUA_TSTRING) {
			k = lua_tostring(L, -2);
		} else if (kt == LUA_TNUMBER) {
			number_key(L, -2, nbuf, sizeof(nbuf));
			k = nbuf;
		} else {
			lua_pop(L, 2);
			json_object_put(res);
			return pw_error_set(err, "States.Runtime",
					    "cannot convert a table with %s keys to JSON",
					    lua_typename(L, kt));
		}
		json_object *item;
		if (to_json(L, -1, depth + 1, c, &item, err) != PW_OK) {
			lua_pop(L, 2);
			json_object_put(res);
			return PW_ERR;
		}
		json_object_object_add(res, k, item);
		lua_pop(L, 1);
	}
	*out = res;
	return PW_OK;
}

/* An upper estimate of what json-c mallocs to parse text: containers and
 * values counted outside strings. */
static size_t json_text_cost(const char *s, size_t len)
{
	size_t cost = len + JSON_VALUE_COST;
	int in_string = 0;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];
		if (in_string) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_string = 0;
			continue;
		}
		switch (ch) {
		case '"': in_string = 1; break;
		case '{': cost += JSON_OBJECT_COST; break;
		case '[': cost += JSON_ARRAY_COST; break;
		case ',': cost += JSON_VALUE_COST + sizeof(void *); break;
		default: break;
		}
	}
	return cost;
}

void pw_lua_check_json_text(lua_State *L, const char *s, size_t len)
{
	struct pw_lua *sb = sandbox_of(L);
	if (sb == NULL)
		return;
	struct pw_lua *b = sb->budget;
	size_t left = b->limit > b->used ? b->limit - b->used : 0;
	if (json_text_cost(s, len) <= left)
		return;
	lua_createtable(L, 0, 2);
	lua_pushliteral(L, PW_LUA_MEMORY_LIMIT);
	lua_setfield(L, -2, "Error");
	lua_pushfstring(L, "prewarm.json.decode: a %I-byte text would not fit the memory limit "
			"(%I bytes)", (lua_Integer)len, (lua_Integer)b->limit);
	lua_setfield(L, -2, "Cause");
	lua_error(L);
}

int pw_lua_to_json(lua_State *L, int idx, json_object **out, pw_error *err)
{
	struct conv c = {sandbox_of(L), 0, 0};
	return to_json(L, idx, 0, &c, out, err);
}

/* Under pcall: the error object (index 1) -> the pw_error (upvalue-free:
 * index 2 is a light userdata). Raw reads only, so the script's __index or
 * __tostring never runs here; number -> string conversion may raise
 * (memory), hence the pcall. */
static int describe_error(lua_State *L)
{
	pw_error *err = lua_touserdata(L, 2);
	if (lua_type(L, 1) == LUA_TTABLE) {
		lua_pushliteral(L, "Error");
		int nt = lua_rawget(L, 1);
		lua_pushliteral(L, "Cause");
		int ct = lua_rawget(L, 1);
		const char *name = nt == LUA_TSTRING || nt == LUA_TNUMBER ? lua_tostring(L, -2) : NULL;
		const char *cause = ct == LUA_TSTRING || ct == LUA_TNUMBER ? lua_tostring(L, -1) : NULL;
		if (name != NULL)
			pw_error_set(err, name, "%s", cause ? cause : "");
		else
			pw_error_set(err, "States.TaskFailed",
				     "Lua error with a table that has no Error field");
		return 0;
	}
	int t = lua_type(L, 1);
	if (t == LUA_TSTRING || t == LUA_TNUMBER)
		pw_error_set(err, "States.TaskFailed", "%s", lua_tostring(L, 1));
	else
		pw_error_set(err, "States.TaskFailed", "Lua error (a %s value)", luaL_typename(L, 1));
	return 0;
}

/* Turns the error object on top of the stack into a named error. */
static int error_from_lua(struct pw_lua *sb, int status, pw_error *err)
{
	lua_State *L = sb->L;
	if (sb->timed_out)
		return pw_error_set(err, "States.Timeout", "%s",
				    pw_cancel_requested() ? "Lua step cancelled"
							  : "Lua step exceeded its time budget");
	if (status == LUA_ERRMEM)
		return pw_error_set(err, PW_LUA_MEMORY_LIMIT,
				    "Lua step exceeded its memory limit (%zu bytes)",
				    sb->budget->limit);
	if (!lua_checkstack(L, 3))
		return pw_error_set(err, "States.TaskFailed", "Lua error (stack exhausted)");
	lua_pushcfunction(L, describe_error);
	lua_insert(L, -2);
	lua_pushlightuserdata(L, err);
	int rc = lua_pcall(L, 2, 0, 0);
	if (rc != LUA_OK) {
		lua_pop(L, 1);
		return pw_error_set(err, rc == LUA_ERRMEM ? PW_LUA_MEMORY_LIMIT : "States.TaskFailed",
				    "Lua error that could not be read (%s)",
				    rc == LUA_ERRMEM ? "memory limit" : "error in error");
	}
	return PW_ERR;
}

int pw_lua_protected(pw_lua *sb, lua_CFunction fn, void *ud, pw_error *err)
{
	lua_State *L = sb->L;
	int top = lua_gettop(L);
	if (!lua_checkstack(L, 3)) {
		lua_settop(L, top);
		return pw_error_set(err, PW_LUA_MEMORY_LIMIT, "Lua stack exhausted");
	}
	lua_pushcfunction(L, fn);
	lua_pushlightuserdata(L, ud);
	struct pw_lua *outer = running;
	running = sb;
	int status = lua_pcall(L, 1, 0, 0);
	running = outer;
	int rc = status == LUA_OK ? PW_OK : error_from_lua(sb, status, err);
	lua_settop(L, top);
	return rc;
}

/* Under pcall: [chunk, ud] -> the chunk's first result; converting the
 * argument may raise (memory, depth), hence here. */
struct chunk_call {
	json_object *arg;
	int has_arg; /* push arg (NULL pushes JSON null) */
};

static int call_chunk(lua_State *L)
{
	struct chunk_call *cc = lua_touserdata(L, 2);
	lua_settop(L, 1);
	if (cc->has_arg)
		pw_lua_push_json(L, cc->arg);
	lua_call(L, cc->has_arg, 1);
	return 1;
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
	if (!lua_checkstack(L, 4)) {
		pw_error_set(err, PW_LUA_MEMORY_LIMIT, "Lua stack exhausted");
		goto out;
	}
	lua_pushcfunction(L, call_chunk);
	struct pw_lua *outer = running;
	running = sb;
	int status = luaL_loadbufferx(L, src, len, name, "t");
	if (status != LUA_OK) {
		running = outer;
		if (status == LUA_ERRMEM)
			pw_error_set(err, PW_LUA_MEMORY_LIMIT, "out of memory loading %s (limit %zu bytes)",
				     chunkname, sb->budget->limit);
		else
			pw_error_set(err, "States.Runtime", "%s", lua_tostring(L, -1));
		goto out;
	}
	struct chunk_call cc = {arg, 1}; /* NULL arg: JSON null, as always */
	lua_pushlightuserdata(L, &cc);
	status = lua_pcall(L, 2, 1, 0);
	running = outer;
	if (status != LUA_OK) {
		error_from_lua(sb, status, err);
		goto out;
	}
	/* The pattern matcher and other C code check the clock only now and
	 * then: a chunk that returns late has not succeeded. */
	if (out_of_time(sb)) {
		pw_error_set(err, "States.Timeout", "Lua step exceeded its time budget");
		goto out;
	}
	rc = pw_lua_to_json(L, -1, result, err);
out:
	lua_settop(L, top);
	return rc;
}

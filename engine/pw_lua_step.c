/*
 * pw_lua_step - runs `lua:PATH` Task scripts in the sandbox and gives
 * them the `prewarm` table: call, log, var, dry_run, json.
 */
#include "pw_lua_step.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "prewarm/timestamp.h"
#include "pw_log.h"
#include "pw_lua_sandbox.h"

#define MAX_SCRIPT (4u * 1024u * 1024u)

/* The budget of a step nothing else bounds (config lua_timeout_seconds). */
static int64_t default_timeout_ms = PW_LUA_STEP_DEFAULT_TIMEOUT_MS;

void pw_lua_step_set_default_timeout_ms(int64_t ms)
{
	default_timeout_ms = ms > 0 ? ms : PW_LUA_STEP_DEFAULT_TIMEOUT_MS;
}

int64_t pw_lua_step_default_timeout_ms(void)
{
	return default_timeout_ms;
}

int pw_lua_step_path(const char *workflow_dir, const char *rel, char *out, size_t len,
		     pw_error *err)
{
	if (rel[0] == '\0')
		return pw_error_set(err, "States.Runtime", "lua: resource names no script");
	if (rel[0] == '/')
		return pw_error_set(err, "States.Runtime",
				    "lua:%s: script paths are relative to the workflow file", rel);
	for (const char *p = rel; p; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
			return pw_error_set(err, "States.Runtime",
					    "lua:%s: '..' is not allowed: scripts live in or below "
					    "the workflow's directory", rel);
	}
	int n = snprintf(out, len, "%s/%s", workflow_dir ? workflow_dir : ".", rel);
	if (n < 0 || (size_t)n >= len)
		return pw_error_set(err, "States.Runtime", "lua:%s: path too long", rel);
	return PW_OK;
}

int pw_lua_step_read(const char *path, char **buf, size_t *len, pw_error *err)
{
	FILE *f = fopen(path, "rb");
	*buf = NULL;
	if (f == NULL)
		return pw_error_set(err, "States.Runtime", "cannot read Lua script %s: %s", path,
				    strerror(errno));
	char *b = malloc(MAX_SCRIPT + 1);
	size_t n = b ? fread(b, 1, MAX_SCRIPT + 1, f) : 0;
	int bad = ferror(f);
	fclose(f);
	if (b == NULL || bad || n > MAX_SCRIPT) {
		free(b);
		return pw_error_set(err, "States.Runtime", "cannot read Lua script %s: %s", path,
				    b == NULL ? "out of memory" : bad ? "read error" : "larger than 4 MiB");
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return PW_OK;
}

/* Upvalue 1: the step's call, or NULL outside a Task (a vars checker).
 * Upvalue 2: the vars to read when there is no call. */
static struct pw_call *call_of(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

static const char *component_of(struct pw_call *call)
{
	return call == NULL ? "vars-check" : call->action ? call->action : "lua";
}

/* Raises error({Error=name, Cause=cause}) in Lua. */
static int raise_named(lua_State *L, const pw_error *e)
{
	lua_createtable(L, 0, 2);
	lua_pushstring(L, e->name);
	lua_setfield(L, -2, "Error");
	lua_pushstring(L, e->cause);
	lua_setfield(L, -2, "Cause");
	return lua_error(L);
}

static int l_call(lua_State *L)
{
	struct pw_call *call = call_of(L);
	const char *resource = luaL_checkstring(L, 1);
	json_object *params = NULL, *result = NULL;
	pw_error e = {{0}, {0}};
	if (call == NULL) {
		pw_error_set(&e, "States.Runtime",
			     "prewarm.call('%s'): a vars checker may not call plugins", resource);
		return raise_named(L, &e);
	}
	if (!lua_isnoneornil(L, 2) && pw_lua_to_json(L, 2, &params, &e) != PW_OK)
		return raise_named(L, &e);
	int rc = pw_registry_invoke(call, resource, params, &result, &e);
	json_object_put(params);
	if (rc != PW_OK)
		return raise_named(L, &e);
	pw_lua_push_json(L, result);
	json_object_put(result);
	return 1;
}

static int l_log(lua_State *L)
{
	struct pw_call *call = call_of(L);
	enum pw_log_level level;
	const char *lvl = luaL_checkstring(L, 1);
	pw_lua_tostring(L, 2); /* no addresses */
	const char *msg = lua_tostring(L, -1);
	if (pw_log_level_parse(lvl, &level) != 0)
		return luaL_error(L, "prewarm.log: unknown level '%s' (debug, info, warn, error)", lvl);
	const char *state = call ? call->state : NULL;
	pw_log(level, component_of(call), "%s%s%s%s", state ? "[" : "", state ? state : "",
	       state ? "] " : "", msg);
	return 0;
}

static int l_print(lua_State *L)
{
	struct pw_call *call = call_of(L);
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	int n = lua_gettop(L);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		pw_lua_tostring(L, i); /* no addresses */
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	pw_log(PW_LOG_INFO, component_of(call), "%s", lua_tostring(L, -1));
	return 0;
}

static int l_var(lua_State *L)
{
	struct pw_call *call = call_of(L);
	const char *name = luaL_checkstring(L, 1);
	const char *v = NULL;
	if (call != NULL) {
		v = pw_registry_host_api()->var(call, name);
	} else {
		json_object *vars = lua_touserdata(L, lua_upvalueindex(2)), *jv;
		if (vars != NULL && json_object_object_get_ex(vars, name, &jv))
			v = json_object_get_string(jv);
	}
	if (v == NULL)
		lua_pushnil(L);
	else
		lua_pushstring(L, v);
	return 1;
}

static int l_encode(lua_State *L)
{
	json_object *v = NULL;
	pw_error e = {{0}, {0}};
	luaL_checkany(L, 1);
	if (pw_lua_to_json(L, 1, &v, &e) != PW_OK)
		return luaL_error(L, "prewarm.json.encode: %s", e.cause);
	lua_pushstring(L, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(v);
	return 1;
}

static int l_decode(lua_State *L)
{
	size_t len;
	const char *s = luaL_checklstring(L, 1, &len);
	pw_lua_check_json_text(L, s, len); /* json-c's memory is not capped */
	json_tokener *tok = json_tokener_new();
	if (tok == NULL)
		return luaL_error(L, "out of memory");
	json_object *v = json_tokener_parse_ex(tok, s, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = tok->char_offset;
	json_tokener_free(tok);
	if (jerr != json_tokener_success || used != len) {
		json_object_put(v);
		return luaL_error(L, "prewarm.json.decode: %s at offset %d",
				  jerr == json_tokener_success ? "trailing data"
							       : json_tokener_error_desc(jerr),
				  (int)used);
	}
	pw_lua_push_json(L, v);
	json_object_put(v);
	return 1;
}

/* prewarm.time(TEXT): seconds since the epoch (fraction kept) of an RFC
 * 3339 time (a missing zone is UTC, as S3 and RDS write some), or nil. One
 * parser for the scripts too, instead of a date formula in each. */
static int l_time(lua_State *L)
{
	double t;
	size_t len = 0;
	const char *s = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &len) : NULL;
	if (s != NULL && strlen(s) == len && /* "...Z\0junk" is not a time */
	    pw_timestamp_parse_flags(s, PW_TS_ZONE_OPTIONAL, &t) == 0)
		lua_pushnumber(L, t);
	else
		lua_pushnil(L);
	return 1;
}

struct api_args {
	struct pw_call *call;
	json_object *vars;
};

/* Under pcall (pw_lua_protected): building the table allocates. */
static int install_api(lua_State *L)
{
	struct api_args *a = lua_touserdata(L, 1);
	struct pw_call *call = a->call;
	json_object *vars = a->vars;
	static const luaL_Reg fns[] = {
		{"call", l_call}, {"log", l_log}, {"var", l_var}, {NULL, NULL}};
	lua_createtable(L, 0, 7);
	lua_pushlightuserdata(L, call);
	lua_pushlightuserdata(L, vars);
	luaL_setfuncs(L, fns, 2);
	lua_pushboolean(L, call ? call->dry_run : 1);
	lua_setfield(L, -2, "dry_run");
	lua_pushcfunction(L, l_time);
	lua_setfield(L, -2, "time");
	lua_createtable(L, 0, 3);
	lua_pushcfunction(L, l_encode);
	lua_setfield(L, -2, "encode");
	lua_pushcfunction(L, l_decode);
	lua_setfield(L, -2, "decode");
	pw_lua_push_json(L, NULL); /* the null sentinel */
	lua_setfield(L, -2, "null");
	lua_setfield(L, -2, "json");
	lua_setglobal(L, "prewarm");
	lua_pushlightuserdata(L, call);
	lua_pushlightuserdata(L, vars);
	lua_pushcclosure(L, l_print, 2);
	lua_setglobal(L, "print");
	return 0;
}

int pw_lua_step_install_api(pw_lua *sb, struct pw_call *call, json_object *vars,
			    pw_error *err)
{
	struct api_args a = {call, vars};
	return pw_lua_protected(sb, install_api, &a, err);
}

int pw_lua_step_run(struct pw_call *call, const char *rel, json_object *input,
		    json_object **result, pw_error *err)
{
	char path[4096];
	char *src = NULL;
	size_t len = 0;
	pw_lua *sb = NULL;
	int rc = PW_ERR;
	*result = NULL;
	if (pw_lua_step_path(call->workflow_dir, rel, path, sizeof(path), err) != PW_OK ||
	    pw_lua_step_read(path, &src, &len, err) != PW_OK)
		goto out;
	struct pw_lua_limits limits = {0, 0};
	int64_t left = pw_registry_host_api()->remaining_ms(call);
	int by_default = left == INT64_MAX;
	if (by_default) {
		/* Neither the Task nor the workflow set a deadline: a script
		 * must still end. Set it on the call too, so that what the
		 * script calls through prewarm.call is bounded as well. */
		const struct pw_clock *clk = call->clock ? call->clock : pw_clock_system();
		left = default_timeout_ms;
		call->deadline = clk->mono_ms(clk->ud) + left;
	}
	limits.deadline_ms = left > 0 ? left : 1;
	sb = pw_lua_new(&limits);
	if (sb == NULL) {
		/* a nested step's state draws on its caller's memory budget */
		pw_error_set(err, PW_LUA_MEMORY_LIMIT, "out of memory creating a Lua state");
		goto out;
	}
	if (pw_lua_step_install_api(sb, call, NULL, err) != PW_OK)
		goto out;
	/* Show the path as written in the workflow in error messages. */
	rc = pw_lua_run_chunk(sb, rel, src, len, input, result, err);
	if (rc != PW_OK && by_default && strcmp(err->name, "States.Timeout") == 0)
		pw_error_set(err, "States.Timeout",
			     "lua:%s ran past the default Lua step budget of %lld ms "
			     "(config lua_timeout_seconds); give the Task a TimeoutSeconds",
			     rel, (long long)default_timeout_ms);
out:
	pw_lua_free(sb);
	free(src);
	return rc;
}

int pw_lua_step_check(const char *workflow_dir, const char *rel, char *why, size_t why_len)
{
	char path[4096];
	char *src = NULL;
	size_t len = 0;
	pw_error e = {{0}, {0}};
	int rc = -1;
	if (pw_lua_step_path(workflow_dir, rel, path, sizeof(path), &e) != PW_OK ||
	    pw_lua_step_read(path, &src, &len, &e) != PW_OK) {
		snprintf(why, why_len, "%s", e.cause);
		goto out;
	}
	pw_lua *sb = pw_lua_new(NULL);
	if (sb == NULL) {
		snprintf(why, why_len, "out of memory");
		goto out;
	}
	char name[4200];
	snprintf(name, sizeof(name), "@%s", path);
	lua_State *L = pw_lua_state(sb);
	if (luaL_loadbufferx(L, src, len, name, "t") != LUA_OK)
		snprintf(why, why_len, "%s", lua_tostring(L, -1));
	else
		rc = 0;
	pw_lua_free(sb);
out:
	free(src);
	return rc;
}

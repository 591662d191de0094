/* pw_vars_check - runs a workflow directory's vars-check.lua in the sandbox. */
#include "pw_vars_check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

#include "pw_log.h"
#include "pw_lua_sandbox.h"
#include "pw_lua_step.h"

#define MAX_SCRIPT (4u * 1024u * 1024u)

static int checker_path(const char *workflow_dir, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s", workflow_dir ? workflow_dir : ".", PW_VARS_CHECK_FILE);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int pw_vars_check_exists(const char *workflow_dir)
{
	char path[4096];
	return checker_path(workflow_dir, path, sizeof(path)) == 0 && access(path, F_OK) == 0;
}

/* Reads the whole checker into a malloc'd, NUL-terminated buffer. */
static int read_checker(const char *path, char **buf, size_t *len, pw_error *err)
{
	FILE *f = fopen(path, "rb");
	*buf = NULL;
	if (f == NULL)
		return pw_error_set(err, "States.Runtime", "cannot read %s: %s", path, strerror(errno));
	char *b = malloc(MAX_SCRIPT + 1);
	size_t n = b ? fread(b, 1, MAX_SCRIPT + 1, f) : 0;
	int bad = ferror(f);
	fclose(f);
	if (b == NULL || bad || n > MAX_SCRIPT) {
		free(b);
		return pw_error_set(err, "States.Runtime", "cannot read %s: %s", path,
				    b == NULL ? "out of memory" : bad ? "read error" : "larger than 4 MiB");
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return PW_OK;
}

static int l_call(lua_State *L)
{
	const char *resource = luaL_checkstring(L, 1);
	lua_createtable(L, 0, 2);
	lua_pushstring(L, "States.Runtime");
	lua_setfield(L, -2, "Error");
	lua_pushfstring(L, "prewarm.call('%s'): a vars checker may not call plugins", resource);
	lua_setfield(L, -2, "Cause");
	return lua_error(L);
}

static int l_log(lua_State *L)
{
	enum pw_log_level level;
	const char *lvl = luaL_checkstring(L, 1);
	const char *msg = luaL_tolstring(L, 2, NULL);
	if (pw_log_level_parse(lvl, &level) != 0)
		return luaL_error(L, "prewarm.log: unknown level '%s' (debug, info, warn, error)", lvl);
	pw_log(level, PW_VARS_CHECK_FILE, "%s", msg);
	return 0;
}

static int l_print(lua_State *L)
{
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	int n = lua_gettop(L);
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			luaL_addchar(&b, '\t');
		luaL_tolstring(L, i, NULL);
		luaL_addvalue(&b);
	}
	luaL_pushresult(&b);
	pw_log(PW_LOG_INFO, PW_VARS_CHECK_FILE, "%s", lua_tostring(L, -1));
	return 0;
}

/* prewarm.var(NAME): the var's value as text, as a lua: step sees it. */
static int l_var(lua_State *L)
{
	json_object *vars = lua_touserdata(L, lua_upvalueindex(1)), *v;
	const char *name = luaL_checkstring(L, 1);
	if (vars == NULL || !json_object_object_get_ex(vars, name, &v))
		lua_pushnil(L);
	else
		lua_pushstring(L, json_object_get_string(v));
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

/* The prewarm table of a lua: step (pw_lua_step.c), with call refused. */
static void install_api(lua_State *L, json_object *vars)
{
	static const luaL_Reg fns[] = {{"call", l_call}, {"log", l_log}, {NULL, NULL}};
	lua_createtable(L, 0, 6);
	luaL_setfuncs(L, fns, 0);
	lua_pushlightuserdata(L, vars);
	lua_pushcclosure(L, l_var, 1);
	lua_setfield(L, -2, "var");
	lua_pushboolean(L, 1);
	lua_setfield(L, -2, "dry_run");
	lua_createtable(L, 0, 3);
	lua_pushcfunction(L, l_encode);
	lua_setfield(L, -2, "encode");
	lua_pushcfunction(L, l_decode);
	lua_setfield(L, -2, "decode");
	pw_lua_push_json(L, NULL); /* the null sentinel */
	lua_setfield(L, -2, "null");
	lua_setfield(L, -2, "json");
	lua_setglobal(L, "prewarm");
	lua_pushcfunction(L, l_print);
	lua_setglobal(L, "print");
}

int pw_vars_check_run(const char *workflow_dir, json_object *vars, pw_error *err)
{
	char path[4096];
	char *src = NULL;
	size_t len = 0;
	pw_lua *sb = NULL;
	json_object *input = NULL, *result = NULL;
	int rc = PW_ERR;
	if (checker_path(workflow_dir, path, sizeof(path)) != 0) {
		pw_error_set(err, "States.Runtime", "%s: path too long", PW_VARS_CHECK_FILE);
		goto out;
	}
	if (read_checker(path, &src, &len, err) != PW_OK)
		goto out;
	struct pw_lua_limits limits = {0, pw_lua_step_default_timeout_ms()};
	if ((sb = pw_lua_new(&limits)) == NULL ||
	    (input = json_object_new_object()) == NULL) {
		pw_error_set(err, "States.Runtime", "out of memory creating a Lua state");
		goto out;
	}
	json_object_object_add(input, "vars", vars ? json_object_get(vars) : json_object_new_object());
	install_api(pw_lua_state(sb), vars);
	rc = pw_lua_run_chunk(sb, path, src, len, input, &result, err);
out:
	json_object_put(result);
	json_object_put(input);
	pw_lua_free(sb);
	free(src);
	return rc;
}

/*
 * lang_doc_lua - a Lua workflow file: the chunk runs in the engine's Lua
 * sandbox (no io/os/require, memory and time caps) and returns the same
 * table a YAML or JSON workflow holds. The global `null` stands for JSON
 * null (e.g. ResultPath = null). No node positions are recorded; errors
 * carry the line Lua reports.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lang_doc.h"
#include "pw_lua_sandbox.h"

/* Lua messages look like "NAME:LINE: text"; returns LINE or 0. */
static int lua_message_line(const char *msg, const char *name,
			    const char **text)
{
	const char *p = strstr(msg, name);
	*text = msg;
	if (p == NULL)
		return 0;
	p += strlen(name);
	if (*p != ':' || !isdigit((unsigned char)p[1]))
		return 0;
	int line = (int)strtol(p + 1, (char **)&p, 10);
	if (*p == ':') {
		p++;
		while (*p == ' ')
			p++;
		*text = p;
	}
	return line;
}

/* Under pcall: the global `null` (JSON null). */
static int set_null_global(lua_State *L)
{
	pw_lua_push_json(L, NULL);
	lua_setglobal(L, "null");
	return 0;
}

int lang_lua_load(const char *name, const char *buf, size_t len,
		  json_object **root, pw_diag *diag)
{
	/* a workflow file only builds a table: a second is plenty */
	struct pw_lua_limits limits = {16u * 1024 * 1024, 2000};
	pw_error err = {{0}, {0}};
	json_object *res = NULL;
	int rc = -1;

	*root = NULL;
	pw_lua *L = pw_lua_new(&limits);
	if (L == NULL) {
		lang_diag_set(diag, name, 0, 0, "out of memory");
		return -1;
	}
	if (pw_lua_protected(L, set_null_global, NULL, &err) != PW_OK ||
	    pw_lua_run_chunk(L, name, buf, len, NULL, &res, &err) != PW_OK) {
		const char *text;
		int line = lua_message_line(err.cause, name, &text);
		lang_diag_set(diag, name, line, 0, "Lua workflow: %s%s",
			      strcmp(err.name, "States.Timeout") == 0
				      ? "took too long to run: "
				      : "",
			      text);
		goto out;
	}
	if (!json_object_is_type(res, json_type_object)) {
		lang_diag_set(diag, name, 0, 0,
			      "a Lua workflow must return a table (the state "
			      "machine), not %s",
			      res == NULL ? "nothing"
					  : json_type_to_name(
						    json_object_get_type(res)));
		goto out;
	}
	*root = res;
	res = NULL;
	rc = 0;
out:
	json_object_put(res);
	pw_lua_free(L);
	return rc;
}

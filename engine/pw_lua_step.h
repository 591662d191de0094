/*
 * pw_lua_step - the `lua:PATH` Task resource: runs a script in the
 * sandbox with the step's input as its argument, and the `prewarm` table
 * (call, log, json.encode/decode/null).
 * Owner: engine-runtime.
 */
#ifndef PW_LUA_STEP_H
#define PW_LUA_STEP_H

#include <stddef.h>
#include "pw_registry.h"

/*
 * Resolves rel (the text after "lua:") against workflow_dir (NULL: ".")
 * into out. Absolute paths and ".." components are refused: a script lives
 * in or below the workflow's directory. 0 or PW_ERR (States.Runtime).
 */
int pw_lua_step_path(const char *workflow_dir, const char *rel, char *out,
		     size_t len, pw_error *err);

/* Runs script rel under call (deadline, dry-run, vars). input borrowed;
 * *result is a NEW reference on PW_OK. */
int pw_lua_step_run(struct pw_call *call, const char *rel, json_object *input,
		    json_object **result, pw_error *err);

/* Compiles the script without running it (validation). 0, or -1 with
 * "file:line: message" in why. */
int pw_lua_step_check(const char *workflow_dir, const char *rel, char *why,
		      size_t why_len);

#endif

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

/*
 * The budget of a lua: step when neither its Task (TimeoutSeconds[Path])
 * nor its workflow (top-level TimeoutSeconds) sets a deadline: the step
 * then ends with States.Timeout after this long. Process-wide; the
 * config's lua_timeout_seconds sets it (pw_config_load). ms <= 0 restores
 * the default, 60 s.
 */
#define PW_LUA_STEP_DEFAULT_TIMEOUT_MS 60000
void pw_lua_step_set_default_timeout_ms(int64_t ms);
int64_t pw_lua_step_default_timeout_ms(void);

/* Runs script rel under call (deadline, dry-run, vars; a call without a
 * deadline gets the default budget above, written to call->deadline). input borrowed;
 * *result is a NEW reference on PW_OK. */
int pw_lua_step_run(struct pw_call *call, const char *rel, json_object *input,
		    json_object **result, pw_error *err);

/* Reads a whole script (at most 4 MiB) into *buf (malloc'd, NUL-terminated;
 * the caller frees). PW_OK, or PW_ERR with States.Runtime. */
int pw_lua_step_read(const char *path, char **buf, size_t *len, pw_error *err);

/* Installs the `prewarm` table and print() into the sandbox (under
 * lua_pcall: PW_ERR and *err when it runs out of memory). call is the
 * step's call (borrowed, must outlive the state); NULL outside a Task (a
 * vars checker): then prewarm.call raises States.Runtime, prewarm.dry_run
 * is true and prewarm.var reads `vars` (borrowed; may be NULL). */
struct pw_lua;
int pw_lua_step_install_api(struct pw_lua *sb, struct pw_call *call, json_object *vars,
			    pw_error *err);

/* Compiles the script without running it (validation). 0, or -1 with
 * "file:line: message" in why. */
int pw_lua_step_check(const char *workflow_dir, const char *rel, char *why,
		      size_t why_len);

#endif

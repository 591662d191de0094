/*
 * pw_vars_check - a workflow directory's vars checker: WORKFLOW_DIR/
 * vars-check.lua, run by `prewarm validate` when given a config so that
 * what the config's `vars:` mean is checked before anything runs
 * (engine/RUNTIME.md, "Vars checker").
 * Owner: engine-runtime (validate).
 */
#ifndef PW_VARS_CHECK_H
#define PW_VARS_CHECK_H

#include <json-c/json.h>
#include <prewarm/plugin.h>

#define PW_VARS_CHECK_FILE "vars-check.lua"

/* Nonzero when workflow_dir (NULL: ".") has a vars checker. */
int pw_vars_check_exists(const char *workflow_dir);

/*
 * Runs workflow_dir's vars-check.lua once in the Lua sandbox with the
 * input {"vars": vars} (vars borrowed; NULL: {}). Its environment is a
 * lua: step's (prewarm.log, .var, .json, .dry_run = true) except that
 * prewarm.call raises an error: checking calls no plugin. The budget is
 * the default Lua step budget (config lua_timeout_seconds).
 * Returns PW_OK when it returned, PW_ERR with *err the error it raised
 * (or why it could not run).
 */
int pw_vars_check_run(const char *workflow_dir, json_object *vars, pw_error *err);

#endif

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
	if (pw_lua_step_read(path, &src, &len, err) != PW_OK)
		goto out;
	struct pw_lua_limits limits = {0, pw_lua_step_default_timeout_ms()};
	if ((sb = pw_lua_new(&limits)) == NULL ||
	    (input = json_object_new_object()) == NULL) {
		pw_error_set(err, "States.Runtime", "out of memory creating a Lua state");
		goto out;
	}
	json_object_object_add(input, "vars", vars ? json_object_get(vars) : json_object_new_object());
	if (pw_lua_step_install_api(sb, NULL, vars, err) != PW_OK)
		goto out;
	rc = pw_lua_run_chunk(sb, path, src, len, input, &result, err);
out:
	json_object_put(result);
	json_object_put(input);
	pw_lua_free(sb);
	free(src);
	return rc;
}

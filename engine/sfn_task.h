/*
 * sfn_task - runs one Step Functions activity task of an exported
 * workflow (engine/SFN.md): finds the Task in the worker's own copy of the
 * workflow, fills in the vars and the secrets the input refers to, runs
 * the step exactly as `prewarm run` would (same executor, plugins, Lua
 * sandbox, limits, redaction) and returns its output with any secret
 * replaced by a recipe to fetch it again.
 * Owner: engine-runtime.
 */
#ifndef SFN_TASK_H
#define SFN_TASK_H

#include <json-c/json.h>

#include "pw_doc.h"
#include "pw_registry.h"

struct pw_sfn_task_env {
	pw_registry *registry;
	json_object *vars;    /* the worker's config vars (borrowed, may be NULL) */
	pw_doc *const *docs;  /* the workflows this worker serves (validated) */
	size_t n_docs;
};

/* The HeartbeatSeconds an exported Task announces in its input, or 0. */
int pw_sfn_task_heartbeat(const char *input);

/*
 * Runs the task whose input (JSON text) Step Functions sent. Returns 0
 * with *output (NEW) for SendTaskSuccess, or -1 with err: the step's own
 * error name and cause (for SendTaskFailure), Prewarm.WorkerStopped when
 * it was interrupted, Prewarm.BadTaskInput / Prewarm.UnknownTask when the
 * input does not name a Task of these workflows.
 */
int pw_sfn_task_run(const struct pw_sfn_task_env *env, const char *input, json_object **output,
		    pw_error *err);

#endif

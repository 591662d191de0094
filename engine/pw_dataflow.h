/*
 * pw_dataflow - the ASL input/output processing of one state:
 *   raw input -> InputPath -> Parameters -> (task) -> ResultSelector
 *   -> ResultPath (merged with raw input) -> OutputPath.
 * Each function takes BORROWED inputs and returns a NEW reference in *out.
 * Owner: engine-language.
 */
#ifndef PW_DATAFLOW_H
#define PW_DATAFLOW_H

#include <prewarm/plugin.h>

/* InputPath/OutputPath: path NULL means "$" (everything); the JSON null
 * path (is_null set) yields {} as ASL says. */
int pw_apply_path(const char *path, int is_null, json_object *input,
		  json_object *context, json_object **out, pw_error *err);

/* Parameters / ResultSelector / Pass Parameters: copies the template,
 * replacing each "key.$": "PATH|INTRINSIC" with "key": value, recursively. */
int pw_apply_template(json_object *tmpl, json_object *input,
		      json_object *context, json_object **out, pw_error *err);

/* The value of a field that holds a path or an intrinsic call: a "key.$"
 * template value, or Fail's ErrorPath/CausePath. A path that matches
 * nothing raises States.Runtime. *out is a NEW reference. */
int pw_eval_dynamic(const char *expr, json_object *input,
		    json_object *context, json_object **out, pw_error *err);

/* pw_eval_dynamic naming the field (a "key.$" key, ErrorPath, CausePath)
 * in the States.Runtime cause of a path that matches nothing, as Step
 * Functions does (pw_path_get_field). */
int pw_eval_dynamic_field(const char *expr, const char *field, json_object *input,
			  json_object *context, json_object **out, pw_error *err);

/* ResultPath: path NULL means "$" (the result replaces the input);
 * is_null means discard the result and keep the input. Otherwise the
 * result is written into a deep copy of input. */
int pw_apply_result_path(const char *path, int is_null, json_object *input,
			 json_object *result, json_object **out,
			 pw_error *err);

/*
 * The whole chain for one state definition `state` (a json object with
 * optional InputPath, Parameters, ResultSelector, ResultPath, OutputPath):
 * pw_state_effective_input() gives what the task receives;
 * pw_state_output() gives the state's output from raw input and result.
 */
int pw_state_effective_input(json_object *state, json_object *raw_input,
			     json_object *context, json_object **out,
			     pw_error *err);
int pw_state_output(json_object *state, json_object *raw_input,
		    json_object *result, json_object *context,
		    json_object **out, pw_error *err);
/* Same, and *sel (NEW) gets the result after ResultSelector: what a
 * Task/Map/Parallel's Assign reads as "$" (pw_vars.h). */
int pw_state_output_sel(json_object *state, json_object *raw_input,
			json_object *result, json_object *context,
			json_object **sel, json_object **out, pw_error *err);

/*
 * The payload limit: a state's input, a task's result or a state's output
 * larger than this many bytes of UTF-8 JSON raises
 * States.DataLimitExceeded, as Step Functions does at 256 KiB. The limit
 * is process-wide: the config's payload_limit_bytes sets it
 * (pw_config_load); 0 restores the default.
 */
#define PW_PAYLOAD_LIMIT_DEFAULT 262144
void pw_payload_limit_set(size_t bytes);
size_t pw_payload_limit(void);

/* PW_OK when v (NULL is JSON null) fits the limit; else PW_ERR with
 * States.DataLimitExceeded naming what ("the input of state 'S'"). */
int pw_payload_check(json_object *v, const char *what, pw_error *err);

/* pw_payload_check for the result or output of state `name`, with Step
 * Functions' cause ("The state/task 'S' returned a result with a size
 * exceeding the maximum number of bytes service limit."); the size and the
 * limit go to the log. */
int pw_payload_check_result(json_object *v, const char *name, pw_error *err);

#endif

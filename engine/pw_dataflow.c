/*
 * pw_dataflow - ASL input and output processing of one state:
 * InputPath, Parameters, ResultSelector, ResultPath, OutputPath.
 */
#include <stdlib.h>
#include <string.h>

#include "pw_dataflow.h"
#include "pw_intrinsic.h"
#include "pw_log.h"
#include "pw_path.h"

int pw_apply_path(const char *path, int is_null, json_object *input,
		  json_object *context, json_object **out, pw_error *err)
{
	*out = NULL;
	if (is_null) {
		*out = json_object_new_object();
		return PW_OK;
	}
	if (path == NULL) {
		*out = json_object_get(input);
		return PW_OK;
	}
	return pw_path_get_field(path, NULL, input, context, out, err);
}

/* One "key.$" value: a path or an intrinsic call. */
static int dynamic_value(const char *key, json_object *expr,
			 json_object *input, json_object *context,
			 json_object **out, pw_error *err)
{
	if (!json_object_is_type(expr, json_type_string))
		return pw_error_set(err, "States.Runtime",
				    "the value of '%s' must be a path or an "
				    "intrinsic function call (a string)",
				    key);
	return pw_eval_dynamic_field(json_object_get_string(expr), key, input,
				     context, out, err);
}

int pw_eval_dynamic(const char *expr, json_object *input,
		    json_object *context, json_object **out, pw_error *err)
{
	if (pw_intrinsic_is_call(expr))
		return pw_intrinsic_eval(expr, input, context, out, err);
	return pw_path_get(expr, input, context, out, "States.Runtime", err);
}

int pw_eval_dynamic_field(const char *expr, const char *field, json_object *input,
			  json_object *context, json_object **out, pw_error *err)
{
	if (pw_intrinsic_is_call(expr))
		return pw_intrinsic_eval(expr, input, context, out, err);
	return pw_path_get_field(expr, field, input, context, out, err);
}

static int apply_template(json_object *tmpl, json_object *input,
			  json_object *context, json_object **out,
			  pw_error *err, int depth)
{
	*out = NULL;
	if (depth > 128)
		return pw_error_set(err, "States.Runtime",
				    "template nested too deeply");
	if (json_object_is_type(tmpl, json_type_array)) {
		size_t n = json_object_array_length(tmpl);
		json_object *arr = json_object_new_array_ext((int)n);
		for (size_t i = 0; i < n; i++) {
			json_object *v = NULL;
			if (apply_template(json_object_array_get_idx(tmpl, i),
					   input, context, &v, err,
					   depth + 1) != PW_OK) {
				json_object_put(arr);
				return PW_ERR;
			}
			json_object_array_add(arr, v);
		}
		*out = arr;
		return PW_OK;
	}
	if (!json_object_is_type(tmpl, json_type_object)) {
		*out = json_object_get(tmpl);
		return PW_OK;
	}
	json_object *obj = json_object_new_object();
	json_object_object_foreach(tmpl, key, val)
	{
		size_t klen = strlen(key);
		json_object *v = NULL;
		int rc;
		if (klen > 2 && strcmp(key + klen - 2, ".$") == 0) {
			rc = dynamic_value(key, val, input, context, &v, err);
			if (rc == PW_OK) {
				char *plain = strndup(key, klen - 2);
				if (plain == NULL) {
					json_object_put(v);
					rc = pw_error_set(err, "States.Runtime",
							  "out of memory");
				} else {
					json_object_object_add(obj, plain, v);
					free(plain);
				}
			}
		} else {
			rc = apply_template(val, input, context, &v, err,
					    depth + 1);
			if (rc == PW_OK)
				json_object_object_add(obj, key, v);
		}
		if (rc != PW_OK) {
			json_object_put(obj);
			return PW_ERR;
		}
	}
	*out = obj;
	return PW_OK;
}

int pw_apply_template(json_object *tmpl, json_object *input,
		      json_object *context, json_object **out, pw_error *err)
{
	return apply_template(tmpl, input, context, out, err, 0);
}

int pw_apply_result_path(const char *path, int is_null, json_object *input,
			 json_object *result, json_object **out,
			 pw_error *err)
{
	*out = NULL;
	if (is_null) {
		*out = json_object_get(input);
		return PW_OK;
	}
	if (path == NULL || strcmp(path, "$") == 0) {
		*out = json_object_get(result);
		return PW_OK;
	}
	json_object *copy = NULL;
	if (input != NULL && json_object_deep_copy(input, &copy, NULL) != 0)
		return pw_error_set(err, "States.Runtime", "out of memory");
	if (pw_path_set(path, &copy, json_object_get(result), err) != PW_OK) {
		json_object_put(copy);
		return PW_ERR;
	}
	*out = copy;
	return PW_OK;
}

/* A path field of state: absent -> *path NULL; JSON null -> *is_null. */
static int path_field(json_object *state, const char *name, const char **path,
		      int *is_null, pw_error *err)
{
	json_object *v = NULL;
	*path = NULL;
	*is_null = 0;
	if (!json_object_object_get_ex(state, name, &v))
		return PW_OK;
	if (v == NULL) {
		*is_null = 1;
		return PW_OK;
	}
	if (!json_object_is_type(v, json_type_string))
		return pw_error_set(err, "States.Runtime",
				    "%s must be a path string or null", name);
	*path = json_object_get_string(v);
	return PW_OK;
}

int pw_state_effective_input(json_object *state, json_object *raw_input,
			     json_object *context, json_object **out,
			     pw_error *err)
{
	const char *path;
	int is_null;
	json_object *tmpl = NULL, *in = NULL;

	*out = NULL;
	if (path_field(state, "InputPath", &path, &is_null, err) != PW_OK ||
	    pw_apply_path(path, is_null, raw_input, context, &in, err) != PW_OK)
		return PW_ERR;
	if (!json_object_object_get_ex(state, "Parameters", &tmpl)) {
		*out = in;
		return PW_OK;
	}
	int rc = pw_apply_template(tmpl, in, context, out, err);
	json_object_put(in);
	return rc;
}

int pw_state_output(json_object *state, json_object *raw_input,
		    json_object *result, json_object *context,
		    json_object **out, pw_error *err)
{
	return pw_state_output_sel(state, raw_input, result, context, NULL,
				   out, err);
}

int pw_state_output_sel(json_object *state, json_object *raw_input,
			json_object *result, json_object *context,
			json_object **sel, json_object **out, pw_error *err)
{
	const char *path;
	int is_null;
	json_object *tmpl = NULL, *selected = NULL, *merged = NULL;
	int rc = PW_ERR;

	*out = NULL;
	if (sel != NULL)
		*sel = NULL;
	if (json_object_object_get_ex(state, "ResultSelector", &tmpl)) {
		if (pw_apply_template(tmpl, result, context, &selected, err) !=
		    PW_OK)
			goto out;
	} else {
		selected = json_object_get(result);
	}
	if (path_field(state, "ResultPath", &path, &is_null, err) != PW_OK ||
	    pw_apply_result_path(path, is_null, raw_input, selected, &merged,
				 err) != PW_OK)
		goto out;
	if (path_field(state, "OutputPath", &path, &is_null, err) != PW_OK ||
	    pw_apply_path(path, is_null, merged, context, out, err) != PW_OK)
		goto out;
	rc = PW_OK;
	if (sel != NULL)
		*sel = json_object_get(selected);
out:
	json_object_put(selected);
	json_object_put(merged);
	return rc;
}

static size_t payload_limit = PW_PAYLOAD_LIMIT_DEFAULT;

void pw_payload_limit_set(size_t bytes)
{
	payload_limit = bytes ? bytes : PW_PAYLOAD_LIMIT_DEFAULT;
}

size_t pw_payload_limit(void)
{
	return payload_limit;
}

/* json-c writes UTF-8 as is, so the text's length is its size */
static size_t payload_size(json_object *v)
{
	return strlen(json_object_to_json_string_ext(
		v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

int pw_payload_check_result(json_object *v, const char *name, pw_error *err)
{
	size_t n = payload_size(v);
	if (n <= payload_limit)
		return PW_OK;
	pw_log(PW_LOG_WARN, "engine",
	       "state %s: result of %zu bytes is over the payload limit of %zu bytes "
	       "(config payload_limit_bytes)",
	       name, n, payload_limit);
	return pw_error_set(err, "States.DataLimitExceeded",
			    "The state/task '%s' returned a result with a size exceeding "
			    "the maximum number of bytes service limit.",
			    name);
}

int pw_payload_check(json_object *v, const char *what, pw_error *err)
{
	size_t n = payload_size(v);
	if (n <= payload_limit)
		return PW_OK;
	return pw_error_set(err, "States.DataLimitExceeded",
			    "%s has a size of %zu bytes, exceeding the "
			    "maximum of %zu bytes (config payload_limit_bytes)",
			    what, n, payload_limit);
}

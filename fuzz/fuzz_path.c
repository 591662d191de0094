/*
 * fuzz_path - an ASL path ("$.a[0]", "$$.Execution.Id", "$..x[?(@.n >
 * 1)]") or intrinsic call ("States.Format('{}', $.a)") as a workflow's
 * InputPath, "key.$" template or ResultPath holds it: checked, then
 * evaluated against a fixed input and context, and a reference path also
 * written into a copy of the input.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fuzz_common.h"
#include "pw_dataflow.h"
#include "pw_intrinsic.h"
#include "pw_path.h"

static const char input_json[] =
	"{\"a\": {\"b\": [1, 2.5, -3, \"x\", null, true, {\"c\": \"d\"}],"
	" \"n\": 7, \"s\": \"hello {} world\", \"e\": {}, \"l\": []},"
	" \"list\": [{\"id\": \"i-1\", \"n\": 1, \"tags\": [\"x\", \"y\"]},"
	" {\"id\": \"i-2\", \"n\": 2}, {\"id\": \"i-3\", \"n\": 3.5}],"
	" \"str\": \"a,b,,c\", \"json\": \"{\\\"k\\\": [1, 2]}\","
	" \"b64\": \"aGVsbG8=\", \"ts\": \"2026-01-02T03:04:05Z\","
	" \"weird key\": {\"'\": 1, \"]\": 2, \"\": 3}, \"nul\": null}";
static const char context_json[] =
	"{\"Execution\": {\"Id\": \"exec-1\", \"Input\": {\"x\": 1},"
	" \"StartTime\": \"2026-01-02T03:04:05Z\"},"
	" \"State\": {\"Name\": \"S\", \"RetryCount\": 0},"
	" \"Vars\": {\"cluster\": \"c1\", \"n\": \"3\"}, \"Map\": {\"Item\":"
	" {\"Index\": 0, \"Value\": {\"k\": \"v\"}}}}";

static json_object *input, *context;

static void once(void)
{
	if (input != NULL)
		return;
	input = json_tokener_parse(input_json);
	context = json_tokener_parse(context_json);
	if (input == NULL || context == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256];
	pw_error err;
	json_object *out = NULL;

	once();
	char *expr = fuzz_strndup(data, size);
	if (pw_intrinsic_is_call(expr)) {
		if (pw_intrinsic_check(expr, why, sizeof(why)) == 0 &&
		    pw_intrinsic_eval(expr, input, context, &out, &err) == 0)
			json_object_put(out);
	} else if (pw_path_valid(expr, why, sizeof(why))) {
		if (pw_path_get(expr, input, context, &out, NULL, &err) == 0)
			json_object_put(out);
		out = NULL;
		if (pw_apply_path(expr, 0, input, context, &out, &err) == 0)
			json_object_put(out);
		if (pw_path_is_reference(expr) && strncmp(expr, "$$", 2) != 0) {
			json_object *copy = NULL;
			if (json_object_deep_copy(input, &copy, NULL) != 0)
				abort();
			pw_path_set(expr, &copy, json_object_new_int(42), &err);
			json_object_put(copy);
		}
	}
	/* The same text where a "key.$" template may hold either kind. */
	out = NULL;
	if (pw_eval_dynamic(expr, input, context, &out, &err) == 0)
		json_object_put(out);
	free(expr);
	return 0;
}

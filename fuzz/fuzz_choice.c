/*
 * fuzz_choice - a Choice rule (JSON, as one element of a Choice state's
 * Choices) checked the way `prewarm validate` does and, when it passes,
 * evaluated against a fixed input as the executor does: the rule alone,
 * then inside a Choice state with a Default.
 */
#include <stdlib.h>

#include <json-c/json.h>

#include "fuzz_common.h"
#include "pw_choice.h"

static const char input_json[] =
	"{\"s\": \"abc\", \"n\": 7, \"f\": -2.5, \"big\": 1e308, \"t\": true,"
	" \"z\": null, \"ts\": \"2026-01-02T03:04:05Z\","
	" \"ts2\": \"2026-01-02T03:04:05.123+02:00\", \"a\": [1, \"x\", null],"
	" \"o\": {\"k\": \"v\", \"n\": 3}, \"glob\": \"log-*.txt\","
	" \"list\": [{\"n\": 1}, {\"n\": 2}]}";
static const char context_json[] =
	"{\"Execution\": {\"Id\": \"exec-1\"}, \"Vars\": {\"min\": \"3\"}}";

static json_object *input, *context;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (input == NULL) {
		input = json_tokener_parse(input_json);
		context = json_tokener_parse(context_json);
		if (input == NULL || context == NULL)
			abort();
	}
	char *text = fuzz_strndup(data, size);
	json_object *rule = json_tokener_parse(text);
	free(text);
	if (rule == NULL)
		return 0;
	char why[256], where[256];
	if (pw_choice_rule_check(rule, why, sizeof(why), where,
				 sizeof(where)) == 0) {
		pw_error err;
		int matched;
		pw_choice_rule_eval(rule, input, context, &matched, &err);
		json_object *state = json_object_new_object();
		json_object *choices = json_object_new_array();
		json_object_array_add(choices, json_object_get(rule));
		json_object_object_add(state, "Choices", choices);
		json_object_object_add(state, "Default",
				       json_object_new_string("Fallback"));
		pw_choice_next(state, input, context, &err);
		json_object_put(state);
	}
	json_object_put(rule);
	return 0;
}

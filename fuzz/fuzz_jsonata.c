/*
 * fuzz_jsonata - a JSONata expression (lib/jsonata) as a workflow's
 * Arguments or Output would hold it: compiled, then evaluated against a
 * fixed input with $states bound, under tight bounds (time, memory,
 * steps) so a runaway expression ends in its own error, not a timeout.
 */
#include <stdlib.h>

#include <json-c/json.h>

#include "fuzz_common.h"
#include "jsonata.h"

static const char input_json[] =
	"{\"detail\": {\"SourceIdentifier\": \"db-1\", \"n\": [1, 2.5, -3]},"
	" \"port\": \"5432\", \"tags\": [{\"Key\": \"env\", \"Value\": \"prod\"},"
	" {\"Key\": \"team\", \"Value\": \"db\"}], \"s\": \"a,b,,c\", \"nul\": null,"
	" \"Account\": {\"Order\": [{\"OrderID\": \"o1\", \"Product\": [{\"Price\": 34.45,"
	" \"Quantity\": 2}, {\"Price\": 21.67, \"Quantity\": 1}]}]}}";

static json_object *input, *bindings;

static void once(void)
{
	if (input != NULL)
		return;
	input = json_tokener_parse(input_json);
	bindings = json_object_new_object();
	json_object *states = json_object_new_object();
	json_object_object_add(states, "input", json_object_get(input));
	json_object_object_add(bindings, "states", states);
	if (input == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	jsonata_error err;
	jsonata_limits lim = { .max_depth = 200, .timeout_ms = 1000,
			       .max_memory = (size_t)64 << 20, .max_steps = 2000000 };

	once();
	char *expr = fuzz_strndup(data, size);
	jsonata_expr *e = jsonata_compile(expr, &err);
	if (e) {
		json_object *out = NULL;
		if (jsonata_eval(e, input, bindings, &lim, &out, &err) == 0)
			json_object_put(out);
		jsonata_free(e);
	}
	free(expr);
	return 0;
}

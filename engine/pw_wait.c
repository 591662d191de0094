/*
 * pw_wait - Wait state values checked with Step Functions' causes.
 */
#include "pw_wait.h"

int pw_wait_seconds_check(const char *path, json_object *v, pw_error *err)
{
	const char *text = v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)
			     : "null";
	if (v != NULL && json_object_is_type(v, json_type_string))
		text = json_object_get_string(v); /* printed as it is, unquoted */
	if (!json_object_is_type(v, json_type_int))
		return pw_error_set(err, "States.Runtime",
				    "The SecondsPath parameter cannot be parsed as a long value: "
				    "%s == %s",
				    path, text);
	if (json_object_get_int64(v) < 0)
		return pw_error_set(err, "States.Runtime",
				    "The SecondsPath parameter references a negative value: %s == %s",
				    path, text);
	return PW_OK;
}

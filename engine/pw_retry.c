/* pw_retry - ErrorEquals matching and Retry backoff arithmetic. */
#include "pw_retry.h"

#include <string.h>

#include <prewarm/backoff.h>

static int one_matches(const char *pattern, const char *name)
{
	if (strcmp(pattern, name) == 0)
		return 1;
	/* only an explicit name catches a runtime error or the terminal
	 * States.DataLimitExceeded, as in Step Functions */
	if (strcmp(name, "States.Runtime") == 0 ||
	    strcmp(name, "States.DataLimitExceeded") == 0)
		return 0;
	if (strcmp(pattern, "States.ALL") == 0)
		return 1;
	if (strcmp(pattern, "States.TaskFailed") == 0)
		return strcmp(name, "States.Timeout") != 0;
	return 0;
}

int pw_error_matches(json_object *error_equals, const char *name)
{
	size_t n = json_object_array_length(error_equals);
	for (size_t i = 0; i < n; i++) {
		const char *p = json_object_get_string(json_object_array_get_idx(error_equals, i));
		if (p != NULL && one_matches(p, name))
			return 1;
	}
	return 0;
}

int pw_retry_find(json_object *retry, const char *name)
{
	if (!json_object_is_type(retry, json_type_array))
		return -1;
	size_t n = json_object_array_length(retry);
	for (size_t i = 0; i < n; i++) {
		json_object *eq;
		if (json_object_object_get_ex(json_object_array_get_idx(retry, i),
					      "ErrorEquals", &eq) &&
		    pw_error_matches(eq, name))
			return (int)i;
	}
	return -1;
}

static double num_field(json_object *o, const char *key, double dflt)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return dflt;
	return json_object_get_double(v);
}

void pw_retrier_parse(json_object *retrier, struct pw_retrier *out)
{
	json_object *j;
	out->interval_s = num_field(retrier, "IntervalSeconds", 1.0);
	out->max_attempts = (int)num_field(retrier, "MaxAttempts", 3.0);
	out->backoff = num_field(retrier, "BackoffRate", 2.0);
	out->max_delay_s = num_field(retrier, "MaxDelaySeconds", 0.0);
	out->jitter_full = json_object_object_get_ex(retrier, "JitterStrategy", &j) &&
			   strcmp(json_object_get_string(j), "FULL") == 0;
}

int64_t pw_retry_delay_ms(const struct pw_retrier *r, int attempt, double rand01)
{
	return pw_backoff_ms(r->interval_s * 1000.0, r->backoff,
			     r->max_delay_s > 0 ? r->max_delay_s * 1000.0 : 0,
			     attempt, r->jitter_full ? rand01 : 1.0);
}

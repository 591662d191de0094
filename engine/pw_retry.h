/*
 * pw_retry - ASL error matching and Retry delays.
 * Owner: engine-runtime.
 */
#ifndef PW_RETRY_H
#define PW_RETRY_H

#include <stdint.h>
#include <json-c/json.h>

/*
 * Nonzero when error `name` matches the ErrorEquals array (borrowed).
 * As in ASL: "States.ALL" matches every error except States.Runtime
 * (which only an explicit "States.Runtime" catches); "States.TaskFailed"
 * matches every error except States.Timeout and States.Runtime.
 */
int pw_error_matches(json_object *error_equals, const char *name);

/* Index of the first retrier in `retry` (a Retry array, may be NULL)
 * whose ErrorEquals matches name, or -1. */
int pw_retry_find(json_object *retry, const char *name);

/* A retrier's fields with ASL defaults filled in. */
struct pw_retrier {
	double interval_s;  /* IntervalSeconds, default 1 */
	int max_attempts;   /* MaxAttempts, default 3 (0: never retry) */
	double backoff;     /* BackoffRate, default 2.0 */
	double max_delay_s; /* MaxDelaySeconds, <= 0: no cap */
	int jitter_full;    /* JitterStrategy FULL */
};
void pw_retrier_parse(json_object *retrier, struct pw_retrier *out);

/*
 * Delay before retry number `attempt` (1 = first retry), in ms:
 * min(IntervalSeconds * BackoffRate^(attempt-1), MaxDelaySeconds);
 * with JitterStrategy FULL, rand01 (in [0,1]) scales it: random in
 * [0, delay].
 */
int64_t pw_retry_delay_ms(const struct pw_retrier *r, int attempt,
			  double rand01);

#endif

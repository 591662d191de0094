/*
 * aws_retry - the SDKs' retry rules (see aws_retry.h). The constants and
 * the adaptive limiter follow botocore's standard and adaptive modes
 * (botocore/retries/{standard,quota,adaptive,bucket,throttling}.py).
 */
#include "aws_retry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_config_file.h"

/* The SDKs' throttling codes (retried, and they start the adaptive
 * limiter). */
static const char *const throttle_codes[] = {
	"Throttling",
	"ThrottlingException",
	"ThrottledException",
	"RequestThrottledException",
	"TooManyRequestsException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException",
	"RequestLimitExceeded",
	"BandwidthLimitExceeded",
	"LimitExceededException",
	"RequestThrottled",
	"SlowDown",
	"PriorRequestNotComplete",
	"EC2ThrottledException",
	NULL,
};

/* Codes the SDKs retry as transient whatever the status. */
static const char *const transient_codes[] = {
	"RequestTimeout",
	"RequestTimeoutException",
	"PriorRequestNotComplete",
	NULL,
};

static int in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; s != NULL && list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

int aws_retry_is_throttle_code(const char *code)
{
	return in_list(throttle_codes, code);
}

enum aws_retry_kind aws_retry_classify(const struct aws_attempt_failure *f)
{
	if (f->status == 0) {
		if (f->net_error == NULL)
			return AWS_RETRY_NO;
		if (strcmp(f->net_error, "AWS.Timeout") == 0)
			return AWS_RETRY_TIMEOUT;
		if (strcmp(f->net_error, "AWS.NetworkError") == 0)
			return AWS_RETRY_TRANSIENT;
		return AWS_RETRY_NO;
	}
	if (aws_retry_is_throttle_code(f->code) || f->status == 429)
		return AWS_RETRY_THROTTLE;
	if (in_list(transient_codes, f->code))
		return AWS_RETRY_TRANSIENT;
	switch (f->status) {
	case 500:
	case 502:
	case 503:
	case 504:
		return AWS_RETRY_TRANSIENT;
	default:
		return AWS_RETRY_NO;
	}
}

enum pw_aws_failure aws_retry_failure_class(const struct aws_attempt_failure *f)
{
	if (f->status == 0)
		return f->unsent ? PW_AWS_FAILURE_NOT_APPLIED
				 : PW_AWS_FAILURE_AMBIGUOUS;
	/* A throttled request was refused before it was processed, even when
	 * it comes as a 503 (S3's SlowDown). */
	if (f->status < 500 || aws_retry_is_throttle_code(f->code))
		return PW_AWS_FAILURE_NOT_APPLIED;
	return PW_AWS_FAILURE_AMBIGUOUS;
}

const char *pw_aws_failure_name(enum pw_aws_failure f)
{
	switch (f) {
	case PW_AWS_FAILURE_NONE:
		return "none";
	case PW_AWS_FAILURE_NOT_APPLIED:
		return "not-applied";
	case PW_AWS_FAILURE_AMBIGUOUS:
		return "ambiguous";
	}
	return "unknown";
}

/* ---- configuration ---- */

const char *aws_retry_mode_name(enum pw_aws_retry_mode m)
{
	switch (m) {
	case PW_AWS_RETRY_STANDARD:
		return "standard";
	case PW_AWS_RETRY_ADAPTIVE:
		return "adaptive";
	case PW_AWS_RETRY_LEGACY:
		return "legacy";
	default:
		return NULL;
	}
}

static int parse_mode(const char *s, enum pw_aws_retry_mode *out)
{
	for (int m = PW_AWS_RETRY_STANDARD; m <= PW_AWS_RETRY_LEGACY; m++)
		if (strcasecmp(s, aws_retry_mode_name((enum pw_aws_retry_mode)m)) == 0) {
			*out = (enum pw_aws_retry_mode)m;
			return 0;
		}
	return -1;
}

#define MAX_ATTEMPTS_LIMIT 100

static int parse_attempts(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	if (end == s || *end != '\0' || v < 1 || v > MAX_ATTEMPTS_LIMIT)
		return -1;
	*out = (int)v;
	return 0;
}

static const char *env_value(const char *name)
{
	const char *v = getenv(name);
	return v != NULL && *v != '\0' ? v : NULL;
}

int aws_retry_config_resolve(const struct aws_profile_files *files,
			     const char *profile, enum pw_aws_retry_mode tool_mode,
			     int tool_attempts, struct aws_retry_config *out,
			     pw_error *err)
{
	const char *v;
	memset(out, 0, sizeof(*out));
	out->mode = tool_mode != PW_AWS_RETRY_DEFAULT ? tool_mode
						       : PW_AWS_RETRY_STANDARD;
	if ((v = env_value("AWS_RETRY_MODE")) != NULL) {
		if (parse_mode(v, &out->mode) != 0)
			return pw_error_set(err, "AWS.InvalidConfiguration",
					    "AWS_RETRY_MODE '%.40s' is not "
					    "standard, adaptive or legacy",
					    v);
	} else if ((v = aws_profile_get(files, profile, "retry_mode")) != NULL) {
		if (parse_mode(v, &out->mode) != 0)
			return pw_error_set(err, "AWS.InvalidConfiguration",
					    "%s: profile '%s': retry_mode "
					    "'%.40s' is not standard, adaptive "
					    "or legacy",
					    files->config_path, profile, v);
	}
	if ((v = env_value("AWS_MAX_ATTEMPTS")) != NULL) {
		if (parse_attempts(v, &out->max_attempts) != 0)
			return pw_error_set(err, "AWS.InvalidConfiguration",
					    "AWS_MAX_ATTEMPTS '%.40s' is not a "
					    "whole number from 1 to %d",
					    v, MAX_ATTEMPTS_LIMIT);
		out->attempts_configured = 1;
	} else if ((v = aws_profile_get(files, profile, "max_attempts")) != NULL) {
		if (parse_attempts(v, &out->max_attempts) != 0)
			return pw_error_set(err, "AWS.InvalidConfiguration",
					    "%s: profile '%s': max_attempts "
					    "'%.40s' is not a whole number from "
					    "1 to %d",
					    files->config_path, profile, v,
					    MAX_ATTEMPTS_LIMIT);
		out->attempts_configured = 1;
	} else if (tool_attempts > 0) {
		out->max_attempts = tool_attempts;
	} else {
		out->max_attempts = out->mode == PW_AWS_RETRY_LEGACY
					    ? AWS_RETRY_LEGACY_MAX_ATTEMPTS
					    : AWS_RETRY_DEFAULT_MAX_ATTEMPTS;
	}
	return PW_OK;
}

/* ---- retry quota ---- */

void aws_retry_quota_init(struct aws_retry_quota *q)
{
	q->available = AWS_RETRY_QUOTA_INITIAL;
}

int aws_retry_quota_acquire(struct aws_retry_quota *q, enum aws_retry_kind k)
{
	int cost = k == AWS_RETRY_TIMEOUT ? AWS_RETRY_QUOTA_TIMEOUT_COST
					  : AWS_RETRY_QUOTA_COST;
	if (q->available < cost)
		return 0;
	q->available -= cost;
	return cost;
}

void aws_retry_quota_release(struct aws_retry_quota *q, int taken)
{
	q->available += taken > 0 ? taken : AWS_RETRY_QUOTA_SUCCESS_REFUND;
	if (q->available > AWS_RETRY_QUOTA_INITIAL)
		q->available = AWS_RETRY_QUOTA_INITIAL;
}

/* ---- adaptive rate limiter (botocore's adaptive mode) ---- */

#define RL_MIN_FILL_RATE 0.5 /* requests per second */
#define RL_MIN_CAPACITY 1.0
#define CUBIC_SCALE 0.4
#define CUBIC_BETA 0.7
#define RATE_SMOOTHING 0.8
#define RATE_BUCKET_S 0.5
#define RL_MAX_RATE_SCALE 2.0 /* never allow more than 2 x measured */

static double cubic_zero_point(double w_max)
{
	return cbrt(w_max * (1.0 - CUBIC_BETA) / CUBIC_SCALE);
}

void aws_rate_limiter_init(struct aws_rate_limiter *rl, double now)
{
	memset(rl, 0, sizeof(*rl));
	rl->fill_rate = RL_MIN_FILL_RATE;
	rl->max_capacity = RL_MIN_CAPACITY;
	rl->last_refill = -1;
	rl->w_max = 0;
	rl->k = cubic_zero_point(0);
	rl->last_throttle = now;
	rl->last_bucket = floor(now);
}

static void refill(struct aws_rate_limiter *rl, double now)
{
	if (rl->last_refill < 0) {
		rl->last_refill = now;
		return;
	}
	if (now > rl->last_refill) {
		rl->capacity += (now - rl->last_refill) * rl->fill_rate;
		if (rl->capacity > rl->max_capacity)
			rl->capacity = rl->max_capacity;
	}
	rl->last_refill = now;
}

static void set_max_rate(struct aws_rate_limiter *rl, double rate, double now)
{
	refill(rl, now);
	rl->fill_rate = rate > RL_MIN_FILL_RATE ? rate : RL_MIN_FILL_RATE;
	rl->max_capacity = rate > RL_MIN_CAPACITY ? rate : RL_MIN_CAPACITY;
	if (rl->capacity > rl->max_capacity)
		rl->capacity = rl->max_capacity;
}

double aws_rate_limiter_acquire(struct aws_rate_limiter *rl, double now)
{
	if (!rl->enabled)
		return 0;
	refill(rl, now);
	rl->capacity -= 1.0;
	if (rl->capacity >= 0)
		return 0;
	/* Borrow the token: the caller waits until it would have filled. */
	return -rl->capacity / rl->fill_rate;
}

static double measure_rate(struct aws_rate_limiter *rl, double now)
{
	double bucket = floor(now / RATE_BUCKET_S) * RATE_BUCKET_S;
	rl->count++;
	if (bucket > rl->last_bucket) {
		double current = rl->count / (bucket - rl->last_bucket);
		rl->measured_rate = current * RATE_SMOOTHING +
				    rl->measured_rate * (1.0 - RATE_SMOOTHING);
		rl->count = 0;
		rl->last_bucket = bucket;
	}
	return rl->measured_rate;
}

void aws_rate_limiter_update(struct aws_rate_limiter *rl, double now,
			     int throttled)
{
	double measured = measure_rate(rl, now), rate;
	if (!throttled) {
		double dt = now - rl->last_throttle - rl->k;
		rate = CUBIC_SCALE * dt * dt * dt + rl->w_max;
	} else {
		/* Once limiting, the rate we allowed is the ceiling. */
		double base = rl->enabled && rl->fill_rate < measured
				      ? rl->fill_rate
				      : measured;
		rl->w_max = base;
		rl->k = cubic_zero_point(base);
		rl->last_throttle = now;
		rate = base * CUBIC_BETA;
		rl->enabled = 1;
	}
	if (rate > RL_MAX_RATE_SCALE * measured)
		rate = RL_MAX_RATE_SCALE * measured;
	set_max_rate(rl, rate, now);
}

double aws_rate_limiter_rate(const struct aws_rate_limiter *rl)
{
	return rl->fill_rate;
}

/*
 * aws_retry - the AWS SDKs' retry rules, per call: which failures are
 * retried, how long to wait (exponential backoff with full jitter,
 * include/prewarm/backoff.h), the retry quota that stops retries when
 * most calls fail, and the adaptive mode's client-side rate limiter
 * (CUBIC, as botocore's adaptive mode). Pure arithmetic with the clock
 * passed in, so the unit tests drive it without sleeping. Internal to
 * libpwaws.
 */
#ifndef AWS_RETRY_H
#define AWS_RETRY_H

#include <prewarm/plugin.h>

#include "pw_aws.h"

struct aws_profile_files;

/* The SDKs' standard-mode constants. */
#define AWS_RETRY_DEFAULT_MAX_ATTEMPTS 3     /* standard and adaptive */
#define AWS_RETRY_LEGACY_MAX_ATTEMPTS 5      /* this tool's legacy */
#define AWS_RETRY_DEFAULT_BASE_MS 1000       /* rand * 2^(n-1) s ... */
#define AWS_RETRY_DEFAULT_CAP_MS 20000       /* ... at most 20 s */
#define AWS_RETRY_QUOTA_INITIAL 500
#define AWS_RETRY_QUOTA_COST 5               /* a retry after an error */
#define AWS_RETRY_QUOTA_TIMEOUT_COST 10      /* a retry after a timeout */
#define AWS_RETRY_QUOTA_SUCCESS_REFUND 1     /* a success at first try */

/* Mode and attempts in effect, and where each came from (for messages). */
struct aws_retry_config {
	enum pw_aws_retry_mode mode;
	int max_attempts;
	int attempts_configured; /* from AWS_MAX_ATTEMPTS or the profile */
};

/* Resolves the retry settings: AWS_RETRY_MODE / AWS_MAX_ATTEMPTS, else the
 * profile's retry_mode / max_attempts, else the tool's defaults
 * (tool_mode, tool_attempts; 0 for the SDKs'). A bad value is
 * AWS.InvalidConfiguration naming the variable or the file and profile. */
int aws_retry_config_resolve(const struct aws_profile_files *files,
			     const char *profile, enum pw_aws_retry_mode tool_mode,
			     int tool_attempts, struct aws_retry_config *out,
			     pw_error *err);

/* "standard", "adaptive", "legacy"; NULL for anything else. */
const char *aws_retry_mode_name(enum pw_aws_retry_mode m);

/* ---- classification ---- */

enum aws_retry_kind {
	AWS_RETRY_NO = 0,
	AWS_RETRY_THROTTLE,  /* the service said slow down */
	AWS_RETRY_TRANSIENT, /* 500/502/503/504, transient codes, network */
	AWS_RETRY_TIMEOUT,   /* no answer in time (costs more quota) */
};

/* What a failed attempt was: status 0 when no HTTP answer arrived (then
 * net_error is the error name, AWS.NetworkError or AWS.Timeout, and
 * unsent says nothing left this host); code is the AWS error code as
 * sent (may be NULL). */
struct aws_attempt_failure {
	long status;
	const char *code;
	const char *net_error;
	int unsent;
};

/* Whether the SDKs retry this failure, and how. */
enum aws_retry_kind aws_retry_classify(const struct aws_attempt_failure *f);
/* Nonzero when the error code is one of the SDKs' throttling codes. */
int aws_retry_is_throttle_code(const char *code);
/* Whether the request can have changed something: an error response
 * below 500 or a throttling answer, or a request that never left, was
 * not applied; a 5xx, a timeout or a connection lost after sending is
 * ambiguous. */
enum pw_aws_failure aws_retry_failure_class(const struct aws_attempt_failure *f);

/* ---- retry quota (standard and adaptive) ---- */

struct aws_retry_quota {
	int available;
};
void aws_retry_quota_init(struct aws_retry_quota *q);
/* Takes the cost of one retry (timeout: 10, else 5); returns the amount
 * taken, or 0 when the quota cannot pay: then do not retry. */
int aws_retry_quota_acquire(struct aws_retry_quota *q, enum aws_retry_kind k);
/* After a success: gives back what the call's last retry took (taken),
 * or 1 when it succeeded without a retry (taken 0); never above 500. */
void aws_retry_quota_release(struct aws_retry_quota *q, int taken);

/* ---- adaptive mode: the client-side rate limiter ---- */

struct aws_rate_limiter {
	int enabled;            /* after the first throttle */
	double fill_rate;       /* tokens per second */
	double max_capacity;
	double capacity;
	double last_refill;     /* seconds; < 0: never */
	/* CUBIC */
	double w_max;
	double k;
	double last_throttle;
	/* measured sending rate */
	double measured_rate;
	double last_bucket;
	int count;
};
void aws_rate_limiter_init(struct aws_rate_limiter *rl, double now);
/* Before sending: takes one token. Returns the seconds to wait first (0
 * when a token is there or the limiter is not enabled yet); the token is
 * counted as taken. */
double aws_rate_limiter_acquire(struct aws_rate_limiter *rl, double now);
/* After an answer (or a failure): adjusts the allowed rate. */
void aws_rate_limiter_update(struct aws_rate_limiter *rl, double now,
			     int throttled);
/* The current allowed sending rate (requests per second). */
double aws_rate_limiter_rate(const struct aws_rate_limiter *rl);

#endif

/*
 * check_aws_retry - the AWS library's retry rules without a network: the
 * shared backoff formula (full jitter bounds, cap), the retry quota,
 * which failures are retried and which were not applied, the adaptive
 * mode's rate limiter after throttles, and how retry_mode/max_attempts
 * are chosen from the config file and the environment.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <prewarm/backoff.h>

#include "aws_internal.h"

START_TEST(backoff_full_jitter_bounds_and_cap)
{
	/* rand01 1 is the ceiling: base * 2^(n-1), capped at 20 s. */
	ck_assert_int_eq(pw_backoff_ms(1000, 2, 20000, 1, 1.0), 1000);
	ck_assert_int_eq(pw_backoff_ms(1000, 2, 20000, 2, 1.0), 2000);
	ck_assert_int_eq(pw_backoff_ms(1000, 2, 20000, 5, 1.0), 16000);
	ck_assert_int_eq(pw_backoff_ms(1000, 2, 20000, 6, 1.0), 20000);
	ck_assert_int_eq(pw_backoff_ms(1000, 2, 20000, 1000000, 1.0), 20000);
	/* Full jitter scales it down to 0. */
	ck_assert_int_eq(pw_backoff_ms(1000, 2, 20000, 3, 0.0), 0);
	ck_assert_int_eq(pw_backoff_ms(1000, 2, 20000, 3, 0.25), 1000);
	/* Hostile factors are clamped, overflow is bounded. */
	ck_assert_int_eq(pw_backoff_ms(1000, 2, 20000, 3, 7.0), 4000);
	ck_assert_int_eq(pw_backoff_ms(1000, 2, 20000, 3, -1.0), 0);
	ck_assert_int_eq(pw_backoff_ms(1000, 2, 20000, 3, 0.0 / 0.0), 0);
	ck_assert(pw_backoff_ms(1000, 10, 0, 1000000, 1.0) <= (int64_t)9e15);
	ck_assert_int_eq(pw_backoff_ms(1500, 1.0, 0, 50, 1.0), 1500);
}
END_TEST

START_TEST(client_backoff_is_uniform_under_the_ceiling)
{
	setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds", 1);
	struct pw_aws_options o = { .service = "rds", .region = "eu-west-1",
				    .endpoint_url = "http://127.0.0.1:9" };
	pw_aws_client *c;
	pw_error e;
	ck_assert_int_eq(pw_aws_client_new(&o, &c, &e), PW_OK);
	long lo = 1L << 30, hi = 0;
	double sum = 0;
	for (int i = 0; i < 4000; i++) {
		long d = pw_aws_client_backoff_ms(c, 3); /* ceiling 4000 */
		ck_assert(d >= 0 && d <= 4000);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
		sum += (double)d;
	}
	/* Spread over the whole range, mean near the middle. */
	ck_assert(lo < 200 && hi > 3800);
	ck_assert(sum / 4000 > 1800 && sum / 4000 < 2200);
	for (int i = 0; i < 200; i++)
		ck_assert(pw_aws_client_backoff_ms(c, 30) <= 20000);
	pw_aws_client_free(c);
}
END_TEST

START_TEST(quota_exhaustion_stops_retries_and_success_refunds)
{
	struct aws_retry_quota q;
	aws_retry_quota_init(&q);
	ck_assert_int_eq(q.available, 500);
	ck_assert_int_eq(aws_retry_quota_acquire(&q, AWS_RETRY_TRANSIENT), 5);
	ck_assert_int_eq(aws_retry_quota_acquire(&q, AWS_RETRY_THROTTLE), 5);
	ck_assert_int_eq(aws_retry_quota_acquire(&q, AWS_RETRY_TIMEOUT), 10);
	ck_assert_int_eq(q.available, 480);
	int retries = 0;
	while (aws_retry_quota_acquire(&q, AWS_RETRY_TRANSIENT) > 0)
		retries++;
	ck_assert_int_eq(retries, 96);
	ck_assert_int_eq(q.available, 0);
	ck_assert_int_eq(aws_retry_quota_acquire(&q, AWS_RETRY_THROTTLE), 0);
	/* A success after a retry gives back what that retry took... */
	aws_retry_quota_release(&q, 10);
	ck_assert_int_eq(q.available, 10);
	ck_assert_int_eq(aws_retry_quota_acquire(&q, AWS_RETRY_TIMEOUT), 10);
	ck_assert_int_eq(aws_retry_quota_acquire(&q, AWS_RETRY_TRANSIENT), 0);
	/* ...a success at the first try gives 1, up to the initial 500. */
	for (int i = 0; i < 4; i++)
		aws_retry_quota_release(&q, 0);
	ck_assert_int_eq(aws_retry_quota_acquire(&q, AWS_RETRY_TRANSIENT), 0);
	aws_retry_quota_release(&q, 0);
	ck_assert_int_eq(aws_retry_quota_acquire(&q, AWS_RETRY_TRANSIENT), 5);
	for (int i = 0; i < 1000; i++)
		aws_retry_quota_release(&q, 5);
	ck_assert_int_eq(q.available, 500);
}
END_TEST

static struct aws_attempt_failure answer(long status, const char *code)
{
	struct aws_attempt_failure f = { .status = status, .code = code };
	return f;
}

START_TEST(classification_as_the_sdks)
{
	static const char *const throttles[] = {
		"Throttling", "ThrottlingException", "RequestLimitExceeded",
		"TooManyRequestsException", "SlowDown", "RequestThrottled",
		"ProvisionedThroughputExceededException", "EC2ThrottledException",
		"LimitExceededException", "BandwidthLimitExceeded", NULL,
	};
	for (int i = 0; throttles[i]; i++) {
		struct aws_attempt_failure f = answer(400, throttles[i]);
		ck_assert_msg(aws_retry_classify(&f) == AWS_RETRY_THROTTLE, "%s",
			      throttles[i]);
		ck_assert(aws_retry_failure_class(&f) ==
			  PW_AWS_FAILURE_NOT_APPLIED);
	}
	struct aws_attempt_failure f = answer(503, "SlowDown");
	ck_assert(aws_retry_classify(&f) == AWS_RETRY_THROTTLE);
	ck_assert(aws_retry_failure_class(&f) == PW_AWS_FAILURE_NOT_APPLIED);
	f = answer(429, NULL);
	ck_assert(aws_retry_classify(&f) == AWS_RETRY_THROTTLE);
	for (long s = 500; s <= 504; s++) {
		f = answer(s, s == 500 ? "InternalFailure" : NULL);
		ck_assert(aws_retry_classify(&f) ==
			  (s == 501 ? AWS_RETRY_NO : AWS_RETRY_TRANSIENT));
		ck_assert(aws_retry_failure_class(&f) ==
			  PW_AWS_FAILURE_AMBIGUOUS);
	}
	f = answer(400, "RequestTimeout");
	ck_assert(aws_retry_classify(&f) == AWS_RETRY_TRANSIENT);
	f = answer(400, "InvalidDBClusterEndpointStateFault");
	ck_assert(aws_retry_classify(&f) == AWS_RETRY_NO);
	ck_assert(aws_retry_failure_class(&f) == PW_AWS_FAILURE_NOT_APPLIED);
	f = answer(403, "AccessDenied");
	ck_assert(aws_retry_classify(&f) == AWS_RETRY_NO);
	/* No answer: connection refused (nothing sent) vs lost after
	 * sending; timeouts cost more quota. */
	struct aws_attempt_failure net = { .net_error = "AWS.NetworkError",
					   .unsent = 1 };
	ck_assert(aws_retry_classify(&net) == AWS_RETRY_TRANSIENT);
	ck_assert(aws_retry_failure_class(&net) == PW_AWS_FAILURE_NOT_APPLIED);
	net.unsent = 0;
	ck_assert(aws_retry_failure_class(&net) == PW_AWS_FAILURE_AMBIGUOUS);
	net.net_error = "AWS.Timeout";
	ck_assert(aws_retry_classify(&net) == AWS_RETRY_TIMEOUT);
	ck_assert(aws_retry_failure_class(&net) == PW_AWS_FAILURE_AMBIGUOUS);
	net.net_error = "AWS.ResponseTooLarge";
	ck_assert(aws_retry_classify(&net) == AWS_RETRY_NO);
	ck_assert_str_eq(pw_aws_failure_name(PW_AWS_FAILURE_AMBIGUOUS),
			 "ambiguous");
	ck_assert_str_eq(pw_aws_failure_name(PW_AWS_FAILURE_NOT_APPLIED),
			 "not-applied");
}
END_TEST

/* Sends n requests evenly over [t, t+dur), each answered ok (or
 * throttled); returns the total wait the limiter imposed. */
static double drive(struct aws_rate_limiter *rl, double *t, int n, double dur,
		    int throttled)
{
	double waited = 0;
	for (int i = 0; i < n; i++) {
		double w = aws_rate_limiter_acquire(rl, *t);
		waited += w;
		*t += w;
		aws_rate_limiter_update(rl, *t, throttled);
		*t += dur / n;
	}
	return waited;
}

START_TEST(adaptive_limiter_after_throttles)
{
	struct aws_rate_limiter rl;
	double t = 1000.0;
	aws_rate_limiter_init(&rl, t);
	/* Until the first throttle nothing is delayed. */
	ck_assert(drive(&rl, &t, 40, 2.0, 0) == 0.0); /* 20 requests/s */
	ck_assert(!rl.enabled);
	/* A throttle: the rate drops to 0.7 x the measured rate. */
	double measured = rl.measured_rate;
	ck_assert(measured > 10 && measured < 30);
	double w0 = aws_rate_limiter_acquire(&rl, t);
	ck_assert(w0 == 0.0);
	aws_rate_limiter_update(&rl, t, 1);
	ck_assert(rl.enabled);
	double r1 = aws_rate_limiter_rate(&rl);
	ck_assert_msg(r1 > 0.6 * measured && r1 < 0.8 * measured,
		      "rate %.2f after a throttle at %.2f/s", r1, measured);
	/* Sending faster than allowed now waits about 1/rate per request. */
	double waited = 0;
	for (int i = 0; i < 20; i++)
		waited += aws_rate_limiter_acquire(&rl, t);
	ck_assert(waited > 0);
	ck_assert_msg(waited / 20 >= 0.5 / r1, "mean wait %.3f at %.2f/s",
		      waited / 20, r1);
	/* Each further throttle lowers it again, down to 0.5/s at least. */
	for (int i = 0; i < 30; i++) {
		t += 1.0;
		aws_rate_limiter_update(&rl, t, 1);
	}
	ck_assert(aws_rate_limiter_rate(&rl) < r1);
	ck_assert(aws_rate_limiter_rate(&rl) >= 0.5);
	/* Successes let it grow back (CUBIC), up to 2 x the measured rate. */
	double low = aws_rate_limiter_rate(&rl);
	drive(&rl, &t, 200, 20.0, 0);
	ck_assert_msg(aws_rate_limiter_rate(&rl) > low, "%.2f -> %.2f", low,
		      aws_rate_limiter_rate(&rl));
	ck_assert(aws_rate_limiter_rate(&rl) <= 2 * rl.measured_rate + 1e-9 ||
		  aws_rate_limiter_rate(&rl) <= 1.0);
}
END_TEST

static char cfg_path[64];

static void write_config(const char *text)
{
	strcpy(cfg_path, "/tmp/check_aws_retry_XXXXXX");
	int fd = mkstemp(cfg_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	setenv("AWS_CONFIG_FILE", cfg_path, 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds", 1);
	unsetenv("AWS_RETRY_MODE");
	unsetenv("AWS_MAX_ATTEMPTS");
	unsetenv("AWS_PROFILE");
}

static int new_client(const char *profile, enum pw_aws_retry_mode mode,
		      int attempts, pw_aws_client **c, pw_error *e)
{
	struct pw_aws_options o = { .service = "rds", .region = "eu-west-1",
				    .endpoint_url = "http://127.0.0.1:9",
				    .profile = profile, .retry_mode = mode,
				    .max_attempts = attempts };
	return pw_aws_client_new(&o, c, e);
}

START_TEST(config_and_environment_select_the_mode)
{
	pw_aws_client *c;
	pw_error e;
	write_config("[default]\nregion = eu-west-1\n"
		     "[profile slow]\nretry_mode = adaptive\nmax_attempts = 7\n"
		     "[profile legacy]\nretry_mode = legacy\n"
		     "[profile bad]\nretry_mode = fast\n"
		     "[profile zero]\nmax_attempts = 0\n");
	/* Nothing configured: the SDKs' standard mode with 3 attempts, or
	 * the tool's own defaults. */
	ck_assert_int_eq(new_client(NULL, 0, 0, &c, &e), PW_OK);
	ck_assert_int_eq(pw_aws_client_retry_mode(c), PW_AWS_RETRY_STANDARD);
	ck_assert_int_eq(pw_aws_client_max_attempts(c), 3);
	pw_aws_client_free(c);
	ck_assert_int_eq(new_client(NULL, PW_AWS_RETRY_ADAPTIVE, 10, &c, &e),
			 PW_OK);
	ck_assert_int_eq(pw_aws_client_retry_mode(c), PW_AWS_RETRY_ADAPTIVE);
	ck_assert_int_eq(pw_aws_client_max_attempts(c), 10);
	pw_aws_client_free(c);
	/* The profile wins over the tool's defaults. */
	ck_assert_int_eq(new_client("slow", 0, 10, &c, &e), PW_OK);
	ck_assert_int_eq(pw_aws_client_retry_mode(c), PW_AWS_RETRY_ADAPTIVE);
	ck_assert_int_eq(pw_aws_client_max_attempts(c), 7);
	pw_aws_client_free(c);
	ck_assert_int_eq(new_client("legacy", 0, 0, &c, &e), PW_OK);
	ck_assert_int_eq(pw_aws_client_retry_mode(c), PW_AWS_RETRY_LEGACY);
	ck_assert_int_eq(pw_aws_client_max_attempts(c), 5);
	pw_aws_client_free(c);
	/* The environment wins over the profile. */
	setenv("AWS_RETRY_MODE", "standard", 1);
	setenv("AWS_MAX_ATTEMPTS", "2", 1);
	ck_assert_int_eq(new_client("slow", 0, 10, &c, &e), PW_OK);
	ck_assert_int_eq(pw_aws_client_retry_mode(c), PW_AWS_RETRY_STANDARD);
	ck_assert_int_eq(pw_aws_client_max_attempts(c), 2);
	/* A caller's explicit setting still applies (a read-modify-write
	 * loop's single attempt). */
	ck_assert_int_eq(pw_aws_client_set_max_attempts(c, 1), 2);
	ck_assert_int_eq(pw_aws_client_max_attempts(c), 1);
	pw_aws_client_free(c);
	/* Bad values are named errors naming where they came from. */
	setenv("AWS_RETRY_MODE", "turbo", 1);
	ck_assert_int_eq(new_client(NULL, 0, 0, &c, &e), PW_ERR);
	ck_assert_str_eq(e.name, "AWS.InvalidConfiguration");
	ck_assert_ptr_nonnull(strstr(e.cause, "AWS_RETRY_MODE 'turbo'"));
	unsetenv("AWS_RETRY_MODE");
	setenv("AWS_MAX_ATTEMPTS", "3x", 1);
	ck_assert_int_eq(new_client(NULL, 0, 0, &c, &e), PW_ERR);
	ck_assert_ptr_nonnull(strstr(e.cause, "AWS_MAX_ATTEMPTS '3x'"));
	unsetenv("AWS_MAX_ATTEMPTS");
	ck_assert_int_eq(new_client("bad", 0, 0, &c, &e), PW_ERR);
	ck_assert_ptr_nonnull(strstr(e.cause, "profile 'bad': retry_mode 'fast'"));
	ck_assert_ptr_nonnull(strstr(e.cause, cfg_path));
	ck_assert_int_eq(new_client("zero", 0, 0, &c, &e), PW_ERR);
	ck_assert_ptr_nonnull(strstr(e.cause, "profile 'zero': max_attempts '0'"));
	unlink(cfg_path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("aws_retry");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, backoff_full_jitter_bounds_and_cap);
	tcase_add_test(tc, client_backoff_is_uniform_under_the_ceiling);
	tcase_add_test(tc, quota_exhaustion_stops_retries_and_success_refunds);
	tcase_add_test(tc, classification_as_the_sdks);
	tcase_add_test(tc, adaptive_limiter_after_throttles);
	tcase_add_test(tc, config_and_environment_select_the_mode);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* check_retry - ErrorEquals matching and Retry delay arithmetic. */
#include "../plugins/rt_test.h"
#include "pw_retry.h"

static json_object *arr(const char *json)
{
	return json_tokener_parse(json);
}

START_TEST(states_all_matches_everything_but_runtime)
{
	json_object *eq = arr("[\"States.ALL\"]");
	ck_assert(pw_error_matches(eq, "RDS.DBInstanceNotFound"));
	ck_assert(pw_error_matches(eq, "States.Timeout"));
	ck_assert(pw_error_matches(eq, "States.TaskFailed"));
	ck_assert(!pw_error_matches(eq, "States.Runtime"));
	json_object_put(eq);
	eq = arr("[\"States.Runtime\"]");
	ck_assert(pw_error_matches(eq, "States.Runtime"));
	json_object_put(eq);
}
END_TEST

START_TEST(task_failed_is_a_wildcard_without_timeout)
{
	json_object *eq = arr("[\"States.TaskFailed\"]");
	ck_assert(pw_error_matches(eq, "Postgres.ConnectionFailed"));
	ck_assert(!pw_error_matches(eq, "States.Timeout"));
	ck_assert(!pw_error_matches(eq, "States.Runtime"));
	json_object_put(eq);
	eq = arr("[\"A.B\", \"C.D\"]");
	ck_assert(pw_error_matches(eq, "C.D"));
	ck_assert(!pw_error_matches(eq, "C"));
	json_object_put(eq);
}
END_TEST

START_TEST(first_matching_retrier_wins)
{
	json_object *retry = arr("[{\"ErrorEquals\":[\"X.One\"]},"
				 "{\"ErrorEquals\":[\"States.ALL\"]},"
				 "{\"ErrorEquals\":[\"X.Two\"]}]");
	ck_assert_int_eq(pw_retry_find(retry, "X.One"), 0);
	ck_assert_int_eq(pw_retry_find(retry, "X.Two"), 1);
	ck_assert_int_eq(pw_retry_find(retry, "States.Runtime"), -1);
	ck_assert_int_eq(pw_retry_find(NULL, "X.One"), -1);
	json_object_put(retry);
}
END_TEST

START_TEST(defaults_follow_asl)
{
	json_object *r = json_tokener_parse("{\"ErrorEquals\":[\"States.ALL\"]}");
	struct pw_retrier rt;
	pw_retrier_parse(r, &rt);
	ck_assert_int_eq(rt.max_attempts, 3);
	ck_assert(rt.interval_s == 1.0 && rt.backoff == 2.0 && !rt.jitter_full);
	ck_assert_int_eq(pw_retry_delay_ms(&rt, 1, 0.3), 1000);
	ck_assert_int_eq(pw_retry_delay_ms(&rt, 2, 0.3), 2000);
	ck_assert_int_eq(pw_retry_delay_ms(&rt, 3, 0.3), 4000);
	json_object_put(r);
}
END_TEST

START_TEST(backoff_is_capped_by_max_delay)
{
	json_object *r = json_tokener_parse(
		"{\"ErrorEquals\":[\"States.ALL\"],\"IntervalSeconds\":3,\"BackoffRate\":2.5,"
		"\"MaxDelaySeconds\":10,\"MaxAttempts\":9}");
	struct pw_retrier rt;
	pw_retrier_parse(r, &rt);
	ck_assert_int_eq(pw_retry_delay_ms(&rt, 1, 0), 3000);
	ck_assert_int_eq(pw_retry_delay_ms(&rt, 2, 0), 7500);
	ck_assert_int_eq(pw_retry_delay_ms(&rt, 3, 0), 10000);
	ck_assert_int_eq(pw_retry_delay_ms(&rt, 50, 0), 10000);
	json_object_put(r);
}
END_TEST

START_TEST(full_jitter_scales_within_the_delay)
{
	json_object *r = json_tokener_parse(
		"{\"ErrorEquals\":[\"States.ALL\"],\"IntervalSeconds\":4,\"JitterStrategy\":\"FULL\"}");
	struct pw_retrier rt;
	pw_retrier_parse(r, &rt);
	ck_assert(rt.jitter_full);
	ck_assert_int_eq(pw_retry_delay_ms(&rt, 2, 0.25), 2000);
	ck_assert_int_eq(pw_retry_delay_ms(&rt, 2, 0.0), 0);
	ck_assert_int_eq(pw_retry_delay_ms(&rt, 2, 1.0), 8000);
	json_object_put(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("retry");
	TCase *tc = tcase_create("retry");
	tcase_add_test(tc, states_all_matches_everything_but_runtime);
	tcase_add_test(tc, task_failed_is_a_wildcard_without_timeout);
	tcase_add_test(tc, first_matching_retrier_wins);
	tcase_add_test(tc, defaults_follow_asl);
	tcase_add_test(tc, backoff_is_capped_by_max_delay);
	tcase_add_test(tc, full_jitter_scales_within_the_delay);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

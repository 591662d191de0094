/* check_journal - durable history lines, torn writes, locks, keys. */
#include <fcntl.h>

#include "../plugins/rt_test.h"
#include "pw_journal.h"
#include "pw_log.h"

static char *dir;

static void setup(void)
{
	dir = rt_tmpdir();
}

static void teardown(void)
{
	rt_rmdir(dir);
}

START_TEST(events_are_numbered_timestamped_lines)
{
	struct pw_fake_clock fc;
	pw_fake_clock_init(&fc, 1764067576123LL); /* 2025-11-25T10:46:16.123Z */
	pw_journal *j = NULL;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_journal_create(dir, "e1", &fc.clock, &j, &err), PW_OK);
	ck_assert_str_eq(pw_journal_id(j), "e1");
	json_object *d = json_tokener_parse("{\"input\":{\"a\":1}}");
	ck_assert_int_eq(pw_journal_append(j, "ExecutionStarted", NULL, d, &err), PW_OK);
	ck_assert_int_eq(pw_journal_append(j, "StateEntered", "First", d, &err), PW_OK);
	json_object_put(d);
	ck_assert(pw_journal_is_running(dir, "e1"));
	pw_journal_close(j);
	ck_assert(!pw_journal_is_running(dir, "e1"));
	json_object *events = NULL;
	ck_assert_int_eq(pw_journal_read(dir, "e1", &events, &err), PW_OK);
	ck_assert_int_eq(json_object_array_length(events), 2);
	json_object *e2 = json_object_array_get_idx(events, 1);
	ck_assert_str_eq(rt_str(e2, "type"), "StateEntered");
	ck_assert_int_eq(rt_int(e2, "id"), 2);
	ck_assert_str_eq(rt_str(e2, "state"), "First");
	ck_assert_str_eq(rt_str(e2, "timestamp"), "2025-11-25T10:46:16.123Z");
	json_object_put(events);
	/* A second create of the same id is refused. */
	ck_assert_int_eq(pw_journal_create(dir, "e1", NULL, &j, &err), PW_ERR);
}
END_TEST

START_TEST(torn_last_line_is_skipped_and_repaired)
{
	pw_journal *j = NULL;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_journal_create(dir, "e2", NULL, &j, &err), PW_OK);
	ck_assert_int_eq(pw_journal_append(j, "ExecutionStarted", NULL, NULL, &err), PW_OK);
	pw_journal_close(j);
	char path[700];
	snprintf(path, sizeof(path), "%s/executions/e2.jsonl", dir);
	FILE *f = fopen(path, "a");
	fputs("{\"type\":\"StateEnt", f); /* killed mid-write */
	fclose(f);
	json_object *events = NULL;
	ck_assert_int_eq(pw_journal_read(dir, "e2", &events, &err), PW_OK);
	ck_assert_int_eq(json_object_array_length(events), 1);
	json_object_put(events);
	ck_assert_int_eq(pw_journal_reopen(dir, "e2", NULL, 0, &j, &err), PW_OK);
	ck_assert_int_eq(pw_journal_append(j, "ExecutionResumed", NULL, NULL, &err), PW_OK);
	pw_journal_close(j);
	ck_assert_int_eq(pw_journal_read(dir, "e2", &events, &err), PW_OK);
	ck_assert_int_eq(json_object_array_length(events), 2);
	ck_assert_int_eq(rt_int(json_object_array_get_idx(events, 1), "id"), 2);
	json_object_put(events);
	/* A corrupt line in the middle is an error naming the line. */
	f = fopen(path, "a");
	fputs("garbage\n{\"type\":\"X\"}\n", f);
	fclose(f);
	ck_assert_int_eq(pw_journal_read(dir, "e2", &events, &err), PW_ERR);
	ck_assert_str_eq(err.name, "Journal.Corrupt");
	ck_assert_msg(strstr(err.cause, "e2.jsonl:3"), "%s", err.cause);
}
END_TEST

START_TEST(a_running_journal_cannot_be_reopened)
{
	pw_journal *j = NULL, *j2 = NULL;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_journal_create(dir, "e3", NULL, &j, &err), PW_OK);
	ck_assert_int_eq(pw_journal_reopen(dir, "e3", NULL, 0, &j2, &err), PW_ERR);
	ck_assert_str_eq(err.name, "Journal.Busy");
	pw_journal_close(j);
	ck_assert_int_eq(pw_journal_reopen(dir, "e3", NULL, 0, &j2, &err), PW_OK);
	pw_journal_close(j2);
	ck_assert_int_eq(pw_journal_reopen(dir, "../x", NULL, 0, &j2, &err), PW_ERR);
	ck_assert_int_eq(pw_journal_reopen(dir, "nope", NULL, 0, &j2, &err), PW_ERR);
	ck_assert_str_eq(err.name, "Journal.NotFound");
}
END_TEST

START_TEST(idempotency_key_binds_once)
{
	char existing[200];
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_journal_key_claim(dir, "event/123 x", "id-A", existing,
					      sizeof(existing), &err), 0);
	ck_assert_int_eq(pw_journal_key_claim(dir, "event/123 x", "id-B", existing,
					      sizeof(existing), &err), 1);
	ck_assert_str_eq(existing, "id-A");
	ck_assert_int_eq(pw_journal_key_claim(dir, "event/124", "id-C", existing,
					      sizeof(existing), &err), 0);
	char path[700];
	snprintf(path, sizeof(path), "%s/keys/event%%2F123%%20x", dir);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(pw_journal_key_claim(dir, "", "id", existing, sizeof(existing), &err),
			 PW_ERR);
}
END_TEST

START_TEST(summary_finds_resume_point)
{
	json_object *ev = json_tokener_parse(
		"[{\"type\":\"ExecutionStarted\",\"id\":1},"
		"{\"type\":\"StateExited\",\"id\":2,\"state\":\"A\",\"next\":\"B\"},"
		"{\"type\":\"StateExited\",\"id\":3,\"state\":\"X\",\"scope\":\"M[0]\"},"
		"{\"type\":\"TaskScheduled\",\"id\":4,\"state\":\"B\"}]");
	struct pw_journal_summary s;
	pw_journal_summarize(ev, &s);
	ck_assert_ptr_nonnull(s.started);
	ck_assert_ptr_null(s.finished);
	ck_assert_str_eq(rt_str(s.last_exit, "state"), "A");
	ck_assert_int_eq(s.last_id, 4);
	json_object_put(ev);
}
END_TEST

START_TEST(a_line_that_lost_a_secret_says_so)
{
	pw_journal *j = NULL;
	pw_error err = {{0}, {0}};
	pw_secret_clear();
	pw_secret_add("tok-0123456789");
	ck_assert_int_eq(pw_journal_create(dir, "e4", NULL, &j, &err), PW_OK);
	json_object *plain = json_tokener_parse("{\"output\":{\"n\":1}}");
	json_object *secret = json_tokener_parse("{\"output\":{\"Token\":\"tok-0123456789\"}}");
	ck_assert_int_eq(pw_journal_append(j, "StateExited", "A", plain, &err), PW_OK);
	ck_assert_int_eq(pw_journal_append(j, "StateExited", "B", secret, &err), PW_OK);
	json_object_put(plain);
	json_object_put(secret);
	pw_journal_close(j);
	pw_secret_clear();

	char path[700];
	snprintf(path, sizeof(path), "%s/executions/e4.jsonl", dir);
	char *text = rt_read(path);
	ck_assert_ptr_null(strstr(text, "tok-0123456789"));
	free(text);
	json_object *events = NULL;
	ck_assert_int_eq(pw_journal_read(dir, "e4", &events, &err), PW_OK);
	json_object *a = json_object_array_get_idx(events, 0);
	json_object *b = json_object_array_get_idx(events, 1);
	ck_assert(!pw_journal_event_redacted(a));
	ck_assert(!json_object_object_get_ex(a, "redacted", NULL));
	ck_assert(pw_journal_event_redacted(b));
	json_object *out = NULL;
	ck_assert(json_object_object_get_ex(b, "output", &out));
	ck_assert_str_eq(rt_str(out, "Token"), "***");
	ck_assert_str_eq(rt_str(b, "state"), "B");
	json_object_put(events);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("journal");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, events_are_numbered_timestamped_lines);
	tcase_add_test(tc, torn_last_line_is_skipped_and_repaired);
	tcase_add_test(tc, a_running_journal_cannot_be_reopened);
	tcase_add_test(tc, idempotency_key_binds_once);
	tcase_add_test(tc, summary_finds_resume_point);
	tcase_add_test(tc, a_line_that_lost_a_secret_says_so);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

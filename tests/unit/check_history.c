/* check_history - execution summaries for the operator views: status
 * (running told from interrupted by the journal lock), failing and current
 * state, the path taken, durations, listing, and events with fields or
 * scopes it does not know. */
#include <fcntl.h>
#include <sys/stat.h>

#include "../plugins/rt_test.h"
#include "pw_history.h"
#include "pw_journal.h"

static char *dir;

static void setup(void)
{
	dir = rt_tmpdir();
}

static void teardown(void)
{
	rt_rmdir(dir);
}

/* Journals id with the events of lines (type|state|scope|next; "" none). */
static pw_journal *write_journal(const char *id, const char *const *lines, int keep_open)
{
	struct pw_fake_clock fc;
	pw_fake_clock_init(&fc, 1764067576000LL);
	pw_journal *j = NULL;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_journal_create(dir, id, &fc.clock, &j, &err), PW_OK);
	for (; *lines; lines++) {
		char type[64], state[64], scope[64], next[64];
		ck_assert_int_eq(sscanf(*lines, "%63[^|]|%63[^|]|%63[^|]|%63[^|]", type, state, scope, next),
				 4);
		json_object *d = json_object_new_object();
		if (strcmp(scope, "-") != 0)
			json_object_object_add(d, "scope", json_object_new_string(scope));
		if (strcmp(type, "StateExited") == 0)
			json_object_object_add(d, "next",
					       strcmp(next, "-") ? json_object_new_string(next) : NULL);
		if (strcmp(type, "ExecutionStarted") == 0) {
			json_object_object_add(d, "workflow", json_object_new_string("/w/aurora-replica-prewarm.yaml"));
			json_object_object_add(d, "startTime", json_object_new_string("2025-11-25T10:46:10.500Z"));
			json_object_object_add(d, "key", json_object_new_string("evt-1"));
		}
		if (strcmp(type, "ExecutionFailed") == 0)
			json_object_object_add(d, "error", json_object_new_string("Test.Broken"));
		if (strcmp(type, "TaskScheduled") == 0)
			json_object_object_add(d, "attempt", json_object_new_int(2));
		/* a field from a newer engine: ignored */
		json_object_object_add(d, "iteration", json_object_new_int(7));
		ck_assert_int_eq(pw_journal_append(j, type, strcmp(state, "-") ? state : NULL, d, &err),
				 PW_OK);
		json_object_put(d);
	}
	if (!keep_open) {
		pw_journal_close(j);
		return NULL;
	}
	return j;
}

static const char *const FAILED[] = {
	"ExecutionStarted|-|-|-", "StateEntered|A|-|-", "StateExited|A|-|M", "StateEntered|M|-|-",
	"StateEntered|I|M[0]|-", "TaskScheduled|I|M[0]|-", "StateExited|I|M[0]|-",
	"StateEntered|I|M[1]/X[0]|-", "StateExited|M|-|Bad", "StateEntered|Bad|-|-",
	"ExecutionFailed|-|-|-", NULL};
static const char *const UNFINISHED[] = {"ExecutionStarted|-|-|-", "StateEntered|A|-|-",
					 "StateExited|A|-|B", "StateEntered|B|-|-", NULL};

START_TEST(failed_names_the_state_error_and_path)
{
	json_object *events = NULL;
	pw_error err;
	struct pw_history_summary s;
	write_journal("f1", FAILED, 0);
	ck_assert_int_eq(pw_journal_read(dir, "f1", &events, &err), PW_OK);
	pw_history_summarize(dir, "f1", events, &s);
	ck_assert_int_eq(s.status, PW_HISTORY_FAILED);
	ck_assert_str_eq(pw_history_status_name(s.status), "failed");
	ck_assert_str_eq(s.state, "Bad"); /* nested events do not move it */
	ck_assert_str_eq(s.error, "Test.Broken");
	ck_assert_str_eq(s.key, "evt-1");
	ck_assert(s.started > 1764067570.4 && s.started < 1764067570.6);
	ck_assert(s.last >= 1764067576.0);
	json_object *visited = json_object_new_object(), *edges = json_object_new_object();
	pw_history_path(events, visited, edges);
	ck_assert_int_eq(json_object_object_length(visited), 4); /* A M I Bad */
	ck_assert(json_object_object_get_ex(edges, "A\x1fM", NULL));
	ck_assert(json_object_object_get_ex(edges, "M\x1f" "Bad", NULL));
	ck_assert(json_object_object_get_ex(edges, "I\x1f", NULL)); /* to the end */
	ck_assert(json_object_object_get_ex(edges, "I\x1fI", NULL)); /* attempt 2: retried */
	json_object_put(visited);
	json_object_put(edges);
	json_object_put(events);
}
END_TEST

START_TEST(unfinished_is_running_only_while_locked)
{
	json_object *events = NULL;
	pw_error err;
	struct pw_history_summary s;
	pw_journal *j = write_journal("r1", UNFINISHED, 1);
	ck_assert_int_eq(pw_journal_read(dir, "r1", &events, &err), PW_OK);
	pw_history_summarize(dir, "r1", events, &s);
	ck_assert_int_eq(s.status, PW_HISTORY_RUNNING);
	ck_assert_str_eq(s.state, "B");
	pw_journal_close(j); /* the process is gone */
	pw_history_summarize(dir, "r1", events, &s);
	ck_assert_int_eq(s.status, PW_HISTORY_INTERRUPTED);
	ck_assert_str_eq(s.state, "B");
	pw_history_summarize(NULL, "r1", events, &s);
	ck_assert_int_eq(s.status, PW_HISTORY_INTERRUPTED);
	json_object_put(events);
}
END_TEST

static const char *item_id(json_object *list, size_t i)
{
	json_object *v;
	json_object_object_get_ex(json_object_array_get_idx(list, i), "id", &v);
	return json_object_get_string(v);
}

START_TEST(list_newest_written_first_ids_only)
{
	json_object *ids = NULL;
	pw_error err;
	ck_assert_int_eq(pw_history_list(dir, &ids, &err), PW_OK); /* no executions/ yet */
	ck_assert_int_eq(json_object_array_length(ids), 0);
	json_object_put(ids);
	write_journal("zz", UNFINISHED, 0);
	write_journal("aa", FAILED, 0);
	char path[700];
	/* zz written last: first */
	snprintf(path, sizeof(path), "%s/executions/aa.jsonl", dir);
	struct timespec old[2] = {{1000, 0}, {1000, 0}};
	ck_assert_int_eq(utimensat(AT_FDCWD, path, old, 0), 0);
	snprintf(path, sizeof(path), "%s/executions/notes.txt", dir);
	FILE *f = fopen(path, "w");
	fclose(f);
	ck_assert_int_eq(pw_history_list(dir, &ids, &err), PW_OK);
	ck_assert_int_eq(json_object_array_length(ids), 2);
	ck_assert_str_eq(item_id(ids, 0), "zz");
	ck_assert_str_eq(item_id(ids, 1), "aa");
	json_object *mt;
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(ids, 1), "mtime", &mt));
	ck_assert(json_object_get_double(mt) == 1000.0);
	json_object_put(ids);
}
END_TEST

START_TEST(durations_and_names)
{
	char buf[64];
	ck_assert(pw_history_parse_duration("90s") == 90);
	ck_assert(pw_history_parse_duration("15m") == 900);
	ck_assert(pw_history_parse_duration("2h") == 7200);
	ck_assert(pw_history_parse_duration("1.5d") == 129600);
	ck_assert(pw_history_parse_duration("30") == 30);
	ck_assert(pw_history_parse_duration("") < 0);
	ck_assert(pw_history_parse_duration("-5m") < 0);
	ck_assert(pw_history_parse_duration("5 m") < 0);
	ck_assert(pw_history_parse_duration("yesterday") < 0);
	ck_assert(pw_history_parse_duration("nan") < 0);
	pw_history_format_duration(0.0042, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0.004s");
	pw_history_format_duration(12.34, buf, sizeof(buf));
	ck_assert_str_eq(buf, "12.3s");
	pw_history_format_duration(245, buf, sizeof(buf));
	ck_assert_str_eq(buf, "4m05s");
	pw_history_format_duration(7620, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2h07m");
	pw_history_format_duration(-1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "-");
	pw_history_workflow_name("/usr/share/w/aurora-replica-prewarm.yaml", buf, sizeof(buf));
	ck_assert_str_eq(buf, "aurora-replica-prewarm");
	pw_history_workflow_name("wf.lua", buf, sizeof(buf));
	ck_assert_str_eq(buf, "wf");
	pw_history_workflow_name("/x/.json", buf, sizeof(buf));
	ck_assert_str_eq(buf, ".json");
	pw_history_workflow_name(NULL, buf, sizeof(buf));
	ck_assert_str_eq(buf, "?");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("history");
	TCase *tc = tcase_create("history");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, failed_names_the_state_error_and_path);
	tcase_add_test(tc, unfinished_is_running_only_while_locked);
	tcase_add_test(tc, list_newest_written_first_ids_only);
	tcase_add_test(tc, durations_and_names);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

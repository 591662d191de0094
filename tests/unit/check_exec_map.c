/* check_exec_map - Map and Parallel run concurrently: MaxConcurrency
 * (and its Path, and the config default) measured on the real clock,
 * ordered results, fail fast (pending items never start, running ones
 * stop in a Wait, a Lua loop or a plugin's sleep), tolerated failures,
 * nested Map in Parallel, per-plugin serialisation of actions without
 * PW_ACTION_THREAD_SAFE, journal scopes, dry run. */
#include <dirent.h>
#include <pthread.h>
#include <time.h>

#include "exec_harness.h"
#include "pw_choice.h"
#include "pw_exec.h"
#include "pw_journal.h"
#include "pw_log.h"

static char *dir, *log_path;
static pw_registry *plugins;

static void setup(void)
{
	eh_open(&dir, &log_path, &plugins, NULL);
	pw_log_setup(PW_LOG_TEXT, PW_LOG_ERROR);
	pw_exec_set_default_concurrency(0);
}

static void teardown(void)
{
	eh_close(dir, log_path, plugins);
}

/* Upper bounds on wall time stretch under valgrind, which runs one
 * thread at a time and everything ~20x slower (run-all.sh runs these
 * units under it too); lower bounds never do. */
static double slack(void)
{
	const char *pre = getenv("LD_PRELOAD");
	return pre != NULL && strstr(pre, "vgpreload") != NULL ? 4.5 : 1.0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs workflow text wf (JSON) on input with the real clock; *secs: the
 * wall time of the run. state_dir may be NULL (no journal). */
static struct pw_exec_result run_timed(const char *wf, const char *input, int dry_run,
				       const char *state_dir, double *secs)
{
	pw_doc *doc = eh_load(dir, "wf.json", wf);
	json_object *in = json_tokener_parse(input);
	struct pw_exec_opts o;
	memset(&o, 0, sizeof(o));
	o.registry = plugins;
	o.dry_run = dry_run;
	o.state_dir = state_dir;
	struct pw_exec_result res;
	pw_error err = {{0}, {0}};
	double t0 = now_s();
	ck_assert_int_eq(pw_exec_run(doc, in, &o, &res, &err), PW_OK);
	if (secs)
		*secs = now_s() - t0;
	json_object_put(in);
	pw_doc_free(doc);
	return res;
}

static int calls_of(const char *line)
{
	return eh_calls(log_path, line);
}

/* A Map over $ whose items each wait `secs` seconds (a Wait state inside
 * the iteration) and return their index. */
static char *wait_map(const char *concurrency, double secs)
{
	char *wf = NULL;
	ck_assert_int_ge(asprintf(&wf,
		"{\"StartAt\":\"M\",\"States\":{\"M\":{\"Type\":\"Map\",%s"
		"\"ItemSelector\":{\"i.$\":\"$$.Map.Item.Index\"},"
		"\"ItemProcessor\":{\"StartAt\":\"W\",\"States\":{"
		"\"W\":{\"Type\":\"Wait\",\"Seconds\":%g,\"Next\":\"P\"},"
		"\"P\":{\"Type\":\"Pass\",\"OutputPath\":\"$.i\",\"End\":true}}},\"End\":true}}}",
		concurrency, secs), 0);
	return wf;
}

static void assert_indexes(json_object *arr, size_t n)
{
	ck_assert_int_eq(json_object_array_length(arr), n);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(json_object_get_int(json_object_array_get_idx(arr, i)), (int)i);
}

/* 8 items that each Wait 1 s: wall time within [lo, hi). */
static void eight_waits(const char *concurrency, double lo, double hi)
{
	char *wf = wait_map(concurrency, 1);
	double secs;
	struct pw_exec_result res = run_timed(wf, "[0,0,0,0,0,0,0,0]", 0, NULL, &secs);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	assert_indexes(res.output, 8);
	fprintf(stderr, "8 x Wait 1 s, %s %.3f s\n", concurrency, secs);
	ck_assert_msg(secs >= lo && secs < hi, "%s took %.3f s", concurrency, secs);
	pw_exec_result_clear(&res);
	free(wf);
}

START_TEST(eight_waits_of_one_second_overlap_with_max_concurrency_8)
{
	eight_waits("\"MaxConcurrency\":8,", 0.98, 1.6 * slack());
}
END_TEST

START_TEST(eight_waits_of_one_second_queue_with_max_concurrency_1)
{
	eight_waits("\"MaxConcurrency\":1,", 7.5, 1e9);
}
END_TEST

/* MaxConcurrencyPath, and the config default (map_max_concurrency) when
 * MaxConcurrency is absent or 0: 4 items of 0.3 s two at a time take at
 * least 0.6 s, all at once well under that. */
START_TEST(max_concurrency_path_and_the_configured_default)
{
	double secs;
	char *wf = wait_map("\"ItemsPath\":\"$.items\",\"MaxConcurrencyPath\":\"$.width\",", 0.3);
	struct pw_exec_result res = run_timed(wf, "{\"items\":[0,0,0,0],\"width\":2}", 0, NULL,
					      &secs);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	assert_indexes(res.output, 4);
	ck_assert_msg(secs >= 0.58, "took %.3f s", secs);
	pw_exec_result_clear(&res);
	/* A string of digits counts, as Step Functions recorded it. */
	res = run_timed(wf, "{\"items\":[0,0,0,0],\"width\":\"2\"}", 0, NULL, &secs);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_msg(secs >= 0.58, "\"2\" took %.3f s", secs);
	pw_exec_result_clear(&res);
	res = run_timed(wf, "{\"items\":[0,0,0,0],\"width\":\"two\"}", 0, NULL, NULL);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "States.Runtime");
	ck_assert_msg(strstr(res.error.cause, "The MaxConcurrencyPath field refers to value \"two\" "
					      "which is not a valid integer: $.width") != NULL,
		      "%s", res.error.cause);
	pw_exec_result_clear(&res);
	res = run_timed(wf, "{\"items\":[0],\"width\":{}}", 0, NULL, NULL);
	ck_assert_msg(strstr(res.error.cause, "refers to value \"{}\" which") != NULL, "%s",
		      res.error.cause);
	pw_exec_result_clear(&res);
	free(wf);

	wf = wait_map("\"MaxConcurrency\":0,", 0.3);
	pw_exec_set_default_concurrency(2);
	res = run_timed(wf, "[0,0,0,0]", 0, NULL, &secs);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_msg(secs >= 0.58, "default 2 took %.3f s", secs);
	pw_exec_result_clear(&res);
	pw_exec_set_default_concurrency(0); /* back to 16 */
	ck_assert_int_eq(pw_exec_default_concurrency(), PW_MAP_DEFAULT_CONCURRENCY);
	res = run_timed(wf, "[0,0,0,0]", 0, NULL, &secs);
	ck_assert_msg(secs < 0.55 * slack(), "default 16 took %.3f s", secs);
	pw_exec_result_clear(&res);
	free(wf);
}
END_TEST

/* Items finish in reverse order (item i naps (11-i)*20 ms: SecondsPath
 * takes whole seconds only, as in Step Functions); the result
 * is still in item order, and so are a Parallel's branches. */
START_TEST(results_are_in_item_and_branch_order)
{
	struct pw_exec_result res = run_timed(
		"{\"StartAt\":\"M\",\"States\":{\"M\":{\"Type\":\"Map\",\"MaxConcurrency\":12,"
		"\"ItemsPath\":\"$.waits\",\"ItemSelector\":{\"i.$\":\"$$.Map.Item.Index\",\"s.$\":\"$$.Map.Item.Value\"},"
		"\"ItemProcessor\":{\"StartAt\":\"W\",\"States\":{"
		"\"W\":{\"Type\":\"Task\",\"Resource\":\"counter:Nap\",\"Parameters\":{\"Ms.$\":\"$.s\",\"Name\":\"n\"},"
		"\"ResultPath\":null,\"Next\":\"P\"},"
		"\"P\":{\"Type\":\"Pass\",\"OutputPath\":\"$.i\",\"End\":true}}},"
		"\"ResultPath\":\"$.map\",\"Next\":\"Par\"},"
		"\"Par\":{\"Type\":\"Parallel\",\"ResultPath\":\"$.par\",\"End\":true,\"Branches\":["
		"{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Wait\",\"Seconds\":0.2,\"Next\":\"A2\"},"
		"\"A2\":{\"Type\":\"Pass\",\"Result\":\"first\",\"End\":true}}},"
		"{\"StartAt\":\"B\",\"States\":{\"B\":{\"Type\":\"Pass\",\"Result\":\"second\","
		"\"End\":true}}}]}}}",
		"{\"waits\":[220,200,180,160,140,120,100,80,60,40,20,0]}", 0, NULL, NULL);
	ck_assert_msg(res.status == PW_EXEC_SUCCEEDED, "%s: %s", res.error.name, res.error.cause);
	assert_indexes(json_object_object_get(res.output, "map"), 12);
	json_object *par = json_object_object_get(res.output, "par");
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(par, 0)), "first");
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(par, 1)), "second");
	pw_exec_result_clear(&res);
}
END_TEST

/* Item 1 fails at once: it is the Map's error (name and cause); item 0,
 * waiting 10 s before a mutating Bump, is stopped in its Wait (or before
 * it starts); items 2..5
 * never start (MaxConcurrency 2). The Map's Catch sees the error. */
START_TEST(first_failure_fails_fast_and_cancels_the_others)
{
	const char *wf =
		"{\"StartAt\":\"M\",\"States\":{\"M\":{\"Type\":\"Map\",\"MaxConcurrency\":2,"
		"\"ItemsPath\":\"$.items\",%s"
		"\"ItemSelector\":{\"i.$\":\"$$.Map.Item.Index\",\"bad.$\":\"$$.Map.Item.Value\"},"
		"\"ItemProcessor\":{\"StartAt\":\"Bad?\",\"States\":{"
		"\"Bad?\":{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$.bad\","
		"\"BooleanEquals\":true,\"Next\":\"Fail\"}],\"Default\":\"W\"},"
		"\"Fail\":{\"Type\":\"Fail\",\"Error\":\"Item.Bad\",\"Cause\":\"item 1 is bad\"},"
		"\"W\":{\"Type\":\"Wait\",\"Seconds\":10,\"Next\":\"B\"},"
		"\"B\":{\"Type\":\"Task\",\"Resource\":\"counter:Bump\","
		"\"Parameters\":{\"Name.$\":\"States.Format('item{}', $.i)\"},\"End\":true}}},"
		"\"End\":true}%s}}";
	const char *items = "{\"items\":[false,true,false,false,false,false]}";
	char *plain = NULL, *caught = NULL;
	ck_assert_int_ge(asprintf(&plain, wf, "", ""), 0);
	ck_assert_int_ge(asprintf(&caught, wf,
		"\"Catch\":[{\"ErrorEquals\":[\"Item.Bad\"],\"ResultPath\":\"$.err\","
		"\"Next\":\"Done\"}],", ",\"Done\":{\"Type\":\"Pass\",\"End\":true}"), 0);
	double secs;
	char sd[600];
	snprintf(sd, sizeof(sd), "%s/state", dir);
	struct pw_exec_result res = run_timed(plain, items, 0, sd, &secs);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "Item.Bad");
	ck_assert_str_eq(res.error.cause, "item 1 is bad");
	ck_assert_msg(secs < 1.0 * slack(), "took %.3f s", secs);
	ck_assert_int_eq(calls_of("Bump item0"), 0);
	/* The journal: item 1 entered, none of 2..5. Item 0 runs beside it and
	 * may be cancelled before its thread enters a state (seen under TSan),
	 * so all that holds for it is that it never reached its Bump. */
	json_object *events = NULL;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_journal_read(sd, res.id, &events, &err), PW_OK);
	int entered[6] = {0}, bumped = 0;
	for (size_t k = 0; k < json_object_array_length(events); k++) {
		json_object *ev = json_object_array_get_idx(events, k), *sc;
		int idx;
		if (json_object_object_get_ex(ev, "scope", &sc) &&
		    sscanf(json_object_get_string(sc), "M[%d]", &idx) == 1 && idx >= 0 && idx < 6 &&
		    strcmp(rt_str(ev, "type"), "StateEntered") == 0) {
			entered[idx]++;
			bumped += rt_str(ev, "state") != NULL && strcmp(rt_str(ev, "state"), "B") == 0;
		}
	}
	ck_assert_int_eq(bumped, 0);
	ck_assert_int_ge(entered[1], 1);
	for (int i = 2; i < 6; i++)
		ck_assert_msg(entered[i] == 0, "item %d started", i);
	json_object_put(events);
	pw_exec_result_clear(&res);

	res = run_timed(caught, items, 0, NULL, &secs);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	json_object *e = json_object_object_get(res.output, "err");
	ck_assert_str_eq(rt_str(e, "Error"), "Item.Bad");
	ck_assert_str_eq(rt_str(e, "Cause"), "item 1 is bad");
	ck_assert_msg(secs < 1.0 * slack(), "took %.3f s", secs);
	pw_exec_result_clear(&res);
	free(plain);
	free(caught);
}
END_TEST

/* A Retry on the Map sees the failing item's error and runs the whole
 * Map again (Step Functions retries the state, not the item): item 1
 * fails once (counter:Fail, Times 1), the second attempt succeeds. */
START_TEST(retry_on_the_map_sees_the_items_error)
{
	struct pw_exec_result res = run_timed(
		"{\"StartAt\":\"M\",\"States\":{\"M\":{\"Type\":\"Map\",\"MaxConcurrency\":3,"
		"\"ItemSelector\":{\"Name.$\":\"States.Format('r{}', $$.Map.Item.Value)\","
		"\"Times.$\":\"$$.Map.Item.Value\",\"Error\":\"Item.Flaky\"},"
		"\"ItemProcessor\":{\"StartAt\":\"F\",\"States\":{\"F\":{\"Type\":\"Task\","
		"\"Resource\":\"counter:Fail\",\"End\":true}}},"
		"\"Retry\":[{\"ErrorEquals\":[\"Other\"]},{\"ErrorEquals\":[\"Item.Flaky\"],"
		"\"IntervalSeconds\":1,\"MaxAttempts\":1}],\"End\":true}}}",
		"[0,1,0]", 0, NULL, NULL);
	ck_assert_msg(res.status == PW_EXEC_SUCCEEDED, "%s: %s", res.error.name, res.error.cause);
	ck_assert_int_eq(json_object_array_length(res.output), 3);
	ck_assert_int_eq(rt_int(json_object_array_get_idx(res.output, 1), "Attempts"), 2);
	ck_assert_int_eq(calls_of("Fail r1"), 2);
	pw_exec_result_clear(&res);
}
END_TEST

/* A sibling's failure stops a Lua step spinning in a loop (its hook
 * sees the cancel) and a plugin sleeping on the host clock. */
START_TEST(failure_stops_a_lua_loop_and_a_plugin_sleep)
{
	char *spin = rt_write(dir, "spin.lua", "local n = 0\nwhile true do n = n + 1 end\n");
	free(spin);
	double secs;
	struct pw_exec_result res = run_timed(
		"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Parallel\",\"End\":true,\"Branches\":["
		"{\"StartAt\":\"Spin\",\"States\":{\"Spin\":{\"Type\":\"Task\","
		"\"Resource\":\"lua:spin.lua\",\"TimeoutSeconds\":30,\"End\":true}}},"
		"{\"StartAt\":\"Nap\",\"States\":{\"Nap\":{\"Type\":\"Task\",\"Resource\":\"counter:Nap\","
		"\"Parameters\":{\"Name\":\"long\",\"Ms\":30000},\"End\":true}}},"
		"{\"StartAt\":\"W\",\"States\":{\"W\":{\"Type\":\"Wait\",\"Seconds\":0.3,\"Next\":\"F\"},"
		"\"F\":{\"Type\":\"Fail\",\"Error\":\"Branch.Failed\",\"Cause\":\"third\"}}}]}}}",
		"{}", 0, NULL, &secs);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "Branch.Failed");
	ck_assert_msg(secs < 2.5 * slack(), "took %.3f s", secs);
	ck_assert_int_eq(calls_of("NapStart long"), 1);
	ck_assert_int_eq(calls_of("Nap long"), 0);
	pw_exec_result_clear(&res);
}
END_TEST

/* Items 1 and 3 of 5 fail. Tolerated (count 2, 40 %): the Map succeeds
 * and their places hold {"Error", "Cause"}; one more than tolerated:
 * States.ExceedToleratedFailureThreshold, which a Catch sees. */
START_TEST(tolerated_failures_count_and_percentage)
{
	static const struct {
		const char *tolerance;
		int ok;
	} cases[] = {
		{"\"ToleratedFailureCount\":2,", 1},
		{"\"ToleratedFailureCount\":1,", 0},
		{"\"ToleratedFailurePercentage\":40,", 1},
		{"\"ToleratedFailurePercentage\":39.9,", 0},
		{"\"ToleratedFailureCountPath\":\"$.tol\",", 1},
		{"\"ToleratedFailurePercentagePath\":\"$.pct\",", 0},
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		char *wf = NULL;
		ck_assert_int_ge(asprintf(&wf,
			"{\"StartAt\":\"M\",\"States\":{\"M\":{\"Type\":\"Map\",\"ItemsPath\":\"$.items\","
			"%s\"ItemProcessor\":{\"StartAt\":\"C\",\"States\":{"
			"\"C\":{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$\",\"NumericEquals\":1,"
			"\"Next\":\"F\"},{\"Variable\":\"$\",\"NumericEquals\":3,\"Next\":\"F\"}],"
			"\"Default\":\"OK\"},"
			"\"F\":{\"Type\":\"Fail\",\"Error\":\"Item.Failed\",\"Cause\":\"odd\"},"
			"\"OK\":{\"Type\":\"Pass\",\"End\":true}}},"
			"\"Catch\":[{\"ErrorEquals\":[\"States.ExceedToleratedFailureThreshold\"],"
			"\"Next\":\"Caught\"}],\"End\":true},"
			"\"Caught\":{\"Type\":\"Pass\",\"End\":true}}}",
			cases[c].tolerance), 0);
		struct pw_exec_result res = run_timed(
			wf, "{\"items\":[0,1,2,3,4],\"tol\":2,\"pct\":20}", 0, NULL, NULL);
		ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
		if (cases[c].ok) {
			ck_assert_msg(json_object_is_type(res.output, json_type_array), "%s",
				      cases[c].tolerance);
			ck_assert_int_eq(json_object_get_int(json_object_array_get_idx(res.output, 2)),
					 2);
			json_object *e = json_object_array_get_idx(res.output, 3);
			ck_assert_str_eq(rt_str(e, "Error"), "Item.Failed");
			ck_assert_str_eq(rt_str(e, "Cause"), "odd");
		} else {
			ck_assert_msg(!json_object_is_type(res.output, json_type_array), "%s",
				      cases[c].tolerance);
			ck_assert_str_eq(rt_str(res.output, "Error"),
					 "States.ExceedToleratedFailureThreshold");
		}
		pw_exec_result_clear(&res);
		free(wf);
	}
}
END_TEST

/* This process's threads now (/proc/self/task). */
static int threads_now(void)
{
	DIR *d = opendir("/proc/self/task");
	int n = 0;
	ck_assert(d != NULL);
	for (struct dirent *e; (e = readdir(d)) != NULL;)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

struct sampler {
	pthread_t t;
	int stop; /* atomic */
	int peak;
};

static void *sample(void *arg)
{
	struct sampler *s = arg;
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		int n = threads_now();
		if (n > s->peak)
			s->peak = n;
		struct timespec ts = {0, 2000000};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* The most worker threads a run of wf held at once (the sampler's and
 * this thread excluded). */
static int peak_workers(const char *wf, const char *input, json_object **out)
{
	int before = threads_now();
	struct sampler s = {.peak = 0};
	ck_assert_int_eq(pthread_create(&s.t, NULL, sample, &s), 0);
	struct pw_exec_result res = run_timed(wf, input, 0, NULL, NULL);
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	pthread_join(s.t, NULL);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	*out = json_object_get(res.output);
	pw_exec_result_clear(&res);
	return s.peak - before - 1;
}

/* The thread cap is per execution, not per Map: a Map in each of a Map's
 * 4 items (4 x 4 items of a 0.4 s Wait, MaxConcurrency 4 each) holds 4 +
 * 16 workers uncapped; with the cap lowered to 6 never more than 6, the
 * inner Maps that find none free running their items in their own
 * thread, and every result is still there in order. */
START_TEST(nested_maps_share_one_thread_budget)
{
	const char *wf =
		"{\"StartAt\":\"O\",\"States\":{\"O\":{\"Type\":\"Map\",\"MaxConcurrency\":4,"
		"\"ItemProcessor\":{\"StartAt\":\"I\",\"States\":{\"I\":{\"Type\":\"Map\","
		"\"MaxConcurrency\":4,\"ItemsPath\":\"$.items\","
		"\"ItemSelector\":{\"i.$\":\"$$.Map.Item.Index\"},"
		"\"ItemProcessor\":{\"StartAt\":\"W\",\"States\":{"
		"\"W\":{\"Type\":\"Wait\",\"Seconds\":0.4,\"Next\":\"P\"},"
		"\"P\":{\"Type\":\"Pass\",\"OutputPath\":\"$.i\",\"End\":true}}},"
		"\"End\":true}}},\"End\":true}}}";
	const char *input = "[{\"items\":[0,0,0,0]},{\"items\":[0,0,0,0]},"
			    "{\"items\":[0,0,0,0]},{\"items\":[0,0,0,0]}]";
	for (int capped = 0; capped < 2; capped++) {
		pw_exec_set_max_threads(capped ? 6 : 0);
		json_object *out = NULL;
		int peak = peak_workers(wf, input, &out);
		fprintf(stderr, "4 x 4 nested Map items, thread cap %d: peak %d workers\n",
			pw_exec_max_threads(), peak);
		ck_assert_int_eq(json_object_array_length(out), 4);
		for (size_t i = 0; i < 4; i++)
			assert_indexes(json_object_array_get_idx(out, i), 4);
		json_object_put(out);
		if (capped)
			ck_assert_int_le(peak, 6);
		else
			ck_assert_int_ge(peak, 12); /* the sampler sees them all */
	}
	pw_exec_set_max_threads(0);
	ck_assert_int_eq(pw_exec_max_threads(), PW_EXEC_MAX_THREADS);
}
END_TEST

/* A Map inside each of two Parallel branches: 2 x 4 items of 0.5 s all
 * overlap; the nested results keep their order. */
START_TEST(nested_map_in_parallel_runs_everything_at_once)
{
	double secs;
	char *inner = wait_map("\"MaxConcurrency\":4,", 0.5);
	/* inner is a whole workflow; use its Map state as each branch */
	char *m = strstr(inner, "{\"Type\":\"Map\"");
	char *map_state = strndup(m, strlen(m) - 2); /* drop the closing "}}" */
	char *wf = NULL;
	ck_assert_int_ge(asprintf(&wf,
		"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Parallel\",\"End\":true,\"Branches\":["
		"{\"StartAt\":\"M\",\"States\":{\"M\":%s}},"
		"{\"StartAt\":\"M\",\"States\":{\"M\":%s}}]}}}", map_state, map_state), 0);
	struct pw_exec_result res = run_timed(wf, "[0,0,0,0]", 0, NULL, &secs);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_int_eq(json_object_array_length(res.output), 2);
	assert_indexes(json_object_array_get_idx(res.output, 0), 4);
	assert_indexes(json_object_array_get_idx(res.output, 1), 4);
	ck_assert_msg(secs >= 0.48 && secs < 1.2 * slack(), "took %.3f s", secs);
	pw_exec_result_clear(&res);
	free(wf);
	free(map_state);
	free(inner);
}
END_TEST

/* counter:Sleep has no PW_ACTION_THREAD_SAFE: its calls are serialised
 * (4 x 0.3 s >= 1.2 s) even with MaxConcurrency 4; counter:Nap has it
 * and overlaps. */
START_TEST(actions_without_the_thread_safe_flag_are_serialised)
{
	const char *wf =
		"{\"StartAt\":\"M\",\"States\":{\"M\":{\"Type\":\"Map\",\"MaxConcurrency\":4,"
		"\"ItemSelector\":{\"Name.$\":\"States.Format('n{}', $$.Map.Item.Index)\","
		"\"Ms\":300},\"ItemProcessor\":{\"StartAt\":\"S\",\"States\":{\"S\":{\"Type\":\"Task\","
		"\"Resource\":\"counter:%s\",\"End\":true}}},\"End\":true}}}";
	char *serial = NULL, *parallel = NULL;
	double secs;
	ck_assert_int_ge(asprintf(&serial, wf, "Sleep"), 0);
	ck_assert_int_ge(asprintf(&parallel, wf, "Nap"), 0);
	struct pw_exec_result res = run_timed(serial, "[1,2,3,4]", 0, NULL, &secs);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_str_eq(rt_str(json_object_array_get_idx(res.output, 3), "Slept"), "n3");
	ck_assert_msg(secs >= 1.18, "Sleep took %.3f s", secs);
	pw_exec_result_clear(&res);
	res = run_timed(parallel, "[1,2,3,4]", 0, NULL, &secs);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_str_eq(rt_str(json_object_array_get_idx(res.output, 3), "Napped"), "n3");
	ck_assert_msg(secs < 0.9 * slack(), "Nap took %.3f s", secs);
	pw_exec_result_clear(&res);
	free(serial);
	free(parallel);
}
END_TEST

/* Every event inside an item carries its scope, and each item's events
 * are in its own order (StateEntered, TaskScheduled, TaskSucceeded,
 * StateExited) however the items interleave. */
START_TEST(journal_events_carry_each_items_scope)
{
	char sd[600];
	snprintf(sd, sizeof(sd), "%s/state", dir);
	struct pw_exec_result res = run_timed(
		"{\"StartAt\":\"M\",\"States\":{\"M\":{\"Type\":\"Map\",\"MaxConcurrency\":8,"
		"\"ItemSelector\":{\"Name.$\":\"States.Format('j{}', $$.Map.Item.Index)\",\"Ms\":50},"
		"\"ItemProcessor\":{\"StartAt\":\"N\",\"States\":{\"N\":{\"Type\":\"Task\","
		"\"Resource\":\"counter:Nap\",\"End\":true}}},\"End\":true}}}",
		"[0,0,0,0,0,0,0,0]", 0, sd, NULL);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	json_object *events = NULL;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_journal_read(sd, res.id, &events, &err), PW_OK);
	static const char *const order[] = {"StateEntered", "TaskScheduled", "TaskSucceeded",
					    "StateExited"};
	int seen[8] = {0};
	int64_t last_id = 0;
	for (size_t k = 0; k < json_object_array_length(events); k++) {
		json_object *ev = json_object_array_get_idx(events, k), *sc;
		ck_assert_int_gt(rt_int(ev, "id"), last_id); /* ids stay unique and ordered */
		last_id = rt_int(ev, "id");
		if (!json_object_object_get_ex(ev, "scope", &sc))
			continue;
		int idx = -1;
		ck_assert_int_eq(sscanf(json_object_get_string(sc), "M[%d]", &idx), 1);
		ck_assert(idx >= 0 && idx < 8 && seen[idx] < 4);
		ck_assert_str_eq(rt_str(ev, "type"), order[seen[idx]++]);
	}
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(seen[i], 4);
	json_object_put(events);
	pw_exec_result_clear(&res);
}
END_TEST

/* Each iteration's scope names every Map/Parallel around it; resume
 * matches journaled Task outputs by it. Eight Maps with 80-character
 * names deep, the two innermost items' scopes would only differ past
 * the 600-byte buffer: truncated, they were one scope, and a resume
 * could hand one item the other's output. Now the Map fails at once,
 * nothing run, with a named error. */
START_TEST(nesting_too_deep_for_distinct_scopes_is_an_error)
{
	char wf[8192] = "{\"StartAt\":\"T\",\"States\":{\"T\":{\"Type\":\"Task\","
			"\"Resource\":\"counter:Bump\",\"Parameters\":{\"Name\":\"deep\"},"
			"\"End\":true}}}";
	for (int k = 8; k >= 1; k--) {
		char name[81], next[8192];
		/* The lengths are checked, so an optimising build's
		 * -Wformat-truncation sees the results used. */
		int n = snprintf(name, sizeof(name), "M%d_%076d", k, 0);
		ck_assert(n > 0 && (size_t)n < sizeof(name));
		n = snprintf(next, sizeof(next),
			     "{\"StartAt\":\"%s\",\"States\":{\"%s\":{\"Type\":\"Map\","
			     "\"ItemSelector\":{\"x\":1},\"ItemsPath\":\"$$.Execution.Input\","
			     "\"ItemProcessor\":%s,\"End\":true}}}", name, name, wf);
		ck_assert(n > 0 && (size_t)n < sizeof(next));
		memcpy(wf, next, (size_t)n + 1);
	}
	struct pw_exec_result res = run_timed(wf, "[1,2]", 0, NULL, NULL);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "States.Runtime");
	ck_assert_msg(strstr(res.error.cause, "nested too deep") != NULL, "%s", res.error.cause);
	ck_assert_int_eq(calls_of("Bump deep"), 0);
	pw_exec_result_clear(&res);
	/* Seven deep still runs: 2^7 items, each bumped once. */
	char *seven = strstr(wf, "\"ItemProcessor\":") + strlen("\"ItemProcessor\":");
	seven[strlen(seven) - strlen(",\"End\":true}}}")] = '\0';
	res = run_timed(seven, "[1,2]", 0, NULL, NULL);
	ck_assert_msg(res.status == PW_EXEC_SUCCEEDED, "%s: %s", res.error.name, res.error.cause);
	ck_assert_int_eq(calls_of("Bump deep"), 128);
	pw_exec_result_clear(&res);
}
END_TEST

/* A dry run runs items concurrently too: Waits do not wait, mutating
 * actions are not called, each item's simulated clock starts at the
 * Map's; the Map advances by its slowest item. */
START_TEST(dry_run_map_waits_on_simulated_clocks)
{
	double secs;
	struct pw_exec_result res = run_timed(
		"{\"StartAt\":\"M\",\"States\":{\"M\":{\"Type\":\"Map\",\"MaxConcurrency\":4,"
		"\"ItemsPath\":\"$.items\",\"ResultPath\":\"$.r\","
		"\"ItemProcessor\":{\"StartAt\":\"W\",\"States\":{"
		"\"W\":{\"Type\":\"Wait\",\"Seconds\":600,\"Next\":\"B\"},"
		"\"B\":{\"Type\":\"Task\",\"Resource\":\"counter:Bump\","
		"\"Parameters\":{\"Name\":\"dry\"},\"End\":true}}},\"Next\":\"T\"},"
		"\"T\":{\"Type\":\"Pass\",\"Parameters\":{\"t.$\":\"$$.State.EnteredTime\","
		"\"s.$\":\"$$.Execution.StartTime\"},\"End\":true}}}",
		"{\"items\":[1,2,3,4]}", 1, NULL, &secs);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_int_eq(calls_of("Bump dry"), 0);
	ck_assert_msg(secs < 1.0 * slack(), "took %.3f s", secs);
	double start, later;
	ck_assert_int_eq(pw_timestamp_parse(rt_str(res.output, "s"), &start), 0);
	ck_assert_int_eq(pw_timestamp_parse(rt_str(res.output, "t"), &later), 0);
	ck_assert_msg(later - start >= 600 && later - start < 1200, "%f", later - start);
	pw_exec_result_clear(&res);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("exec_map");
	TCase *tc = tcase_create("exec_map");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, eight_waits_of_one_second_overlap_with_max_concurrency_8);
	tcase_add_test(tc, eight_waits_of_one_second_queue_with_max_concurrency_1);
	tcase_add_test(tc, max_concurrency_path_and_the_configured_default);
	tcase_add_test(tc, nested_maps_share_one_thread_budget);
	tcase_add_test(tc, results_are_in_item_and_branch_order);
	tcase_add_test(tc, first_failure_fails_fast_and_cancels_the_others);
	tcase_add_test(tc, retry_on_the_map_sees_the_items_error);
	tcase_add_test(tc, failure_stops_a_lua_loop_and_a_plugin_sleep);
	tcase_add_test(tc, tolerated_failures_count_and_percentage);
	tcase_add_test(tc, nested_map_in_parallel_runs_everything_at_once);
	tcase_add_test(tc, actions_without_the_thread_safe_flag_are_serialised);
	tcase_add_test(tc, journal_events_carry_each_items_scope);
	tcase_add_test(tc, dry_run_map_waits_on_simulated_clocks);
	tcase_add_test(tc, nesting_too_deep_for_distinct_scopes_is_an_error);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

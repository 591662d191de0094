/* check_watch - what `prewarm watch` makes of each queued event (routing,
 * idempotency key, ignored vs poison) and of the `watch:` config section. */
#include <check.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_watch.h"

static char *slurp(const char *name, size_t *len)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", PW_EVENTS_DIR, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char *buf = malloc(1 << 16);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static const struct {
	const char *file;
	enum pw_watch_kind kind;
	const char *key;      /* NULL: the MessageId */
	const char *cluster;  /* "" none */
	const char *instance; /* "" none */
	const char *reason;   /* substring, for ignored/malformed */
} cases[] = {
	{"cloudtrail-create-db-instance.json", PW_WATCH_INSTANCE_CREATED,
	 "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "app-prod",
	 "application-autoscaling-7f3e2b10-app-prod", NULL},
	{"cloudtrail-other-cluster.json", PW_WATCH_INSTANCE_CREATED,
	 "9b1c2d3e-0000-4000-8000-000000000002", "billing", "billing-reader-2", NULL},
	{"cloudtrail-failed-call.json", PW_WATCH_IGNORED, "9b1c2d3e-0000-4000-8000-000000000003", "",
	 "", "DBInstanceAlreadyExistsFault"},
	{"rds-event-0005.json", PW_WATCH_INSTANCE_CREATED, "68f6e973-1a0c-d37b-f2f2-94a7f62ffd4e", "",
	 "app-prod-reader-3", NULL},
	{"rds-event-0006.json", PW_WATCH_IGNORED, "2d4f6a8c-0000-4000-8000-000000000006", "", "",
	 "RDS-EVENT-0006"},
	{"rds-event-0071.json", PW_WATCH_FAILOVER, "1c3e7f2a-4b5d-6e7f-8091-a2b3c4d5e6f7", "app-prod",
	 "", NULL},
	{"scheduled-event.json", PW_WATCH_RECONCILE, "89d1a02d-5ec7-412e-82f5-13505f849b41", "", "",
	 NULL},
	{"direct-instance.json", PW_WATCH_INSTANCE_CREATED, NULL, "", "app-prod-reader-3", NULL},
	{"direct-cluster.json", PW_WATCH_RECONCILE, NULL, "app-prod", "", NULL},
	{"malformed-cloudtrail-no-request.json", PW_WATCH_MALFORMED,
	 "9b1c2d3e-0000-4000-8000-000000000009", "", "",
	 "requestParameters"},
	{"malformed-identifier-type.json", PW_WATCH_MALFORMED, NULL, "", "", "DBInstanceIdentifier"},
	{"malformed-identifier.json", PW_WATCH_MALFORMED, NULL, "", "", "not an RDS identifier"},
	{"malformed-not-an-object.json", PW_WATCH_MALFORMED, NULL, "", "", "not an object"},
	{"malformed-rds-event-no-id.json", PW_WATCH_MALFORMED, NULL, "", "", "detail.EventID"},
	{"malformed-unknown-shape.json", PW_WATCH_MALFORMED, NULL, "", "", "unknown shape"},
};

START_TEST(test_event_files)
{
	size_t len;
	char *body = slurp(cases[_i].file, &len);
	struct pw_watch_event ev;
	pw_watch_classify(body, len, "msg-1", &ev);
	ck_assert_msg(ev.kind == cases[_i].kind, "%s: kind %s (%s)", cases[_i].file,
		      pw_watch_kind_name(ev.kind), ev.reason);
	ck_assert_str_eq(ev.key, cases[_i].key ? cases[_i].key : "msg-1");
	ck_assert_str_eq(ev.cluster, cases[_i].cluster);
	ck_assert_str_eq(ev.instance, cases[_i].instance);
	if (cases[_i].reason)
		ck_assert_msg(strstr(ev.reason, cases[_i].reason) != NULL, "%s: reason '%s'",
			      cases[_i].file, ev.reason);
	pw_watch_event_clear(&ev);
	free(body);
}
END_TEST

START_TEST(test_not_json_is_poison)
{
	static const char *bodies[] = {"", "not json", "{\"a\": 1", "{} trailing", "\"text\"", "null"};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct pw_watch_event ev;
		pw_watch_classify(bodies[i], strlen(bodies[i]), "m", &ev);
		ck_assert_msg(ev.kind == PW_WATCH_MALFORMED, "'%s' is %s", bodies[i],
			      pw_watch_kind_name(ev.kind));
		ck_assert(ev.reason[0] != '\0');
		pw_watch_event_clear(&ev);
	}
	/* A body need not be NUL-terminated: only len bytes count. */
	struct pw_watch_event ev;
	const char *body = "{\"DBInstanceIdentifier\": \"r1\"}GARBAGE";
	pw_watch_classify(body, strlen(body) - 7, "m", &ev);
	ck_assert_int_eq(ev.kind, PW_WATCH_INSTANCE_CREATED);
	ck_assert_str_eq(ev.instance, "r1");
	pw_watch_event_clear(&ev);
}
END_TEST

START_TEST(test_identifiers_are_normalized)
{
	struct pw_watch_event ev;
	const char *arn = "{\"detail-type\": \"RDS DB Cluster Event\", \"id\": \"e1\", \"detail\": "
			  "{\"EventID\": \"RDS-EVENT-0071\", \"SourceArn\": "
			  "\"arn:aws:rds:eu-west-1:1:cluster:App-Prod\"}}";
	pw_watch_classify(arn, strlen(arn), "m", &ev);
	ck_assert_int_eq(ev.kind, PW_WATCH_FAILOVER);
	ck_assert_str_eq(ev.cluster, "app-prod");
	ck_assert_str_eq(ev.key, "e1");
	pw_watch_event_clear(&ev);
	/* 64 characters: one too many for RDS. */
	char body[256];
	snprintf(body, sizeof(body), "{\"DBInstanceIdentifier\": \"a%063d\"}", 0);
	pw_watch_classify(body, strlen(body), "m", &ev);
	ck_assert_int_eq(ev.kind, PW_WATCH_MALFORMED);
	pw_watch_event_clear(&ev);
}
END_TEST

static int load_config(const char *text, struct pw_watch_config *wc, pw_diag *diag)
{
	char path[] = "/tmp/check_watch_XXXXXX.yaml";
	int fd = mkstemps(path, 5);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct pw_config *cfg = NULL;
	memset(wc, 0, sizeof(*wc));
	int rc = pw_config_load(path, &cfg, diag);
	if (rc == 0)
		rc = pw_watch_config_load(cfg, path, wc, diag);
	pw_config_free(cfg);
	unlink(path);
	return rc;
}

START_TEST(test_config_defaults_and_values)
{
	struct pw_watch_config wc;
	pw_diag diag;
	ck_assert_int_eq(load_config("vars:\n  clusters.app-prod.endpoints: e\n"
				     "  clusters.app-prod.database.auth: iam\n"
				     "  clusters.billing.endpoints: b\n"
				     "watch:\n  queue_url: https://sqs.example/1/q\n"
				     "  max_concurrent: 2\n"
				     "  workflows:\n    failover: /abs/f.yaml\n    reconcile: rel/r.yaml\n",
				     &wc, &diag),
			 0);
	ck_assert_str_eq(wc.queue_url, "https://sqs.example/1/q");
	ck_assert_int_eq(wc.max_concurrent, 2);
	ck_assert_int_eq(wc.visibility_timeout, 120);
	ck_assert_int_eq(wc.max_receives, 5);
	ck_assert_ptr_null(wc.aside_queue_url);
	ck_assert_str_eq(wc.workflows[PW_WATCH_FAILOVER], "/abs/f.yaml");
	ck_assert_str_eq(wc.workflows[PW_WATCH_RECONCILE], "/tmp/rel/r.yaml");
	ck_assert(strstr(wc.workflows[PW_WATCH_INSTANCE_CREATED], "aurora-replica-prewarm.yaml"));
	/* The managed clusters come from the vars when watch.clusters is absent. */
	ck_assert_int_eq((int)json_object_array_length(wc.clusters), 2);
	pw_watch_config_clear(&wc);
	pw_watch_config_clear(NULL);
}
END_TEST

/* The shipped example config is one `prewarm watch` accepts as it is. */
START_TEST(test_example_config_loads)
{
	const char *top = getenv("PW_TOP_SRCDIR");
	char path[1024];
	snprintf(path, sizeof(path), "%s/contrib/config/prewarm.example.yaml", top ? top : ".");
	struct pw_config *cfg = NULL;
	struct pw_watch_config wc;
	pw_diag diag;
	memset(&wc, 0, sizeof(wc));
	ck_assert_msg(pw_config_load(path, &cfg, &diag) == 0, "%s:%d: %s", diag.file, diag.line,
		      diag.message);
	ck_assert_msg(pw_watch_config_load(cfg, path, &wc, &diag) == 0, "%s:%d: %s", diag.file,
		      diag.line, diag.message);
	ck_assert(strstr(wc.queue_url, "aurora-prewarm-events") != NULL);
	ck_assert_int_eq(wc.reconcile_interval, 900);
	ck_assert_int_eq((int)json_object_array_length(wc.clusters), 1);
	pw_watch_config_clear(&wc);
	pw_config_free(cfg);
}
END_TEST

START_TEST(test_config_errors_name_line_and_field)
{
	static const struct {
		const char *text, *field;
		int line;
	} bad[] = {
		{"watch:\n  max_concurrent: 2\n", "watch.queue_url", 0},
		{"watch:\n  queue_url: q\n  max_concurrent: lots\n", "watch.max_concurrent", 3},
		{"watch:\n  queue_url: q\n  receive_wait_seconds: 21\n", "watch.receive_wait_seconds", 3},
		{"watch:\n  queue_url: q\n  workflows:\n    created: x.yaml\n", "watch.workflows/created", 4},
		{"watch:\n  queue_url: q\n  clusters: app\n", "watch.clusters", 3},
		{"watch: [1]\n", "watch.", 1},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pw_watch_config wc;
		pw_diag diag;
		ck_assert_int_eq(load_config(bad[i].text, &wc, &diag), -1);
		ck_assert_msg(strstr(diag.message, bad[i].field) != NULL, "%zu: %s", i, diag.message);
		if (bad[i].line)
			ck_assert_int_eq(diag.line, bad[i].line);
		ck_assert(strstr(diag.file, "check_watch_") != NULL);
		pw_watch_config_clear(&wc);
	}
}
END_TEST

/* The metrics file against the text exposition format: every sample line
 * is `name{labels} value` with a value Go's ParseFloat reads (Prometheus
 * spells infinities +Inf and -Inf: C's "inf" is refused). A warm report's
 * seconds come from a workflow's output, so they can be anything JSON
 * (and json-c) can spell, 1e999 included. */
START_TEST(test_metrics_follow_the_exposition_format)
{
	char dir[] = "/tmp/check_watch_metrics_XXXXXX", path[200];
	ck_assert(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/prewarm.prom", dir);
	struct pw_watch_config wc;
	memset(&wc, 0, sizeof(wc));
	for (int i = 0; i < PW_WATCH_N_ROUTES; i++)
		wc.workflows[i] = "flow.yaml";
	struct pw_watch_metrics *m = pw_watch_metrics_new(path, &wc);
	ck_assert(m != NULL);
	static const struct {
		const char *cluster, *report;
	} warms[] = {
		{"big", "{\"seconds\": 1e999, \"blocks_loaded\": -1e999}"},
		{"fine", "{\"seconds\": 12.5, \"blocks_loaded\": 1000}"},
	};
	for (size_t i = 0; i < sizeof(warms) / sizeof(warms[0]); i++) {
		json_object *out = json_object_new_object();
		json_object_object_add(out, "DBClusterIdentifier", json_object_new_string(warms[i].cluster));
		json_object_object_add(out, "Report", json_tokener_parse(warms[i].report));
		pw_watch_metrics_execution(m, "flow", 0, "succeeded", out);
		json_object_put(out);
	}
	ck_assert_int_eq(pw_watch_metrics_flush(m, 0, 0), 0);
	pw_watch_metrics_free(m);
	FILE *f = fopen(path, "r");
	ck_assert(f != NULL);
	regex_t sample;
	ck_assert_int_eq(regcomp(&sample,
				 "^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[^}]*\\})? "
				 "([+-]?[0-9]+(\\.[0-9]*)?([eE][+-]?[0-9]+)?|[+-]Inf|NaN)$",
				 REG_EXTENDED | REG_NOSUB), 0);
	char line[1024];
	int samples = 0, plus_inf = 0, minus_inf = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#')
			continue;
		samples++;
		ck_assert_msg(regexec(&sample, line, 0, NULL, 0) == 0, "not an exposition sample: %s", line);
		plus_inf += strcmp(line, "prewarm_last_warm_seconds{cluster=\"big\"} +Inf") == 0;
		minus_inf += strcmp(line, "prewarm_last_warm_blocks_loaded{cluster=\"big\"} -Inf") == 0;
	}
	regfree(&sample);
	fclose(f);
	ck_assert_int_gt(samples, 8);
	ck_assert_int_eq(plus_inf, 1);
	ck_assert_int_eq(minus_inf, 1);
	unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("watch");
	TCase *tc = tcase_create("classify");
	tcase_add_loop_test(tc, test_event_files, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_not_json_is_poison);
	tcase_add_test(tc, test_identifiers_are_normalized);
	suite_add_tcase(s, tc);
	TCase *tcc = tcase_create("config");
	tcase_add_test(tcc, test_config_defaults_and_values);
	tcase_add_test(tcc, test_example_config_loads);
	tcase_add_test(tcc, test_config_errors_name_line_and_field);
	tcase_add_test(tcc, test_metrics_follow_the_exposition_format);
	suite_add_tcase(s, tcc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

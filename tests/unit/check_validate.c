/* Unit tests: `prewarm validate` checks on good and broken workflows,
 * with the line and column each problem is reported at. */
#include <stdio.h>
#include <stdlib.h>

#include "lang_fake_resources.h"
#include "lang_test.h"
#include "pw_validate.h"

static char fixture_dir[1024];

static void find_fixtures(void)
{
	const char *top = getenv("PW_TOP_SRCDIR");
	snprintf(fixture_dir, sizeof(fixture_dir), "%s/tests/data/workflows",
		 top ? top : ".");
}

/* Loads and validates; returns the error count (-1: did not load) and
 * all diagnostics as "LINE:COL: MESSAGE\n" lines in *text (caller frees). */
static int run_validate(const char *path, char **text)
{
	pw_doc *doc = NULL;
	pw_diag d;
	pw_diag_list l = {0};
	size_t cap = 4096, len = 0;
	char *buf = calloc(1, cap);
	int n;
	if (pw_doc_load_file(path, &doc, &d) != 0) {
		snprintf(buf, cap, "%d:%d: %s\n", d.line, d.column, d.message);
		*text = buf;
		return -1;
	}
	n = pw_workflow_validate(doc, lt_fake_check, NULL, &l);
	for (size_t k = 0; k < l.count; k++) {
		char line[1400];
		int m = snprintf(line, sizeof(line), "%d:%d: %s\n",
				 l.items[k].line, l.items[k].column,
				 l.items[k].message);
		ck_assert_str_eq(l.items[k].file, path);
		if (len + (size_t)m + 1 > cap) {
			cap = 2 * (len + (size_t)m + 1);
			buf = realloc(buf, cap);
		}
		memcpy(buf + len, line, (size_t)m + 1);
		len += (size_t)m;
	}
	pw_diag_list_free(&l);
	pw_doc_free(doc);
	*text = buf;
	return n;
}

static const char *const good_files[] = {
	"good/all-states.yaml",
	"good/all-states.json",
	"good/wait-and-notify.lua",
	"good/wait-and-notify.json",
	"good/jsonata-states.yaml",
};

START_TEST(test_good_workflows_are_valid)
{
	char path[1200], *text = NULL;
	snprintf(path, sizeof(path), "%s/%s", fixture_dir, good_files[_i]);
	int n = run_validate(path, &text);
	ck_assert_msg(n == 0, "%s: %d errors:\n%s", good_files[_i], n, text);
	free(text);
}
END_TEST

struct broken {
	const char *file;
	int errors; /* -1: fails to load */
	const char *expect[16]; /* "LINE:COL: substring" */
};

static const struct broken broken_files[] = {
	{"broken/dangling-next.yaml", 2,
	 {"5:5: state 'First': Next names no state: 'Nowhere'",
	  "6:3: state 'Second' is unreachable"}},
	{"broken/dangling-next.json", 1,
	 {"7:49: state 'First': Catch Next names no state: 'Handler'"}},
	{"broken/unreachable.yaml", 2,
	 {"6:3: state 'Island' is unreachable from StartAt 'A'",
	  "9:3: state 'Lagoon' is unreachable from StartAt 'A'"}},
	{"broken/unknown-field.yaml", 5,
	 {"2:1: unknown field 'Comments' in the workflow",
	  "7:5: state 'Call': unknown field 'Credentials' in a Task state",
	  "11:5: state 'Call': unknown field 'Nxt' in a Task state",
	  "15:5: state 'Done': unknown field 'Next' in a Succeed state",
	  "13:3: state 'Done' is unreachable"}},
	{"broken/unknown-type.yaml", 3,
	 {"4:5: state 'A': unknown Type 'Sleep'", "7:3: state 'B': missing Type",
	  "7:3: state 'B' is unreachable"}},
	{"broken/unknown-resource.yaml", 4,
	 {"5:5: state 'NoPlugin': Resource 'nope:Describe': no plugin 'nope'",
	  "9:5: state 'NoAction': Resource 'rds:Explode': plugin 'rds' has no "
	  "action 'Explode'",
	  "14:5: state 'Missing': Parameters lack 'DBInstanceIdentifier'",
	  "19:5: state 'Script': Resource 'lua:scripts/absent.lua': no Lua "
	  "script"}},
	{"broken/bad-choice.yaml", 6,
	 {"7:9: state 'Pick': Choices[0]: NumericEquals must be a number",
	  "11:9: state 'Pick': Choices[1]: a Choice rule takes exactly one "
	  "operator",
	  "16:13: state 'Pick': Choices[2]: Variable: bad path 'not-a-path'",
	  "20:9: state 'Pick': Choices[3]: TimestampEquals must be an RFC 3339",
	  "22:9: state 'Pick': Choices[4] needs Next",
	  "24:5: state 'Pick': Default names no state: 'Ghost'"}},
	{"broken/bad-fields.yaml", 15,
	 {"5:5: state 'P': InputPath: bad path '$.a['",
	  "6:5: state 'P': ResultPath must be a reference path",
	  "8:7: state 'P': Parameters: 'x.$': unknown intrinsic function "
	  "'States.Nope'",
	  "9:7: state 'P': Parameters: 'y.$': expected ',' or ')'",
	  "10:7: state 'P': Parameters: 'z.$' must be a path",
	  "15:5: state 'W': Seconds and Timestamp cannot both be set",
	  "20:5: state 'T': TimeoutSeconds must be a positive integer",
	  "22:9: state 'T': the retrier with States.ALL must be the last one",
	  "23:23: state 'T': Retry ErrorEquals: 'States.Bogus' is not a "
	  "predefined",
	  "24:9: state 'T': Retry BackoffRate must be a number >= 1.0",
	  "25:9: state 'T': Retry JitterStrategy must be FULL or NONE",
	  "27:9: state 'T': a catcher needs Next",
	  "28:5: state 'T': End must be true",
	  "29:3: state 'F' is unreachable",
	  "32:5: state 'F': Error and ErrorPath cannot both be set"}},
	{"broken/bad-top.yaml", 3,
	 {"1:1: StartAt must be a state name",
	  "2:1: QueryLanguage must be JSONPath or JSONata",
	  "3:1: the workflow needs States"}},
	{"broken/duplicate-key.yaml", -1, {"6:3: duplicate key 'A'"}},
	{"broken/duplicate-key.json", -1, {"5:5: duplicate key \"A\""}},
	{"broken/syntax.yaml", -1,
	 {"5:4: YAML syntax error: did not find expected key"}},
	{"broken/syntax.json", -1,
	 {"4:39: JSON syntax error: expected a string key"}},
};

START_TEST(test_broken_workflows)
{
	const struct broken *b = &broken_files[_i];
	char path[1200], *text = NULL;
	snprintf(path, sizeof(path), "%s/%s", fixture_dir, b->file);
	int n = run_validate(path, &text);
	ck_assert_msg(n == b->errors, "%s: %d errors, want %d:\n%s", b->file, n,
		      b->errors, text);
	for (size_t k = 0; b->expect[k] != NULL; k++)
		ck_assert_msg(strstr(text, b->expect[k]) != NULL,
			      "%s: missing \"%s\" in:\n%s", b->file,
			      b->expect[k], text);
	free(text);
}
END_TEST

/* Smaller cases from memory: one rule each. */
struct mem_case {
	const char *json;
	const char *needle; /* NULL: valid */
};

#define M1(states) "{\"StartAt\":\"A\",\"States\":{" states "}}"

static const struct mem_case mem_cases[] = {
	/* valid shapes */
	{M1("\"A\":{\"Type\":\"Pass\",\"End\":true}"), NULL},
	{M1("\"A\":{\"Type\":\"Wait\",\"SecondsPath\":\"$.s\",\"End\":true}"), NULL},
	{M1("\"A\":{\"Type\":\"Fail\",\"ErrorPath\":\"States.Format('E{}', $.n)\"}"), NULL},
	{M1("\"A\":{\"Type\":\"Map\",\"Iterator\":{\"StartAt\":\"I\",\"States\":"
	    "{\"I\":{\"Type\":\"Succeed\"}}},\"Parameters\":{\"x.$\":\"$$.Map.Item.Index\"},"
	    "\"End\":true}"), NULL},
	{M1("\"A\":{\"Type\":\"Task\",\"Resource\":\"notify:Publish\","
	    "\"TimeoutSecondsPath\":\"$.t\",\"HeartbeatSecondsPath\":\"$.h\",\"End\":true}"), NULL},
	{"{\"StartAt\":\"A\",\"Version\":\"1.0\",\"TimeoutSeconds\":5,\"QueryLanguage\":\"JSONPath\","
	 "\"States\":{\"A\":{\"Type\":\"Succeed\",\"Comment\":\"c\"}}}", NULL},
	/* required parameters match whatever the case: Step Functions'
	 * aws-sdk names spell DBInstanceIdentifier as DbInstanceIdentifier */
	{M1("\"A\":{\"Type\":\"Task\",\"Resource\":\"rds:DescribeDBInstances\","
	    "\"Parameters\":{\"DbInstanceIdentifier.$\":\"$.id\"},\"End\":true}"), NULL},
	/* broken shapes */
	{M1("\"A\":{\"Type\":\"Task\",\"Resource\":\"rds:DescribeDBInstances\","
	    "\"Parameters\":{\"DbInstanceIdentifierX\":\"i\"},\"End\":true}"),
	 "Parameters lack 'DBInstanceIdentifier'"},
	{"[]", "the workflow must be an object"},
	{"{\"States\":{\"A\":{\"Type\":\"Succeed\"}}}", "needs StartAt"},
	{"{\"StartAt\":\"B\",\"States\":{\"A\":{\"Type\":\"Succeed\"}}}", "StartAt names no state: 'B'"},
	{"{\"StartAt\":\"A\",\"States\":[]}", "needs States"},
	{"{\"StartAt\":\"A\",\"TimeoutSeconds\":-1,\"States\":{\"A\":{\"Type\":\"Succeed\"}}}",
	 "TimeoutSeconds must be a positive integer"},
	{M1("\"A\":[]"), "state 'A' must be an object"},
	{M1("\"A\":{\"Type\":5}"), "Type must be a string"},
	{M1("\"A\":{\"Type\":\"Pass\"}"), "needs Next (a state name) or \"End\": true"},
	{M1("\"A\":{\"Type\":\"Pass\",\"Next\":\"A\",\"End\":true}"), "has both Next and End"},
	{M1("\"A\":{\"Type\":\"Pass\",\"Next\":7}"), "Next must be a state name"},
	{M1("\"A\":{\"Type\":\"Pass\",\"ResultSelector\":{},\"End\":true}"),
	 "unknown field 'ResultSelector' in a Pass state"},
	{M1("\"A\":{\"Type\":\"Pass\",\"Parameters\":\"x\",\"End\":true}"), "Parameters must be an object"},
	{M1("\"A\":{\"Type\":\"Pass\",\"ResultPath\":\"$$.x\",\"End\":true}"), "not into $$"},
	{M1("\"A\":{\"Type\":\"Pass\",\"OutputPath\":7,\"End\":true}"), "OutputPath must be a path string or null"},
	{M1("\"A\":{\"Type\":\"Task\",\"End\":true}"), "a Task needs a Resource"},
	{M1("\"A\":{\"Type\":\"Task\",\"Resource\":\"\",\"End\":true}"), "Resource must be a non-empty string"},
	{M1("\"A\":{\"Type\":\"Task\",\"Resource\":\"notify:Publish\",\"TimeoutSeconds\":5,"
	    "\"TimeoutSecondsPath\":\"$.t\",\"End\":true}"), "TimeoutSeconds and TimeoutSecondsPath cannot both"},
	{M1("\"A\":{\"Type\":\"Task\",\"Resource\":\"notify:Publish\",\"TimeoutSeconds\":5,"
	    "\"HeartbeatSeconds\":5,\"End\":true}"), "HeartbeatSeconds must be smaller"},
	{M1("\"A\":{\"Type\":\"Task\",\"Resource\":\"notify:Publish\",\"Retry\":{},\"End\":true}"),
	 "Retry must be an array"},
	{M1("\"A\":{\"Type\":\"Task\",\"Resource\":\"notify:Publish\",\"Retry\":[{\"ErrorEquals\":[]}],\"End\":true}"),
	 "ErrorEquals must be a non-empty array"},
	{M1("\"A\":{\"Type\":\"Task\",\"Resource\":\"notify:Publish\",\"Retry\":[{\"ErrorEquals\":[\"States.ALL\",\"X\"]}],\"End\":true}"),
	 "States.ALL must appear alone"},
	{M1("\"A\":{\"Type\":\"Task\",\"Resource\":\"notify:Publish\",\"Retry\":[{\"ErrorEquals\":[\"X\"],\"MaxAttempts\":-1}],\"End\":true}"),
	 "MaxAttempts must be a non-negative integer"},
	{M1("\"A\":{\"Type\":\"Task\",\"Resource\":\"notify:Publish\",\"Retry\":[{\"ErrorEquals\":[\"X\"],\"Foo\":1}],\"End\":true}"),
	 "unknown field 'Foo' in a retrier"},
	{M1("\"A\":{\"Type\":\"Task\",\"Resource\":\"notify:Publish\",\"Catch\":[{\"ErrorEquals\":[\"X\"],\"Next\":\"A\","
	    "\"ResultPath\":\"$.a[0:1]\"}],\"End\":true}"), "ResultPath must be a reference path"},
	{M1("\"A\":{\"Type\":\"Choice\"}"), "a Choice needs Choices"},
	{M1("\"A\":{\"Type\":\"Choice\",\"Choices\":[]}"), "Choices must be a non-empty array"},
	{M1("\"A\":{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$.a\",\"IsNull\":true,\"Next\":\"A\"}],\"End\":true}"),
	 "unknown field 'End' in a Choice state"},
	{M1("\"A\":{\"Type\":\"Wait\",\"End\":true}"), "needs one of Seconds, SecondsPath, Timestamp or TimestampPath"},
	{M1("\"A\":{\"Type\":\"Wait\",\"Seconds\":-2,\"End\":true}"), "Seconds must be a non-negative integer"},
	{M1("\"A\":{\"Type\":\"Wait\",\"SecondsPath\":\"$.a[*]\",\"End\":true}"), "SecondsPath must be a reference path"},
	{M1("\"A\":{\"Type\":\"Fail\",\"Error\":5}"), "Error must be a string"},
	{M1("\"A\":{\"Type\":\"Fail\",\"CausePath\":\"States.Nope()\"}"), "CausePath: unknown intrinsic function"},
	{M1("\"A\":{\"Type\":\"Parallel\",\"End\":true}"), "a Parallel needs Branches"},
	{M1("\"A\":{\"Type\":\"Parallel\",\"Branches\":[],\"End\":true}"), "Branches must be a non-empty array"},
	{M1("\"A\":{\"Type\":\"Parallel\",\"Branches\":[{\"StartAt\":\"B\",\"States\":{\"B\":{\"Type\":\"Pass\",\"Next\":\"A\"}}}],\"End\":true}"),
	 "state 'B': Next names no state: 'A'"},
	{M1("\"A\":{\"Type\":\"Parallel\",\"Branches\":[{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Succeed\"}}}],\"End\":true}"),
	 "state name 'A' is used twice"},
	{M1("\"A\":{\"Type\":\"Parallel\",\"Branches\":[{\"StartAt\":\"B\",\"States\":{\"B\":{\"Type\":\"Succeed\"}},\"TimeoutSeconds\":3}],\"End\":true}"),
	 "unknown field 'TimeoutSeconds' in a nested state machine"},
	{M1("\"A\":{\"Type\":\"Map\",\"End\":true}"), "needs one of ItemProcessor or Iterator"},
	{M1("\"A\":{\"Type\":\"Map\",\"ItemProcessor\":{\"StartAt\":\"I\",\"States\":{\"I\":{\"Type\":\"Succeed\"}}},"
	    "\"ItemSelector\":{},\"Parameters\":{},\"End\":true}"), "ItemSelector and Parameters cannot both be set"},
	{M1("\"A\":{\"Type\":\"Map\",\"ItemProcessor\":{\"StartAt\":\"I\",\"States\":{\"I\":{\"Type\":\"Succeed\"}}},"
	    "\"ItemReader\":{},\"End\":true}"), "unknown field 'ItemReader' in a Map state"},
	{M1("\"A\":{\"Type\":\"Map\",\"ItemProcessor\":{\"StartAt\":\"I\",\"States\":{\"I\":{\"Type\":\"Nope\"}}},\"End\":true}"),
	 "unknown Type 'Nope'"},
	{M1("\"A\":{\"Type\":\"Map\",\"ItemProcessor\":{\"StartAt\":\"I\",\"States\":{\"I\":{\"Type\":\"Succeed\"}}},"
	    "\"MaxConcurrency\":1.5,\"End\":true}"), "MaxConcurrency must be a non-negative integer"},
	{M1("\"A\":{\"Type\":\"Map\",\"ItemProcessor\":{\"StartAt\":\"I\",\"States\":{\"I\":{\"Type\":\"Succeed\"}}},"
	    "\"ToleratedFailurePercentage\":100.5,\"End\":true}"), "must be a number from 0 to 100"},
	{M1("\"A\":{\"Type\":\"Map\",\"ItemProcessor\":{\"StartAt\":\"I\",\"States\":{\"I\":{\"Type\":\"Succeed\"}}},"
	    "\"ToleratedFailureCount\":-1,\"End\":true}"), "ToleratedFailureCount must be a non-negative integer"},
	{M1("\"A\":{\"Type\":\"Map\",\"ItemProcessor\":{\"StartAt\":\"I\",\"States\":{\"I\":{\"Type\":\"Succeed\"}}},"
	    "\"ToleratedFailureCount\":1,\"ToleratedFailureCountPath\":\"$.n\",\"End\":true}"),
	 "ToleratedFailureCount and ToleratedFailureCountPath cannot both be set"},
	{M1("\"A\":{\"Type\":\"Map\",\"ItemProcessor\":{\"StartAt\":\"I\",\"States\":{\"I\":{\"Type\":\"Succeed\"}}},"
	    "\"ToleratedFailurePercentagePath\":\"nope\",\"End\":true}"), "ToleratedFailurePercentagePath"},
	{M1("\"A\":{\"Type\":\"Map\",\"ItemProcessor\":{\"StartAt\":\"I\",\"States\":{\"I\":{\"Type\":\"Succeed\"}}},"
	    "\"ToleratedFailurePercentage\":12.5,\"ToleratedFailureCountPath\":\"$.n\",\"End\":true}"), NULL},
	{M1("\"A\":{\"Type\":\"Map\",\"ItemProcessor\":{\"ProcessorConfig\":{\"Mode\":\"DISTRIBUTED\"},"
	    "\"StartAt\":\"I\",\"States\":{\"I\":{\"Type\":\"Succeed\"}}},\"End\":true}"),
	 "Mode must be INLINE"},
	{M1("\"A\":{\"Type\":\"Succeed\"},"
	    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\":{\"Type\":\"Succeed\"}"),
	 "must be 1 to 80 characters"},
};

START_TEST(test_memory_cases)
{
	const struct mem_case *m = &mem_cases[_i];
	pw_doc *doc = NULL;
	pw_diag d;
	pw_diag_list l = {0};
	ck_assert_int_eq(pw_doc_load_buffer("t.json", m->json, strlen(m->json),
					    &doc, &d), 0);
	int n = pw_workflow_validate(doc, lt_fake_check, NULL, &l);
	if (m->needle == NULL) {
		ck_assert_msg(n == 0, "%s: %s", m->json,
			      l.count ? l.items[0].message : "");
	} else {
		int found = 0;
		ck_assert_msg(n > 0, "accepted %s", m->json);
		for (size_t k = 0; k < l.count; k++) {
			found |= strstr(l.items[k].message, m->needle) != NULL;
			/* every problem has a position in a JSON document */
			ck_assert_int_gt(l.items[k].line, 0);
		}
		ck_assert_msg(found, "%s: no \"%s\"; first: %s", m->json,
			      m->needle, l.count ? l.items[0].message : "");
	}
	pw_diag_list_free(&l);
	pw_doc_free(doc);
}
END_TEST

/* Without a resource checker, resources are not looked up; and the
 * diagnostics list is appended to, not reset. */
START_TEST(test_no_checker_and_append)
{
	char path[1200], *unused = NULL;
	(void)unused;
	snprintf(path, sizeof(path), "%s/broken/unknown-resource.yaml", fixture_dir);
	pw_doc *doc = NULL;
	pw_diag d;
	ck_assert_int_eq(pw_doc_load_file(path, &doc, &d), 0);
	pw_diag_list l = {0};
	/* only the warning that the lua: Task has no TimeoutSeconds */
	ck_assert_int_eq(pw_workflow_validate(doc, NULL, NULL, &l), 0);
	ck_assert_int_eq(l.count, 1);
	ck_assert(strncmp(l.items[0].message, "warning: state 'Script'", 23) == 0);
	ck_assert_int_eq(pw_workflow_validate(doc, lt_fake_check, NULL, &l), 4);
	ck_assert_int_eq(pw_workflow_validate(doc, lt_fake_check, NULL, &l), 4);
	ck_assert_int_eq(l.count, 11);
	/* a NULL list only counts */
	ck_assert_int_eq(pw_workflow_validate(doc, lt_fake_check, NULL, NULL), 4);
	pw_diag_list_free(&l);
	pw_diag_list_free(NULL);
	pw_doc_free(doc);
}
END_TEST

/* Warnings are reported with a "warning: " prefix and not counted. */
START_TEST(test_heartbeat_warning)
{
	const char *wf = M1("\"A\":{\"Type\":\"Task\",\"Resource\":\"notify:Publish\","
			    "\"TimeoutSeconds\":60,\"HeartbeatSeconds\":10,\"End\":true}");
	pw_doc *doc = NULL;
	pw_diag d;
	pw_diag_list l = {0};
	ck_assert_int_eq(pw_doc_load_buffer("h.json", wf, strlen(wf), &doc, &d), 0);
	ck_assert_int_eq(pw_workflow_validate(doc, lt_fake_check, NULL, &l), 0);
	ck_assert_int_eq(l.count, 1);
	ck_assert(strncmp(l.items[0].message, "warning: state 'A': HeartbeatSeconds", 36) == 0);
	ck_assert_int_eq(l.items[0].line, 1);
	pw_diag_list_free(&l);
	pw_doc_free(doc);
}
END_TEST

/* A lua: Task without TimeoutSeconds gets a warning (the default Lua
 * budget is its only bound); one with TimeoutSeconds[Path] does not. */
START_TEST(test_lua_without_timeout_warning)
{
	static const struct {
		const char *wf;
		size_t warnings;
	} cases[] = {
		{M1("\"A\":{\"Type\":\"Task\",\"Resource\":\"lua:s.lua\",\"End\":true}"), 1},
		{M1("\"A\":{\"Type\":\"Task\",\"Resource\":\"lua:s.lua\","
		    "\"TimeoutSeconds\":5,\"End\":true}"), 0},
		{M1("\"A\":{\"Type\":\"Task\",\"Resource\":\"lua:s.lua\","
		    "\"TimeoutSecondsPath\":\"$.t\",\"End\":true}"), 0},
		{M1("\"A\":{\"Type\":\"Task\",\"Resource\":\"notify:Publish\",\"End\":true}"), 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pw_doc *doc = NULL;
		pw_diag d;
		pw_diag_list l = {0};
		ck_assert_int_eq(pw_doc_load_buffer("l.json", cases[i].wf, strlen(cases[i].wf),
						    &doc, &d), 0);
		ck_assert_int_eq(pw_workflow_validate(doc, NULL, NULL, &l), 0);
		ck_assert_msg(l.count == cases[i].warnings, "case %zu: %zu diagnostics", i,
			      l.count);
		if (cases[i].warnings) {
			const char *m = l.items[0].message;
			ck_assert_msg(strncmp(m, "warning: state 'A': a lua: Task without "
					      "TimeoutSeconds", 54) == 0, "%s", m);
			ck_assert_msg(strstr(m, "lua_timeout_seconds") != NULL, "%s", m);
		}
		pw_diag_list_free(&l);
		pw_doc_free(doc);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("validate");
	TCase *t = tcase_create("core");
	tcase_add_unchecked_fixture(t, find_fixtures, NULL);
	tcase_add_loop_test(t, test_good_workflows_are_valid, 0,
			    sizeof(good_files) / sizeof(good_files[0]));
	tcase_add_loop_test(t, test_broken_workflows, 0,
			    sizeof(broken_files) / sizeof(broken_files[0]));
	tcase_add_loop_test(t, test_memory_cases, 0,
			    sizeof(mem_cases) / sizeof(mem_cases[0]));
	tcase_add_test(t, test_no_checker_and_append);
	tcase_add_test(t, test_heartbeat_warning);
	tcase_add_test(t, test_lua_without_timeout_warning);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return lt_run(suite());
}

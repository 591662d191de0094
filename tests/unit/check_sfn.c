/* check_sfn - Step Functions mode (engine/SFN.md): what `prewarm export`
 * writes for each kind of Task and what it refuses, and one worker task
 * (sfn_task) on the counter test plugin: vars filled in, the step's own
 * errors, a secret output sealed into a recipe and fetched again. */
#include "exec_harness.h"
#include "pw_config.h"
#include "pw_log.h"
#include "pw_redact.h"
#include "sfn_export.h"
#include "sfn_task.h"

#define ACT "arn:aws:states:us-east-1:123456789012:activity:prewarm"

static char *tmp;
static pw_registry *reg;

static void setup(void)
{
	eh_open(&tmp, NULL, &reg, NULL);
	pw_log_setup(PW_LOG_TEXT, PW_LOG_ERROR);
}

static void teardown(void)
{
	eh_close(tmp, NULL, reg);
	pw_secret_clear();
}

static const char WF[] =
	"{\"StartAt\": \"L\", \"States\": {\n"
	"\"L\": {\"Type\": \"Task\", \"Resource\": \"lua:l.lua\", \"TimeoutSeconds\": 10,\n"
	"  \"Parameters\": {\"v.$\": \"$$.Vars.cluster\", \"all.$\": \"$$.Vars\", \"x.$\": \"$.x\"},\n"
	"  \"Retry\": [{\"ErrorEquals\": [\"States.ALL\"]}], \"Next\": \"S\"},\n"
	"\"S\": {\"Type\": \"Task\", \"Resource\": \"counter:Secret\", \"ResultPath\": \"$.s\", \"Next\": \"U\"},\n"
	"\"U\": {\"Type\": \"Task\", \"Resource\": \"lua:u.lua\", \"Parameters\": {\"s.$\": \"$.s\"}, \"Next\": \"B\"},\n"
	"\"B\": {\"Type\": \"Task\", \"Resource\": \"counter:Bump\", \"Parameters\": {\"Name\": \"b\"}, \"Next\": \"F\"},\n"
	"\"F\": {\"Type\": \"Task\", \"Resource\": \"counter:Fail\", \"Next\": \"M\"},\n"
	"\"M\": {\"Type\": \"Map\", \"ItemProcessor\": {\"StartAt\": \"E\", \"States\": {\n"
	"  \"E\": {\"Type\": \"Task\", \"Resource\": \"counter:Echo\", \"End\": true}}}, \"Next\": \"N\"},\n"
	"\"N\": {\"Type\": \"Task\", \"Resource\": \"arn:aws:states:::aws-sdk:rds:describeDBInstances\",\n"
	"  \"Parameters\": {\"DbInstanceIdentifier\": \"x\"}, \"End\": true}}}\n";

static json_object *vars(void)
{
	json_object *v = json_object_new_object();
	json_object_object_add(v, "cluster", json_object_new_string("app-prod"));
	json_object_object_add(v, "db_password", json_object_new_string("pw-var-s3cret"));
	pw_secret_add("pw-var-s3cret"); /* as pw_config registers it */
	return v;
}

static json_object *state(json_object *def, const char *name)
{
	json_object *states, *st;
	ck_assert(json_object_object_get_ex(def, "States", &states));
	ck_assert(json_object_object_get_ex(states, name, &st));
	return st;
}

static const char *at(json_object *o, const char *a, const char *b)
{
	json_object *x = NULL, *y = NULL;
	ck_assert_msg(json_object_object_get_ex(o, a, &x), "no %s", a);
	if (b == NULL)
		return json_object_to_json_string_ext(x, JSON_C_TO_STRING_PLAIN);
	ck_assert_msg(json_object_object_get_ex(x, b, &y), "no %s.%s", a, b);
	return json_object_to_json_string_ext(y, JSON_C_TO_STRING_PLAIN);
}

START_TEST(test_export_worker_and_native_tasks)
{
	pw_doc *doc = eh_load(tmp, "wf.json", WF);
	json_object *v = vars();
	struct pw_sfn_export_opts o = {ACT, NULL, 30, -1, v};
	pw_diag_list diags = {NULL, 0, 0};
	json_object *def = pw_sfn_export(doc, &o, &diags);
	ck_assert_msg(def != NULL, "%s", diags.count ? diags.items[0].message : "?");
	json_object *l = state(def, "L");
	ck_assert_str_eq(at(l, "Resource", NULL), "\"" ACT "\"");
	ck_assert_str_eq(at(l, "Parameters", "Workflow"), "\"wf\"");
	ck_assert_str_eq(at(l, "Parameters", "Resource"), "\"lua:l.lua\"");
	/* vars become markers; paths stay for Step Functions to resolve */
	ck_assert_str_eq(at(l, "Parameters", "Parameters"),
			 "{\"v\":{\"Prewarm.Var\":\".cluster\"},\"all\":{\"Prewarm.Var\":\"\"},\"x.$\":\"$.x\"}");
	/* the secret var stays with the workers */
	ck_assert_str_eq(at(l, "Parameters", "Vars"), "{\"cluster\":\"app-prod\"}");
	/* heartbeat below TimeoutSeconds; the lost-worker retrier first */
	ck_assert_str_eq(at(l, "HeartbeatSeconds", NULL), "9");
	ck_assert_str_eq(at(l, "Parameters", "HeartbeatSeconds"), "9");
	ck_assert_str_eq(at(l, "Retry", NULL),
			 "[{\"ErrorEquals\":[\"States.HeartbeatTimeout\",\"Prewarm.WorkerStopped\"],"
			 "\"IntervalSeconds\":1,\"MaxAttempts\":2,\"BackoffRate\":1.0},"
			 "{\"ErrorEquals\":[\"States.ALL\"]}]");
	/* no Parameters: the state's input */
	ck_assert_str_eq(at(state(def, "S"), "Parameters", "Parameters.$"), "\"$\"");
	ck_assert_str_eq(at(state(def, "S"), "HeartbeatSeconds", NULL), "30");
	/* inside a Map too */
	json_object *proc = NULL;
	ck_assert(json_object_object_get_ex(state(def, "M"), "ItemProcessor", &proc));
	ck_assert_str_eq(at(state(proc, "E"), "Parameters", "Resource"), "\"counter:Echo\"");
	/* Step Functions' own integration: untouched */
	ck_assert_str_eq(json_object_to_json_string_ext(state(def, "N"), JSON_C_TO_STRING_PLAIN),
			 "{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::aws-sdk:rds:describeDBInstances\","
			 "\"Parameters\":{\"DbInstanceIdentifier\":\"x\"},\"End\":true}");
	json_object_put(def);
	/* a Lambda function instead: no heartbeat, no retrier */
	struct pw_sfn_export_opts lo = {NULL, "arn:aws:lambda:us-east-1:123456789012:function:w", 0, -1, v};
	def = pw_sfn_export(doc, &lo, &diags);
	ck_assert(def != NULL);
	ck_assert(!json_object_object_get_ex(state(def, "S"), "HeartbeatSeconds", NULL));
	ck_assert(!json_object_object_get_ex(state(def, "S"), "Retry", NULL));
	json_object_put(def);
	pw_diag_list_free(&diags);
	json_object_put(v);
	pw_doc_free(doc);
}
END_TEST

START_TEST(test_export_refuses_vars_outside_worker_parameters)
{
	pw_doc *doc = eh_load(tmp, "bad.yaml",
			   "StartAt: P\nStates:\n  P:\n    Type: Pass\n    Parameters:\n"
			   "      c.$: $$.Vars.cluster\n    Next: T\n"
			   "  T:\n    Type: Task\n    Resource: counter:Echo\n    Parameters:\n"
			   "      f.$: States.Format('{}', $$.Vars.cluster)\n    End: true\n");
	struct pw_sfn_export_opts o = {ACT, NULL, 0, -1, NULL};
	pw_diag_list diags = {NULL, 0, 0};
	ck_assert(pw_sfn_export(doc, &o, &diags) == NULL);
	ck_assert_int_eq((int)diags.count, 2);
	ck_assert_int_eq(diags.items[0].line, 6);
	ck_assert_int_eq(diags.items[0].column, 7);
	ck_assert(strstr(diags.items[0].message, "state 'P': Step Functions has no $$.Vars") != NULL);
	ck_assert_int_eq(diags.items[1].line, 12);
	pw_diag_list_free(&diags);
	pw_doc_free(doc);
}
END_TEST

/* JSONata states: the worker wrapper goes into Arguments (Step Functions
 * evaluates {% %} there at any depth), the template inside it as is; a
 * Task without Arguments sends its input; every other state passes
 * through unchanged, and a JSONPath state in the same file keeps
 * Parameters. */
START_TEST(test_export_jsonata_worker_tasks)
{
	pw_doc *doc = eh_load(tmp, "jn.json",
			   "{\"QueryLanguage\":\"JSONata\",\"StartAt\":\"L\",\"States\":{"
			   "\"L\":{\"Type\":\"Task\",\"Resource\":\"lua:l.lua\","
			   "\"Arguments\":{\"id\":\"{% $states.input.id %}\",\"n\":{\"k\":\"{% 1+1 %}\"}},"
			   "\"Output\":\"{% $states.result %}\",\"Next\":\"S\"},"
			   "\"S\":{\"Type\":\"Task\",\"Resource\":\"counter:Echo\",\"Next\":\"C\"},"
			   "\"C\":{\"Type\":\"Choice\",\"Choices\":[{\"Condition\":\"{% true %}\","
			   "\"Next\":\"P\"}],\"Default\":\"P\"},"
			   "\"P\":{\"Type\":\"Task\",\"QueryLanguage\":\"JSONPath\","
			   "\"Resource\":\"counter:Echo\",\"Parameters\":{\"x.$\":\"$.x\"},\"End\":true}}}");
	struct pw_sfn_export_opts o = {ACT, NULL, 30, -1, NULL};
	pw_diag_list diags = {NULL, 0, 0};
	json_object *def = pw_sfn_export(doc, &o, &diags);
	ck_assert_msg(def != NULL, "%s", diags.count ? diags.items[0].message : "?");
	json_object *l = state(def, "L");
	ck_assert(!json_object_object_get_ex(l, "Parameters", NULL));
	ck_assert_str_eq(at(l, "Arguments", "Resource"), "\"lua:l.lua\"");
	ck_assert_str_eq(at(l, "Arguments", "Parameters"),
			 "{\"id\":\"{% $states.input.id %}\",\"n\":{\"k\":\"{% 1+1 %}\"}}");
	ck_assert_str_eq(at(l, "Output", NULL), "\"{% $states.result %}\"");
	ck_assert_str_eq(at(state(def, "S"), "Arguments", "Parameters"),
			 "\"{% $states.input %}\"");
	ck_assert_str_eq(json_object_to_json_string_ext(state(def, "C"), JSON_C_TO_STRING_PLAIN),
			 "{\"Type\":\"Choice\",\"Choices\":[{\"Condition\":\"{% true %}\","
			 "\"Next\":\"P\"}],\"Default\":\"P\"}");
	ck_assert(!json_object_object_get_ex(state(def, "P"), "Arguments", NULL));
	ck_assert_str_eq(at(state(def, "P"), "Parameters", "Parameters"), "{\"x.$\":\"$.x\"}");
	json_object_put(def);
	pw_diag_list_free(&diags);
	pw_doc_free(doc);
}
END_TEST

/* One task through sfn_task, as the worker runs it. */
static int task(pw_doc *doc, json_object *own, const char *input, json_object **out, pw_error *e)
{
	struct pw_sfn_task_env env = {reg, own, &doc, 1};
	memset(e, 0, sizeof(*e));
	return pw_sfn_task_run(&env, input, out, e);
}

START_TEST(test_task_vars_errors_and_secret_recipes)
{
	free(rt_write(tmp, "l.lua", "local i = ... return i.v .. ',' .. i.all.cluster .. ',' .. i.x\n"));
	free(rt_write(tmp, "u.lua", "local i = ... return {len = #i.s.Token}\n"));
	pw_doc *doc = eh_load(tmp, "wf.json", WF);
	json_object *own = json_object_new_object(), *out = NULL;
	json_object_object_add(own, "cluster", json_object_new_string("from-worker"));
	pw_error e;
	/* vars: the Task's, under the worker's own */
	ck_assert_int_eq(task(doc, own, "{\"Workflow\":\"wf\",\"State\":\"L\",\"Resource\":\"lua:l.lua\","
			      "\"Parameters\":{\"v\":{\"Prewarm.Var\":\".cluster\"},\"all\":{\"Prewarm.Var\":\"\"},"
			      "\"x\":7},\"Vars\":{\"cluster\":\"carried\"}}", &out, &e), 0);
	ck_assert_str_eq(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN),
			 "\"from-worker,from-worker,7\"");
	json_object_put(out);
	/* a missing var is the engine's States.Runtime */
	ck_assert_int_eq(task(doc, NULL, "{\"Workflow\":\"wf\",\"State\":\"L\",\"Resource\":\"lua:l.lua\","
			      "\"Parameters\":{\"v\":{\"Prewarm.Var\":\".nope\"}}}", &out, &e), -1);
	ck_assert_str_eq(e.name, "States.Runtime");
	/* a secret output goes back as the recipe (its input) ... */
	const char *secret_in = "{\"Workflow\":\"wf\",\"State\":\"S\",\"Resource\":\"counter:Secret\","
				"\"Parameters\":{\"Name\":\"s\",\"Generate\":true}}";
	ck_assert_int_eq(task(doc, NULL, secret_in, &out, &e), 0);
	const char *sealed = json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN);
	ck_assert_msg(strstr(sealed, "gen-s3cr3t") == NULL, "%s", sealed);
	ck_assert_str_eq(sealed, "{\"Prewarm.SecretRef\":{\"Workflow\":\"wf\",\"State\":\"S\","
			 "\"Resource\":\"counter:Secret\",\"Parameters\":{\"Name\":\"s\",\"Generate\":true}}}");
	/* ... which the next step's worker resolves by running it again */
	char next[2048];
	snprintf(next, sizeof(next), "{\"Workflow\":\"wf\",\"State\":\"U\",\"Resource\":\"lua:u.lua\","
		 "\"Parameters\":{\"s\":%s}}", sealed);
	json_object_put(out);
	pw_secret_clear(); /* another worker process: nothing registered */
	ck_assert_int_eq(task(doc, NULL, next, &out, &e), 0);
	ck_assert_str_eq(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN), "{\"len\":25}");
	json_object_put(out);
	/* a recipe naming a mutating step is refused */
	ck_assert_int_eq(task(doc, NULL, "{\"Workflow\":\"wf\",\"State\":\"U\",\"Resource\":\"lua:u.lua\","
			      "\"Parameters\":{\"s\":{\"Prewarm.SecretRef\":{\"Workflow\":\"wf\",\"State\":\"B\","
			      "\"Resource\":\"counter:Bump\",\"Parameters\":{\"Name\":\"b\"}}}}}", &out, &e), -1);
	ck_assert_str_eq(e.name, "Prewarm.BadTaskInput");
	/* only the worker's own Tasks run */
	ck_assert_int_eq(task(doc, NULL, "{\"Workflow\":\"wf\",\"State\":\"L\",\"Resource\":\"counter:Bump\","
			      "\"Parameters\":{}}", &out, &e), -1);
	ck_assert_str_eq(e.name, "Prewarm.UnknownTask");
	ck_assert_int_eq(task(doc, NULL, "{\"Workflow\":\"other\",\"State\":\"L\",\"Resource\":\"lua:l.lua\"}",
			      &out, &e), -1);
	ck_assert_str_eq(e.name, "Prewarm.UnknownTask");
	ck_assert_int_eq(task(doc, NULL, "[1,", &out, &e), -1);
	ck_assert_str_eq(e.name, "Prewarm.BadTaskInput");
	/* the step's own error, as prewarm run gives it */
	ck_assert_int_eq(task(doc, NULL, "{\"Workflow\":\"wf\",\"State\":\"F\",\"Resource\":\"counter:Fail\","
			      "\"Parameters\":{\"Name\":\"f\",\"Error\":\"Custom.Err\",\"Cause\":\"why\"}}",
			      &out, &e), -1);
	ck_assert_str_eq(e.name, "Custom.Err");
	ck_assert_str_eq(e.cause, "why");
	ck_assert_int_eq(pw_sfn_task_heartbeat("{\"HeartbeatSeconds\": 9}"), 9);
	ck_assert_int_eq(pw_sfn_task_heartbeat("{}"), 0);
	json_object_put(own);
	pw_doc_free(doc);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sfn");
	TCase *tc = tcase_create("sfn");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_export_worker_and_native_tasks);
	tcase_add_test(tc, test_export_refuses_vars_outside_worker_parameters);
	tcase_add_test(tc, test_export_jsonata_worker_tasks);
	tcase_add_test(tc, test_task_vars_errors_and_secret_recipes);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/* check_lambda - Lambda integrations through resource_map: every
 * FunctionName form, the lookup and its message, the Invoke response
 * shape, function errors as Step Functions raises them, validation, and
 * both Task forms run by the executor. */
#include "exec_harness.h"
#include "pw_exec.h"
#include "pw_lambda.h"
#include "pw_log.h"
#include "pw_validate.h"

static char *tmp;
static pw_registry *reg;
static struct pw_fake_clock fc;

static void setup(void)
{
	json_object *cfg = json_tokener_parse(
		"{\"resource_map\":{\"score\":\"lua:score.lua\",\"score:v2\":\"lua:score2.lua\","
		"\"echo\":\"counter:Echo\",\"bump\":\"counter:Bump\",\"boom\":\"lua:boom.lua\",\"oops\":\"lua:oops.lua\","
		"\"arn:aws:lambda:eu-west-1:123456789012:function:exact\":\"counter:Echo\"}}");
	eh_open(&tmp, NULL, &reg, cfg);
	json_object_put(cfg);
	free(rt_write(tmp, "score.lua", "local e = ...\nreturn {score = e.n * 2}\n"));
	free(rt_write(tmp, "score2.lua", "local e = ...\nreturn {score = e.n * 3}\n"));
	free(rt_write(tmp, "boom.lua",
		      "error({Error = \"Score.TooLow\", Cause = \"below 10\"})\n"));
	free(rt_write(tmp, "oops.lua", "local t = nil\nreturn t.x\n"));
	pw_fake_clock_init(&fc, 1764067576000LL);
	pw_log_setup(PW_LOG_TEXT, PW_LOG_ERROR);
}

static void teardown(void)
{
	eh_close(tmp, NULL, reg);
}

/* A one-Task workflow around `task` (the Task's fields after Type). */
static struct pw_exec_result run_task(const char *task, const char *input, int dry_run)
{
	char wf[2048];
	snprintf(wf, sizeof(wf),
		 "{\"StartAt\":\"L\",\"States\":{\"L\":{\"Type\":\"Task\",%s,\"End\":true}}}",
		 task);
	struct pw_exec_opts o;
	memset(&o, 0, sizeof(o));
	o.registry = reg;
	o.clock = &fc.clock;
	o.dry_run = dry_run;
	return eh_run(eh_load(tmp, "wf.json", wf), input, &o);
}

static void parses(const char *fname, const char *name, const char *qualifier)
{
	struct pw_lambda_fn fn;
	char why[512] = "";
	ck_assert_msg(pw_lambda_parse_name(fname, &fn, why, sizeof(why)) == 0, "%s: %s", fname,
		      why);
	ck_assert_str_eq(fn.name, name);
	ck_assert_str_eq(fn.qualifier, qualifier);
}

static void refused(const char *fname)
{
	struct pw_lambda_fn fn;
	char why[512] = "";
	ck_assert_msg(pw_lambda_parse_name(fname, &fn, why, sizeof(why)) != 0, "%s parsed", fname);
	ck_assert_ptr_nonnull(strstr(why, "not a Lambda function name"));
}

START_TEST(every_function_name_form)
{
	parses("my-function", "my-function", "");
	parses("my_function:v1", "my_function", "v1");
	parses("my-function:$LATEST", "my-function", "$LATEST");
	parses("my-function:42", "my-function", "42");
	parses("123456789012:function:my-function", "my-function", "");
	parses("123456789012:function:my-function:prod", "my-function", "prod");
	parses("arn:aws:lambda:us-west-2:123456789012:function:my-function", "my-function", "");
	parses("arn:aws:lambda:us-west-2:123456789012:function:my-function:7", "my-function", "7");
	parses("arn:aws-cn:lambda:cn-north-1:123456789012:function:f:live", "f", "live");
	refused("");
	refused("my function");
	refused("a:b:c");
	refused("my-function:");
	refused("my-function:$latest:x");
	refused("12345:function:f");                                 /* account is 12 digits */
	refused("arn:aws:lambda:us-west-2:123456789012:layer:f");    /* not a function */
	refused("arn:aws:s3:us-west-2:123456789012:function:f");
	refused("arn:aws:lambda:us-west-2:123456789012:function:f:1:2");
	refused("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"); /* 65 */
	ck_assert(pw_lambda_is_function_arn("arn:aws:lambda:r:123456789012:function:f"));
	ck_assert(!pw_lambda_is_function_arn("arn:aws:states:::lambda:invoke"));
	ck_assert(pw_lambda_is_invoke("arn:aws:states:::lambda:invoke"));
	ck_assert(pw_lambda_is_invoke("arn:aws:states:::lambda:invoke.waitForTaskToken"));
	ck_assert(!pw_lambda_is_invoke("arn:aws:states:::lambda:invokeX"));
}
END_TEST

START_TEST(lookup_prefers_the_qualified_key)
{
	json_object *map = json_tokener_parse(
		"{\"score\":\"lua:a.lua\",\"score:v2\":\"lua:b.lua\",\"bad\":\"arn:aws:x\"}");
	struct pw_lambda_fn fn;
	char why[1024];
	ck_assert_int_eq(pw_lambda_parse_name("score:v2", &fn, why, sizeof(why)), 0);
	ck_assert_str_eq(pw_lambda_lookup(map, &fn, why, sizeof(why)), "lua:b.lua");
	ck_assert_int_eq(pw_lambda_parse_name("123456789012:function:score:v3", &fn, why,
					      sizeof(why)), 0);
	ck_assert_str_eq(pw_lambda_lookup(map, &fn, why, sizeof(why)), "lua:a.lua");
	ck_assert_int_eq(pw_lambda_parse_name("missing", &fn, why, sizeof(why)), 0);
	ck_assert_ptr_null(pw_lambda_lookup(map, &fn, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "Lambda function 'missing' is not in the config's "
					  "resource_map"));
	ck_assert_ptr_nonnull(strstr(why, "  resource_map:\n    missing: lua:steps/missing.lua"));
	ck_assert_int_eq(pw_lambda_parse_name("bad", &fn, why, sizeof(why)), 0);
	ck_assert_ptr_null(pw_lambda_lookup(map, &fn, why, sizeof(why)));
	ck_assert_ptr_null(pw_lambda_lookup(NULL, &fn, why, sizeof(why)));
	json_object_put(map);
}
END_TEST

START_TEST(response_has_step_functions_shape)
{
	struct pw_lambda_fn fn;
	char why[256];
	ck_assert_int_eq(pw_lambda_parse_name("f", &fn, why, sizeof(why)), 0);
	json_object *r = pw_lambda_response(json_tokener_parse("{\"a\":1}"), &fn, 1764067576000LL);
	ck_assert_str_eq(rt_str(r, "ExecutedVersion"), "$LATEST");
	ck_assert_int_eq(rt_int(r, "StatusCode"), 200);
	ck_assert_int_eq(rt_int(json_object_object_get(r, "Payload"), "a"), 1);
	json_object *http = json_object_object_get(r, "SdkHttpMetadata");
	ck_assert_int_eq(rt_int(http, "HttpStatusCode"), 200);
	json_object *h = json_object_object_get(http, "HttpHeaders");
	ck_assert_str_eq(rt_str(h, "X-Amz-Executed-Version"), "$LATEST");
	ck_assert_str_eq(rt_str(h, "Date"), "Tue, 25 Nov 2025 10:46:16 GMT");
	const char *rid = rt_str(json_object_object_get(r, "SdkResponseMetadata"), "RequestId");
	ck_assert_int_eq(strlen(rid), 36);
	ck_assert_str_eq(rt_str(h, "x-amzn-RequestId"), rid);
	ck_assert(json_object_is_type(json_object_object_get(
		json_object_object_get(http, "AllHttpHeaders"), "Date"), json_type_array));
	ck_assert_int_eq(json_object_object_length(r), 5);
	json_object_put(r);
	ck_assert_int_eq(pw_lambda_parse_name("f:12", &fn, why, sizeof(why)), 0);
	r = pw_lambda_response(NULL, &fn, 0);
	ck_assert_str_eq(rt_str(r, "ExecutedVersion"), "12");
	ck_assert_ptr_null(json_object_object_get(r, "Payload"));
	json_object_put(r);
}
END_TEST

static void maps_to(const char *name, const char *cause, const char *want)
{
	pw_error e;
	pw_error_set(&e, name, "%s", cause);
	pw_lambda_function_error(&e);
	ck_assert_str_eq(e.name, want);
	json_object *c = json_tokener_parse(e.cause);
	ck_assert_msg(c != NULL, "cause is not JSON: %s", e.cause);
	ck_assert_str_eq(rt_str(c, "errorType"), want);
	ck_assert_str_eq(rt_str(c, "errorMessage"), cause);
	ck_assert(json_object_is_type(json_object_object_get(c, "trace"), json_type_array));
	json_object_put(c);
}

START_TEST(function_errors_carry_their_error_type)
{
	maps_to("Score.TooLow", "below 10", "Score.TooLow");
	maps_to("States.TaskFailed", "x.lua:2: attempt to index a nil value", "Error");
	maps_to("RDS.DBInstanceNotFound", "no \"db\"", "RDS.DBInstanceNotFound");
	pw_error e;
	pw_error_set(&e, "States.Timeout", "step budget");
	pw_lambda_function_error(&e);
	ck_assert_str_eq(e.name, "States.Timeout");
	ck_assert_str_eq(e.cause, "step budget");
}
END_TEST

START_TEST(optimized_integration_runs_the_mapped_step)
{
	struct pw_exec_result res = run_task(
		"\"Resource\":\"arn:aws:states:::lambda:invoke\",\"Parameters\":{"
		"\"FunctionName\":\"arn:aws:lambda:eu-west-1:123456789012:function:score\","
		"\"InvocationType\":\"RequestResponse\",\"Payload\":{\"n.$\":\"$.n\"}}",
		"{\"n\":21}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_int_eq(rt_int(json_object_object_get(res.output, "Payload"), "score"), 42);
	ck_assert_int_eq(rt_int(res.output, "StatusCode"), 200);
	ck_assert_str_eq(rt_str(res.output, "ExecutedVersion"), "$LATEST");
	pw_exec_result_clear(&res);
	/* the qualified key, a dynamic FunctionName, a plugin action */
	res = run_task("\"Resource\":\"arn:aws:states:::lambda:invoke\",\"Parameters\":{"
		       "\"FunctionName.$\":\"$.fn\",\"Payload\":{\"n\":2}},"
		       "\"ResultSelector\":{\"s.$\":\"$.Payload.score\"}",
		       "{\"fn\":\"score:v2\"}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_int_eq(rt_int(res.output, "s"), 6);
	pw_exec_result_clear(&res);
	res = run_task("\"Resource\":\"arn:aws:states:::lambda:invoke\",\"Parameters\":{"
		       "\"FunctionName\":\"score\",\"Qualifier\":\"v2\",\"Payload\":{\"n\":1}}",
		       "{}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_int_eq(rt_int(json_object_object_get(res.output, "Payload"), "score"), 3);
	pw_exec_result_clear(&res);
	res = run_task("\"Resource\":\"arn:aws:states:::lambda:invoke\",\"Parameters\":{"
		       "\"FunctionName\":\"echo\",\"Payload\":{\"x\":\"y\"}},\"OutputPath\":\"$.Payload\"",
		       "{}", 1);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_str_eq(rt_str(res.output, "x"), "y");
	pw_exec_result_clear(&res);
	/* no Payload: the event is {} */
	res = run_task("\"Resource\":\"arn:aws:states:::lambda:invoke\",\"Parameters\":{"
		       "\"FunctionName\":\"echo\"},\"OutputPath\":\"$.Payload\"",
		       "{\"ignored\":1}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_int_eq(json_object_object_length(res.output), 0);
	pw_exec_result_clear(&res);
}
END_TEST

START_TEST(legacy_arn_returns_the_bare_payload)
{
	struct pw_exec_result res = run_task(
		"\"Resource\":\"arn:aws:lambda:us-east-1:123456789012:function:score:$LATEST\"",
		"{\"n\":5}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_int_eq(rt_int(res.output, "score"), 10);
	ck_assert_int_eq(json_object_object_length(res.output), 1);
	pw_exec_result_clear(&res);
	/* resume asks whether a Task may change something outside */
	ck_assert(!pw_registry_mutates(reg, "arn:aws:lambda:r:123456789012:function:echo"));
	ck_assert(pw_registry_mutates(reg, "arn:aws:lambda:r:123456789012:function:bump"));
	ck_assert(pw_registry_mutates(reg, "arn:aws:states:::lambda:invoke"));
	/* a resource_map key naming the exact ARN still wins */
	res = run_task("\"Resource\":\"arn:aws:lambda:eu-west-1:123456789012:function:exact\"",
		       "{\"k\":1}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	ck_assert_int_eq(rt_int(res.output, "k"), 1);
	pw_exec_result_clear(&res);
}
END_TEST

START_TEST(function_errors_are_catchable_by_error_type)
{
	struct pw_exec_result res = run_task(
		"\"Resource\":\"arn:aws:states:::lambda:invoke\",\"Parameters\":{"
		"\"FunctionName\":\"boom\"},\"Catch\":[{\"ErrorEquals\":[\"Score.TooLow\"],"
		"\"ResultPath\":\"$.err\",\"Next\":\"Caught\"}]},"
		"\"Caught\":{\"Type\":\"Pass\"",
		"{}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_SUCCEEDED);
	json_object *e = json_object_object_get(res.output, "err");
	ck_assert_str_eq(rt_str(e, "Error"), "Score.TooLow");
	json_object *cause = json_tokener_parse(rt_str(e, "Cause"));
	ck_assert_str_eq(rt_str(cause, "errorMessage"), "below 10");
	ck_assert_str_eq(rt_str(cause, "errorType"), "Score.TooLow");
	json_object_put(cause);
	pw_exec_result_clear(&res);

	res = run_task("\"Resource\":\"arn:aws:lambda:us-east-1:123456789012:function:oops\"", "{}",
		       0);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "Error");
	ck_assert_ptr_nonnull(strstr(res.error.cause, "\"errorType\":\"Error\""));
	ck_assert_ptr_nonnull(strstr(res.error.cause, "oops.lua:2:"));
	pw_exec_result_clear(&res);

	res = run_task("\"Resource\":\"arn:aws:states:::lambda:invoke\",\"Parameters\":{"
		       "\"FunctionName.$\":\"$.fn\"}",
		       "{\"fn\":\"nobody\"}", 0);
	ck_assert_int_eq(res.status, PW_EXEC_FAILED);
	ck_assert_str_eq(res.error.name, "Lambda.ResourceNotFoundException");
	ck_assert_ptr_nonnull(strstr(res.error.cause, "'nobody'"));
	pw_exec_result_clear(&res);
}
END_TEST

/* Validates wf with the registry; returns the diagnostics joined. */
static char *validate(const char *wf, int *errors)
{
	pw_doc *doc = eh_load(tmp, "wf.json", wf);
	pw_diag_list l = {0};
	*errors = pw_workflow_validate(doc, pw_registry_check_resource, reg, &l);
	size_t cap = 1, n = 0;
	for (size_t i = 0; i < l.count; i++)
		cap += strlen(l.items[i].message) + 1;
	char *all = calloc(cap, 1);
	for (size_t i = 0; i < l.count; i++)
		n += (size_t)sprintf(all + n, "%s\n", l.items[i].message);
	pw_diag_list_free(&l);
	pw_doc_free(doc);
	return all;
}

START_TEST(validate_names_the_missing_mapping)
{
	int errors;
	char *msg = validate(
		"{\"StartAt\":\"A\",\"States\":{"
		"\"A\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\","
		"\"Parameters\":{\"FunctionName\":\"123456789012:function:Warming\"},\"Next\":\"B\"},"
		"\"B\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:lambda:r:123456789012:function:Other:1\","
		"\"Next\":\"C\"},"
		"\"C\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke.waitForTaskToken\","
		"\"Parameters\":{\"FunctionName\":\"score\"},\"Next\":\"D\"},"
		"\"D\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\","
		"\"Parameters\":{\"Payload\":{}},\"Next\":\"E\"},"
		"\"E\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\","
		"\"Parameters\":{\"FunctionName\":\"score\",\"InvocationType\":\"Event\"},\"Next\":\"F\"},"
		"\"F\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\","
		"\"Parameters\":{\"FunctionName\":\"score:v2\",\"Payload\":{}},\"Next\":\"G\"},"
		"\"G\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\","
		"\"Parameters\":{\"FunctionName.$\":\"$.f\"},\"Next\":\"H\"},"
		"\"H\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::lambda:invoke\","
		"\"Parameters\":{\"FunctionName\":\"score:v2\",\"Qualifier\":\"v3\"},\"End\":true}}}",
		&errors);
	ck_assert_msg(errors == 6, "%d errors:\n%s", errors, msg);
	ck_assert_ptr_nonnull(strstr(msg, "state 'H': arn:aws:states:::lambda:invoke: "
					  "FunctionName's qualifier 'v2' and Qualifier 'v3' differ"));
	ck_assert_ptr_nonnull(strstr(msg, "state 'A': FunctionName '123456789012:function:Warming': "
					  "Lambda function 'Warming' is not in the config's "
					  "resource_map; add it, e.g.:\n  resource_map:\n    Warming: "
					  "lua:steps/Warming.lua"));
	ck_assert_ptr_nonnull(strstr(msg, "state 'B': Resource 'arn:aws:lambda:r:123456789012:"
					  "function:Other:1': Lambda function 'Other'"));
	ck_assert_ptr_nonnull(strstr(msg, "state 'C': Resource 'arn:aws:states:::lambda:invoke."
					  "waitForTaskToken': only arn:aws:states:::lambda:invoke"));
	ck_assert_ptr_nonnull(strstr(msg, "state 'D': arn:aws:states:::lambda:invoke: Parameters "
					  "lack 'FunctionName'"));
	ck_assert_ptr_nonnull(strstr(msg, "state 'E': arn:aws:states:::lambda:invoke: "
					  "InvocationType 'Event' is not supported"));
	free(msg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lambda");
	TCase *tc = tcase_create("lambda");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, every_function_name_form);
	tcase_add_test(tc, lookup_prefers_the_qualified_key);
	tcase_add_test(tc, response_has_step_functions_shape);
	tcase_add_test(tc, function_errors_carry_their_error_type);
	tcase_add_test(tc, optimized_integration_runs_the_mapped_step);
	tcase_add_test(tc, legacy_arn_returns_the_bare_payload);
	tcase_add_test(tc, function_errors_are_catchable_by_error_type);
	tcase_add_test(tc, validate_names_the_missing_mapping);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

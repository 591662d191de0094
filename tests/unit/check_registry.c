/* check_registry - plugin loading, ABI checks, resource forms, dry-run. */
#include <sys/stat.h>

#include "../plugins/rt_test.h"
#include "pw_log.h"
#include "pw_registry.h"

static char *tmp;
static char *calls;

static void setup(void)
{
	tmp = rt_tmpdir();
	size_t len = strlen(tmp) + 16;
	calls = malloc(len);
	snprintf(calls, len, "%s/calls", tmp);
	setenv("PW_COUNTER_LOG", calls, 1);
}

static void teardown(void)
{
	unsetenv("PW_COUNTER_LOG");
	free(calls);
	rt_rmdir(tmp);
}

static pw_registry *open_reg(json_object *config)
{
	pw_registry *r = NULL;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_registry_open(PW_TEST_PLUGIN_DIR, config, &r, &err), PW_OK);
	return r;
}

START_TEST(plugin_action_is_called)
{
	pw_registry *r = open_reg(NULL);
	json_object *params = json_tokener_parse("{\"a\":[1,2]}"), *res = NULL;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_registry_call(r, "counter:Echo", params, NULL, &res, &err), PW_OK);
	ck_assert(json_object_equal(res, params));
	json_object_put(res);
	json_object_put(params);
	pw_registry_close(r);
}
END_TEST

START_TEST(wrong_abi_is_refused_with_a_clear_error)
{
	pw_registry *r = open_reg(NULL);
	json_object *res = NULL;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_registry_call(r, "badabi:Noop", NULL, NULL, &res, &err), PW_ERR);
	ck_assert_ptr_null(res);
	ck_assert_str_eq(err.name, "Plugin.Refused");
	ck_assert_msg(strstr(err.cause, "ABI 99.0") && strstr(err.cause, "rebuild"), "%s", err.cause);
	pw_registry_close(r);
}
END_TEST

static int n_refused;
static char refused_text[4096];
static void on_refused(const char *path, const pw_error *e, void *ud)
{
	(void)path;
	(void)ud;
	n_refused++;
	strncat(refused_text, e->cause, sizeof(refused_text) - strlen(refused_text) - 1);
}

START_TEST(missing_entry_symbol_is_refused)
{
	pw_registry *r = open_reg(NULL);
	n_refused = 0;
	refused_text[0] = '\0';
	pw_registry_scan(r, on_refused, NULL);
	ck_assert_int_eq(n_refused, 2);
	ck_assert_msg(strstr(refused_text, "nosym.so does not export pw_plugin_entry"), "%s",
		      refused_text);
	ck_assert_int_eq(pw_registry_count(r), 1);
	const char *path;
	ck_assert_str_eq(pw_registry_plugin_at(r, 0, &path)->name, "counter");
	json_object *res = NULL;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_registry_call(r, "nosym:X", NULL, NULL, &res, &err), PW_ERR);
	ck_assert_str_eq(err.name, "Plugin.Refused");
	pw_registry_close(r);
}
END_TEST

START_TEST(unknown_plugin_and_action_name_the_problem)
{
	pw_registry *r = open_reg(NULL);
	json_object *res = NULL;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_registry_call(r, "nope:X", NULL, NULL, &res, &err), PW_ERR);
	ck_assert_msg(strstr(err.cause, "no plugin named 'nope'"), "%s", err.cause);
	ck_assert_int_eq(pw_registry_call(r, "counter:Nope", NULL, NULL, &res, &err), PW_ERR);
	ck_assert_msg(strstr(err.cause, "has no action 'Nope'"), "%s", err.cause);
	ck_assert_int_eq(pw_registry_call(r, "arn:aws:lambda:us-east-1:1:function:f", NULL, NULL,
					  &res, &err), PW_ERR);
	ck_assert_msg(strstr(err.cause, "resource_map"), "%s", err.cause);
	pw_registry_close(r);
}
END_TEST

START_TEST(aws_sdk_arn_maps_to_service_plugin_case_insensitively)
{
	pw_registry *r = open_reg(NULL);
	json_object *res = NULL;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_registry_call(r, "arn:aws:states:::aws-sdk:counterservice:read",
					  NULL, NULL, &res, &err), PW_OK);
	json_object_put(res);
	ck_assert_int_eq(pw_registry_call(r, "arn:aws:states:::counterservice:echo", NULL, NULL,
					  &res, &err), PW_OK);
	json_object_put(res);
	ck_assert_int_eq(pw_registry_call(r, "arn:aws:states:::aws-sdk:nosuch:read", NULL, NULL,
					  &res, &err), PW_ERR);
	ck_assert_msg(strstr(err.cause, "'nosuch'"), "%s", err.cause);
	char *log = rt_read(calls);
	ck_assert_int_eq(rt_count_lines(log, "Read -"), 1);
	free(log);
	pw_registry_close(r);
}
END_TEST

START_TEST(resource_map_maps_lambda_arns)
{
	json_object *cfg = json_tokener_parse(
		"{\"resource_map\":{\"arn:aws:lambda:eu-west-1:1:function:f\":\"counter:Echo\"}}");
	pw_registry *r = open_reg(cfg);
	json_object_put(cfg);
	json_object *p = json_tokener_parse("{\"x\":1}"), *res = NULL;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_registry_call(r, "arn:aws:lambda:eu-west-1:1:function:f", p, NULL, &res,
					  &err), PW_OK);
	ck_assert_int_eq(rt_int(res, "x"), 1);
	json_object_put(res);
	json_object_put(p);
	pw_registry_close(r);
}
END_TEST

START_TEST(dry_run_never_calls_a_mutating_action)
{
	pw_registry *r = open_reg(NULL);
	json_object *p = json_tokener_parse("{\"Name\":\"x\"}"), *res = NULL;
	pw_error err = {{0}, {0}};
	struct pw_call_opts dry = {1, 0, "test"};
	ck_assert_int_eq(pw_registry_call(r, "counter:Bump", p, &dry, &res, &err), PW_OK);
	ck_assert(json_object_get_boolean(json_object_object_get(res, "DryRun")));
	ck_assert_str_eq(rt_str(res, "Action"), "Bump");
	json_object_put(res);
	ck_assert_int_eq(pw_registry_call(r, "counter:Read", p, &dry, &res, &err), PW_OK);
	ck_assert(json_object_get_boolean(json_object_object_get(res, "DryRun")));
	json_object_put(res);
	char *log = rt_read(calls);
	ck_assert_int_eq(rt_count_lines(log, "Bump x"), 0);
	ck_assert_int_eq(rt_count_lines(log, "Read x"), 1);
	free(log);
	ck_assert(pw_registry_mutates(r, "counter:Bump"));
	ck_assert(!pw_registry_mutates(r, "counter:Read"));
	json_object_put(p);
	pw_registry_close(r);
}
END_TEST

START_TEST(failure_and_timeout_are_named)
{
	pw_registry *r = open_reg(NULL);
	json_object *p = json_tokener_parse("{\"Name\":\"f\",\"Error\":\"My.Error\",\"Cause\":\"no\"}");
	json_object *res = NULL;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_registry_call(r, "counter:Fail", p, NULL, &res, &err), PW_ERR);
	ck_assert_str_eq(err.name, "My.Error");
	ck_assert_str_eq(err.cause, "no");
	json_object_put(p);
	p = json_tokener_parse("{\"Ms\":5000}");
	struct pw_call_opts o = {0, 50, "t"};
	ck_assert_int_eq(pw_registry_call(r, "counter:Sleep", p, &o, &res, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.Timeout");
	json_object_put(p);
	pw_registry_close(r);
}
END_TEST

START_TEST(check_resource_reports_required_parameters)
{
	pw_registry *r = open_reg(NULL);
	const char *const *req = NULL;
	char why[512];
	ck_assert_int_eq(pw_registry_check_resource(r, "counter:Bump", ".", &req, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(req);
	ck_assert_str_eq(req[0], "Name");
	ck_assert_ptr_null(req[1]);
	ck_assert_int_eq(pw_registry_check_resource(r, "counter:Nope", ".", &req, why, sizeof(why)), -1);
	ck_assert_msg(strstr(why, "Nope"), "%s", why);
	pw_registry_close(r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("registry");
	TCase *tc = tcase_create("registry");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, plugin_action_is_called);
	tcase_add_test(tc, wrong_abi_is_refused_with_a_clear_error);
	tcase_add_test(tc, missing_entry_symbol_is_refused);
	tcase_add_test(tc, unknown_plugin_and_action_name_the_problem);
	tcase_add_test(tc, aws_sdk_arn_maps_to_service_plugin_case_insensitively);
	tcase_add_test(tc, resource_map_maps_lambda_arns);
	tcase_add_test(tc, dry_run_never_calls_a_mutating_action);
	tcase_add_test(tc, failure_and_timeout_are_named);
	tcase_add_test(tc, check_resource_reports_required_parameters);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/* Unit tests: ASL input/output processing (InputPath, Parameters,
 * ResultSelector, ResultPath, OutputPath) and the whole chain. */
#include <stdlib.h>

#include "lang_test.h"
#include "pw_dataflow.h"

static const char *CONTEXT =
	"{\"Execution\":{\"Id\":\"e-1\",\"Input\":{\"orig\":true}},"
	"\"State\":{\"Name\":\"Warm\",\"EnteredTime\":\"2026-01-01T00:00:00Z\"}}";

START_TEST(test_apply_path)
{
	json_object *in = lt_json("{\"a\":{\"b\":1}}"), *out = NULL;
	pw_error err = {0};
	ck_assert_int_eq(pw_apply_path(NULL, 0, in, NULL, &out, &err), 0);
	ck_assert_ptr_eq(out, in);
	json_object_put(out);
	ck_assert_int_eq(pw_apply_path("$.a", 0, in, NULL, &out, &err), 0);
	lt_assert_json(out, "{\"b\":1}");
	json_object_put(out);
	/* InputPath: null -> {} */
	ck_assert_int_eq(pw_apply_path(NULL, 1, in, NULL, &out, &err), 0);
	lt_assert_json(out, "{}");
	json_object_put(out);
	ck_assert_int_eq(pw_apply_path("$.zz", 0, in, NULL, &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
	json_object_put(in);
}
END_TEST

START_TEST(test_template)
{
	json_object *tmpl = lt_json(
		"{\"Static\":\"x\",\"Id.$\":\"$.id\",\"Exec.$\":\"$$.Execution.Id\","
		"\"Msg.$\":\"States.Format('db {} in {}', $.id, $$.State.Name)\","
		"\"Nested\":{\"Deep.$\":\"$.list[1]\",\"n\":1},"
		"\"Arr\":[{\"v.$\":\"$.id\"},2],\"All.$\":\"$\","
		"\"Literal$\":\"$.not-a-path\"}");
	json_object *in = lt_json("{\"id\":\"db-7\",\"list\":[1,2]}");
	json_object *ctx = lt_json(CONTEXT), *out = NULL;
	pw_error err = {0};
	ck_assert_int_eq(pw_apply_template(tmpl, in, ctx, &out, &err), 0);
	lt_assert_json(out,
		       "{\"Static\":\"x\",\"Id\":\"db-7\",\"Exec\":\"e-1\","
		       "\"Msg\":\"db db-7 in Warm\",\"Nested\":{\"Deep\":2,\"n\":1},"
		       "\"Arr\":[{\"v\":\"db-7\"},2],"
		       "\"All\":{\"id\":\"db-7\",\"list\":[1,2]},"
		       "\"Literal$\":\"$.not-a-path\"}");
	/* the template itself is left untouched */
	json_object *k = NULL;
	ck_assert(json_object_object_get_ex(tmpl, "Id.$", &k));
	json_object_put(out);
	json_object_put(tmpl);
	json_object_put(in);
	json_object_put(ctx);
}
END_TEST

START_TEST(test_template_errors)
{
	json_object *in = lt_json("{\"id\":1}"), *out = NULL;
	pw_error err = {0};
	json_object *t1 = lt_json("{\"x.$\":\"$.missing\"}");
	ck_assert_int_eq(pw_apply_template(t1, in, NULL, &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
	ck_assert_ptr_null(out);
	json_object *t2 = lt_json("{\"x.$\":5}");
	ck_assert_int_eq(pw_apply_template(t2, in, NULL, &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
	json_object *t3 = lt_json("{\"x.$\":\"States.ArrayLength($.id)\"}");
	ck_assert_int_eq(pw_apply_template(t3, in, NULL, &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.IntrinsicFailure");
	json_object_put(t1);
	json_object_put(t2);
	json_object_put(t3);
	json_object_put(in);
}
END_TEST

START_TEST(test_result_path)
{
	json_object *in = lt_json("{\"a\":1,\"s\":\"str\"}");
	json_object *res = lt_json("{\"r\":2}"), *out = NULL;
	pw_error err = {0};
	ck_assert_int_eq(pw_apply_result_path(NULL, 0, in, res, &out, &err), 0);
	lt_assert_json(out, "{\"r\":2}");
	json_object_put(out);
	ck_assert_int_eq(pw_apply_result_path("$", 0, in, res, &out, &err), 0);
	lt_assert_json(out, "{\"r\":2}");
	json_object_put(out);
	ck_assert_int_eq(pw_apply_result_path(NULL, 1, in, res, &out, &err), 0);
	lt_assert_json(out, "{\"a\":1,\"s\":\"str\"}");
	json_object_put(out);
	ck_assert_int_eq(pw_apply_result_path("$.x.y", 0, in, res, &out, &err), 0);
	lt_assert_json(out, "{\"a\":1,\"s\":\"str\",\"x\":{\"y\":{\"r\":2}}}");
	json_object_put(out);
	/* the raw input is not modified */
	lt_assert_json(in, "{\"a\":1,\"s\":\"str\"}");
	ck_assert_int_eq(pw_apply_result_path("$.s.t", 0, in, res, &out, &err),
			 PW_ERR);
	ck_assert_str_eq(err.name, "States.ResultPathMatchFailure");
	ck_assert_ptr_null(out);
	json_object *scalar = lt_json("5");
	ck_assert_int_eq(pw_apply_result_path("$.x", 0, scalar, res, &out, &err),
			 PW_ERR);
	ck_assert_str_eq(err.name, "States.ResultPathMatchFailure");
	json_object_put(scalar);
	ck_assert_int_eq(pw_apply_result_path("$.x", 0, NULL, res, &out, &err),
			 PW_ERR);
	json_object_put(in);
	json_object_put(res);
}
END_TEST

/* The example of the ASL specification's "Input and Output Processing"
 * section, end to end. */
START_TEST(test_whole_chain)
{
	json_object *state = lt_json(
		"{\"Type\":\"Task\",\"InputPath\":\"$.library\","
		"\"Parameters\":{\"staticValue\":\"Just a string\","
		"\"catalog\":{\"myFavoriteItem.$\":\"$.title\"}},"
		"\"ResultSelector\":{\"modelName.$\":\"$.model\",\"n.$\":\"$.count\"},"
		"\"ResultPath\":\"$.taskresult\",\"OutputPath\":\"$.taskresult\"}");
	json_object *raw = lt_json("{\"library\":{\"title\":\"Dune\"},\"keep\":1}");
	json_object *ctx = lt_json(CONTEXT), *eff = NULL, *out = NULL;
	pw_error err = {0};
	ck_assert_int_eq(pw_state_effective_input(state, raw, ctx, &eff, &err), 0);
	lt_assert_json(eff, "{\"staticValue\":\"Just a string\","
			    "\"catalog\":{\"myFavoriteItem\":\"Dune\"}}");
	json_object *result = lt_json("{\"model\":\"m1\",\"count\":3,\"noise\":0}");
	ck_assert_int_eq(pw_state_output(state, raw, result, ctx, &out, &err), 0);
	lt_assert_json(out, "{\"modelName\":\"m1\",\"n\":3}");
	json_object_put(out);

	/* ResultPath null keeps the input; OutputPath null gives {} */
	json_object_object_add(state, "ResultPath", NULL);
	json_object_object_del(state, "OutputPath");
	ck_assert_int_eq(pw_state_output(state, raw, result, ctx, &out, &err), 0);
	lt_assert_json(out, "{\"library\":{\"title\":\"Dune\"},\"keep\":1}");
	json_object_put(out);
	json_object_object_add(state, "OutputPath", NULL);
	ck_assert_int_eq(pw_state_output(state, raw, result, ctx, &out, &err), 0);
	lt_assert_json(out, "{}");
	json_object_put(out);

	/* no fields at all: the result is the output */
	json_object *plain = lt_json("{\"Type\":\"Task\"}");
	ck_assert_int_eq(pw_state_effective_input(plain, raw, ctx, &out, &err), 0);
	ck_assert_ptr_eq(out, raw);
	json_object_put(out);
	ck_assert_int_eq(pw_state_output(plain, raw, result, ctx, &out, &err), 0);
	ck_assert_ptr_eq(out, result);
	json_object_put(out);

	/* InputPath null: Parameters see {} */
	json_object *nullin = lt_json("{\"InputPath\":null,\"Parameters\":{\"a.$\":\"$\"}}");
	ck_assert_int_eq(pw_state_effective_input(nullin, raw, ctx, &out, &err), 0);
	lt_assert_json(out, "{\"a\":{}}");
	json_object_put(out);

	json_object_put(nullin);
	json_object_put(plain);
	json_object_put(result);
	json_object_put(eff);
	json_object_put(state);
	json_object_put(raw);
	json_object_put(ctx);
}
END_TEST

START_TEST(test_chain_errors)
{
	json_object *raw = lt_json("{\"a\":\"s\"}"), *out = NULL;
	json_object *res = lt_json("{}");
	pw_error err = {0};
	json_object *s1 = lt_json("{\"InputPath\":\"$.nope\"}");
	ck_assert_int_eq(pw_state_effective_input(s1, raw, NULL, &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
	json_object *s2 = lt_json("{\"ResultPath\":\"$.a.b\"}");
	ck_assert_int_eq(pw_state_output(s2, raw, res, NULL, &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.ResultPathMatchFailure");
	json_object *s3 = lt_json("{\"ResultSelector\":{\"x.$\":\"$.nope\"}}");
	ck_assert_int_eq(pw_state_output(s3, raw, res, NULL, &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
	json_object *s4 = lt_json("{\"OutputPath\":\"$.nope\"}");
	ck_assert_int_eq(pw_state_output(s4, raw, res, NULL, &out, &err), PW_ERR);
	ck_assert_ptr_null(out);
	json_object_put(s1);
	json_object_put(s2);
	json_object_put(s3);
	json_object_put(s4);
	json_object_put(raw);
	json_object_put(res);
}
END_TEST

/* Fail's ErrorPath/CausePath: a path or an intrinsic call. */
START_TEST(test_eval_dynamic)
{
	json_object *in = lt_json("{\"e\":\"Boom\",\"n\":2}");
	json_object *ctx = lt_json(CONTEXT), *out = NULL;
	pw_error err = {0};
	ck_assert_int_eq(pw_eval_dynamic("$.e", in, ctx, &out, &err), 0);
	lt_assert_json(out, "\"Boom\"");
	json_object_put(out);
	ck_assert_int_eq(pw_eval_dynamic("States.Format('{} in {}', $.e, $$.State.Name)",
					 in, ctx, &out, &err), 0);
	lt_assert_json(out, "\"Boom in Warm\"");
	json_object_put(out);
	ck_assert_int_eq(pw_eval_dynamic("$.nope", in, ctx, &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
	json_object_put(in);
	json_object_put(ctx);
}
END_TEST

/* Step Functions' causes, as AWS recorded them (LocalStack's
 * test_invalid_jsonpath and test_start_large_input): a Parameters key,
 * InputPath and an oversized result. */
START_TEST(test_aws_cause_wording)
{
	json_object *in = lt_json("{\"a\":1}"), *ctx = lt_json(CONTEXT), *out = NULL;
	json_object *tmpl = lt_json("{\"value.$\":\"$.no_such_jsonpath\"}");
	pw_error err = {0};
	ck_assert_int_eq(pw_apply_template(tmpl, in, ctx, &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
	ck_assert_str_eq(err.cause, "The JSONPath '$.no_such_jsonpath' specified for the field "
				    "'value.$' could not be found in the input '{\"a\":1}'");
	ck_assert_int_eq(pw_apply_path("$.NoSuchOutputPath", 0, in, ctx, &out, &err), PW_ERR);
	ck_assert_str_eq(err.cause, "Invalid path '$.NoSuchOutputPath' : No results for path: "
				    "$['NoSuchOutputPath']");
	ck_assert_int_eq(pw_eval_dynamic_field("$.NoSuchCausePath", "CausePath", in, ctx, &out,
					       &err),
			 PW_ERR);
	ck_assert_str_eq(err.cause, "The JSONPath '$.NoSuchCausePath' specified for the field "
				    "'CausePath' could not be found in the input '{\"a\":1}'");
	pw_payload_limit_set(8);
	ck_assert_int_eq(pw_payload_check_result(in, "State_1", &err), PW_OK); /* 7 bytes */
	json_object *big = lt_json("{\"abc\":1}"); /* 9 bytes */
	ck_assert_int_eq(pw_payload_check_result(big, "State_1", &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.DataLimitExceeded");
	ck_assert_str_eq(err.cause, "The state/task 'State_1' returned a result with a size "
				    "exceeding the maximum number of bytes service limit.");
	pw_payload_limit_set(0);
	json_object_put(big);
	json_object_put(tmpl);
	json_object_put(in);
	json_object_put(ctx);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("dataflow");
	TCase *t = tcase_create("core");
	tcase_add_test(t, test_apply_path);
	tcase_add_test(t, test_template);
	tcase_add_test(t, test_template_errors);
	tcase_add_test(t, test_result_path);
	tcase_add_test(t, test_whole_chain);
	tcase_add_test(t, test_chain_errors);
	tcase_add_test(t, test_eval_dynamic);
	tcase_add_test(t, test_aws_cause_wording);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return lt_run(suite());
}

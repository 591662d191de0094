/* Unit tests: every ASL Choice operator, And/Or/Not, errors and checks. */
#include <stdlib.h>

#include "lang_test.h"
#include "pw_choice.h"

static const char *INPUT =
	"{\"s\":\"beta\",\"n\":10,\"f\":2.5,\"b\":true,\"nul\":null,"
	"\"ts\":\"2026-03-01T12:00:00Z\",\"ts2\":\"2026-03-01T13:00:00+01:00\","
	"\"other\":\"beta\",\"ten\":10,\"nine\":9.0,\"t\":true,\"file\":\"logs/a*b.csv\","
	"\"arr\":[1,2],\"obj\":{}}";
static const char *CONTEXT = "{\"State\":{\"Name\":\"C\"}}";

struct case_ {
	const char *rule;
	int want;
};

#define R(var, op, val) "{\"Variable\":\"" var "\",\"" op "\":" val "}"

static const struct case_ cases[] = {
	/* strings */
	{R("$.s", "StringEquals", "\"beta\""), 1},
	{R("$.s", "StringEquals", "\"Beta\""), 0},
	{R("$.s", "StringLessThan", "\"gamma\""), 1},
	{R("$.s", "StringLessThan", "\"beta\""), 0},
	{R("$.s", "StringGreaterThan", "\"alpha\""), 1},
	{R("$.s", "StringGreaterThan", "\"beta\""), 0},
	{R("$.s", "StringLessThanEquals", "\"beta\""), 1},
	{R("$.s", "StringLessThanEquals", "\"alpha\""), 0},
	{R("$.s", "StringGreaterThanEquals", "\"beta\""), 1},
	{R("$.s", "StringGreaterThanEquals", "\"c\""), 0},
	{R("$.s", "StringEqualsPath", "\"$.other\""), 1},
	{R("$.s", "StringEqualsPath", "\"$$.State.Name\""), 0},
	{R("$.s", "StringLessThanPath", "\"$$.State.Name\""), 0}, /* "b" > "C" */
	{R("$.s", "StringGreaterThanPath", "\"$.other\""), 0},
	{R("$.s", "StringLessThanEqualsPath", "\"$.other\""), 1},
	{R("$.s", "StringGreaterThanEqualsPath", "\"$.other\""), 1},
	{R("$.n", "StringEquals", "\"10\""), 0}, /* wrong type: no match */
	/* StringMatches */
	{R("$.s", "StringMatches", "\"b*\""), 1},
	{R("$.s", "StringMatches", "\"*ta\""), 1},
	{R("$.s", "StringMatches", "\"b*t*a\""), 1},
	{R("$.s", "StringMatches", "\"*\""), 1},
	{R("$.s", "StringMatches", "\"a*\""), 0},
	{R("$.s", "StringMatches", "\"bet\""), 0},
	{R("$.file", "StringMatches", "\"logs/*.csv\""), 1},
	{R("$.file", "StringMatches", "\"logs/a\\\\*b.csv\""), 1},
	{R("$.file", "StringMatches", "\"logs/a\\\\*x*.csv\""), 0},
	{R("$.s", "StringMatches", "\"b\\\\*\""), 0},
	/* numbers */
	{R("$.n", "NumericEquals", "10"), 1},
	{R("$.n", "NumericEquals", "10.0"), 1},
	{R("$.n", "NumericEquals", "11"), 0},
	{R("$.f", "NumericLessThan", "3"), 1},
	{R("$.f", "NumericLessThan", "2.5"), 0},
	{R("$.f", "NumericGreaterThan", "2"), 1},
	{R("$.f", "NumericGreaterThan", "2.5"), 0},
	{R("$.n", "NumericLessThanEquals", "10"), 1},
	{R("$.n", "NumericLessThanEquals", "9"), 0},
	{R("$.n", "NumericGreaterThanEquals", "10"), 1},
	{R("$.n", "NumericGreaterThanEquals", "10.5"), 0},
	{R("$.n", "NumericEqualsPath", "\"$.ten\""), 1},
	{R("$.n", "NumericLessThanPath", "\"$.nine\""), 0},
	{R("$.n", "NumericGreaterThanPath", "\"$.nine\""), 1},
	{R("$.n", "NumericLessThanEqualsPath", "\"$.ten\""), 1},
	{R("$.n", "NumericGreaterThanEqualsPath", "\"$.f\""), 1},
	{R("$.s", "NumericEquals", "1"), 0},
	/* booleans */
	{R("$.b", "BooleanEquals", "true"), 1},
	{R("$.b", "BooleanEquals", "false"), 0},
	{R("$.b", "BooleanEqualsPath", "\"$.t\""), 1},
	{R("$.n", "BooleanEquals", "true"), 0},
	/* timestamps (ts2 is the same instant as ts) */
	{R("$.ts", "TimestampEquals", "\"2026-03-01T12:00:00Z\""), 1},
	{R("$.ts", "TimestampEquals", "\"2026-03-01T13:00:00+01:00\""), 1},
	{R("$.ts", "TimestampEquals", "\"2026-03-01T12:00:00.001Z\""), 0},
	{R("$.ts", "TimestampLessThan", "\"2026-03-01T12:00:01Z\""), 1},
	{R("$.ts", "TimestampLessThan", "\"2026-03-01T12:00:00Z\""), 0},
	{R("$.ts", "TimestampGreaterThan", "\"2025-12-31T23:59:59Z\""), 1},
	{R("$.ts", "TimestampGreaterThan", "\"2027-01-01T00:00:00Z\""), 0},
	{R("$.ts", "TimestampLessThanEquals", "\"2026-03-01T12:00:00Z\""), 1},
	{R("$.ts", "TimestampGreaterThanEquals", "\"2026-03-01T12:00:00Z\""), 1},
	{R("$.ts", "TimestampGreaterThanEquals", "\"2026-03-01T12:00:00.5Z\""), 0},
	{R("$.ts", "TimestampEqualsPath", "\"$.ts2\""), 1},
	{R("$.ts", "TimestampLessThanPath", "\"$.ts2\""), 0},
	{R("$.ts", "TimestampGreaterThanPath", "\"$.ts2\""), 0},
	{R("$.ts", "TimestampLessThanEqualsPath", "\"$.ts2\""), 1},
	{R("$.ts", "TimestampGreaterThanEqualsPath", "\"$.ts2\""), 1},
	{R("$.s", "TimestampEquals", "\"2026-03-01T12:00:00Z\""), 0},
	/* type tests */
	{R("$.nul", "IsNull", "true"), 1},
	{R("$.s", "IsNull", "true"), 0},
	{R("$.s", "IsNull", "false"), 1},
	{R("$.s", "IsPresent", "true"), 1},
	{R("$.nul", "IsPresent", "true"), 1},
	{R("$.missing", "IsPresent", "true"), 0},
	{R("$.missing", "IsPresent", "false"), 1},
	{R("$.arr[5]", "IsPresent", "true"), 0},
	{R("$.n", "IsNumeric", "true"), 1},
	{R("$.f", "IsNumeric", "true"), 1},
	{R("$.s", "IsNumeric", "true"), 0},
	{R("$.s", "IsString", "true"), 1},
	{R("$.n", "IsString", "false"), 1},
	{R("$.b", "IsBoolean", "true"), 1},
	{R("$.nul", "IsBoolean", "true"), 0},
	{R("$.ts", "IsTimestamp", "true"), 1},
	{R("$.s", "IsTimestamp", "true"), 0},
	{R("$.n", "IsTimestamp", "false"), 1},
	/* And / Or / Not */
	{"{\"And\":[" R("$.s", "StringEquals", "\"beta\"") "," R("$.n", "NumericEquals", "10") "]}", 1},
	{"{\"And\":[" R("$.s", "StringEquals", "\"beta\"") "," R("$.n", "NumericEquals", "1") "]}", 0},
	{"{\"Or\":[" R("$.s", "StringEquals", "\"x\"") "," R("$.n", "NumericEquals", "10") "]}", 1},
	{"{\"Or\":[" R("$.s", "StringEquals", "\"x\"") "," R("$.n", "NumericEquals", "1") "]}", 0},
	{"{\"Not\":" R("$.s", "StringEquals", "\"x\"") "}", 1},
	{"{\"Not\":{\"Not\":" R("$.s", "StringEquals", "\"x\"") "}}", 0},
	/* And short-circuits, so a guarded comparison on a missing field
	 * is safe */
	{"{\"And\":[" R("$.missing", "IsPresent", "true") "," R("$.missing", "NumericEquals", "1") "]}", 0},
	{"{\"Or\":[" R("$.missing", "IsPresent", "false") "," R("$.missing", "NumericEquals", "1") "]}", 1},
};

START_TEST(test_operator_table)
{
	json_object *rule = lt_json(cases[_i].rule);
	json_object *in = lt_json(INPUT), *ctx = lt_json(CONTEXT);
	pw_error err = {0};
	int m = -1;
	char why[256] = "", where[256] = "";
	ck_assert_msg(pw_choice_rule_check(rule, why, sizeof(why), where,
					   sizeof(where)) == 0,
		      "%s: %s at %s", cases[_i].rule, why, where);
	int rc = pw_choice_rule_eval(rule, in, ctx, &m, &err);
	ck_assert_msg(rc == 0, "%s: %s", cases[_i].rule, err.cause);
	ck_assert_msg(m == cases[_i].want, "%s: got %d", cases[_i].rule, m);
	json_object_put(rule);
	json_object_put(in);
	json_object_put(ctx);
}
END_TEST

/* Runtime errors: a missing Variable (except IsPresent) or *Path. */
static const char *const error_rules[] = {
	R("$.missing", "StringEquals", "\"x\""),
	R("$.missing", "NumericEquals", "1"),
	R("$.missing", "IsNull", "true"),
	R("$.missing", "IsString", "false"),
	R("$.s", "StringEqualsPath", "\"$.missing\""),
	R("$.n", "NumericLessThanPath", "\"$$.Nope\""),
	"{\"Not\":" R("$.missing", "BooleanEquals", "true") "}",
	"{\"And\":[" R("$.s", "IsString", "true") "," R("$.missing", "StringEquals", "\"a\"") "]}",
};

START_TEST(test_missing_raises_runtime)
{
	json_object *rule = lt_json(error_rules[_i]);
	json_object *in = lt_json(INPUT), *ctx = lt_json(CONTEXT);
	pw_error err = {0};
	int m = -1;
	ck_assert_int_eq(pw_choice_rule_eval(rule, in, ctx, &m, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
	ck_assert(strstr(err.cause, "$") != NULL);
	json_object_put(rule);
	json_object_put(in);
	json_object_put(ctx);
}
END_TEST

START_TEST(test_next_default_and_no_match)
{
	json_object *state = lt_json(
		"{\"Type\":\"Choice\",\"Choices\":["
		"{\"Variable\":\"$.n\",\"NumericGreaterThan\":100,\"Next\":\"Big\"},"
		"{\"Variable\":\"$.n\",\"NumericGreaterThan\":5,\"Next\":\"Mid\"},"
		"{\"Variable\":\"$.n\",\"NumericGreaterThan\":1,\"Next\":\"Small\"}],"
		"\"Default\":\"Other\"}");
	json_object *in = lt_json("{\"n\":10}");
	pw_error err = {0};
	/* first match wins */
	ck_assert_str_eq(pw_choice_next(state, in, NULL, &err), "Mid");
	json_object_put(in);
	in = lt_json("{\"n\":0}");
	ck_assert_str_eq(pw_choice_next(state, in, NULL, &err), "Other");
	json_object_object_del(state, "Default");
	ck_assert_ptr_null(pw_choice_next(state, in, NULL, &err));
	ck_assert_str_eq(err.name, "States.NoChoiceMatched");
	json_object_put(in);
	in = lt_json("{}");
	ck_assert_ptr_null(pw_choice_next(state, in, NULL, &err));
	ck_assert_str_eq(err.name, "States.Runtime");
	json_object_put(in);
	json_object_put(state);
}
END_TEST

struct bad_case {
	const char *rule;
	const char *where; /* JSON pointer suffix of the bad field */
	const char *needle; /* in the reason */
};

static const struct bad_case bad_rules[] = {
	{"{\"StringEquals\":\"x\",\"Next\":\"A\"}", "", "needs a Variable"},
	{"{\"Variable\":\"$.a\",\"Next\":\"A\"}", "", "needs an operator"},
	{"{\"Variable\":\"a.b\",\"StringEquals\":\"x\"}", "/Variable", "bad path"},
	{"{\"Variable\":\"$.a\",\"StringEquals\":1}", "/StringEquals", "must be a string"},
	{"{\"Variable\":\"$.a\",\"NumericEquals\":\"1\"}", "/NumericEquals", "must be a number"},
	{"{\"Variable\":\"$.a\",\"BooleanEquals\":\"true\"}", "/BooleanEquals", "true or false"},
	{"{\"Variable\":\"$.a\",\"IsNull\":1}", "/IsNull", "true or false"},
	{"{\"Variable\":\"$.a\",\"TimestampEquals\":\"2026-13-01T00:00:00Z\"}", "/TimestampEquals", "RFC 3339"},
	{"{\"Variable\":\"$.a\",\"TimestampEquals\":\"2026-01-01 00:00:00Z\"}", "/TimestampEquals", "RFC 3339"},
	{"{\"Variable\":\"$.a\",\"StringEqualsPath\":\"nope\"}", "/StringEqualsPath", "valid path"},
	{"{\"Variable\":\"$.a\",\"StringMatches\":\"x\\\\\"}", "/StringMatches", "backslash"},
	{"{\"Variable\":\"$.a\",\"StringEquals\":\"x\",\"NumericEquals\":1}", "/NumericEquals", "exactly one"},
	{"{\"Variable\":\"$.a\",\"StringEqual\":\"x\"}", "/StringEqual", "unknown field"},
	{"{\"And\":[]}", "/And", "non-empty"},
	{"{\"And\":{}}", "/And", "non-empty"},
	{"{\"Or\":[{\"Variable\":\"$.a\",\"IsNull\":true},{\"Variable\":\"$.a\"}]}", "/Or/1", "needs an operator"},
	{"{\"Not\":{\"Variable\":\"$.a\",\"IsNull\":true,\"Next\":\"X\"}}", "/Not/Next", "only allowed"},
	{"{\"Variable\":\"$.a\",\"Not\":{\"Variable\":\"$.a\",\"IsNull\":true}}", "", "does not take"},
	{"[1]", "", "must be an object"},
};

START_TEST(test_rule_check_errors)
{
	json_object *rule = lt_json(bad_rules[_i].rule);
	char why[256] = "", where[256] = "?";
	ck_assert_int_eq(pw_choice_rule_check(rule, why, sizeof(why), where,
					      sizeof(where)), -1);
	ck_assert_msg(strstr(why, bad_rules[_i].needle) != NULL, "%s: %s",
		      bad_rules[_i].rule, why);
	ck_assert_str_eq(where, bad_rules[_i].where);
	json_object_put(rule);
}
END_TEST

START_TEST(test_timestamps)
{
	double t = 0;
	ck_assert_int_eq(pw_timestamp_parse("1970-01-01T00:00:00Z", &t), 0);
	ck_assert(t == 0.0);
	ck_assert_int_eq(pw_timestamp_parse("2000-02-29T00:00:00Z", &t), 0);
	ck_assert(t == 951782400.0);
	ck_assert_int_eq(pw_timestamp_parse("2016-03-14T01:59:00.25-07:30", &t), 0);
	ck_assert(t == 1457947740.25); /* 09:29:00.25 UTC */
	ck_assert_int_eq(pw_timestamp_parse("2001-02-29T00:00:00Z", &t), -1);
	ck_assert_int_eq(pw_timestamp_parse("2016-03-14t01:59:00Z", &t), -1);
	ck_assert_int_eq(pw_timestamp_parse("2016-03-14T01:59:00z", &t), -1);
	ck_assert_int_eq(pw_timestamp_parse("2016-03-14T01:59:00", &t), -1);
	ck_assert_int_eq(pw_timestamp_parse("2016-03-14T24:00:00Z", &t), -1);
	ck_assert_int_eq(pw_timestamp_parse("2016-03-14T01:59:00.Z", &t), -1);
	ck_assert_int_eq(pw_timestamp_parse("2016-03-14T01:59:00+0100", &t), -1);
	ck_assert_int_eq(pw_timestamp_parse("2016-03-14T01:59:00Zjunk", &t), -1);
	ck_assert_int_eq(pw_timestamp_parse(NULL, &t), -1);
	/* Only the AWS-answer profile takes a missing zone, as UTC. */
	ck_assert_int_eq(pw_timestamp_parse_flags("2016-03-14T01:59:00", PW_TS_ZONE_OPTIONAL, &t), 0);
	ck_assert(t == 1457920740.0);
	ck_assert_int_eq(pw_timestamp_parse("2016-03-14T01:59", &t), -1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("choice");
	TCase *t = tcase_create("core");
	tcase_add_loop_test(t, test_operator_table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_loop_test(t, test_missing_raises_runtime, 0,
			    sizeof(error_rules) / sizeof(error_rules[0]));
	tcase_add_test(t, test_next_default_and_no_match);
	tcase_add_loop_test(t, test_rule_check_errors, 0,
			    sizeof(bad_rules) / sizeof(bad_rules[0]));
	tcase_add_test(t, test_timestamps);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return lt_run(suite());
}

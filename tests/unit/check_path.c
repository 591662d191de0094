/* Unit tests: ASL path evaluation, validation and ResultPath writes. */
#include <stdlib.h>

#include "lang_test.h"
#include "pw_path.h"

static const char *INPUT =
	"{\"a\":{\"b\":[10,20,30,40],\"c\":\"x\"},"
	"\"n\":null,"
	"\"items\":[{\"id\":1,\"s\":\"on\",\"w\":2.5},{\"id\":2,\"s\":\"off\"},"
	"{\"id\":3,\"s\":\"on\",\"w\":7}],"
	"\"odd key\":{\"x.y\":5},\"Test\\\\\\\"\\\"Name\\\"\":6,\"it's\":7,"
	"\"b\\\\s\":8,\"deep\":{\"id\":9,\"k\":{\"id\":10}}}";
static const char *CONTEXT =
	"{\"Execution\":{\"Id\":\"exec-1\",\"Input\":{\"v\":1}},"
	"\"State\":{\"Name\":\"S\"}}";

struct get_case {
	const char *path;
	const char *want; /* JSON */
};

static const struct get_case get_cases[] = {
	{"$", NULL}, /* whole input, checked separately */
	{"$.a.c", "\"x\""},
	{"$.a.b[0]", "10"},
	{"$.a.b[3]", "40"},
	{"$.a.b[-1]", "40"},
	{"$.a.b[-4]", "10"},
	{"$['a']['c']", "\"x\""},
	{"$[\"a\"].c", "\"x\""},
	{"$['odd key']['x.y']", "5"},
	/* in single quotes a backslash is kept unless it escapes ' or \\ */
	{"$['Test\\\"\"Name\"']", "6"},
	{"$['it\\'s']", "7"},
	{"$['b\\\\s']", "8"},
	{"$[\"b\\\\s\"]", "8"},
	{"$.a.b[*]", "[10,20,30,40]"},
	{"$.a.b[1:3]", "[20,30]"},
	{"$.a.b[:2]", "[10,20]"},
	{"$.a.b[2:]", "[30,40]"},
	{"$.a.b[-2:]", "[30,40]"},
	{"$.a.*", "[[10,20,30,40],\"x\"]"},
	{"$.items[*].id", "[1,2,3]"},
	{"$.items[?(@.s == 'on')].id", "[1,3]"},
	{"$.items[?(@.s != 'on')].id", "[2]"},
	{"$.items[?(@.id > 1)].id", "[2,3]"},
	{"$.items[?(@.id >= 2)].id", "[2,3]"},
	{"$.items[?(@.id < 2)].id", "[1]"},
	{"$.items[?(@.id <= 2)].id", "[1,2]"},
	{"$.items[?(@.w)].id", "[1,3]"},
	{"$.items[?(@.w > 5.5)].id", "[3]"},
	{"$.items[?(@.id == 99)]", "[]"},
	{"$..id", "[1,2,3,9,10]"},
	{"$.deep..id", "[9,10]"},
	{"$.n", "null"},
	{"$$.Execution.Id", "\"exec-1\""},
	{"$$.Execution.Input.v", "1"},
	{"$$.State.Name", "\"S\""},
};

START_TEST(test_get_table)
{
	const struct get_case *c = &get_cases[_i];
	json_object *in = lt_json(INPUT), *ctx = lt_json(CONTEXT), *out = NULL;
	pw_error err = {0};
	int rc = pw_path_get(c->path, in, ctx, &out, "States.Runtime", &err);
	ck_assert_msg(rc == 0, "%s: %s %s", c->path, err.name, err.cause);
	if (c->want == NULL)
		ck_assert_ptr_eq(out, in);
	else
		lt_assert_json(out, c->want);
	json_object_put(out);
	json_object_put(in);
	json_object_put(ctx);
}
END_TEST

static const char *const missing_paths[] = {
	"$.nope", "$.a.nope", "$.a.b[4]", "$.a.b[-5]", "$.a.c.d",
	"$.a.b.x", "$$.Nope", "$.a[0]",
};

START_TEST(test_missing_raises_named_error)
{
	json_object *in = lt_json(INPUT), *ctx = lt_json(CONTEXT), *out = NULL;
	pw_error err = {0};
	int rc = pw_path_get(missing_paths[_i], in, ctx, &out,
			     "States.Runtime", &err);
	ck_assert_int_eq(rc, PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
	ck_assert_ptr_null(out);
	ck_assert_ptr_nonnull(strstr(err.cause, missing_paths[_i]));
	/* and with no missing_error: "not found", no error */
	rc = pw_path_get(missing_paths[_i], in, ctx, &out, NULL, &err);
	ck_assert_int_eq(rc, 1);
	ck_assert_ptr_null(out);
	json_object_put(in);
	json_object_put(ctx);
}
END_TEST

static const char *const bad_paths[] = {
	"",	   "a.b",     "$.",	"$..",	   "$[",    "$[0",   "$['a'",
	"$[?(@.a", "$[?(a)]", "$.a b", "$[x]",	   "$.a)",  "$$$",   "$.a[?(@.k == )]",
	"$[?(@.k ~ 1)]",
};

START_TEST(test_bad_syntax)
{
	char why[256] = "";
	ck_assert_msg(!pw_path_valid(bad_paths[_i], why, sizeof(why)),
		      "accepted '%s'", bad_paths[_i]);
	ck_assert_msg(why[0] != '\0', "no reason for '%s'", bad_paths[_i]);
	json_object *in = lt_json("{}"), *out = NULL;
	pw_error err = {0};
	ck_assert_int_eq(pw_path_get(bad_paths[_i], in, NULL, &out, NULL, &err),
			 PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
	json_object_put(in);
}
END_TEST

START_TEST(test_reference_paths)
{
	ck_assert(pw_path_is_reference("$"));
	ck_assert(pw_path_is_reference("$.a.b"));
	ck_assert(pw_path_is_reference("$['a'].b[2]"));
	ck_assert(pw_path_is_reference("$$.Execution.Id"));
	ck_assert(!pw_path_is_reference("$.a[*]"));
	ck_assert(!pw_path_is_reference("$..a"));
	ck_assert(!pw_path_is_reference("$.a[1:2]"));
	ck_assert(!pw_path_is_reference("$.a[?(@.x)]"));
	ck_assert(!pw_path_is_reference("$.a[-1]"));
	ck_assert(!pw_path_is_reference("$.*"));
	ck_assert(!pw_path_is_reference("nope"));
}
END_TEST

struct set_case {
	const char *doc, *path, *value, *want;
};

static const struct set_case set_cases[] = {
	{"{\"a\":1}", "$", "{\"r\":2}", "{\"r\":2}"},
	{"{\"a\":1}", "$.r", "2", "{\"a\":1,\"r\":2}"},
	{"{\"a\":1}", "$.a", "\"x\"", "{\"a\":\"x\"}"},
	{"{\"a\":1}", "$.x.y.z", "true", "{\"a\":1,\"x\":{\"y\":{\"z\":true}}}"},
	{"{\"a\":{\"k\":1}}", "$.a.m", "null", "{\"a\":{\"k\":1,\"m\":null}}"},
	{"{\"l\":[1,2]}", "$.l[1]", "9", "{\"l\":[1,9]}"},
	{"{\"l\":[{},{}]}", "$.l[0].x", "1", "{\"l\":[{\"x\":1},{}]}"},
};

START_TEST(test_set_table)
{
	const struct set_case *c = &set_cases[_i];
	json_object *doc = lt_json(c->doc);
	pw_error err = {0};
	int rc = pw_path_set(c->path, &doc, lt_json(c->value), &err);
	ck_assert_msg(rc == 0, "%s: %s", c->path, err.cause);
	lt_assert_json(doc, c->want);
	json_object_put(doc);
}
END_TEST

static const struct set_case set_fail_cases[] = {
	{"{\"a\":\"str\"}", "$.a.b", "1", NULL},
	{"{\"a\":[1]}", "$.a.b", "1", NULL},
	{"{\"a\":null}", "$.a.b", "1", NULL},
	{"{\"a\":[1]}", "$.a[3]", "1", NULL},
	{"{\"a\":{}}", "$.a[0]", "1", NULL},
	{"{\"a\":{\"b\":5}}", "$.a.b.c.d", "1", NULL},
};

START_TEST(test_set_crossing_non_object_fails)
{
	const struct set_case *c = &set_fail_cases[_i];
	json_object *doc = lt_json(c->doc);
	pw_error err = {0};
	ck_assert_int_eq(pw_path_set(c->path, &doc, lt_json(c->value), &err),
			 PW_ERR);
	ck_assert_str_eq(err.name, "States.ResultPathMatchFailure");
	/* the document is left as it was */
	lt_assert_json(doc, c->doc);
	json_object_put(doc);
}
END_TEST

START_TEST(test_set_rejects_non_reference)
{
	json_object *doc = lt_json("{}");
	pw_error err = {0};
	ck_assert_int_eq(pw_path_set("$.a[*]", &doc, lt_json("1"), &err), PW_ERR);
	ck_assert_int_eq(pw_path_set("$$.Execution", &doc, lt_json("1"), &err),
			 PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
	json_object_put(doc);
}
END_TEST

/* Random expressions never crash the parser or the evaluator. */
START_TEST(test_random_expressions)
{
	static const char alphabet[] = "$.[]*?@()'\"\\:-,0123456789 abc=!<>&|";
	unsigned short seed[3] = {7, 7, 7};
	json_object *in = lt_json(INPUT), *ctx = lt_json(CONTEXT);
	for (int round = 0; round < 20000; round++) {
		char expr[24];
		size_t n = 1 + (size_t)(nrand48(seed) % (sizeof(expr) - 1));
		for (size_t i = 0; i < n; i++)
			expr[i] = alphabet[nrand48(seed) % (sizeof(alphabet) - 1)];
		expr[n] = '\0';
		if (nrand48(seed) % 2)
			expr[0] = '$';
		char why[128];
		json_object *out = NULL, *doc = lt_json("{\"a\":{}}");
		pw_error err;
		int valid = pw_path_valid(expr, why, sizeof(why));
		int rc = pw_path_get(expr, in, ctx, &out, NULL, &err);
		ck_assert(valid ? rc != PW_ERR : rc == PW_ERR);
		json_object_put(out);
		pw_path_set(expr, &doc, json_object_new_int(1), &err);
		json_object_put(doc);
	}
	json_object_put(in);
	json_object_put(ctx);
}
END_TEST

/* A field's path that matches nothing: Step Functions' causes (as AWS
 * recorded them in LocalStack's test_invalid_jsonpath scenarios). */
START_TEST(test_missing_field_wording)
{
	json_object *in = lt_json("{\"a\":{\"b\":[1]}}"), *ctx = lt_json("{\"X\":1}");
	json_object *out = NULL;
	pw_error err;
	/* InputPath / OutputPath */
	ck_assert_int_eq(pw_path_get_field("$.NoSuchInputPath", NULL, in, ctx, &out, &err),
			 PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
	ck_assert_str_eq(err.cause, "Invalid path '$.NoSuchInputPath' : No results for path: "
				    "$['NoSuchInputPath']");
	ck_assert_int_eq(pw_path_get_field("$.a.b[3]", NULL, in, ctx, &out, &err), PW_ERR);
	ck_assert_str_eq(err.cause, "Invalid path '$.a.b[3]' : No results for path: "
				    "$['a']['b'][3]");
	/* a named field: the input it searched, the context object for $$ */
	ck_assert_int_eq(pw_path_get_field("$.ErrorX", "ErrorPath", in, ctx, &out, &err),
			 PW_ERR);
	ck_assert_str_eq(err.cause, "The JSONPath '$.ErrorX' specified for the field "
				    "'ErrorPath' could not be found in the input "
				    "'{\"a\":{\"b\":[1]}}'");
	ck_assert_int_eq(pw_path_get_field("$$.Execution.Input.no_such_jsonpath", "value.$", in,
					   ctx, &out, &err),
			 PW_ERR);
	ck_assert_str_eq(err.cause, "The JSONPath '$$.Execution.Input.no_such_jsonpath' "
				    "specified for the field 'value.$' could not be found in the "
				    "input '{\"X\":1}'");
	/* a variable keeps the engine's words */
	ck_assert_int_eq(pw_path_get_field("$nope", "k.$", in, ctx, &out, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
	ck_assert_msg(strstr(err.cause, "no variable named $nope") != NULL, "%s", err.cause);
	/* found: the value, as pw_path_get gives it */
	ck_assert_int_eq(pw_path_get_field("$.a.b[0]", "k.$", in, ctx, &out, &err), 0);
	ck_assert_int_eq(json_object_get_int(out), 1);
	json_object_put(out);
	json_object_put(in);
	json_object_put(ctx);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("path");
	TCase *t = tcase_create("core");
	tcase_add_loop_test(t, test_get_table, 0,
			    sizeof(get_cases) / sizeof(get_cases[0]));
	tcase_add_loop_test(t, test_missing_raises_named_error, 0,
			    sizeof(missing_paths) / sizeof(missing_paths[0]));
	tcase_add_loop_test(t, test_bad_syntax, 0,
			    sizeof(bad_paths) / sizeof(bad_paths[0]));
	tcase_add_test(t, test_reference_paths);
	tcase_add_loop_test(t, test_set_table, 0,
			    sizeof(set_cases) / sizeof(set_cases[0]));
	tcase_add_loop_test(t, test_set_crossing_non_object_fails, 0,
			    sizeof(set_fail_cases) / sizeof(set_fail_cases[0]));
	tcase_add_test(t, test_set_rejects_non_reference);
	tcase_add_test(t, test_random_expressions);
	tcase_add_test(t, test_missing_field_wording);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return lt_run(suite());
}

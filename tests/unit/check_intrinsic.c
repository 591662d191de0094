/* Unit tests: ASL intrinsic functions (results, errors, syntax). */
#include <ctype.h>
#include <stdlib.h>

#include "lang_test.h"
#include "pw_intrinsic.h"

static const char *INPUT =
	"{\"name\":\"db-1\",\"n\":3,\"f\":1.5,\"list\":[1,2,2,\"a\",{\"k\":1},{\"k\":1}],"
	"\"obj\":{\"a\":1,\"b\":{\"c\":2}},\"json\":\"{\\\"x\\\":[1,true]}\","
	"\"t\":true,\"nul\":null,\"csv\":\"a,b,,c\"}";
static const char *CONTEXT = "{\"Execution\":{\"Id\":\"arn:exec:42\"}}";

struct case_ {
	const char *expr;
	const char *want; /* JSON */
};

static const struct case_ ok_cases[] = {
	{"States.Format('Hello {}', $.name)", "\"Hello db-1\""},
	{"States.Format('{} + {} = {}', 1, 2.5, $.t)", "\"1 + 2.5 = true\""},
	{"States.Format('{}', $.nul)", "\"null\""},
	{"States.Format('no placeholders')", "\"no placeholders\""},
	{"States.Format('esc \\{\\} {} it\\'s \\\\', $.n)",
	 "\"esc {} 3 it's \\\\\""},
	{"States.Format('id={}', $$.Execution.Id)", "\"id=arn:exec:42\""},
	{"States.Format('{}', States.ArrayLength($.list))", "\"6\""},
	{"States.StringToJson($.json)", "{\"x\":[1,true]}"},
	{"States.StringToJson('[1, 2]')", "[1,2]"},
	{"States.StringToJson('42')", "42"},
	{"States.JsonToString($.obj)", "\"{\\\"a\\\":1,\\\"b\\\":{\\\"c\\\":2}}\""},
	{"States.JsonToString($.name)", "\"\\\"db-1\\\"\""},
	{"States.Array()", "[]"},
	{"States.Array(1, 'two', $.t, null, $.obj.b)",
	 "[1,\"two\",true,null,{\"c\":2}]"},
	{"States.ArrayPartition(States.Array(1,2,3,4,5), 2)", "[[1,2],[3,4],[5]]"},
	{"States.ArrayPartition(States.Array(), 2)", "[]"},
	{"States.ArrayContains($.list, 2)", "true"},
	{"States.ArrayContains($.list, 'a')", "true"},
	{"States.ArrayContains($.list, $.obj.b)", "false"},
	{"States.ArrayContains($.list, States.StringToJson('{\"k\":1}'))", "true"},
	{"States.ArrayContains($.list, 9)", "false"},
	{"States.ArrayRange(1, 9, 2)", "[1,3,5,7,9]"},
	{"States.ArrayRange(5, 1, -2)", "[5,3,1]"},
	{"States.ArrayRange(1, 0, 1)", "[]"},
	{"States.ArrayGetItem($.list, 3)", "\"a\""},
	{"States.ArrayLength($.list)", "6"},
	{"States.ArrayLength(States.Array())", "0"},
	{"States.ArrayUnique($.list)", "[1,2,\"a\",{\"k\":1}]"},
	{"States.Base64Encode('Data to encode')", "\"RGF0YSB0byBlbmNvZGU=\""},
	{"States.Base64Encode('')", "\"\""},
	{"States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "\"Data to encode\""},
	{"States.Base64Decode('YWI=')", "\"ab\""},
	{"States.Base64Decode('YWJj')", "\"abc\""},
	{"States.Hash('input data', 'SHA-1')",
	 "\"aaff4a450a104cd177d28d18d74485e8cae074b7\""},
	{"States.Hash('abc', 'MD5')", "\"900150983cd24fb0d6963f7d28e17f72\""},
	{"States.Hash('abc', 'SHA-256')",
	 "\"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\""},
	{"States.Hash('abc', 'SHA-384')",
	 "\"cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
	 "8086072ba1e7cc2358baeca134c825a7\""},
	{"States.Hash('abc', 'SHA-512')",
	 "\"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	 "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f\""},
	{"States.JsonMerge($.obj, States.StringToJson('{\"b\":5,\"z\":0}'), false)",
	 "{\"a\":1,\"b\":5,\"z\":0}"},
	{"States.MathAdd(111, -1)", "110"},
	{"States.MathAdd($.n, 1)", "4"},
	/* decimals are rounded half up (Java Math.round) before adding */
	{"States.MathAdd($.f, 1)", "3"},
	{"States.MathAdd(1.5, 1.51)", "4"},
	{"States.MathAdd(-1.5, 0)", "-1"},
	{"States.MathAdd(-2.5, -0.5)", "-2"},
	{"States.MathAdd(-2.51, 0.49)", "-3"},
	{"States.MathAdd(2.5, 0.4999)", "3"},
	/* decimal bounds are truncated toward zero: [7, 8) */
	{"States.MathRandom(7.9, 8.2)", "7"},
	{"States.MathRandom(-1.9, 0.5)", "-1"},
	/* blank text is null */
	{"States.StringToJson('')", "null"},
	{"States.StringToJson(' ')", "null"},
	/* objects and arrays print as Java's Map/List toString */
	{"States.Format('{}', $.obj)", "\"{a=1, b={c=2}}\""},
	{"States.Format('{}', $.list)", "\"[1, 2, 2, a, {k=1}, {k=1}]\""},
	{"States.Format('x{}', States.StringToJson('{\"Arg1\":1,\"Arg2\":[],\"n\":null}'))",
	 "\"x{Arg1=1, Arg2=[], n=null}\""},
	{"States.MathAdd(States.ArrayLength($.list), -6)", "0"},
	{"States.MathRandom(7, 8)", "7"},
	{"States.StringSplit($.csv, ',')", "[\"a\",\"b\",\"c\"]"},
	{"States.StringSplit('This,is+a,test+string', ',+')",
	 "[\"This\",\"is\",\"a\",\"test\",\"string\"]"},
	{"  States.ArrayLength( $.list )  ", "6"},
};

START_TEST(test_ok_table)
{
	const struct case_ *c = &ok_cases[_i];
	json_object *in = lt_json(INPUT), *ctx = lt_json(CONTEXT), *out = NULL;
	pw_error err = {0};
	char why[256] = "";
	ck_assert_msg(pw_intrinsic_check(c->expr, why, sizeof(why)) == 0,
		      "%s: %s", c->expr, why);
	int rc = pw_intrinsic_eval(c->expr, in, ctx, &out, &err);
	ck_assert_msg(rc == 0, "%s: %s: %s", c->expr, err.name, err.cause);
	lt_assert_json(out, c->want);
	json_object_put(out);
	json_object_put(in);
	json_object_put(ctx);
}
END_TEST

START_TEST(test_uuid_is_v4_and_unique)
{
	json_object *a = NULL, *b = NULL;
	pw_error err = {0};
	ck_assert_int_eq(pw_intrinsic_eval("States.UUID()", NULL, NULL, &a, &err), 0);
	ck_assert_int_eq(pw_intrinsic_eval("States.UUID()", NULL, NULL, &b, &err), 0);
	const char *s = json_object_get_string(a);
	ck_assert_int_eq(strlen(s), 36);
	ck_assert_int_eq(s[14], '4');
	ck_assert(strchr("89ab", s[19]) != NULL);
	for (int i = 0; i < 36; i++)
		ck_assert(i == 8 || i == 13 || i == 18 || i == 23
				  ? s[i] == '-'
				  : isxdigit((unsigned char)s[i]) && !isupper((unsigned char)s[i]));
	ck_assert_str_ne(s, json_object_get_string(b));
	json_object_put(a);
	json_object_put(b);
}
END_TEST

START_TEST(test_math_random_range_and_seed)
{
	pw_error err = {0};
	for (int k = 0; k < 200; k++) {
		json_object *v = NULL;
		ck_assert_int_eq(pw_intrinsic_eval("States.MathRandom(-3, 4)",
						   NULL, NULL, &v, &err), 0);
		int64_t x = json_object_get_int64(v);
		ck_assert(x >= -3 && x < 4);
		json_object_put(v);
	}
	json_object *a = NULL, *b = NULL;
	pw_intrinsic_eval("States.MathRandom(0, 1000000, 1234)", NULL, NULL, &a, &err);
	pw_intrinsic_eval("States.MathRandom(0, 1000000, 1234)", NULL, NULL, &b, &err);
	ck_assert_int_eq(json_object_get_int64(a), json_object_get_int64(b));
	json_object_put(a);
	json_object_put(b);
}
END_TEST

/* Evaluation errors: States.IntrinsicFailure for bad arguments,
 * States.Runtime for a path that matches nothing. */
static const struct case_ fail_cases[] = {
	{"States.Format('{} {}', 1)", "States.IntrinsicFailure"},
	{"States.Format('{}', 1, 2)", "States.IntrinsicFailure"},
	{"States.StringToJson('{bad')", "States.IntrinsicFailure"},
	{"States.StringToJson('1 2')", "States.IntrinsicFailure"},
	{"States.StringToJson($.n)", "States.IntrinsicFailure"},
	{"States.ArrayPartition($.list, 0)", "States.IntrinsicFailure"},
	{"States.ArrayPartition($.obj, 1)", "States.IntrinsicFailure"},
	{"States.ArrayRange(1, 5, 0)", "States.IntrinsicFailure"},
	{"States.ArrayRange(0, 5000, 1)", "States.IntrinsicFailure"},
	{"States.ArrayRange(0, 1.5, 1)", "States.IntrinsicFailure"},
	{"States.ArrayGetItem($.list, 6)", "States.IntrinsicFailure"},
	{"States.ArrayGetItem($.list, -1)", "States.IntrinsicFailure"},
	{"States.ArrayLength($.name)", "States.IntrinsicFailure"},
	{"States.ArrayUnique($.n)", "States.IntrinsicFailure"},
	{"States.Base64Decode('not base64!')", "States.IntrinsicFailure"},
	{"States.Base64Decode('abc')", "States.IntrinsicFailure"},
	{"States.Hash('x', 'SHA-3')", "States.IntrinsicFailure"},
	{"States.Hash($.n, 'MD5')", "States.IntrinsicFailure"},
	{"States.JsonMerge($.obj, $.obj, true)", "States.IntrinsicFailure"},
	{"States.JsonMerge($.obj, $.list, false)", "States.IntrinsicFailure"},
	{"States.MathAdd('1', 2)", "States.IntrinsicFailure"},
	{"States.MathAdd(9223372036854775807, 1)", "States.IntrinsicFailure"},
	{"States.MathRandom(5, 5)", "States.IntrinsicFailure"},
	{"States.StringSplit($.n, ',')", "States.IntrinsicFailure"},
	{"States.Format('{}', $.missing)", "States.Runtime"},
	{"States.ArrayLength($$.Nope)", "States.Runtime"},
};

START_TEST(test_fail_table)
{
	const struct case_ *c = &fail_cases[_i];
	json_object *in = lt_json(INPUT), *ctx = lt_json(CONTEXT), *out = NULL;
	pw_error err = {0};
	ck_assert_msg(pw_intrinsic_check(c->expr, NULL, 0) == 0, "%s", c->expr);
	int rc = pw_intrinsic_eval(c->expr, in, ctx, &out, &err);
	ck_assert_msg(rc == PW_ERR, "%s succeeded", c->expr);
	ck_assert_str_eq(err.name, c->want);
	ck_assert(err.cause[0] != '\0');
	ck_assert_ptr_null(out);
	json_object_put(in);
	json_object_put(ctx);
}
END_TEST

/* Syntax errors: caught by check (for validate) and raise States.Runtime. */
static const char *const bad_syntax[] = {
	"States.Nope(1)",
	"States.Format(",
	"States.Format('x'",
	"States.Format('x' 1)",
	"States.Format('unterminated)",
	"States.Format('bad \\n escape')",
	"States.ArrayLength()",
	"States.ArrayLength($.a, $.b)",
	"States.UUID(1)",
	"States.MathRandom(1)",
	"States.Format()",
	"States.ArrayLength($.a[)",
	"States.ArrayLength(foo)",
	"States.ArrayLength($.a) trailing",
	"Format('x')",
	"",
};

START_TEST(test_bad_syntax)
{
	char why[256] = "";
	ck_assert_msg(pw_intrinsic_check(bad_syntax[_i], why, sizeof(why)) != 0,
		      "accepted %s", bad_syntax[_i]);
	ck_assert(why[0] != '\0');
	json_object *out = NULL;
	pw_error err = {0};
	ck_assert_int_eq(pw_intrinsic_eval(bad_syntax[_i], NULL, NULL, &out, &err),
			 PW_ERR);
	ck_assert_str_eq(err.name, "States.Runtime");
}
END_TEST

START_TEST(test_is_call)
{
	ck_assert(pw_intrinsic_is_call("States.Format('x')"));
	ck_assert(pw_intrinsic_is_call("States.UUID ()"));
	ck_assert(pw_intrinsic_is_call("States.Nope(1)")); /* check rejects it */
	ck_assert(!pw_intrinsic_is_call("$.a"));
	ck_assert(!pw_intrinsic_is_call("States.Timeout"));
	ck_assert(!pw_intrinsic_is_call("States."));
	ck_assert(!pw_intrinsic_is_call(NULL));
}
END_TEST

/* Random mutations of valid calls never crash the parser or evaluator;
 * whatever check accepts, eval does not reject as bad syntax. */
START_TEST(test_random_mutations)
{
	static const char junk[] = "$.[]*()',\\{} 0-9aS";
	unsigned short seed[3] = {3, 1, 4};
	json_object *in = lt_json(INPUT), *ctx = lt_json(CONTEXT);
	size_t n_ok = sizeof(ok_cases) / sizeof(ok_cases[0]);
	for (int round = 0; round < 20000; round++) {
		char expr[256];
		snprintf(expr, sizeof(expr), "%s", ok_cases[nrand48(seed) % n_ok].expr);
		size_t len = strlen(expr);
		int edits = 1 + (int)(nrand48(seed) % 3);
		for (int e = 0; e < edits; e++) {
			size_t at = nrand48(seed) % len;
			if (nrand48(seed) % 4 == 0)
				expr[at] = '\0'; /* truncate */
			else
				expr[at] = junk[nrand48(seed) % (sizeof(junk) - 1)];
			len = strlen(expr);
			if (len == 0)
				break;
		}
		json_object *out = NULL;
		pw_error err = {0};
		int checked = pw_intrinsic_check(expr, NULL, 0);
		int rc = pw_intrinsic_eval(expr, in, ctx, &out, &err);
		if (checked == 0 && rc != 0)
			ck_assert_msg(strstr(err.cause, "invalid intrinsic") == NULL,
				      "%s: check passed, eval says %s", expr, err.cause);
		json_object_put(out);
	}
	json_object_put(in);
	json_object_put(ctx);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("intrinsic");
	TCase *t = tcase_create("core");
	tcase_add_loop_test(t, test_ok_table, 0, sizeof(ok_cases) / sizeof(ok_cases[0]));
	tcase_add_test(t, test_uuid_is_v4_and_unique);
	tcase_add_test(t, test_math_random_range_and_seed);
	tcase_add_loop_test(t, test_fail_table, 0,
			    sizeof(fail_cases) / sizeof(fail_cases[0]));
	tcase_add_loop_test(t, test_bad_syntax, 0,
			    sizeof(bad_syntax) / sizeof(bad_syntax[0]));
	tcase_add_test(t, test_is_call);
	tcase_add_test(t, test_random_mutations);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return lt_run(suite());
}

/* check_jsonata - lib/jsonata's API: evaluation with bindings, errors
 * with codes and positions, and the bounds (depth, time, memory, steps,
 * interrupt) each stopping an evaluation with its own clear error. */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "jsonata.h"

/* Evaluates expr over input JSON text; returns the result as JSON text
 * (malloc'd, "undefined" for no result) or NULL with *err set. */
static char *run(const char *expr, const char *input, const char *bindings,
		 const jsonata_limits *lim, jsonata_error *err)
{
	jsonata_expr *e = jsonata_compile(expr, err);
	if (!e)
		return NULL;
	struct json_object *in = input ? json_tokener_parse(input) : NULL;
	struct json_object *b = bindings ? json_tokener_parse(bindings) : NULL;
	struct json_object *out = NULL;
	char *res = NULL;
	int rc = jsonata_eval(e, in, b, lim, &out, err);
	if (rc >= 0)
		res = strdup(rc == 1 ? "undefined" : json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
	json_object_put(in);
	json_object_put(b);
	jsonata_free(e);
	return res;
}

static void expect(const char *expr, const char *input, const char *want)
{
	jsonata_error err;
	char *got = run(expr, input, NULL, NULL, &err);
	ck_assert_msg(got != NULL, "%s failed: %s", expr, err.message);
	ck_assert_msg(strcmp(got, want) == 0, "%s: got %s, want %s", expr, got, want);
	free(got);
}

static void expect_error(const char *expr, const char *input, const jsonata_limits *lim,
			 const char *code, int pos)
{
	jsonata_error err;
	char *got = run(expr, input, NULL, lim, &err);
	ck_assert_msg(got == NULL, "%s: expected %s, got %s", expr, code, got ? got : "");
	ck_assert_str_eq(err.code, code);
	if (pos >= 0)
		ck_assert_int_eq(err.position, pos);
	ck_assert(strstr(err.message, code) == err.message);
}

static const char *order =
	"{\"detail\":{\"SourceIdentifier\":\"db-1\"},\"port\":\"5432\","
	"\"tags\":[{\"Key\":\"env\",\"Value\":\"prod\"},{\"Key\":\"team\",\"Value\":\"db\"}]}";

START_TEST(paths_functions_and_templates)
{
	expect("detail.SourceIdentifier", order, "\"db-1\"");
	expect("$number(port) + 1", order, "5433");
	expect("tags[Key='env'].Value", order, "\"prod\"");
	expect("{\"Id\": detail.SourceIdentifier, \"Tags\": tags.Key}", order,
	       "{\"Id\":\"db-1\",\"Tags\":[\"env\",\"team\"]}");
	expect("$sum([1..4]) & '/' & $join(['a','b'], '-')", NULL, "\"10/a-b\"");
	expect("nothing.here", order, "undefined");
	expect("$map([1,2,3], function($v){ $v * $v })", NULL, "[1,4,9]");
	expect("$round(2.5) & $round(3.5) & $round(-0.5)", NULL, "\"240\"");
	expect("$replace('a-b-c', /-(\\w)/, '<$1>')", NULL, "\"a<b><c>\"");
}
END_TEST

START_TEST(bindings_become_variables)
{
	jsonata_error err;
	char *got = run("$states.input.port & ':' & $n", NULL,
			"{\"states\":{\"input\":{\"port\":5432}},\"n\":7}", NULL, &err);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, "\"5432:7\"");
	free(got);
}
END_TEST

START_TEST(errors_carry_code_and_position)
{
	expect_error("1 + ", NULL, NULL, "S0207", 4);
	expect_error("[1, 2", NULL, NULL, "S0203", 5);
	expect_error("'a' + 1", NULL, NULL, "T2001", 4);
	expect_error("$foo()", NULL, NULL, "T1006", 4);
	expect_error("$substring(\"abc\", \"x\")", NULL, NULL, "T0410", -1);
	expect_error("$error('boom')", NULL, NULL, "D3137", -1);
	expect_error("\"unterminated", NULL, NULL, "S0101", 0);
	jsonata_error err;
	ck_assert_ptr_null(jsonata_compile("a ^ b", &err));
	ck_assert_str_eq(err.code, "S0202");
}
END_TEST

static int stop_now(void *arg)
{
	(void)arg;
	return 1;
}

START_TEST(bounds_stop_runaway_expressions)
{
	jsonata_limits lim = { .max_depth = 50 };
	expect_error("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000))", NULL, &lim, "U1001", -1);
	/* tail calls run in constant depth */
	jsonata_error err;
	char *got = run("($f := function($n, $a){ $n = 0 ? $a : $f($n - 1, $a + 1) }; $f(5000, 0))",
			NULL, NULL, &lim, &err);
	ck_assert_msg(got != NULL, "%s", err.message);
	ck_assert_str_eq(got, "5000");
	free(got);
	jsonata_limits t = { .timeout_ms = 50 };
	expect_error("($f := function($n){ $f($n + 1) }; $f(0))", NULL, &t, "U1001", -1);
	jsonata_limits m = { .max_memory = 1 << 20 };
	expect_error("$count([1..1000000])", NULL, &m, "U1003", -1);
	jsonata_limits s = { .max_steps = 1000 };
	expect_error("$sum([1..100000].($ * 2))", NULL, &s, "U1004", -1);
	jsonata_limits i = { .interrupt = stop_now };
	expect_error("$sum([1..100000].($ * 2))", NULL, &i, "U1002", -1);
	/* catastrophic backtracking stops at the regex step bound; a long
	 * greedy match does not go deep */
	expect_error("$contains($pad('', 40, 'a') & 'c', /(a+)+b/)", NULL, NULL, "D1010", -1);
	expect("$length($match($pad('', 100000, 'x') & 'y', /x.*y/).match)", NULL, "100001");
	/* tail recursion may build values of any depth: bounded */
	expect_error("($f := function($n, $a){ $n = 0 ? $a : $f($n - 1, {\"a\": $a}) }; $f(5000, {}))",
		     NULL, NULL, "U1005", -1);
	/* nesting deep enough to threaten the parser's stack */
	char deep[2100];
	memset(deep, '(', 1000);
	strcpy(deep + 1000, "1");
	memset(deep + 1001, ')', 1000);
	deep[2001] = 0;
	expect_error(deep, NULL, NULL, "U1001", -1);
}
END_TEST

START_TEST(one_compile_many_evaluations)
{
	jsonata_error err;
	jsonata_expr *e = jsonata_compile("a * 2", &err);
	ck_assert_ptr_nonnull(e);
	for (int i = 0; i < 100; i++) {
		struct json_object *in = json_object_new_object(), *out = NULL;
		json_object_object_add(in, "a", json_object_new_int(i));
		ck_assert_int_eq(jsonata_eval(e, in, NULL, NULL, &out, &err), 0);
		ck_assert_int_eq(json_object_get_int(out), 2 * i);
		json_object_put(out);
		json_object_put(in);
	}
	jsonata_free(e);
}
END_TEST

/* One compiled expression shared by threads: evaluation never writes to
 * it (run under TSan to check). */
static jsonata_expr *shared;

static void *eval_many(void *arg)
{
	long id = (long)arg;
	for (int i = 0; i < 200; i++) {
		jsonata_error err;
		struct json_object *in = json_object_new_object(), *out = NULL;
		json_object_object_add(in, "n", json_object_new_int((int)id * 1000 + i));
		if (jsonata_eval(shared, in, NULL, NULL, &out, &err) != 0 ||
		    json_object_get_int(out) != 2 * ((int)id * 1000 + i)) {
			json_object_put(in);
			json_object_put(out);
			return (void *)1;
		}
		json_object_put(out);
		json_object_put(in);
	}
	return NULL;
}

START_TEST(one_expression_many_threads)
{
	jsonata_error err;
	shared = jsonata_compile("($d := function($x){ $x * 2 }; [n][0] ~> $d() ~> $string() ~> $number())", &err);
	ck_assert_ptr_nonnull(shared);
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, eval_many, (void *)i), 0);
	for (int i = 0; i < 4; i++) {
		void *rc;
		pthread_join(t[i], &rc);
		ck_assert_ptr_null(rc);
	}
	jsonata_free(shared);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jsonata");
	TCase *tc = tcase_create("api");
	tcase_add_test(tc, paths_functions_and_templates);
	tcase_add_test(tc, bindings_become_variables);
	tcase_add_test(tc, errors_carry_code_and_position);
	tcase_add_test(tc, bounds_stop_runaway_expressions);
	tcase_add_test(tc, one_compile_many_evaluations);
	tcase_add_test(tc, one_expression_many_threads);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

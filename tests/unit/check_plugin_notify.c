/* Unit tests: notify's message templates (plugins/notify/notify_template.c). */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "notify_template.h"

static json_object *data;

static void setup(void)
{
	data = json_tokener_parse(
		"{\"DBInstanceIdentifier\": \"reader-7\", \"State\": \"Warm\","
		" \"Cause\": \"timeout\", \"Blocks\": 1234, \"Ok\": false,"
		" \"Nothing\": null, \"Error\": {\"Name\": \"Postgres.X\"},"
		" \"List\": [1, \"a\"], \"a.b\": \"dotted key\"}");
	ck_assert_ptr_nonnull(data);
}

static void teardown(void)
{
	json_object_put(data);
}

static void expect(const char *tmpl, json_object *d, const char *want)
{
	char *got = notify_render(tmpl, d);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(fills_named_fields)
{
	expect("Replica {DBInstanceIdentifier} failed in {State}: {Cause}", data,
	       "Replica reader-7 failed in Warm: timeout");
}
END_TEST

START_TEST(non_strings_render_as_json)
{
	expect("{Blocks} {Ok} {Nothing} {List} {Error}", data,
	       "1234 false null [1,\"a\"] {\"Name\":\"Postgres.X\"}");
}
END_TEST

START_TEST(dotted_paths_reach_nested_members)
{
	expect("error {Error.Name}", data, "error Postgres.X");
	expect("{Error.Missing}|{Missing.Name}|{Blocks.x}", data,
	       "{Error.Missing}|{Missing.Name}|{Blocks.x}");
}
END_TEST

START_TEST(unknown_names_stay_visible)
{
	expect("a {Unknown} b", data, "a {Unknown} b");
	expect("a {Unknown} b", NULL, "a {Unknown} b");
}
END_TEST

START_TEST(doubled_braces_are_literal)
{
	expect("{{State}} is {State}; }} {{", data, "{State} is Warm; } {");
}
END_TEST

START_TEST(malformed_placeholders_are_text)
{
	expect("open { and {} and {State", data, "open { and {} and {State");
	expect("", data, "");
}
END_TEST

START_TEST(overlong_names_do_not_overflow)
{
	char tmpl[1200];

	memset(tmpl, 'x', sizeof(tmpl));
	tmpl[0] = '{';
	tmpl[sizeof(tmpl) - 2] = '}';
	tmpl[sizeof(tmpl) - 1] = '\0';
	expect(tmpl, data, tmpl);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("notify_template");
	TCase *tc = tcase_create("render");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fills_named_fields);
	tcase_add_test(tc, non_strings_render_as_json);
	tcase_add_test(tc, dotted_paths_reach_nested_members);
	tcase_add_test(tc, unknown_names_stay_visible);
	tcase_add_test(tc, doubled_braces_are_literal);
	tcase_add_test(tc, malformed_placeholders_are_text);
	tcase_add_test(tc, overlong_names_do_not_overflow);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

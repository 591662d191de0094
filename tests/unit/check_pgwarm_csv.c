/* check_pgwarm_csv - the top-queries CSV parser (RFC 4180 via libcsv). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pgw_csv.h"

static pgw_query_set *parse_ok(const char *text)
{
	pgw_query_set *set = NULL;
	pw_error err = {{0}, {0}};
	ck_assert_msg(pgw_csv_parse_queries(text, strlen(text), "t.csv", &set,
					    &err) == PW_OK,
		      "parse failed: %s", err.cause);
	return set;
}

static const char *malformed(const pgw_query_set *set, size_t i)
{
	return json_object_get_string(
		json_object_array_get_idx(set->malformed, i));
}

START_TEST(quoted_commas_quotes_and_newlines)
{
	pgw_query_set *set = parse_ok(
		"queryid,query,calls,total_exec_time\n"
		"1,\"SELECT a, b FROM t WHERE c = $1\",10,5.5\n"
		"2,\"SELECT \"\"Mixed\"\" FROM t\nWHERE x = 'a,b'\",3,1\n"
		"3,SELECT 1,1,0.25\n");
	ck_assert_uint_eq(set->n, 3);
	ck_assert_str_eq(set->rows[0].query, "SELECT a, b FROM t WHERE c = $1");
	ck_assert_str_eq(set->rows[1].query,
			 "SELECT \"Mixed\" FROM t\nWHERE x = 'a,b'");
	ck_assert_str_eq(set->rows[1].queryid, "2");
	ck_assert(set->rows[0].total_time == 5.5);
	ck_assert(set->rows[1].calls == 3);
	/* Records know where they start even after an embedded newline. */
	ck_assert_int_eq(set->rows[0].line, 2);
	ck_assert_int_eq(set->rows[1].line, 3);
	ck_assert_int_eq(set->rows[2].line, 5);
	ck_assert_uint_eq(json_object_array_length(set->malformed), 0);
	pgw_query_set_free(set);
}
END_TEST

START_TEST(header_only_is_empty_not_an_error)
{
	pgw_query_set *set = parse_ok("queryid,query,calls,total_exec_time\n");
	ck_assert_uint_eq(set->n, 0);
	pgw_query_set_free(set);
	set = parse_ok("query"); /* no newline at all */
	ck_assert_uint_eq(set->n, 0);
	pgw_query_set_free(set);
}
END_TEST

START_TEST(malformed_rows_are_reported_and_skipped)
{
	pgw_query_set *set = parse_ok(
		"queryid,query,calls,total_exec_time\n"
		"1,SELECT 1,1,1\n"
		"2,SELECT 2,1\n"               /* too few fields */
		"3,SELECT 3,many,1\n"          /* calls not a number */
		"4,,1,1\n"                     /* empty query */
		"5,\"SELECT 5, 6\",1,2,extra\n" /* too many */
		"6,SELECT 6,1,3\n");
	ck_assert_uint_eq(set->n, 2);
	ck_assert_str_eq(set->rows[0].query, "SELECT 1");
	ck_assert_str_eq(set->rows[1].query, "SELECT 6");
	ck_assert_uint_eq(json_object_array_length(set->malformed), 4);
	ck_assert_ptr_nonnull(strstr(malformed(set, 0), "t.csv:3:"));
	ck_assert_ptr_nonnull(strstr(malformed(set, 0), "3 fields"));
	ck_assert_ptr_nonnull(strstr(malformed(set, 1), "t.csv:4: field calls"));
	ck_assert_ptr_nonnull(strstr(malformed(set, 2), "t.csv:5: field query"));
	ck_assert_ptr_nonnull(strstr(malformed(set, 3), "t.csv:6:"));
	pgw_query_set_free(set);
}
END_TEST

START_TEST(columns_found_by_header_name)
{
	/* Other column order, older pg_stat_statements total_time, CRLF. */
	pgw_query_set *set = parse_ok("total_time,rows,query\r\n"
				      "7.5,3,SELECT x FROM y\r\n");
	ck_assert_uint_eq(set->n, 1);
	ck_assert_str_eq(set->rows[0].query, "SELECT x FROM y");
	ck_assert(set->rows[0].total_time == 7.5);
	ck_assert_str_eq(set->rows[0].queryid, "");
	pgw_query_set_free(set);
}
END_TEST

START_TEST(missing_query_column_or_empty_file_fails)
{
	pgw_query_set *set = NULL;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pgw_csv_parse_queries("a,b\n1,2\n", 8, "x.csv", &set,
					       &err),
			 PW_ERR);
	ck_assert_ptr_null(set);
	ck_assert_str_eq(err.name, "Postgres.InvalidParameter");
	ck_assert_ptr_nonnull(strstr(err.cause, "x.csv:1:"));
	ck_assert_ptr_nonnull(strstr(err.cause, "'query'"));
	ck_assert_int_eq(pgw_csv_parse_queries("", 0, "e.csv", &set, &err),
			 PW_ERR);
	ck_assert_ptr_nonnull(strstr(err.cause, "e.csv:1: empty file"));
}
END_TEST

START_TEST(garbage_never_crashes)
{
	/* Unbalanced quotes, NULs and binary: parsed or refused, no crash. */
	static const char *const inputs[] = {
		"query\n\"SELECT 1\n",
		"query\n\"a\"b\"c\n",
		"\"\"\"\n\n\n,,,\n",
		"query,query\nSELECT 1,SELECT 2\n",
	};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		pgw_query_set *set = NULL;
		pw_error err;
		if (pgw_csv_parse_queries(inputs[i], strlen(inputs[i]), "g",
					  &set, &err) == PW_OK)
			pgw_query_set_free(set);
	}
	char bin[256];
	for (int i = 0; i < 256; i++)
		bin[i] = (char)(i * 37);
	pgw_query_set *set = NULL;
	pw_error err;
	if (pgw_csv_parse_queries(bin, sizeof(bin), "bin", &set, &err) == PW_OK)
		pgw_query_set_free(set);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pgwarm_csv");
	TCase *tc = tcase_create("csv");
	tcase_add_test(tc, quoted_commas_quotes_and_newlines);
	tcase_add_test(tc, header_only_is_empty_not_an_error);
	tcase_add_test(tc, malformed_rows_are_reported_and_skipped);
	tcase_add_test(tc, columns_found_by_header_name);
	tcase_add_test(tc, missing_query_column_or_empty_file_fails);
	tcase_add_test(tc, garbage_never_crashes);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* check_pgwarm_sql - which replayed queries count as plain SELECTs. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pgw_sql.h"

static int plain(const char *sql, int *nparams, char *why)
{
	return pgw_sql_plain_select(sql, nparams, why, 128);
}

START_TEST(plain_selects_and_parameters)
{
	int np;
	char why[128];
	ck_assert(plain("SELECT abalance FROM a WHERE aid = $1", &np, why));
	ck_assert_int_eq(np, 1);
	ck_assert(plain("  select * from t where a = $2 and b in ($1, $10)",
			&np, why));
	ck_assert_int_eq(np, 10);
	ck_assert(plain("SELECT 1;", &np, why));
	ck_assert_int_eq(np, 0);
	/* Forbidden words inside literals, identifiers, comments do not
	 * count; $n inside a literal is not a parameter. */
	ck_assert(plain("SELECT 'delete; $3', \"update\" FROM t -- drop\n"
			"/* insert */ WHERE x = $$into$$ AND y = E'\\'update'",
			&np, why));
	ck_assert_int_eq(np, 0);
	/* Quoted names match as written: "PG_SLEEP" is not pg_sleep, and a
	 * doubled quote is part of the name. */
	ck_assert(plain("SELECT \"PG_SLEEP\"(1), \"pg_sle\"\"ep\" FROM t",
			&np, why));
}
END_TEST

START_TEST(everything_else_is_refused_with_a_reason)
{
	static const char *const bad[] = {
		"INSERT INTO t VALUES ($1)",
		"UPDATE t SET a = $1",
		"DELETE FROM t",
		"WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
		"SELECT * FROM t FOR UPDATE",
		"SELECT * INTO new_t FROM t",
		"SELECT 1; DELETE FROM t",
		"CREATE TABLE x (a int)",
		"SELECT pg_terminate_backend($1)",
		"SELECT nextval($1)",
		"SELECT set_config($1, $2, $3)",
		"SELECT pg_sleep(100)",
		"VACUUM t",
		"EXPLAIN ANALYZE DELETE FROM t",
		"",
		"-- only a comment",
		"SELECT 'unterminated",
		/* Quoted names are names: PostgreSQL calls the function. */
		"SELECT \"pg_terminate_backend\"(pid) FROM pg_stat_activity",
		"SELECT pg_catalog.\"pg_sleep\"(1)",
		"SELECT \"set_config\"('a.b', 'c', false)",
		"SELECT U&\"pg\\005fsleep\"(1)",
		"SELECT \"unterminated",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int np;
		char why[128] = "";
		ck_assert_msg(!plain(bad[i], &np, why), "accepted: %s", bad[i]);
		ck_assert_msg(why[0] != '\0', "no reason for: %s", bad[i]);
	}
}
END_TEST

START_TEST(array_literal_escaping)
{
	pgw_buf b = {0};
	pgw_buf_add(&b, "{");
	pgw_buf_add_array_elem(&b, "public.\"we\\ird\"", 1);
	pgw_buf_add_array_elem(&b, "a,b", 0);
	pgw_buf_add(&b, "}");
	ck_assert_str_eq(b.s, "{\"public.\\\"we\\\\ird\\\"\",\"a,b\"}");
	pgw_buf_free(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pgwarm_sql");
	TCase *tc = tcase_create("sql");
	tcase_add_test(tc, plain_selects_and_parameters);
	tcase_add_test(tc, everything_else_is_refused_with_a_reason);
	tcase_add_test(tc, array_literal_escaping);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

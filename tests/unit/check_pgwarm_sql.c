/* check_pgwarm_sql - the plain-SELECT gate (libpg_query) and SQL strings. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pgw_sql.h"
#include "pgw_sql_gate.h"

/* Top SELECTs of pgbench as pg_stat_statements records them (constants
 * become $n), then those of a realistic application schema. */
static const struct {
	const char *sql;
	int nparams;
} good[] = {
	/* pgbench: select-only and tpcb-like, and -i / the run's checks. */
	{"SELECT abalance FROM pgbench_accounts WHERE aid = $1", 1},
	{"select count(*) from pgbench_branches", 0},
	{"SELECT sum(abalance) FROM pgbench_accounts", 0},
	{"SELECT count(*) FROM pgbench_tellers", 0},
	{"select o.n, p.partstrat, pg_catalog.count(i.inhparent) "
	 "from pg_catalog.pg_class as c "
	 "join pg_catalog.pg_namespace as n on (n.oid = c.relnamespace) "
	 "cross join lateral (select pg_catalog.array_position("
	 "pg_catalog.current_schemas($1), n.nspname)) as o(n) "
	 "left join pg_catalog.pg_partitioned_table as p "
	 "on (p.partrelid = c.oid) "
	 "left join pg_catalog.pg_inherits as i on (c.oid = i.inhparent) "
	 "where c.relname = $2 and o.n is not null "
	 "group by 1, 2 order by 1 asc limit $3",
	 3},
	/* An application: joins, aggregates, CTEs, windows, IN, LIKE. */
	{"SELECT o.id, o.created_at, c.name FROM orders o "
	 "JOIN customers c ON c.id = o.customer_id "
	 "WHERE o.customer_id = $1 ORDER BY o.created_at DESC LIMIT $2",
	 2},
	{"SELECT count(*), sum(total), avg(total), min(total), max(total) "
	 "FROM orders WHERE created_at >= $1 AND created_at < $2",
	 2},
	{"WITH recent AS (SELECT customer_id, max(created_at) AS last "
	 "FROM orders GROUP BY customer_id) SELECT c.email FROM customers c "
	 "JOIN recent r ON r.customer_id = c.id "
	 "WHERE r.last < now() - $1::interval",
	 1},
	{"SELECT id, row_number() OVER (PARTITION BY customer_id "
	 "ORDER BY created_at DESC) AS rn FROM orders "
	 "WHERE status IN ($1, $2, $3)",
	 3},
	{"SELECT * FROM products WHERE lower(name) LIKE $1 OR sku ILIKE $2 "
	 "OR code NOT LIKE $3 ORDER BY price NULLS LAST OFFSET $4 LIMIT $5",
	 5},
	{"SELECT p.id FROM products p WHERE EXISTS (SELECT 1 FROM "
	 "order_items oi WHERE oi.product_id = p.id AND oi.quantity > $1)",
	 1},
	{"SELECT id FROM orders WHERE customer_id = ANY($1) AND status <> $2 "
	 "AND status != $3",
	 3},
	{"SELECT date_trunc($1, created_at) AS day, "
	 "count(*) FILTER (WHERE status = $2) FROM orders "
	 "GROUP BY 1 ORDER BY 1",
	 2},
	{"SELECT coalesce(sum(quantity), $1) FROM order_items WHERE order_id "
	 "IN (SELECT id FROM orders WHERE customer_id = $2)",
	 2},
	{"SELECT id FROM events WHERE payload->>$1 = $2 "
	 "AND payload @> $3::jsonb",
	 3},
	{"SELECT name FROM customers UNION SELECT name FROM suppliers "
	 "INTERSECT SELECT name FROM partners EXCEPT SELECT name FROM blocked",
	 0},
	{"VALUES ($1, $2), ($3, $4)", 4},
	{"SELECT extract(epoch FROM created_at)::bigint, "
	 "to_char(created_at, $1) FROM orders WHERE id = $2",
	 2},
	{"SELECT greatest(a, b), least(a, b), nullif(a, $4), "
	 "CASE WHEN a > $1 THEN $2 ELSE $3 END FROM t",
	 4},
	{"SELECT string_agg(tag, $1 ORDER BY tag), array_agg(DISTINCT tag) "
	 "FROM tags GROUP BY item_id HAVING count(*) > $2",
	 2},
	{"WITH RECURSIVE tree AS (SELECT id, parent_id FROM categories "
	 "WHERE id = $1 UNION ALL SELECT c.id, c.parent_id FROM categories c "
	 "JOIN tree t ON c.parent_id = t.id) SELECT count(*) FROM tree",
	 1},
	{"SELECT * FROM orders o LEFT JOIN LATERAL (SELECT * FROM order_items "
	 "i WHERE i.order_id = o.id ORDER BY i.id LIMIT $1) x ON true "
	 "WHERE o.id BETWEEN $2 AND $3",
	 3},
	{"SELECT id FROM documents "
	 "WHERE to_tsvector($1, body) @@ plainto_tsquery($2, $3)",
	 3},
	{"SELECT u.id, s.n FROM users u, generate_series($1, $2) s(n)", 2},
	{"SELECT DISTINCT ON (customer_id) customer_id, total FROM orders "
	 "ORDER BY customer_id, created_at DESC",
	 0},
	{"SELECT * FROM big TABLESAMPLE SYSTEM ($1) REPEATABLE ($2)", 2},
	{"SELECT rank() OVER w, lag(total) OVER w, sum(total) OVER "
	 "(ORDER BY id ROWS BETWEEN $1 PRECEDING AND CURRENT ROW) "
	 "FROM orders WINDOW w AS (ORDER BY total)",
	 1},
	{"SELECT count(*) FROM orders WHERE created_at > CURRENT_DATE - "
	 "$1::integer AND note IS NOT NULL AND paid IS TRUE AND "
	 "a IS DISTINCT FROM b",
	 1},
	{"SELECT substring(name FROM $1 FOR $2), trim(both $3 from name), "
	 "position($4 in name), name COLLATE \"C\" FROM customers",
	 4},
	{"SELECT \"Order\".\"Id\" FROM \"Order\" "
	 "WHERE \"Order\".\"CustomerId\" = $1",
	 1},
	{"TABLE customers", 0},
	{"SELECT $1::text[], ARRAY[$2, $3], (arr)[1], (r).f FROM t", 3},
	{"SELECT a, b, count(*) FROM t GROUP BY ROLLUP (a, b)", 0},
	{"SELECT * FROM t WHERE (a, b) > ($1, $2) AND x NOT IN (SELECT y "
	 "FROM u) AND created_at AT TIME ZONE $3 > now()",
	 3},
	{"SELECT * FROM a NATURAL JOIN b FULL JOIN c USING (id) "
	 "FETCH FIRST $1 ROWS ONLY",
	 1},
	/* Words and $n inside literals, identifiers and comments are text. */
	{"SELECT 'delete; $3', \"update\" FROM t -- drop\n"
	 "/* insert */ WHERE x = $$into$$ AND y = E'\\'update'",
	 0},
	{"  select * from t where a = $2 and b in ($1, $10);", 10},
};

/* Hostile or unsafe queries and a word of the reason each gets. */
static const struct {
	const char *sql;
	const char *reason;
} bad[] = {
	/* Not a SELECT at all. */
	{"INSERT INTO t VALUES ($1)", "not a SELECT (InsertStmt)"},
	{"UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2",
	 "not a SELECT (UpdateStmt)"},
	{"DELETE FROM t", "not a SELECT"},
	{"MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
	 "not a SELECT"},
	{"CREATE TABLE x (a int)", "not a SELECT"},
	{"CREATE TABLE x AS SELECT 1", "not a SELECT"},
	{"TRUNCATE t", "not a SELECT"},
	{"EXPLAIN ANALYZE DELETE FROM t", "not a SELECT (ExplainStmt)"},
	{"COPY t TO PROGRAM 'rm -rf /'", "not a SELECT"},
	{"VACUUM t", "not a SELECT"},
	{"SET default_transaction_read_only = off", "not a SELECT"},
	{"DO $$BEGIN PERFORM 1; END$$", "not a SELECT"},
	{"CALL p()", "not a SELECT"},
	/* Data-modifying WITH, anywhere. */
	{"WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
	 "contains DELETE"},
	{"WITH u AS (UPDATE t SET a = 1 RETURNING *) SELECT 1",
	 "contains UPDATE"},
	{"WITH i AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM i",
	 "contains INSERT"},
	{"SELECT * FROM (WITH d AS (DELETE FROM t RETURNING 1) "
	 "SELECT * FROM d) x",
	 "contains DELETE"},
	/* Row locks, also in subqueries and set operations. */
	{"SELECT * FROM t FOR UPDATE", "FOR UPDATE"},
	{"SELECT * FROM t FOR NO KEY UPDATE", "FOR NO KEY UPDATE"},
	{"SELECT * FROM t FOR SHARE", "FOR SHARE"},
	{"SELECT * FROM t FOR KEY SHARE", "FOR KEY SHARE"},
	{"SELECT * FROM t FOR UPDATE OF t SKIP LOCKED", "FOR UPDATE"},
	{"SELECT * FROM (SELECT * FROM t FOR SHARE) s", "FOR SHARE"},
	{"SELECT * FROM t WHERE a IN (SELECT a FROM u FOR KEY SHARE)",
	 "FOR KEY SHARE"},
	{"SELECT 1 UNION (SELECT 2 FOR UPDATE)", "FOR UPDATE"},
	/* New tables. */
	{"SELECT * INTO new_t FROM t", "SELECT INTO"},
	{"SELECT 1 UNION SELECT 2 INTO x", "SELECT INTO"},
	/* More than one statement, or none. */
	{"SELECT 1; DELETE FROM t", "more than one statement"},
	{"SELECT 1; SELECT 2", "more than one statement"},
	{"", "empty statement"},
	{"-- only a comment", "empty statement"},
	{"SELECT 'unterminated", "does not parse"},
	{"SELEC 1", "does not parse"},
	/* Functions with effects, wherever the call hides. */
	{"SELECT pg_terminate_backend($1)", "pg_terminate_backend()"},
	{"SELECT pg_cancel_backend(pid) FROM pg_stat_activity",
	 "pg_cancel_backend()"},
	{"SELECT query_to_xml('select pg_terminate_backend(1)', true, true, "
	 "'')",
	 "query_to_xml()"},
	{"SELECT * FROM ts_stat('SELECT to_tsvector(body) FROM docs')",
	 "ts_stat()"},
	{"SELECT nextval($1)", "nextval()"},
	{"SELECT setval('s', 1)", "setval()"},
	{"SELECT set_config($1, $2, $3)", "set_config()"},
	{"SELECT pg_sleep(100)", "pg_sleep()"},
	{"SELECT pg_advisory_lock(1)", "pg_advisory_lock()"},
	{"SELECT pg_try_advisory_xact_lock(1)", "pg_try_advisory_xact_lock()"},
	{"SELECT * FROM dblink('host=evil', 'select 1') AS t(a int)",
	 "dblink()"},
	{"SELECT dblink_exec('host=evil', 'drop table t')", "dblink_exec()"},
	{"SELECT lo_import('/etc/passwd')", "lo_import()"},
	{"SELECT pg_read_file('/etc/passwd')", "pg_read_file()"},
	{"SELECT txid_current()", "txid_current()"},
	{"SELECT pg_catalog.pg_sleep(1)", "pg_catalog.pg_sleep()"},
	{"SELECT pg_catalog.\"pg_sleep\"(1)", "pg_catalog.pg_sleep()"},
	{"SELECT \"pg_sleep\"(1)", "pg_sleep()"},
	{"SELECT U&\"pg\\005fsleep\"(1)", "pg_sleep()"},
	{"SELECT \"COUNT\"(*) FROM t", "COUNT()"},
	{"SELECT public.count(*) FROM t", "only unqualified or pg_catalog"},
	{"SELECT mydb.pg_catalog.count(*) FROM t",
	 "only unqualified or pg_catalog"},
	{"SELECT guard_write()", "guard_write()"},
	{"SELECT count(*) FROM t WHERE a = evil()", "evil()"},
	{"SELECT a FROM t ORDER BY evil(a)", "evil()"},
	{"SELECT sum(a) OVER (ORDER BY evil(b)) FROM t", "evil()"},
	{"SELECT count(*) FILTER (WHERE evil(a)) FROM t", "evil()"},
	{"SELECT a FROM t GROUP BY a HAVING evil(count(*))", "evil()"},
	{"SELECT * FROM generate_series(1, 2) g, LATERAL pg_ls_dir('.') d",
	 "pg_ls_dir()"},
	{"SELECT (SELECT pg_reload_conf())", "pg_reload_conf()"},
	{"SELECT ARRAY(SELECT pg_notify('c', 'x'))", "pg_notify()"},
	{"SELECT coalesce(a, pg_switch_wal()::text) FROM t", "pg_switch_wal()"},
	{"WITH x AS (SELECT pg_stat_reset()) SELECT * FROM x",
	 "pg_stat_reset()"},
	/* User-defined operators, casts and sampling methods run user code. */
	{"SELECT 1 === 2", "operator ==="},
	{"SELECT 1 OPERATOR(public.+) 2", "operator public.+"},
	{"SELECT a FROM t ORDER BY a USING ===", "operator ==="},
	{"SELECT 1 OPERATOR(public.=) ANY (SELECT a FROM t)",
	 "operator public.="},
	{"SELECT $1::evil_domain", "casts to evil_domain"},
	{"SELECT CAST(a AS public.text) FROM t", "casts to public.text"},
	{"SELECT * FROM t TABLESAMPLE evil_method (1)", "evil_method"},
	/* Constructs outside the gate's list. */
	{"SELECT xmlparse(document $1)", "XmlExpr"},
	{"SELECT * FROM XMLTABLE('/a' PASSING $1 COLUMNS x int)",
	 "RangeTableFunc"},
	{"SELECT $0", "$0"},
	{"SELECT a FROM t WHERE a = $70000", "$70000"},
};

START_TEST(top_queries_pass_with_their_parameters)
{
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int np = -1;
		char why[256] = "";
		ck_assert_msg(pgw_sql_plain_select(good[i].sql, &np, why,
						   sizeof(why)),
			      "refused: %s: %s", good[i].sql, why);
		ck_assert_msg(np == good[i].nparams, "%s: %d parameters",
			      good[i].sql, np);
	}
}
END_TEST

START_TEST(hostile_queries_are_refused_with_a_reason)
{
	size_t n = sizeof(bad) / sizeof(bad[0]);
	ck_assert_uint_ge(n, 40);
	for (size_t i = 0; i < n; i++) {
		int np = -1;
		char why[256] = "";
		ck_assert_msg(!pgw_sql_plain_select(bad[i].sql, &np, why,
						    sizeof(why)),
			      "accepted: %s", bad[i].sql);
		ck_assert_msg(strstr(why, bad[i].reason) != NULL,
			      "%s: reason \"%s\" lacks \"%s\"", bad[i].sql, why,
			      bad[i].reason);
		ck_assert_int_eq(np, 0);
	}
}
END_TEST

/* SELECT 1+(1+(...1...)) nested depth levels: one A_Expr each. */
static char *nested_sum(size_t depth)
{
	char *sql = malloc(7 + 4 * depth + 2);
	ck_assert_ptr_nonnull(sql);
	char *p = sql;
	memcpy(p, "SELECT ", 7);
	p += 7;
	for (size_t i = 0; i < depth; i++, p += 3)
		memcpy(p, "1+(", 3);
	*p++ = '1';
	memset(p, ')', depth);
	p[depth] = '\0';
	return sql;
}

START_TEST(deep_nesting_is_refused_not_a_crash)
{
	int np;
	char why[256] = "";
	/* The parser takes it; its tree is deeper than the walk goes. */
	char *sql = nested_sum(3000);
	ck_assert(!pgw_sql_plain_select(sql, &np, why, sizeof(why)));
	ck_assert_str_eq(why, "nested too deeply");
	free(sql);
	/* Past the parser's own limit. */
	sql = nested_sum(20000);
	ck_assert(!pgw_sql_plain_select(sql, &np, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "does not parse"));
	free(sql);
	/* Deep but reasonable expressions pass. */
	sql = nested_sum(300);
	ck_assert_msg(pgw_sql_plain_select(sql, &np, why, sizeof(why)), "%s",
		      why);
	free(sql);
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
	tcase_add_test(tc, top_queries_pass_with_their_parameters);
	tcase_add_test(tc, hostile_queries_are_refused_with_a_reason);
	tcase_add_test(tc, deep_nesting_is_refused_not_a_crash);
	tcase_add_test(tc, array_literal_escaping);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

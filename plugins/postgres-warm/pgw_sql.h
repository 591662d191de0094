/*
 * pgw_sql - small SQL text helpers: the plain-SELECT check for replayed
 * queries, $n parameter counting, a growable string and array literals.
 */
#ifndef PGW_SQL_H
#define PGW_SQL_H

#include <stddef.h>

/* Classifies a query from pg_stat_statements. Returns 1 when it is a plain
 * SELECT (first word SELECT, no data-changing or locking keyword outside
 * literals and comments, one statement); *nparams is then the highest $n.
 * Returns 0 otherwise and writes a short reason into why. */
int pgw_sql_plain_select(const char *sql, int *nparams, char *why,
			 size_t whysize);

/* A growable NUL-terminated string; oom is sticky. */
typedef struct pgw_buf {
	char *s;
	size_t len, cap;
	int oom;
} pgw_buf;

void pgw_buf_add(pgw_buf *b, const char *s);
void pgw_buf_addf(pgw_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends s as one element of a PostgreSQL array literal ("..." with
 * backslash escapes), preceded by a comma unless first. */
void pgw_buf_add_array_elem(pgw_buf *b, const char *s, int first);
void pgw_buf_free(pgw_buf *b);

#endif

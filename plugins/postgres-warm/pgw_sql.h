/*
 * pgw_sql - small SQL text helpers: a growable string and array literals.
 * (The plain-SELECT gate is pgw_sql_gate.)
 */
#ifndef PGW_SQL_H
#define PGW_SQL_H

#include <stddef.h>

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

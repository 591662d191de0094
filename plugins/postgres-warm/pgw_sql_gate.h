/*
 * pgw_sql_gate - the plain-SELECT gate for replayed queries.
 *
 * A query from pg_stat_statements runs on the target only if PostgreSQL's
 * own grammar (libpg_query) reads it as one SELECT with no locking clause,
 * no INTO, no data-modifying WITH, and no function, operator, cast or
 * construct outside the allow-lists in pgw_sql_gate.c. The rule is written
 * down in plugins/postgres-warm/README.md ("The plain-SELECT gate").
 */
#ifndef PGW_SQL_GATE_H
#define PGW_SQL_GATE_H

#include <stddef.h>

/* Returns 1 when sql passes the gate; *nparams is then the highest $n it
 * uses. Returns 0 otherwise and writes a short reason into why. */
int pgw_sql_plain_select(const char *sql, int *nparams, char *why,
			 size_t whysize);

#endif

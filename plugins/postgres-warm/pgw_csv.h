/*
 * pgw_csv - the top-queries CSV (RFC 4180, via libcsv) as written by
 * contrib/pg_cron/export-top-queries.sql and ExportTopQueries.
 *
 * The header names the columns; only `query` is required. `total_exec_time`
 * (or `total_time`, older pg_stat_statements) weights queries; `queryid` and
 * `calls` are carried into the report. A row with the wrong number of fields
 * or a non-numeric number is reported and skipped, never fatal.
 */
#ifndef PGW_CSV_H
#define PGW_CSV_H

#include <stddef.h>
#include <json-c/json.h>
#include <prewarm/plugin.h>

typedef struct pgw_query_row {
	char *queryid; /* may be "" */
	char *query;
	double calls;
	double total_time; /* ms; 0 when the column is absent */
	int line;          /* line where the record starts */
} pgw_query_row;

typedef struct pgw_query_set {
	pgw_query_row *rows;
	size_t n;
	json_object *malformed; /* array of "NAME:LINE: reason" strings */
} pgw_query_set;

/* Parses len bytes of CSV text; `name` (a file name or s3:// URL) prefixes
 * messages. On PW_OK *out is the caller's (pgw_query_set_free). Fails with
 * Postgres.InvalidParameter naming file and line when the header is missing
 * or has no `query` column. */
int pgw_csv_parse_queries(const char *text, size_t len, const char *name,
			  pgw_query_set **out, pw_error *err);

/* Reads a whole file into a NUL-terminated malloc'd buffer (caller frees).
 * Failure: Postgres.InvalidParameter naming the file and the reason. */
int pgw_read_file(const char *path, char **text, size_t *len, pw_error *err);

/* Writes len bytes of text to path through path.tmp and a rename, so a
 * reader never sees half a file. `param` names the parameter in the "path
 * too long" error. Failure: Postgres.InvalidParameter naming the file and
 * the reason; the temporary file is removed. */
int pgw_write_file(const char *path, const char *param, const char *text,
		   size_t len, pw_error *err);

void pgw_query_set_free(pgw_query_set *set);

/* Calls cb once per CSV record (RFC 4180, via libcsv) with its fields and
 * the line it starts on; cb returns 0 to go on, nonzero to stop (that value
 * is returned). -1 when out of memory, -2 on a CSV syntax error. */
typedef int (*pgw_csv_record_fn)(char **fields, size_t n, int line, void *ud);
int pgw_csv_each_record(const char *text, size_t len, pgw_csv_record_fn cb,
			void *ud);

#endif

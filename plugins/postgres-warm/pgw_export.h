/*
 * pgw_export - the top-queries CSV from pg_stat_statements, in exactly the
 * format contrib/pg_cron/export-top-queries.sql writes through
 * aws_s3.query_export_to_s3 (COPY ... (FORMAT csv, HEADER true)):
 *   queryid,query,calls,total_exec_time,mean_exec_time,rows,
 *   shared_blks_hit,shared_blks_read
 * Top N SELECTs of the connected database by total_exec_time.
 */
#ifndef PGW_EXPORT_H
#define PGW_EXPORT_H

#include "pgw_conn.h"

/* On PW_OK *csv is a malloc'd NUL-terminated CSV text (caller frees).
 * Needs pg_stat_statements (Postgres.ExtensionMissing otherwise). */
int pgw_export_top_queries_csv(PGconn *conn, const pgw_conn_spec *spec,
			       int top_n, char **csv, size_t *len,
			       pw_error *err);

#endif

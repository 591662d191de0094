/* pgw_export.c - pg_stat_statements top-N to CSV via COPY TO STDOUT. */
#include <stdlib.h>
#include <string.h>

#include "pgw_export.h"
#include "pgw_sql.h"

/* Keep in step with contrib/pg_cron/export-top-queries.sql (the view
 * aurora_prewarm_top_queries): tests compare the two outputs. */
#define TOP_QUERIES_SELECT                                                    \
	"SELECT s.queryid, s.query, s.calls, s.total_exec_time, "             \
	"s.mean_exec_time, s.rows, s.shared_blks_hit, s.shared_blks_read "    \
	"FROM pg_stat_statements s "                                          \
	"WHERE s.dbid = (SELECT oid FROM pg_database "                        \
	"WHERE datname = current_database()) "                                \
	"AND s.query ~* '^\\s*select\\M' "                                    \
	"AND s.query !~* '(pg_stat_statements|pg_buffercache|pg_prewarm|aurora_prewarm_top_queries)' "   \
	"ORDER BY s.total_exec_time DESC, s.queryid"

int pgw_export_top_queries_csv(PGconn *conn, const pgw_conn_spec *spec,
			       int top_n, char **csv, size_t *len,
			       pw_error *err)
{
	*csv = NULL;
	*len = 0;
	if (pgw_require_extension(conn, spec, "pg_stat_statements", err) !=
	    PW_OK)
		return PW_ERR;
	char sql[1024];
	/* COPY takes no bind parameters; top_n is an int we format. */
	snprintf(sql, sizeof(sql),
		 "COPY (" TOP_QUERIES_SELECT " LIMIT %d) TO STDOUT "
		 "WITH (FORMAT csv, HEADER true)",
		 top_n);
	PGresult *r = PQexec(conn, sql);
	if (PQresultStatus(r) != PGRES_COPY_OUT) {
		char msg[1024];
		pgw_redact(spec, PQerrorMessage(conn), msg, sizeof(msg));
		PQclear(r);
		return pw_error_set(err, "Postgres.QueryFailed",
				    "%s: exporting pg_stat_statements: %s",
				    spec->label, msg);
	}
	PQclear(r);
	pgw_buf out = {0};
	pgw_buf_add(&out, "");
	char *row;
	int n;
	while ((n = PQgetCopyData(conn, &row, 0)) > 0) {
		/* Rows are not NUL-terminated. */
		char *s = malloc((size_t)n + 1);
		if (s != NULL) {
			memcpy(s, row, (size_t)n);
			s[n] = '\0';
			pgw_buf_add(&out, s);
			free(s);
		} else {
			out.oom = 1;
		}
		PQfreemem(row);
	}
	int ok = n == -1;
	while ((r = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			ok = 0;
		PQclear(r);
	}
	if (!ok || out.oom) {
		char msg[1024];
		int oom = out.oom;
		pgw_redact(spec, PQerrorMessage(conn), msg, sizeof(msg));
		pgw_buf_free(&out);
		return pw_error_set(err, "Postgres.QueryFailed",
				    "%s: exporting pg_stat_statements: %s",
				    spec->label, oom ? "out of memory" : msg);
	}
	*csv = out.s;
	*len = out.len;
	return PW_OK;
}

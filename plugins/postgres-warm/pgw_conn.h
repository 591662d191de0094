/*
 * pgw_conn - connection specs (conninfo string or object), read-only
 * sessions, the recovery check and errors that never carry the password.
 */
#ifndef PGW_CONN_H
#define PGW_CONN_H

#include <libpq-fe.h>
#include "pgw.h"

/* A parsed connection: libpq keyword/value pairs (NULL-terminated). */
typedef struct pgw_conn_spec {
	char **keys;
	char **vals;
	size_t n;
	char *password; /* copy of the password value, or NULL */
	char *label;    /* "target" / "source": used in messages */
} pgw_conn_spec;

/* Parses v (a conninfo string or URI, or an object with host, port, dbname,
 * user, password, sslmode, connect_timeout, sslrootcert) found under
 * parameter `field`. Registers the password as a secret with env. On PW_OK
 * *out is a new spec the caller frees with pgw_conn_spec_free. */
int pgw_conn_spec_parse(const pgw_env *env, json_object *v, const char *field,
			pgw_conn_spec **out, pw_error *err);
void pgw_conn_spec_free(pgw_conn_spec *spec);
/* A copy of spec (same host, user, password...) for database dbname; its
 * label names the database. -1 when out of memory. */
int pgw_conn_spec_for_db(const pgw_conn_spec *spec, const char *dbname,
			 pgw_conn_spec **out);

/* Session options applied right after connecting. */
typedef struct pgw_session_opts {
	int64_t statement_timeout_ms; /* 0: server default */
} pgw_session_opts;

/* Connects and makes the session read-only (default_transaction_read_only)
 * with the statement timeout. Failure: Postgres.AuthFailed when the server
 * refused the login (wrong password or token, no pg_hba.conf entry), else
 * Postgres.ConnectionFailed; the password redacted from the cause. The caller PQfinish()es *out. */
int pgw_connect(const pgw_conn_spec *spec, const pgw_session_opts *opts,
		PGconn **out, pw_error *err);

/* Copies msg into buf with every occurrence of the spec's password
 * replaced by "***" and trailing newlines removed. */
void pgw_redact(const pgw_conn_spec *spec, const char *msg, char *buf,
		size_t size);

/* Runs sql (extended protocol: one statement only) with text params and
 * expects tuples or a command OK. On PW_OK *res is the caller's to PQclear
 * (res may be NULL to discard). Failure: Postgres.QueryFailed with the
 * server's message. */
int pgw_query(PGconn *conn, const pgw_conn_spec *spec, const char *sql,
	      int nparams, const char *const *params, PGresult **res,
	      pw_error *err);

/* Runs sql in single-row mode and calls row() for each row (rows of a
 * large result never sit in memory together). The first error (row()'s or
 * the server's, as Postgres.QueryFailed naming `what`) ends the calls. */
int pgw_query_each(PGconn *conn, const pgw_conn_spec *spec, const char *what,
		   const char *sql, int nparams, const char *const *params,
		   int (*row)(void *ud, PGresult *r, pw_error *err), void *ud,
		   pw_error *err);

/* current_database() into buf. */
int pgw_current_database(PGconn *conn, const pgw_conn_spec *spec, char *buf,
			 size_t size, pw_error *err);

/* *in_recovery = pg_is_in_recovery(). */
int pgw_in_recovery(PGconn *conn, const pgw_conn_spec *spec, int *in_recovery,
		    pw_error *err);

/* Fails with Postgres.ExtensionMissing unless extension `ext` is installed
 * in the connected database (CREATE EXTENSION happens on the primary). */
int pgw_require_extension(PGconn *conn, const pgw_conn_spec *spec,
			  const char *ext, pw_error *err);

/* shared_buffers of the server in 8 kB buffers (NBuffers). */
int pgw_shared_buffers(PGconn *conn, const pgw_conn_spec *spec,
		       int64_t *nbuffers, pw_error *err);

#endif

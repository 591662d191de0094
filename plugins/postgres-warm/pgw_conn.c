/* pgw_conn.c - connections: parse, connect read-only, redact, query. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgw_conn.h"

static const char *const object_keys[] = {
	"host", "hostaddr", "port", "dbname", "user", "password", "sslmode",
	"connect_timeout", "sslrootcert", "application_name", NULL,
};

static int spec_add(pgw_conn_spec *s, const char *k, const char *v)
{
	char **nk = realloc(s->keys, (s->n + 2) * sizeof(*nk));
	if (nk == NULL)
		return -1;
	s->keys = nk;
	char **nv = realloc(s->vals, (s->n + 2) * sizeof(*nv));
	if (nv == NULL)
		return -1;
	s->vals = nv;
	s->keys[s->n] = strdup(k);
	s->vals[s->n] = strdup(v);
	if (s->keys[s->n] == NULL || s->vals[s->n] == NULL) {
		free(s->keys[s->n]);
		free(s->vals[s->n]);
		return -1;
	}
	s->n++;
	s->keys[s->n] = NULL;
	s->vals[s->n] = NULL;
	if (strcmp(k, "password") == 0) {
		free(s->password);
		s->password = strdup(v);
		if (s->password == NULL)
			return -1;
	}
	return 0;
}

static int spec_has(const pgw_conn_spec *s, const char *k)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->keys[i], k) == 0)
			return 1;
	return 0;
}

void pgw_conn_spec_free(pgw_conn_spec *spec)
{
	if (spec == NULL)
		return;
	for (size_t i = 0; i < spec->n; i++) {
		free(spec->keys[i]);
		if (spec->vals[i] != NULL)
			explicit_bzero(spec->vals[i], strlen(spec->vals[i]));
		free(spec->vals[i]);
	}
	free(spec->keys);
	free(spec->vals);
	if (spec->password != NULL)
		explicit_bzero(spec->password, strlen(spec->password));
	free(spec->password);
	free(spec->label);
	free(spec);
}

int pgw_conn_spec_for_db(const pgw_conn_spec *spec, const char *dbname,
			 pgw_conn_spec **out)
{
	*out = NULL;
	pgw_conn_spec *s = calloc(1, sizeof(*s));
	if (s == NULL || (s->label = malloc(strlen(spec->label) +
					    strlen(dbname) + 4)) == NULL) {
		pgw_conn_spec_free(s);
		return -1;
	}
	sprintf(s->label, "%s (%s)", spec->label, dbname);
	for (size_t i = 0; i < spec->n; i++)
		if (strcmp(spec->keys[i], "dbname") != 0 &&
		    spec_add(s, spec->keys[i], spec->vals[i]) != 0) {
			pgw_conn_spec_free(s);
			return -1;
		}
	if (spec_add(s, "dbname", dbname) != 0) {
		pgw_conn_spec_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static int parse_string(pgw_conn_spec *s, const char *conninfo,
			const char *field, pw_error *err)
{
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
	if (opts == NULL) {
		/* libpq's parse message quotes the offending text, which may
		 * be the password (a bad %-escape, an unquoted space): it is
		 * dropped, never echoed. */
		int oom = perr == NULL;
		PQfreemem(perr);
		if (oom)
			return pw_error_set(err, "Postgres.InvalidParameter",
					    "parameter '%s': out of memory",
					    field);
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter '%s': cannot parse connection "
				    "string (check quoting and %%-escapes)",
				    field);
	}
	int rc = PW_OK;
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (spec_add(s, o->keyword, o->val) != 0) {
			rc = pw_error_set(err, "Postgres.InvalidParameter",
					  "out of memory");
			break;
		}
	}
	PQconninfoFree(opts);
	return rc;
}

static int parse_object(pgw_conn_spec *s, json_object *v, const char *field,
			pw_error *err)
{
	json_object_object_foreach(v, key, val)
	{
		int known = 0;
		for (size_t i = 0; object_keys[i] != NULL; i++)
			if (strcmp(object_keys[i], key) == 0)
				known = 1;
		if (!known)
			return pw_error_set(err, "Postgres.InvalidParameter",
					    "parameter '%s.%s': unknown field "
					    "(expected host, port, dbname, user, "
					    "password, sslmode, connect_timeout)",
					    field, key);
		json_type t = json_object_get_type(val);
		if (t != json_type_string && t != json_type_int)
			return pw_error_set(err, "Postgres.InvalidParameter",
					    "parameter '%s.%s': expected a "
					    "string or number",
					    field, key);
		if (spec_add(s, key, json_object_get_string(val)) != 0)
			return pw_error_set(err, "Postgres.InvalidParameter",
					    "out of memory");
	}
	return PW_OK;
}

int pgw_conn_spec_parse(const pgw_env *env, json_object *v, const char *field,
			pgw_conn_spec **out, pw_error *err)
{
	*out = NULL;
	pgw_conn_spec *s = calloc(1, sizeof(*s));
	if (s == NULL || (s->label = strdup(field)) == NULL) {
		pgw_conn_spec_free(s);
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "out of memory");
	}
	int rc;
	if (json_object_is_type(v, json_type_string))
		rc = parse_string(s, json_object_get_string(v), field, err);
	else if (json_object_is_type(v, json_type_object))
		rc = parse_object(s, v, field, err);
	else
		rc = pw_error_set(err, "Postgres.InvalidParameter",
				  "parameter '%s': expected a connection "
				  "string or an object {host, port, dbname, "
				  "user, password, sslmode}",
				  field);
	if (rc == PW_OK && s->password != NULL && env != NULL &&
	    env->add_secret != NULL)
		env->add_secret(env->ud, s->password);
	/* A warm must not hang on a dead host. */
	if (rc == PW_OK && !spec_has(s, "connect_timeout") &&
	    spec_add(s, "connect_timeout", "10") != 0)
		rc = pw_error_set(err, "Postgres.InvalidParameter",
				  "out of memory");
	if (rc == PW_OK && !spec_has(s, "application_name") &&
	    spec_add(s, "application_name", "aurora-prewarm") != 0)
		rc = pw_error_set(err, "Postgres.InvalidParameter",
				  "out of memory");
	if (rc != PW_OK) {
		pgw_conn_spec_free(s);
		return rc;
	}
	*out = s;
	return PW_OK;
}

void pgw_redact(const pgw_conn_spec *spec, const char *msg, char *buf,
		size_t size)
{
	if (size == 0)
		return;
	buf[0] = '\0';
	if (msg == NULL)
		return;
	const char *pw = spec != NULL ? spec->password : NULL;
	size_t pwlen = pw != NULL ? strlen(pw) : 0;
	size_t o = 0;
	for (const char *p = msg; *p != '\0' && o + 1 < size;) {
		if (pwlen > 0 && strncmp(p, pw, pwlen) == 0) {
			int w = snprintf(buf + o, size - o, "***");
			o += (size_t)w < size - o ? (size_t)w : size - o - 1;
			p += pwlen;
			continue;
		}
		buf[o++] = *p++;
	}
	buf[o] = '\0';
	while (o > 0 && (buf[o - 1] == '\n' || buf[o - 1] == ' '))
		buf[--o] = '\0';
}

/* The server refused the login itself (wrong password or IAM token, no
 * pg_hba.conf entry for the user), as opposed to an unreachable or not yet
 * ready server: retrying cannot help. libpq gives a failed connection no
 * SQLSTATE, so this reads the server's (English) message. */
static int pgw_auth_failure(PGconn *c)
{
	static const char *const marks[] = {
		"authentication failed", /* password, scram, md5, PAM (IAM) */
		"no password supplied",
		"pg_hba.conf rejects connection",
		"no pg_hba.conf entry",
	};
	if (PQconnectionNeedsPassword(c))
		return 1;
	const char *m = PQerrorMessage(c);
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strstr(m, marks[i]) != NULL)
			return 1;
	return 0;
}

int pgw_connect(const pgw_conn_spec *spec, const pgw_session_opts *opts,
		PGconn **out, pw_error *err)
{
	*out = NULL;
	PGconn *c = PQconnectdbParams((const char *const *)spec->keys,
				      (const char *const *)spec->vals, 0);
	char msg[1024];
	if (c == NULL)
		return pw_error_set(err, "Postgres.ConnectionFailed",
				    "%s: out of memory", spec->label);
	if (PQstatus(c) != CONNECTION_OK) {
		int auth = pgw_auth_failure(c);
		pgw_redact(spec, PQerrorMessage(c), msg, sizeof(msg));
		PQfinish(c);
		return pw_error_set(err, auth ? "Postgres.AuthFailed"
					      : "Postgres.ConnectionFailed",
				    "cannot connect to %s: %s", spec->label,
				    msg);
	}
	/* Every warm session is read-only; each statement is its own
	 * (autocommit) transaction, so one failure aborts nothing else. */
	char timeout[32];
	snprintf(timeout, sizeof(timeout), "%lld",
		 (long long)(opts != NULL ? opts->statement_timeout_ms : 0));
	const char *p[] = {timeout};
	PGresult *r = PQexecParams(
		c,
		"SELECT set_config('default_transaction_read_only', 'on', false), "
		"set_config('statement_timeout', $1, false), "
		"set_config('lock_timeout', '1000', false)",
		1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pgw_redact(spec, PQerrorMessage(c), msg, sizeof(msg));
		PQclear(r);
		PQfinish(c);
		return pw_error_set(err, "Postgres.ConnectionFailed",
				    "%s: cannot set up a read-only session: %s",
				    spec->label, msg);
	}
	PQclear(r);
	*out = c;
	return PW_OK;
}

int pgw_query(PGconn *conn, const pgw_conn_spec *spec, const char *sql,
	      int nparams, const char *const *params, PGresult **res,
	      pw_error *err)
{
	if (res != NULL)
		*res = NULL;
	PGresult *r = PQexecParams(conn, sql, nparams, NULL, params, NULL,
				   NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		char msg[1024];
		pgw_redact(spec, PQerrorMessage(conn), msg, sizeof(msg));
		PQclear(r);
		if (PQstatus(conn) != CONNECTION_OK)
			return pw_error_set(err, "Postgres.ConnectionFailed",
					    "%s: connection lost: %s",
					    spec->label, msg);
		return pw_error_set(err, "Postgres.QueryFailed", "%s: %s",
				    spec->label, msg);
	}
	if (res != NULL)
		*res = r;
	else
		PQclear(r);
	return PW_OK;
}

int pgw_query_each(PGconn *conn, const pgw_conn_spec *spec, const char *what,
		   const char *sql, int nparams, const char *const *params,
		   int (*row)(void *ud, PGresult *r, pw_error *err), void *ud,
		   pw_error *err)
{
	if (!PQsendQueryParams(conn, sql, nparams, NULL, params, NULL, NULL,
			       0) ||
	    !PQsetSingleRowMode(conn)) {
		char msg[1024];
		pgw_redact(spec, PQerrorMessage(conn), msg, sizeof(msg));
		PQclear(PQgetResult(conn));
		return pw_error_set(err, "Postgres.QueryFailed", "%s: %s: %s",
				    spec->label, what, msg);
	}
	int rc = PW_OK;
	PGresult *r;
	/* Every result is consumed, also after a failure, so the
	 * connection stays usable. */
	while ((r = PQgetResult(conn)) != NULL) {
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_SINGLE_TUPLE && rc == PW_OK) {
			rc = row(ud, r, err);
		} else if (st != PGRES_SINGLE_TUPLE &&
			   st != PGRES_TUPLES_OK && rc == PW_OK) {
			char msg[1024];
			pgw_redact(spec, PQresultErrorMessage(r), msg,
				   sizeof(msg));
			rc = pw_error_set(err, "Postgres.QueryFailed",
					  "%s: %s: %s", spec->label, what, msg);
		}
		PQclear(r);
	}
	return rc;
}

int pgw_current_database(PGconn *conn, const pgw_conn_spec *spec, char *buf,
			 size_t size, pw_error *err)
{
	PGresult *r;
	if (pgw_query(conn, spec, "SELECT current_database()", 0, NULL, &r,
		      err) != PW_OK)
		return PW_ERR;
	snprintf(buf, size, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return PW_OK;
}

int pgw_in_recovery(PGconn *conn, const pgw_conn_spec *spec, int *in_recovery,
		    pw_error *err)
{
	PGresult *r;
	if (pgw_query(conn, spec, "SELECT pg_is_in_recovery()", 0, NULL, &r,
		      err) != PW_OK)
		return PW_ERR;
	*in_recovery = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return PW_OK;
}

int pgw_require_extension(PGconn *conn, const pgw_conn_spec *spec,
			  const char *ext, pw_error *err)
{
	PGresult *r;
	const char *p[] = {ext};
	if (pgw_query(conn, spec,
		      "SELECT 1 FROM pg_extension WHERE extname = $1", 1, p,
		      &r, err) != PW_OK)
		return PW_ERR;
	int found = PQntuples(r) == 1;
	PQclear(r);
	if (!found)
		return pw_error_set(err, "Postgres.ExtensionMissing",
				    "%s: extension %s is not installed in "
				    "this database (run CREATE EXTENSION %s "
				    "on the primary)",
				    spec->label, ext, ext);
	return PW_OK;
}

int pgw_shared_buffers(PGconn *conn, const pgw_conn_spec *spec,
		       int64_t *nbuffers, pw_error *err)
{
	PGresult *r;
	/* pg_settings reports shared_buffers in units of block_size. */
	if (pgw_query(conn, spec,
		      "SELECT setting::int8 FROM pg_settings "
		      "WHERE name = 'shared_buffers'",
		      0, NULL, &r, err) != PW_OK)
		return PW_ERR;
	*nbuffers = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10)
				      : 0;
	PQclear(r);
	if (*nbuffers <= 0)
		return pw_error_set(err, "Postgres.QueryFailed",
				    "%s: cannot read shared_buffers",
				    spec->label);
	return PW_OK;
}

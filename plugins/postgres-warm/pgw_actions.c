/* pgw_actions.c - CacheStats, SnapshotBuffers, ExportTopQueries. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgw_csv.h"
#include "pgw_export.h"
#include "pgw_warm.h"

/* Connects to params[field] read-only. */
static int open_one(const pgw_env *env, json_object *params, const char *field,
		    pgw_conn_spec **spec, PGconn **conn, pw_error *err)
{
	json_object *v = NULL;
	*spec = NULL;
	*conn = NULL;
	if (!json_object_object_get_ex(params, field, &v) || v == NULL)
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter '%s' is required (a connection "
				    "string or {host, port, dbname, user, "
				    "password, sslmode})",
				    field);
	pgw_session_opts opts = {.statement_timeout_ms = 60000};
	if (pgw_conn_spec_parse(env, v, field, spec, err) != PW_OK)
		return PW_ERR;
	if (pgw_connect(*spec, &opts, conn, err) != PW_OK) {
		pgw_conn_spec_free(*spec);
		*spec = NULL;
		return PW_ERR;
	}
	return PW_OK;
}

int pgw_action_cache_stats(const pgw_env *env, json_object *params,
			   json_object **result, pw_error *err)
{
	pgw_conn_spec *spec;
	PGconn *c;
	PGresult *r = NULL;
	*result = NULL;
	if (open_one(env, params, "target", &spec, &c, err) != PW_OK)
		return PW_ERR;
	int rc = PW_ERR;
	int in_recovery;
	int64_t nbuffers;
	if (pgw_in_recovery(c, spec, &in_recovery, err) != PW_OK ||
	    pgw_shared_buffers(c, spec, &nbuffers, err) != PW_OK ||
	    pgw_query(c, spec,
		      "SELECT blks_hit, blks_read FROM pg_stat_database "
		      "WHERE datname = current_database()",
		      0, NULL, &r, err) != PW_OK)
		goto out;
	int64_t hit = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	int64_t read = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	PQclear(r);
	r = NULL;
	json_object *o = json_object_new_object();
	json_object_object_add(o, "in_recovery",
			       json_object_new_boolean(in_recovery));
	json_object_object_add(o, "blks_hit", json_object_new_int64(hit));
	json_object_object_add(o, "blks_read", json_object_new_int64(read));
	json_object_object_add(
		o, "hit_ratio",
		hit + read > 0
			? json_object_new_double((double)hit /
						 (double)(hit + read))
			: NULL);
	json_object_object_add(o, "buffers_total",
			       json_object_new_int64(nbuffers));
	pw_error e;
	if (pgw_require_extension(c, spec, "pg_buffercache", &e) == PW_OK &&
	    pgw_query(c, spec,
		      "SELECT count(*) FILTER (WHERE relfilenode IS NOT NULL) "
		      "FROM pg_buffercache",
		      0, NULL, &r, &e) == PW_OK) {
		int64_t used = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		json_object_object_add(o, "buffers_used",
				       json_object_new_int64(used));
		json_object_object_add(
			o, "buffers_used_fraction",
			json_object_new_double((double)used /
					       (double)nbuffers));
	} else {
		json_object_object_add(o, "buffers_used", NULL);
	}
	*result = o;
	rc = PW_OK;
out:
	PQclear(r);
	PQfinish(c);
	pgw_conn_spec_free(spec);
	return rc;
}

int pgw_action_snapshot_buffers(const pgw_env *env, json_object *params,
				json_object **result, pw_error *err)
{
	pgw_conn_spec *spec;
	PGconn *c;
	pgw_snap_loc loc;
	int64_t min_usage;
	*result = NULL;
	if (pgw_snap_loc_get(params, &loc, err) != PW_OK ||
	    pgw_param_int(params, "min_usage", 0, 0, 5, &min_usage, err) !=
		    PW_OK)
		return PW_ERR;
	if (!loc.given)
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter 'snapshot_file' or "
				    "'snapshot_s3' is required");
	if (open_one(env, params, "source", &spec, &c, err) != PW_OK)
		return PW_ERR;
	/* Every database with blocks in the cache, as a mirror reads it;
	 * usage count 0 (resident, next to go) is restored once. */
	char db[128];
	pgw_session_opts opts = {.statement_timeout_ms = 60000};
	pgw_dbset set = {0};
	json_object *skipped = json_object_new_array();
	int rc = pgw_current_database(c, spec, db, sizeof(db), err);
	if (rc == PW_OK)
		rc = pgw_dbset_read(env, c, spec, db, &opts, (int)min_usage, 1,
				    &set, skipped, err);
	if (rc == PW_OK)
		rc = pgw_snapshot_save(env, &loc, &set, err);
	int64_t nblocks = 0, nranges = 0, nrels = 0;
	json_object *dbs = json_object_new_array();
	for (size_t i = 0; i < set.n; i++) {
		int64_t b = pgw_ranges_blocks(set.v[i].ranges, set.v[i].nranges);
		nblocks += b;
		nranges += (int64_t)set.v[i].nranges;
		nrels += (int64_t)set.v[i].names.n;
		if (set.v[i].nranges == 0)
			continue;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "database",
				       json_object_new_string(set.v[i].datname));
		json_object_object_add(o, "blocks", json_object_new_int64(b));
		json_object_array_add(dbs, o);
	}
	if (rc == PW_OK) {
		json_object *o = json_object_new_object();
		if (loc.file != NULL)
			json_object_object_add(
				o, "snapshot_file",
				json_object_new_string(loc.file));
		if (loc.bucket != NULL) {
			char url[1100];
			snprintf(url, sizeof(url), "s3://%s/%s", loc.bucket,
				 loc.key);
			json_object_object_add(o, "snapshot_s3",
					       json_object_new_string(url));
		}
		json_object_object_add(o, "blocks",
				       json_object_new_int64(nblocks));
		json_object_object_add(o, "ranges",
				       json_object_new_int64(nranges));
		json_object_object_add(o, "relations",
				       json_object_new_int64(nrels));
		json_object_object_add(o, "databases", json_object_get(dbs));
		json_object_object_add(o, "databases_skipped",
				       json_object_get(skipped));
		*result = o;
	}
	json_object_put(dbs);
	json_object_put(skipped);
	pgw_dbset_free(&set);
	PQfinish(c);
	pgw_conn_spec_free(spec);
	return rc;
}

int pgw_action_export_top_queries(const pgw_env *env, json_object *params,
				  json_object **result, pw_error *err)
{
	pgw_conn_spec *spec;
	PGconn *c;
	const char *file;
	int64_t top_n;
	json_object *s3 = NULL;
	*result = NULL;
	if (pgw_param_string(params, "file", &file, err) != PW_OK ||
	    pgw_param_int(params, "top_n", 100, 1, 100000, &top_n, err) !=
		    PW_OK)
		return PW_ERR;
	json_object_object_get_ex(params, "s3", &s3);
	if (s3 != NULL && !json_object_is_type(s3, json_type_object))
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter 's3': expected {\"Bucket\", "
				    "\"Key\"}");
	if (open_one(env, params, "source", &spec, &c, err) != PW_OK)
		return PW_ERR;
	char *csv = NULL;
	size_t len = 0;
	int rc = pgw_export_top_queries_csv(c, spec, (int)top_n, &csv, &len,
					    err);
	if (rc == PW_OK && file != NULL)
		rc = pgw_write_file(file, "parameter 'file'", csv, len, err);
	if (rc == PW_OK && s3 != NULL) {
		if (env == NULL || env->invoke == NULL) {
			rc = pw_error_set(err, "Postgres.InvalidParameter",
					  "parameter 's3': no host to call "
					  "s3:PutObject");
		} else {
			json_object *req = json_object_new_object(), *res = NULL;
			json_object_object_foreach(s3, k, v)
				json_object_object_add(req, k,
						       json_object_get(v));
			json_object_object_add(req, "Body",
					       json_object_new_string(csv));
			rc = env->invoke(env->ud, "s3:PutObject", req, &res,
					 err);
			json_object_put(req);
			json_object_put(res);
		}
	}
	if (rc == PW_OK) {
		/* Count records with the parser: queries hold newlines. */
		pgw_query_set *set = NULL;
		pw_error perr;
		int64_t rows = pgw_csv_parse_queries(csv, len, "export", &set,
						     &perr) == PW_OK
				       ? (int64_t)set->n
				       : 0;
		pgw_query_set_free(set);
		json_object *o = json_object_new_object();
		if (file != NULL)
			json_object_object_add(o, "file",
					       json_object_new_string(file));
		else
			json_object_object_add(o, "csv",
					       json_object_new_string(csv));
		json_object_object_add(o, "bytes",
				       json_object_new_int64((int64_t)len));
		json_object_object_add(o, "rows", json_object_new_int64(rows));
		*result = o;
	}
	free(csv);
	PQfinish(c);
	pgw_conn_spec_free(spec);
	return rc;
}

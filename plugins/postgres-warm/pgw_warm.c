/* pgw_warm.c - parameters, the Warm action and its report. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgw_warm.h"

void pgw_log(const pgw_env *env, enum pw_log_level level, const char *fmt, ...)
{
	if (env == NULL || env->log == NULL)
		return;
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	env->log(env->ud, level, msg);
}

int pgw_param_int(json_object *params, const char *key, int64_t def,
		  int64_t min, int64_t max, int64_t *out, pw_error *err)
{
	json_object *v;
	*out = def;
	if (params == NULL || !json_object_object_get_ex(params, key, &v) ||
	    v == NULL)
		return PW_OK;
	if (!json_object_is_type(v, json_type_int) &&
	    !(json_object_is_type(v, json_type_double) &&
	      json_object_get_double(v) == (double)json_object_get_int64(v)))
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter '%s': expected an integer", key);
	int64_t x = json_object_get_int64(v);
	if (x < min || x > max)
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter '%s': %lld is out of range "
				    "[%lld, %lld]",
				    key, (long long)x, (long long)min,
				    (long long)max);
	*out = x;
	return PW_OK;
}

int pgw_param_double(json_object *obj, const char *key, double def,
		     double min, double max, double *out, pw_error *err)
{
	json_object *v;
	*out = def;
	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    v == NULL)
		return PW_OK;
	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter '%s': expected a number", key);
	double x = json_object_get_double(v);
	if (!(x >= min && x <= max))
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter '%s': %g is out of range "
				    "[%g, %g]",
				    key, x, min, max);
	*out = x;
	return PW_OK;
}

int pgw_param_string(json_object *params, const char *key, const char **out,
		     pw_error *err)
{
	json_object *v;
	*out = NULL;
	if (params == NULL || !json_object_object_get_ex(params, key, &v) ||
	    v == NULL)
		return PW_OK;
	if (!json_object_is_type(v, json_type_string))
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter '%s': expected a string", key);
	*out = json_object_get_string(v);
	return PW_OK;
}

const char *pgw_json_str(json_object *o, const char *key)
{
	json_object *v;
	if (json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static int read_budget(pgw_warm *w, int64_t *seconds, pw_error *err)
{
	json_object *b = NULL;
	json_object_object_get_ex(w->params, "budget", &b);
	if (b != NULL && !json_object_is_type(b, json_type_object))
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter 'budget': expected an object "
				    "{seconds, statement_timeout_ms, "
				    "max_shared_buffers_fraction}");
	if (b != NULL) {
		json_object_object_foreach(b, key, val)
		{
			(void)val;
			if (strcmp(key, "seconds") != 0 &&
			    strcmp(key, "statement_timeout_ms") != 0 &&
			    strcmp(key, "max_shared_buffers_fraction") != 0)
				return pw_error_set(
					err, "Postgres.InvalidParameter",
					"parameter 'budget.%s': unknown field",
					key);
		}
	}
	int64_t st;
	if (pgw_param_int(b, "seconds", 600, 1, 86400 * 7, seconds, err) !=
		    PW_OK ||
	    pgw_param_int(b, "statement_timeout_ms", 60000, 1, 86400000, &st,
			  err) != PW_OK ||
	    pgw_param_double(b, "max_shared_buffers_fraction", 1.0, 0.0001, 1.0,
			     &w->fraction, err) != PW_OK)
		return PW_ERR;
	w->run.session.statement_timeout_ms = st;
	w->fraction_given = b != NULL &&
			    json_object_object_get_ex(
				    b, "max_shared_buffers_fraction", NULL);
	return PW_OK;
}

static int has_param(json_object *params, const char *key)
{
	json_object *v = NULL;
	return json_object_object_get_ex(params, key, &v) && v != NULL;
}

/* The strategy parameter as a list of names; default from what is given. */
static int strategies(json_object *params, json_object **list, pw_error *err)
{
	json_object *s = NULL;
	*list = json_object_new_array();
	json_object_object_get_ex(params, "strategy", &s);
	if (s == NULL) {
		const char *def =
			has_param(params, "source") ||
					has_param(params, "snapshot_file") ||
					has_param(params, "snapshot_s3")
				? "mirror"
			: has_param(params, "queries") ? "queries"
						       : "relations";
		json_object_array_add(*list, json_object_new_string(def));
		return PW_OK;
	}
	if (json_object_is_type(s, json_type_string)) {
		json_object_array_add(*list, json_object_get(s));
	} else if (json_object_is_type(s, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(s); i++)
			json_object_array_add(
				*list,
				json_object_get(json_object_array_get_idx(s, i)));
	} else {
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter 'strategy': expected mirror, "
				    "queries, relations or a list of them");
	}
	size_t n = json_object_array_length(*list);
	if (n == 0)
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter 'strategy': empty list");
	for (size_t i = 0; i < n; i++) {
		const char *v = json_object_get_string(
			json_object_array_get_idx(*list, i));
		if (v == NULL || (strcmp(v, "mirror") != 0 &&
				  strcmp(v, "queries") != 0 &&
				  strcmp(v, "relations") != 0))
			return pw_error_set(err, "Postgres.InvalidParameter",
					    "parameter 'strategy[%zu]': '%s' is "
					    "not one of mirror, queries, "
					    "relations",
					    i, v != NULL ? v : "?");
	}
	return PW_OK;
}

/* What each named strategy needs, checked before any connection so a bad
 * call fails fast with Postgres.InvalidParameter (the strategies check
 * the shape of their own parameters again when they run). */
static int check_strategies(json_object *params, pw_error *err)
{
	json_object *list = NULL, *q = NULL, *v;
	pgw_snap_loc loc;
	int rc = PW_ERR;
	if (strategies(params, &list, err) != PW_OK ||
	    pgw_snap_loc_get(params, &loc, err) != PW_OK)
		goto out;
	int source = has_param(params, "source");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		const char *s =
			json_object_get_string(json_object_array_get_idx(list, i));
		if (strcmp(s, "mirror") == 0 && !source && !loc.given) {
			pw_error_set(err, "Postgres.InvalidParameter",
				     "strategy 'mirror' needs a 'source' "
				     "connection, a 'snapshot_file' or "
				     "'snapshot_s3'");
			goto out;
		}
		if (strcmp(s, "relations") == 0 &&
		    !has_param(params, "relations") && !source) {
			pw_error_set(err, "Postgres.InvalidParameter",
				     "strategy 'relations' needs 'relations' "
				     "(names) or a 'source' to rank relations "
				     "by pg_statio");
			goto out;
		}
		if (strcmp(s, "queries") != 0)
			continue;
		json_object_object_get_ex(params, "queries", &q);
		if (q == NULL && !source) {
			pw_error_set(err, "Postgres.InvalidParameter",
				     "strategy 'queries' needs 'queries' "
				     "({\"file\": F} or {\"s3\": {\"Bucket\", "
				     "\"Key\"}}) or a 'source' with "
				     "pg_stat_statements");
			goto out;
		}
		if (q != NULL && !json_object_is_type(q, json_type_string) &&
		    !(json_object_object_get_ex(q, "file", &v) &&
		      json_object_is_type(v, json_type_string)) &&
		    !(json_object_object_get_ex(q, "s3", &v) &&
		      pgw_json_str(v, "Bucket") != NULL &&
		      pgw_json_str(v, "Key") != NULL)) {
			pw_error_set(err, "Postgres.InvalidParameter",
				     "parameter 'queries': expected {\"file\": "
				     "PATH} or {\"s3\": {\"Bucket\": B, "
				     "\"Key\": K}}");
			goto out;
		}
	}
	rc = PW_OK;
out:
	json_object_put(list);
	return rc;
}

int pgw_target_free_buffers(pgw_warm *w, int64_t *out)
{
	PGresult *r;
	pw_error e;
	*out = -1;
	if (pgw_require_extension(w->tconn, w->target, "pg_buffercache", &e) !=
		    PW_OK ||
	    pgw_query(w->tconn, w->target,
		      "SELECT count(*) FILTER (WHERE relfilenode IS NULL) "
		      "FROM pg_buffercache",
		      0, NULL, &r, &e) != PW_OK)
		return PW_ERR;
	*out = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return PW_OK;
}

int64_t pgw_budget_free(const pgw_warm *w)
{
	int64_t b = w->budget_left;
	if (!w->fraction_given && w->free_buffers >= 0 &&
	    w->free_buffers - w->blocks_loaded < b)
		b = w->free_buffers - w->blocks_loaded;
	return b > 0 ? b : 0;
}

/* pgw_warm_open; with_strategies also checks what the strategies need
 * (Warm does; RestoreBuffers runs none). Every parameter is checked
 * before the first connection. */
static int warm_open(pgw_warm *w, const pgw_env *env, json_object *params,
		     int with_strategies, pw_error *err)
{
	memset(w, 0, sizeof(*w));
	w->env = env;
	w->params = params;
	w->started_ms = pgw_now_ms();
	w->steps = json_object_new_array();
	w->problems = json_object_new_array();
	w->dbs = json_object_new_array();
	w->dbs_skipped = json_object_new_array();
	w->queries = json_object_new_object();
	json_object_object_add(w->queries, "run", json_object_new_int(0));
	json_object_object_add(w->queries, "planned", json_object_new_int(0));
	json_object_object_add(w->queries, "skipped", json_object_new_int(0));
	json_object_object_add(w->queries, "failed", json_object_new_int(0));
	json_object_object_add(w->queries, "details", json_object_new_array());

	json_object *t = NULL, *s = NULL, *force = NULL;
	int64_t top_n, parallel, seconds, stmt_blocks, plan_usage;
	if (!json_object_object_get_ex(params, "target", &t) || t == NULL)
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter 'target' is required (a "
				    "connection string or {host, port, "
				    "dbname, user, password, sslmode})");
	if (pgw_conn_spec_parse(env, t, "target", &w->target, err) != PW_OK)
		return PW_ERR;
	if (json_object_object_get_ex(params, "source", &s) && s != NULL &&
	    pgw_conn_spec_parse(env, s, "source", &w->source, err) != PW_OK)
		return PW_ERR;
	if (pgw_param_int(params, "top_n", 100, 1, 100000, &top_n, err) !=
		    PW_OK ||
	    pgw_param_int(params, "parallel", 2, 1, 64, &parallel, err) !=
		    PW_OK ||
	    pgw_param_int(params, "statement_blocks", PGW_STATEMENT_BLOCKS, 8,
			  131072, &stmt_blocks, err) != PW_OK ||
	    pgw_param_int(params, "usage_count", PGW_PLAN_USAGE, 1, 5,
			  &plan_usage, err) != PW_OK ||
	    read_budget(w, &seconds, err) != PW_OK)
		return PW_ERR;
	if (json_object_object_get_ex(params, "force", &force) &&
	    force != NULL && !json_object_is_type(force, json_type_boolean))
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter 'force': expected true or false");
	w->force = force != NULL && json_object_get_boolean(force);
	json_object *prefetch = NULL;
	if (json_object_object_get_ex(params, "prefetch", &prefetch) &&
	    prefetch != NULL &&
	    !json_object_is_type(prefetch, json_type_boolean))
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter 'prefetch': expected true or "
				    "false");
	w->top_n = (int)top_n;
	w->statement_blocks = stmt_blocks;
	w->plan_usage = (int)plan_usage;
	const char *order = NULL;
	if (pgw_param_string(params, "load_order", &order, err) != PW_OK)
		return PW_ERR;
	if (order != NULL && strcmp(order, "hot") != 0 &&
	    strcmp(order, "address") != 0)
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter 'load_order': expected hot or "
				    "address");
	w->address_order = order != NULL && strcmp(order, "address") == 0;
	w->load_order_given = order != NULL;
	w->run.parallel = (int)parallel;
	/* The total deadline: the budget, bounded by the host's deadline. */
	int64_t limit = seconds * 1000;
	if (env != NULL && env->remaining_ms != NULL) {
		int64_t rem = env->remaining_ms(env->ud);
		if (rem < limit)
			limit = rem;
	}
	w->run.deadline = w->started_ms + limit;
	if (with_strategies && check_strategies(params, err) != PW_OK)
		return PW_ERR;

	if (pgw_connect(w->target, &w->run.session, &w->tconn, err) != PW_OK)
		return PW_ERR;
	int in_recovery = 0;
	if (pgw_in_recovery(w->tconn, w->target, &in_recovery, err) != PW_OK)
		return PW_ERR;
	if (!in_recovery && !w->force)
		return pw_error_set(err, "Postgres.TargetIsWriter",
				    "target is not in recovery (it is the "
				    "writer); warming it would compete with "
				    "its workload; set force to warm it anyway");
	if (!in_recovery)
		pgw_log(env, PW_LOG_WARN,
			"target is the writer; warming it because force is set");
	if (pgw_require_extension(w->tconn, w->target, "pg_prewarm", err) !=
		    PW_OK ||
	    pgw_shared_buffers(w->tconn, w->target, &w->nbuffers, err) != PW_OK)
		return PW_ERR;
	w->budget_total = pgw_budget_blocks(w->nbuffers, w->fraction);
	/* Without a fraction, mirror and restore fill what is free here
	 * (pgw_dbs.c); reported in any case. */
	pgw_target_free_buffers(w, &w->free_buffers);
	w->budget_left = w->budget_total;
	if (pgw_current_database(w->tconn, w->target, w->target_db,
				 sizeof(w->target_db), err) != PW_OK)
		return PW_ERR;
	if (w->source != NULL &&
	    (pgw_connect(w->source, &w->run.session, &w->sconn, err) !=
		     PW_OK ||
	     pgw_current_database(w->sconn, w->source, w->source_db,
				      sizeof(w->source_db), err) != PW_OK))
		return PW_ERR;
	return PW_OK;
}

int pgw_warm_open(pgw_warm *w, const pgw_env *env, json_object *params,
		  pw_error *err)
{
	return warm_open(w, env, params, 0, err);
}

void pgw_warm_close(pgw_warm *w)
{
	PQfinish(w->tconn);
	PQfinish(w->sconn);
	pgw_conn_spec_free(w->target);
	pgw_conn_spec_free(w->source);
	json_object_put(w->steps);
	json_object_put(w->queries);
	json_object_put(w->problems);
	json_object_put(w->dbs);
	json_object_put(w->dbs_skipped);
	free(w->source_hot);
	pgw_names_clear(&w->source_hot_names);
	memset(w, 0, sizeof(*w));
}

/* Share of the source's hot blocks now resident on the target. A mirror
 * kept them from its plan's read; otherwise the source is read here. */
static void add_resident_share(pgw_warm *w, json_object *rep)
{
	pgw_names fetched = {0};
	pgw_names *names = w->source_hot_kept ? &w->source_hot_names : &fetched;
	pgw_block *src = w->source_hot, *tgt = NULL;
	size_t ns = w->nsource_hot, nt = 0;
	pw_error e;
	if ((w->source_hot_kept ||
	     pgw_fetch_buffers(w->sconn, w->source, names, 1, &src, &ns, &e) ==
		     PW_OK) &&
	    pgw_fetch_buffers(w->tconn, w->target, names, 0, &tgt, &nt, &e) ==
		    PW_OK) {
		pgw_blocks_sort_addr(src, ns);
		pgw_blocks_sort_addr(tgt, nt);
		size_t hit = pgw_blocks_intersect(src, ns, tgt, nt);
		json_object_object_add(rep, "source_hot_blocks",
				       json_object_new_int64((int64_t)ns));
		json_object_object_add(
			rep, "source_hot_resident",
			json_object_new_double(ns ? (double)hit / (double)ns
						  : 0.0));
	} else {
		pgw_log(w->env, PW_LOG_WARN,
			"cannot compare source and target caches: %s", e.cause);
	}
	if (!w->source_hot_kept)
		free(src);
	free(tgt);
	pgw_names_clear(&fetched);
}

static void add_buffers_used(pgw_warm *w, json_object *rep)
{
	PGresult *r;
	pw_error e;
	if (pgw_require_extension(w->tconn, w->target, "pg_buffercache", &e) !=
		    PW_OK ||
	    pgw_query(w->tconn, w->target,
		      "SELECT count(*) FILTER (WHERE relfilenode IS NOT NULL) "
		      "FROM pg_buffercache",
		      0, NULL, &r, &e) != PW_OK)
		return;
	int64_t used = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	json_object_object_add(rep, "target_buffers_used",
			       json_object_new_int64(used));
	json_object_object_add(
		rep, "target_buffers_used_fraction",
		json_object_new_double((double)used / (double)w->nbuffers));
}

json_object *pgw_warm_report(pgw_warm *w, json_object *strategy)
{
	json_object *rep = json_object_new_object();
	json_object_object_add(rep, "strategy", json_object_get(strategy));
	json_object_object_add(
		rep, "seconds",
		json_object_new_double((double)(pgw_now_ms() - w->started_ms) /
				       1000.0));
	json_object_object_add(rep, "blocks_loaded",
			       json_object_new_int64(w->blocks_loaded));
	json_object_object_add(rep, "bytes_loaded",
			       json_object_new_int64(w->blocks_loaded * 8192));
	json_object_object_add(rep, "shared_buffers_blocks",
			       json_object_new_int64(w->nbuffers));
	json_object_object_add(rep, "budget_blocks",
			       json_object_new_int64(w->budget_total));
	if (w->free_buffers >= 0)
		json_object_object_add(
			rep, "target_free_buffers_before",
			json_object_new_int64(w->free_buffers));
	json_object_object_add(
		rep, "shared_buffers_filled",
		json_object_new_double(w->nbuffers ? (double)w->blocks_loaded /
							     (double)w->nbuffers
						   : 0.0));
	json_object_object_add(rep, "parallel",
			       json_object_new_int(w->run.parallel));
	json_object_object_add(rep, "statements",
			       json_object_new_int64(w->statements));
	json_object_object_add(rep, "statements_failed",
			       json_object_new_int64(w->statements_failed));
	json_object_object_add(rep, "timed_out",
			       json_object_new_boolean(w->timed_out));
	json_object_object_add(rep, "queries", json_object_get(w->queries));
	json_object_object_add(rep, "steps", json_object_get(w->steps));
	json_object_object_add(rep, "problems", json_object_get(w->problems));
	json_object_object_add(rep, "databases", json_object_get(w->dbs));
	json_object_object_add(rep, "databases_skipped",
			       json_object_get(w->dbs_skipped));
	if (!w->timed_out && w->tconn != NULL)
		add_buffers_used(w, rep);
	if (!w->timed_out && w->sconn != NULL)
		add_resident_share(w, rep);
	return rep;
}

/* Turns a timed-out warm into States.Timeout. The full report goes to the
 * log; the cause carries its summary (no per-query details), which fits
 * in PW_ERROR_CAUSE_MAX as valid JSON. */
static int timeout_error(pgw_warm *w, json_object *rep, pw_error *err)
{
	pgw_log(w->env, PW_LOG_WARN, "warm deadline passed; partial report: %s",
		json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PLAIN));
	static const char *const keep[] = {
		"strategy",   "seconds",           "blocks_loaded",
		"bytes_loaded", "budget_blocks",   "shared_buffers_filled",
		"statements", "statements_failed", "timed_out", NULL};
	json_object *sum = json_object_new_object(), *v, *q;
	for (size_t i = 0; keep[i] != NULL; i++)
		if (json_object_object_get_ex(rep, keep[i], &v))
			json_object_object_add(sum, keep[i], json_object_get(v));
	if (json_object_object_get_ex(rep, "queries", &q)) {
		json_object *qs = json_object_new_object();
		static const char *const counts[] = {"run", "planned", "skipped",
						     "failed", NULL};
		for (size_t i = 0; counts[i] != NULL; i++)
			if (json_object_object_get_ex(q, counts[i], &v))
				json_object_object_add(qs, counts[i],
						       json_object_get(v));
		json_object_object_add(sum, "queries", qs);
	}
	pw_error_set(err, "States.Timeout",
		     "warm deadline passed after %lld blocks; partial report: "
		     "%s",
		     (long long)w->blocks_loaded,
		     json_object_to_json_string_ext(sum,
						    JSON_C_TO_STRING_PLAIN));
	json_object_put(sum);
	return PW_ERR;
}

static int run_warm(pgw_warm *w, json_object *strategy_param,
		    const pgw_snap_loc *restore, json_object **result,
		    pw_error *err)
{
	json_object *list = NULL;
	int rc = PW_ERR;
	if (restore == NULL) {
		if (strategies(w->params, &list, err) != PW_OK)
			goto out;
	} else {
		list = json_object_new_array();
	}
	for (size_t i = 0; i < json_object_array_length(list) && !w->timed_out;
	     i++) {
		const char *s =
			json_object_get_string(json_object_array_get_idx(list, i));
		int src;
		if (strcmp(s, "mirror") == 0)
			src = pgw_strategy_mirror(w, err);
		else if (strcmp(s, "queries") == 0)
			src = pgw_strategy_queries(w, err);
		else
			src = pgw_strategy_relations(w, err);
		if (src != PW_OK)
			goto out;
		/* relations and queries work in the connected database. */
		size_t ns = json_object_array_length(w->steps);
		if (strcmp(s, "mirror") != 0 && ns > 0)
			json_object_object_add(
				json_object_array_get_idx(w->steps, ns - 1),
				"database", json_object_new_string(w->target_db));
		if (pgw_now_ms() >= w->run.deadline)
			w->timed_out = w->timed_out || i + 1 < json_object_array_length(list);
	}
	if (restore != NULL &&
	    pgw_strategy_restore(w, restore, err) != PW_OK)
		goto out;
	json_object *strategy =
		restore != NULL ? json_object_new_string("restore")
		: strategy_param != NULL ? json_object_get(strategy_param)
		: json_object_get(json_object_array_get_idx(list, 0));
	json_object *rep = pgw_warm_report(w, strategy);
	json_object_put(strategy);
	if (w->timed_out) {
		rc = timeout_error(w, rep, err);
		json_object_put(rep);
		goto out;
	}
	*result = rep;
	rc = PW_OK;
out:
	json_object_put(list);
	return rc;
}

int pgw_action_warm(const pgw_env *env, json_object *params,
		    json_object **result, pw_error *err)
{
	pgw_warm w;
	*result = NULL;
	int rc = warm_open(&w, env, params, 1, err);
	if (rc == PW_OK) {
		json_object *sp = NULL;
		json_object_object_get_ex(params, "strategy", &sp);
		rc = run_warm(&w, sp, NULL, result, err);
	}
	pgw_warm_close(&w);
	return rc;
}

int pgw_action_restore_buffers(const pgw_env *env, json_object *params,
			       json_object **result, pw_error *err)
{
	pgw_warm w;
	pgw_snap_loc loc;
	*result = NULL;
	if (pgw_snap_loc_get(params, &loc, err) != PW_OK)
		return PW_ERR;
	if (!loc.given)
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter 'snapshot_file' or "
				    "'snapshot_s3' is required");
	int rc = pgw_warm_open(&w, env, params, err);
	if (rc == PW_OK)
		rc = run_warm(&w, NULL, &loc, result, err);
	pgw_warm_close(&w);
	return rc;
}

int pgw_s3_call(const pgw_env *env, const char *param, const char *action,
		const char *bucket, const char *key, const char *body,
		json_object **res, pw_error *err)
{
	*res = NULL;
	if (env == NULL || env->invoke == NULL)
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter '%s': no host to call s3:%s",
				    param, action);
	char resource[32];
	snprintf(resource, sizeof(resource), "s3:%s", action);
	json_object *req = json_object_new_object();
	json_object_object_add(req, "Bucket", json_object_new_string(bucket));
	json_object_object_add(req, "Key", json_object_new_string(key));
	if (body != NULL)
		json_object_object_add(req, "Body",
				       json_object_new_string(body));
	int rc = env->invoke(env->ud, resource, req, res, err);
	json_object_put(req);
	return rc;
}

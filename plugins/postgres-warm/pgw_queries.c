/*
 * pgw_queries.c - the queries strategy: replay the top queries safely.
 *
 * Every query must first pass the plain-SELECT gate (pgw_sql_gate). It is
 * then planned on the target: as it is when it has no $n parameters,
 * generically when it has (EXPLAIN (GENERIC_PLAN) on 16+, else PREPARE +
 * plan_cache_mode = force_generic_plan + EXPLAIN EXECUTE with NULLs). A
 * parameterless query whose tables (with their indexes and TOAST) fit in
 * what is left of the budget then runs under EXPLAIN (ANALYZE, BUFFERS):
 * exactly its pages, no rows to the client, and it cannot overrun the
 * budget. The relations the other plans touch are loaded with pg_prewarm,
 * densest first (the summed share of total time of the queries touching
 * a relation, per block), within the target's free buffers.
 */
#include <stdlib.h>
#include <string.h>

#include "pgw_csv.h"
#include "pgw_export.h"
#include "pgw_sql.h"
#include "pgw_sql_gate.h"
#include "pgw_warm.h"

enum qstatus { Q_SKIPPED, Q_PLANNED, Q_RUN, Q_FAILED };
static const char *const status_names[] = {"skipped", "planned", "run",
					   "failed"};

struct qitem {
	const pgw_query_row *row;
	double share;
	enum qstatus status;
	char reason[512];
	int nparams;
	int *rels; /* indexes into the strategy's distinct relation list */
	size_t nrels;
	int job; /* index of its EXPLAIN ANALYZE job, or -1 */
	int64_t blocks_read;
};

struct rels {
	pgw_names names;  /* as written in plans: "schema"."name" */
	pgw_relinfo *info; /* resolved on the target */
	double *weight;
};

static void quote_ident(pgw_buf *b, const char *s)
{
	pgw_buf_add(b, "\"");
	for (const char *p = s; *p != '\0'; p++)
		pgw_buf_add(b, *p == '"' ? "\"\"" : (char[]){*p, 0});
	pgw_buf_add(b, "\"");
}

static int add_rel(struct qitem *q, struct rels *rels, const char *schema,
		   const char *name)
{
	pgw_buf b = {0};
	if (schema != NULL) {
		quote_ident(&b, schema);
		pgw_buf_add(&b, ".");
	}
	quote_ident(&b, name);
	int id = b.oom ? -1 : pgw_names_intern(&rels->names, b.s);
	pgw_buf_free(&b);
	if (id < 0)
		return -1;
	for (size_t i = 0; i < q->nrels; i++)
		if (q->rels[i] == id)
			return 0;
	int *v = realloc(q->rels, (q->nrels + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	q->rels = v;
	q->rels[q->nrels++] = id;
	return 0;
}

/* Walks an EXPLAIN (FORMAT JSON, VERBOSE) plan node and its children. */
static int collect(json_object *node, const char *schema, struct qitem *q,
		   struct rels *rels)
{
	const char *s = pgw_json_str(node, "Schema");
	if (s != NULL)
		schema = s;
	const char *rel = pgw_json_str(node, "Relation Name");
	const char *idx = pgw_json_str(node, "Index Name");
	if (rel != NULL && add_rel(q, rels, schema, rel) != 0)
		return -1;
	if (idx != NULL && add_rel(q, rels, schema, idx) != 0)
		return -1;
	json_object *plans;
	if (json_object_object_get_ex(node, "Plans", &plans) &&
	    json_object_is_type(plans, json_type_array))
		for (size_t i = 0; i < json_object_array_length(plans); i++)
			if (collect(json_object_array_get_idx(plans, i), schema,
				    q, rels) != 0)
				return -1;
	return 0;
}

/* The top plan object of EXPLAIN (FORMAT JSON) output, borrowed from doc. */
static json_object *top_plan(json_object *doc)
{
	json_object *first = json_object_is_type(doc, json_type_array)
				     ? json_object_array_get_idx(doc, 0)
				     : NULL;
	json_object *plan;
	if (first != NULL && json_object_object_get_ex(first, "Plan", &plan))
		return plan;
	return NULL;
}

static void set_failed(struct qitem *q, const char *what, const char *msg)
{
	q->status = Q_FAILED;
	/* A long server message is cut: the reason is a summary. */
	if (snprintf(q->reason, sizeof(q->reason), "%s: %s", what, msg) >=
	    (int)sizeof(q->reason))
		q->reason[sizeof(q->reason) - 1] = '\0';
}

/* Plans q on the target's control connection and collects its relations. */
static int plan_query(pgw_warm *w, struct qitem *q, struct rels *rels)
{
	PGconn *c = w->tconn;
	pw_error e;
	PGresult *r = NULL;
	int prepared = 0;
	pgw_buf sql = {0};
	if (q->nparams == 0) {
		pgw_buf_add(&sql, "EXPLAIN (VERBOSE, FORMAT JSON) ");
		pgw_buf_add(&sql, q->row->query);
	} else if (PQserverVersion(c) >= 160000) {
		pgw_buf_add(&sql, "EXPLAIN (GENERIC_PLAN, VERBOSE, FORMAT JSON) ");
		pgw_buf_add(&sql, q->row->query);
	} else {
		PGresult *p = PQprepare(c, "pgw_generic", q->row->query, 0, NULL);
		if (PQresultStatus(p) != PGRES_COMMAND_OK) {
			char msg[1024];
			pgw_redact(w->target, PQresultErrorMessage(p), msg,
				   sizeof(msg));
			PQclear(p);
			set_failed(q, "cannot prepare", msg);
			return 0;
		}
		PQclear(p);
		prepared = 1;
		PGresult *d = PQdescribePrepared(c, "pgw_generic");
		int n = PQresultStatus(d) == PGRES_COMMAND_OK ? PQnparams(d)
							       : q->nparams;
		PQclear(d);
		pgw_buf_add(&sql, "EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE "
				  "pgw_generic(");
		for (int i = 0; i < n; i++)
			pgw_buf_add(&sql, i ? ", NULL" : "NULL");
		pgw_buf_add(&sql, ")");
	}
	int rc = 0;
	if (sql.oom) {
		rc = -1;
	} else if (pgw_query(c, w->target, sql.s, 0, NULL, &r, &e) != PW_OK) {
		set_failed(q, "cannot plan", e.cause);
		if (strcmp(e.name, "Postgres.ConnectionFailed") == 0)
			rc = -2;
	} else {
		json_object *doc = json_tokener_parse(PQgetvalue(r, 0, 0));
		json_object *plan = top_plan(doc);
		if (plan == NULL)
			set_failed(q, "cannot plan", "unexpected EXPLAIN output");
		else if (collect(plan, NULL, q, rels) != 0)
			rc = -1;
		else
			q->status = Q_PLANNED;
		json_object_put(doc);
	}
	PQclear(r);
	pgw_buf_free(&sql);
	if (prepared)
		PQclear(PQexec(c, "DEALLOCATE pgw_generic"));
	return rc;
}

/* Fetches the CSV named by the 'queries' parameter, or the source's live
 * pg_stat_statements. *text is the caller's; *name a static-ish label. */
static int fetch_csv(pgw_warm *w, char **text, size_t *len, char *name,
		     size_t namesize, pw_error *err)
{
	json_object *qp = NULL, *v;
	json_object_object_get_ex(w->params, "queries", &qp);
	if (qp == NULL) {
		if (w->sconn == NULL)
			return pw_error_set(err, "Postgres.InvalidParameter",
					    "strategy 'queries' needs 'queries' "
					    "({\"file\": F} or {\"s3\": "
					    "{\"Bucket\", \"Key\"}}) or a "
					    "'source' with pg_stat_statements");
		snprintf(name, namesize, "source:pg_stat_statements");
		return pgw_export_top_queries_csv(w->sconn, w->source, w->top_n,
						  text, len, err);
	}
	if (json_object_is_type(qp, json_type_string)) {
		snprintf(name, namesize, "%s", json_object_get_string(qp));
		return pgw_read_file(name, text, len, err);
	}
	if (json_object_object_get_ex(qp, "file", &v) &&
	    json_object_is_type(v, json_type_string)) {
		snprintf(name, namesize, "%s", json_object_get_string(v));
		return pgw_read_file(name, text, len, err);
	}
	if (json_object_object_get_ex(qp, "s3", &v) &&
	    json_object_is_type(v, json_type_object)) {
		const char *bucket = pgw_json_str(v, "Bucket");
		const char *key = pgw_json_str(v, "Key");
		if (bucket == NULL || key == NULL)
			return pw_error_set(err, "Postgres.InvalidParameter",
					    "parameter 'queries.s3': needs "
					    "Bucket and Key strings");
		snprintf(name, namesize, "s3://%s/%s", bucket, key);
		json_object *res = NULL;
		if (pgw_s3_call(w->env, "queries.s3", "GetObject", bucket, key,
				NULL, &res, err) != PW_OK)
			return PW_ERR;
		const char *body = res != NULL ? pgw_json_str(res, "Body") : NULL;
		if (body == NULL) {
			json_object_put(res);
			return pw_error_set(err, "Postgres.InvalidParameter",
					    "%s: s3:GetObject returned no Body",
					    name);
		}
		*text = strdup(body);
		*len = strlen(body);
		json_object_put(res);
		return *text != NULL ? PW_OK
				     : pw_error_set(err, "Postgres.QueryFailed",
						    "out of memory");
	}
	return pw_error_set(err, "Postgres.InvalidParameter",
			    "parameter 'queries': expected {\"file\": PATH} or "
			    "{\"s3\": {\"Bucket\": B, \"Key\": K}}");
}

static int by_total_time(const void *pa, const void *pb)
{
	const struct qitem *a = pa, *b = pb;
	if (a->row->total_time != b->row->total_time)
		return a->row->total_time > b->row->total_time ? -1 : 1;
	return a->row->line < b->row->line ? -1 : a->row->line > b->row->line;
}

static int is_table(char kind)
{
	return kind == 'r' || kind == 'm' || kind == 't' || kind == 'p';
}

/* Relations to load: densest first, the summed share of the queries
 * touching a relation per block of it on the target (a hot index is far
 * denser than its heap, and a huge table is loaded last, in part).
 * qsort_r, not a global: warms may run in parallel threads of one host. */
static double density(const struct rels *rels, int i)
{
	int64_t b = rels->info[i].blocks;
	return rels->weight[i] / (double)(b > 0 ? b : 1);
}

static int by_density(const void *pa, const void *pb, void *arg)
{
	const struct rels *rels = arg;
	int a = *(const int *)pa, b = *(const int *)pb;
	double da = density(rels, a), db = density(rels, b);
	if (da != db)
		return da > db ? -1 : 1;
	return a - b;
}

static json_object *detail(const struct qitem *q, const struct rels *rels)
{
	json_object *d = json_object_new_object();
	json_object_object_add(d, "queryid",
			       json_object_new_string(q->row->queryid));
	json_object_object_add(d, "line", json_object_new_int(q->row->line));
	char text[161];
	snprintf(text, sizeof(text), "%s", q->row->query);
	json_object_object_add(d, "query", json_object_new_string(text));
	json_object_object_add(d, "status",
			       json_object_new_string(status_names[q->status]));
	json_object_object_add(d, "share", json_object_new_double(q->share));
	if (q->reason[0] != '\0')
		json_object_object_add(d, "reason",
				       json_object_new_string(q->reason));
	if (q->status == Q_RUN)
		json_object_object_add(d, "blocks_read",
				       json_object_new_int64(q->blocks_read));
	if (q->nrels > 0) {
		json_object *a = json_object_new_array();
		for (size_t i = 0; i < q->nrels; i++) {
			const char *nm = rels->names.v[q->rels[i]];
			if (rels->info != NULL &&
			    rels->info[q->rels[i]].name != NULL)
				nm = rels->info[q->rels[i]].name;
			json_object_array_add(a, json_object_new_string(nm));
		}
		json_object_object_add(d, "relations", a);
	}
	return d;
}

static int64_t shared_read(const char *explain_json)
{
	json_object *doc = json_tokener_parse(explain_json);
	json_object *plan = top_plan(doc), *v;
	int64_t n = 0;
	if (plan != NULL && json_object_object_get_ex(plan, "Shared Read Blocks",
						      &v))
		n = json_object_get_int64(v);
	json_object_put(doc);
	return n;
}

/* Runs the parameterless queries that fit the budget. */
static int run_queries(pgw_warm *w, struct qitem *q, size_t n,
		       struct rels *rels, pw_error *err)
{
	int64_t avail = pgw_budget_free(w);
	size_t njobs = 0;
	pgw_job *jobs = calloc(n + 1, sizeof(*jobs));
	if (jobs == NULL)
		return pw_error_set(err, "Postgres.QueryFailed",
				    "out of memory");
	for (size_t i = 0; i < n; i++) {
		q[i].job = -1;
		if (q[i].status != Q_PLANNED || q[i].nparams != 0)
			continue;
		int64_t bound = 0;
		for (size_t r = 0; r < q[i].nrels; r++) {
			const pgw_relinfo *ri = &rels->info[q[i].rels[r]];
			if (is_table(ri->kind))
				bound += ri->total_blocks;
		}
		if (bound > avail) {
			snprintf(q[i].reason, sizeof(q[i].reason),
				 "not run: its tables (%lld blocks) exceed the "
				 "remaining budget; relations loaded instead",
				 (long long)bound);
			continue;
		}
		pgw_buf sql = {0};
		pgw_buf_add(&sql, "EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, "
				  "FORMAT JSON) ");
		pgw_buf_add(&sql, q[i].row->query);
		int rc = sql.oom ? -1
				 : pgw_job_init(&jobs[njobs], sql.s, 0, NULL,
						0, (int)i);
		pgw_buf_free(&sql);
		njobs++;
		if (rc != 0) {
			pgw_jobs_free(jobs, njobs);
			return pw_error_set(err, "Postgres.QueryFailed",
					    "out of memory");
		}
		q[i].job = (int)njobs - 1;
		avail -= bound;
	}
	int timed_out = 0;
	if (njobs > 0 &&
	    pgw_run_jobs(w->env, w->target, &w->run, jobs, njobs, &timed_out,
			 err) != PW_OK) {
		pgw_jobs_free(jobs, njobs);
		return PW_ERR;
	}
	if (timed_out)
		w->timed_out = 1;
	for (size_t j = 0; j < njobs; j++) {
		struct qitem *qi = &q[jobs[j].tag];
		switch (jobs[j].state) {
		case PGW_JOB_OK:
			qi->status = Q_RUN;
			qi->blocks_read = shared_read(jobs[j].value);
			w->blocks_loaded += qi->blocks_read;
			w->budget_left -= qi->blocks_read;
			break;
		case PGW_JOB_FAILED:
			set_failed(qi, "failed under EXPLAIN ANALYZE",
				   jobs[j].error != NULL ? jobs[j].error : "?");
			break;
		case PGW_JOB_CANCELLED:
			set_failed(qi, "cancelled", "the warm deadline passed");
			break;
		case PGW_JOB_PENDING:
			qi->status = Q_SKIPPED;
			snprintf(qi->reason, sizeof(qi->reason),
				 "not run: the warm deadline passed");
			break;
		}
		w->statements++;
	}
	pgw_jobs_free(jobs, njobs);
	return PW_OK;
}

/* Loads the relations of planned (not run) queries. */
static int load_relations(pgw_warm *w, struct qitem *q, size_t n,
			  struct rels *rels, json_object *step, pw_error *err)
{
	size_t nr = rels->names.n;
	int *order = calloc(nr + 1, sizeof(*order));
	pgw_range *ranges = calloc(nr + 1, sizeof(*ranges));
	pgw_names canon = {0};
	size_t k = 0, nranges = 0;
	int rc = PW_ERR;
	if (order == NULL || ranges == NULL) {
		pw_error_set(err, "Postgres.QueryFailed", "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (q[i].status == Q_PLANNED)
			for (size_t r = 0; r < q[i].nrels; r++)
				rels->weight[q[i].rels[r]] += q[i].share;
	for (size_t r = 0; r < nr; r++)
		if (rels->weight[r] > 0 && rels->info[r].name != NULL &&
		    rels->info[r].blocks > 0)
			order[k++] = (int)r;
	qsort_r(order, k, sizeof(*order), by_density, rels);
	json_object *list = json_object_new_array();
	json_object_object_add(step, "relations", list);
	for (size_t i = 0; i < k; i++) {
		const pgw_relinfo *ri = &rels->info[order[i]];
		size_t before = canon.n;
		int id = pgw_names_intern(&canon, ri->name);
		if (id < 0) {
			pw_error_set(err, "Postgres.QueryFailed",
				     "out of memory");
			goto out;
		}
		if (canon.n == before)
			continue; /* same relation written another way */
		json_object_array_add(list, json_object_new_string(ri->name));
		ranges[nranges++] = (pgw_range){.rel = id,
						.fork = 0,
						.usage = w->plan_usage,
						.first = 0,
						.last = ri->blocks - 1};
	}
	/* The loader stops at budget_left, here the free buffers too: the
	 * last relation that fits is loaded in part, a prefix. */
	int64_t left = w->budget_left;
	w->budget_left = pgw_budget_free(w);
	json_object_object_add(step, "budget_blocks",
			       json_object_new_int64(w->budget_left));
	int64_t cap = w->budget_left;
	rc = pgw_load_ranges(w, &canon, ranges, nranges, step, err);
	w->budget_left = left - (cap - w->budget_left);
out:
	free(order);
	free(ranges);
	pgw_names_clear(&canon);
	return rc;
}

int pgw_strategy_queries(pgw_warm *w, pw_error *err)
{
	int64_t t0 = pgw_now_ms();
	char *text = NULL, name[1024];
	size_t len = 0, n = 0;
	pgw_query_set *set = NULL;
	struct qitem *q = NULL;
	struct rels rels = {0};
	int rc = PW_ERR;
	json_object *step = json_object_new_object();
	json_object_object_add(step, "strategy",
			       json_object_new_string("queries"));
	json_object_array_add(w->steps, step);

	if (fetch_csv(w, &text, &len, name, sizeof(name), err) != PW_OK ||
	    pgw_csv_parse_queries(text, len, name, &set, err) != PW_OK)
		goto out;
	json_object_object_add(step, "source", json_object_new_string(name));
	for (size_t i = 0; i < json_object_array_length(set->malformed); i++)
		json_object_array_add(
			w->problems,
			json_object_get(
				json_object_array_get_idx(set->malformed, i)));
	q = calloc(set->n + 1, sizeof(*q));
	if (q == NULL) {
		pw_error_set(err, "Postgres.QueryFailed", "out of memory");
		goto out;
	}
	double total = 0;
	for (size_t i = 0; i < set->n; i++) {
		q[i].row = &set->rows[i];
		total += set->rows[i].total_time;
	}
	qsort(q, set->n, sizeof(*q), by_total_time);
	n = set->n < (size_t)w->top_n ? set->n : (size_t)w->top_n;
	PQclear(PQexec(w->tconn, "SET plan_cache_mode = force_generic_plan"));
	for (size_t i = 0; i < n; i++) {
		q[i].share = total > 0 ? q[i].row->total_time / total
				       : 1.0 / (double)n;
		if (!pgw_sql_plain_select(q[i].row->query, &q[i].nparams,
					  q[i].reason, sizeof(q[i].reason))) {
			q[i].status = Q_SKIPPED;
			continue;
		}
		if (pgw_now_ms() >= w->run.deadline) {
			w->timed_out = 1;
			q[i].status = Q_SKIPPED;
			snprintf(q[i].reason, sizeof(q[i].reason),
				 "not planned: the warm deadline passed");
			continue;
		}
		int prc = plan_query(w, &q[i], &rels);
		if (prc == -1) {
			pw_error_set(err, "Postgres.QueryFailed",
				     "out of memory");
			goto out;
		}
		if (prc == -2) {
			pw_error_set(err, "Postgres.ConnectionFailed",
				     "target: %s", q[i].reason);
			goto out;
		}
	}
	if (rels.names.n > 0) {
		rels.weight = calloc(rels.names.n, sizeof(*rels.weight));
		if (rels.weight == NULL) {
			pw_error_set(err, "Postgres.QueryFailed",
				     "out of memory");
			goto out;
		}
		if (pgw_resolve_relinfo(w, rels.names.v, rels.names.n,
					&rels.info, err) != PW_OK)
			goto out;
	}
	if (run_queries(w, q, n, &rels, err) != PW_OK)
		goto out;
	if (!w->timed_out &&
	    load_relations(w, q, n, &rels, step, err) != PW_OK)
		goto out;
	rc = PW_OK;
out:
	if (q != NULL) {
		json_object *counts = w->queries;
		json_object *details;
		json_object_object_get_ex(counts, "details", &details);
		for (size_t i = 0; i < n; i++) {
			const char *key = status_names[q[i].status];
			json_object *c;
			json_object_object_get_ex(counts, key, &c);
			json_object_object_add(
				counts, key,
				json_object_new_int(json_object_get_int(c) + 1));
			json_object_array_add(details, detail(&q[i], &rels));
		}
		for (size_t i = 0; i < (set != NULL ? set->n : 0); i++)
			free(q[i].rels);
	}
	json_object_object_add(
		step, "seconds",
		json_object_new_double((double)(pgw_now_ms() - t0) / 1000.0));
	free(q);
	pgw_relinfo_free(rels.info, rels.names.n);
	free(rels.weight);
	pgw_names_clear(&rels.names);
	pgw_query_set_free(set);
	free(text);
	return rc;
}

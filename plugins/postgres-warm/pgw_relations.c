/* pgw_relations.c - the relations strategy: named relations, or the
 * source's top-N by pg_statio counters, densest (touches per block)
 * first, within the target's free buffers. */
#include <stdlib.h>
#include <string.h>

#include "pgw_sql.h"
#include "pgw_warm.h"

int pgw_resolve_relinfo(pgw_warm *w, char *const *names, size_t n,
			pgw_relinfo **info, pw_error *err)
{
	*info = NULL;
	pgw_buf arr = {0};
	pgw_buf_add(&arr, "{");
	for (size_t i = 0; i < n; i++)
		pgw_buf_add_array_elem(&arr, names[i], i == 0);
	pgw_buf_add(&arr, "}");
	pgw_relinfo *out = calloc(n + 1, sizeof(*out));
	if (arr.oom || out == NULL) {
		pgw_buf_free(&arr);
		free(out);
		return pw_error_set(err, "Postgres.QueryFailed",
				    "out of memory");
	}
	const char *p[] = {arr.s};
	PGresult *r;
	/* Missing or unreadable relations come back as NULL rows. */
	int rc = pgw_query(
		w->tconn, w->target,
		"SELECT format('%I.%I', ns.nspname, c.relname), c.relkind, "
		"pg_relation_size(c.oid) / current_setting('block_size')::int8, "
		"pg_total_relation_size(c.oid) / "
		"current_setting('block_size')::int8 "
		"FROM (" PGW_RESOLVE_SQL ") x "
		"LEFT JOIN pg_class c ON c.oid = x.oid "
		"LEFT JOIN pg_namespace ns ON ns.oid = c.relnamespace "
		"ORDER BY x.i",
		1, p, &r, err);
	pgw_buf_free(&arr);
	if (rc != PW_OK) {
		free(out);
		return rc;
	}
	for (size_t i = 0; i < n && (int)i < PQntuples(r); i++) {
		if (PQgetisnull(r, (int)i, 0))
			continue;
		out[i].name = strdup(PQgetvalue(r, (int)i, 0));
		out[i].kind = PQgetvalue(r, (int)i, 1)[0];
		out[i].blocks = strtoll(PQgetvalue(r, (int)i, 2), NULL, 10);
		out[i].total_blocks = strtoll(PQgetvalue(r, (int)i, 3), NULL, 10);
	}
	PQclear(r);
	*info = out;
	return PW_OK;
}

void pgw_relinfo_free(pgw_relinfo *info, size_t n)
{
	if (info == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(info[i].name);
	free(info);
}

/* The source's hottest relations by pg_statio (heap or index blocks
 * touched), with those touches in *touches for the density order. */
static int top_from_source(pgw_warm *w, char ***names, double **touches,
			   size_t *n, pw_error *err)
{
	char lim[24];
	snprintf(lim, sizeof(lim), "%d", w->top_n);
	const char *p[] = {lim};
	PGresult *r;
	if (pgw_query(w->sconn, w->source,
		      "SELECT name, touches FROM ("
		      "SELECT format('%I.%I', schemaname, indexrelname) AS name, "
		      "coalesce(idx_blks_hit, 0) + "
		      "coalesce(idx_blks_read, 0) AS touches "
		      "FROM pg_statio_user_indexes UNION ALL "
		      "SELECT format('%I.%I', schemaname, relname), "
		      "coalesce(heap_blks_hit, 0) + coalesce(heap_blks_read, 0) "
		      "FROM pg_statio_user_tables) s WHERE touches > 0 "
		      "ORDER BY touches DESC LIMIT $1::int",
		      1, p, &r, err) != PW_OK)
		return PW_ERR;
	int rows = PQntuples(r);
	char **v = calloc((size_t)rows + 1, sizeof(*v));
	double *t = calloc((size_t)rows + 1, sizeof(*t));
	for (int i = 0; v != NULL && t != NULL && i < rows; i++) {
		v[i] = strdup(PQgetvalue(r, i, 0));
		t[i] = strtod(PQgetvalue(r, i, 1), NULL);
	}
	PQclear(r);
	if (v == NULL || t == NULL) {
		free(v);
		free(t);
		return pw_error_set(err, "Postgres.QueryFailed",
				    "out of memory");
	}
	*names = v;
	*touches = t;
	*n = (size_t)rows;
	return PW_OK;
}

struct density {
	const pgw_relinfo *info;
	const double *touches;
};

/* Touches per block on the target, densest first: the budget buys the
 * most of the source's reads that way (a hot index is far denser than
 * its heap). qsort_r, not a global: warms may run in parallel threads. */
static int by_density(const void *pa, const void *pb, void *arg)
{
	const struct density *d = arg;
	int a = *(const int *)pa, b = *(const int *)pb;
	double da = d->touches[a] / (double)(d->info[a].blocks > 0
						      ? d->info[a].blocks
						      : 1);
	double db = d->touches[b] / (double)(d->info[b].blocks > 0
						      ? d->info[b].blocks
						      : 1);
	if (da != db)
		return da > db ? -1 : 1;
	return a - b;
}

/* The 'relations' parameter: an array of names or "a,b,c". */
static int named(pgw_warm *w, json_object *rel, char ***names, size_t *n,
		 pw_error *err)
{
	char **v = NULL;
	size_t k = 0;
	if (json_object_is_type(rel, json_type_array)) {
		size_t len = json_object_array_length(rel);
		v = calloc(len + 1, sizeof(*v));
		for (size_t i = 0; v != NULL && i < len; i++) {
			json_object *e = json_object_array_get_idx(rel, i);
			if (!json_object_is_type(e, json_type_string)) {
				for (size_t j = 0; j < k; j++)
					free(v[j]);
				free(v);
				return pw_error_set(
					err, "Postgres.InvalidParameter",
					"parameter 'relations[%zu]': expected "
					"a relation name",
					i);
			}
			v[k++] = strdup(json_object_get_string(e));
		}
	} else if (json_object_is_type(rel, json_type_string)) {
		char *copy = strdup(json_object_get_string(rel));
		v = calloc(strlen(json_object_get_string(rel)) + 2, sizeof(*v));
		char *save = NULL;
		for (char *t = copy != NULL ? strtok_r(copy, ",", &save) : NULL;
		     v != NULL && t != NULL; t = strtok_r(NULL, ",", &save))
			v[k++] = strdup(t);
		free(copy);
	} else {
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "parameter 'relations': expected an array "
				    "of relation names");
	}
	(void)w;
	if (v == NULL)
		return pw_error_set(err, "Postgres.QueryFailed",
				    "out of memory");
	*names = v;
	*n = k;
	return PW_OK;
}

int pgw_strategy_relations(pgw_warm *w, pw_error *err)
{
	int64_t t0 = pgw_now_ms();
	char **names = NULL;
	double *touches = NULL; /* from the source's pg_statio, or NULL */
	int *order = NULL;
	size_t n = 0;
	pgw_relinfo *info = NULL;
	pgw_names interned = {0};
	pgw_range *ranges = NULL;
	size_t nranges = 0;
	int rc = PW_ERR;
	json_object *rel = NULL;
	json_object *step = json_object_new_object();
	json_object_object_add(step, "strategy",
			       json_object_new_string("relations"));
	json_object_array_add(w->steps, step);

	if (json_object_object_get_ex(w->params, "relations", &rel) &&
	    rel != NULL) {
		if (named(w, rel, &names, &n, err) != PW_OK)
			goto out;
	} else if (w->sconn != NULL) {
		if (top_from_source(w, &names, &touches, &n, err) != PW_OK)
			goto out;
	} else {
		pw_error_set(err, "Postgres.InvalidParameter",
			     "strategy 'relations' needs 'relations' (names) "
			     "or a 'source' to rank relations by pg_statio");
		goto out;
	}
	if (pgw_resolve_relinfo(w, names, n, &info, err) != PW_OK)
		goto out;
	ranges = calloc(n + 1, sizeof(*ranges));
	order = calloc(n + 1, sizeof(*order));
	if (ranges == NULL || order == NULL) {
		pw_error_set(err, "Postgres.QueryFailed", "out of memory");
		goto out;
	}
	/* Named relations load in the order given; ranked ones densest
	 * first. */
	for (size_t i = 0; i < n; i++)
		order[i] = (int)i;
	if (touches != NULL)
		qsort_r(order, n, sizeof(*order), by_density,
			&(struct density){.info = info, .touches = touches});
	json_object *list = json_object_new_array();
	json_object_object_add(step, "relations", list);
	for (size_t k = 0; k < n; k++) {
		size_t i = (size_t)order[k];
		if (info[i].name == NULL) {
			char msg[400];
			snprintf(msg, sizeof(msg),
				 "relation %.200s does not exist on the "
				 "target or this user may not read it (grant "
				 "pg_read_all_data); skipped",
				 names[i]);
			json_object_array_add(w->problems,
					      json_object_new_string(msg));
			continue;
		}
		json_object_array_add(list,
				      json_object_new_string(info[i].name));
		if (info[i].blocks <= 0)
			continue;
		int id = pgw_names_intern(&interned, info[i].name);
		if (id < 0) {
			pw_error_set(err, "Postgres.QueryFailed",
				     "out of memory");
			goto out;
		}
		ranges[nranges++] = (pgw_range){.rel = id,
						.fork = 0,
						.usage = w->plan_usage,
						.first = 0,
						.last = info[i].blocks - 1};
	}
	/* The loader stops at budget_left, here the free buffers too: the
	 * last relation that fits is loaded in part, a prefix. */
	int64_t left = w->budget_left;
	w->budget_left = pgw_budget_free(w);
	json_object_object_add(step, "budget_blocks",
			       json_object_new_int64(w->budget_left));
	int64_t cap = w->budget_left;
	rc = pgw_load_ranges(w, &interned, ranges, nranges, step, err);
	w->budget_left = left - (cap - w->budget_left);
out:
	json_object_object_add(
		step, "seconds",
		json_object_new_double((double)(pgw_now_ms() - t0) / 1000.0));
	pgw_relinfo_free(info, n);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(touches);
	free(order);
	free(ranges);
	pgw_names_clear(&interned);
	return rc;
}

/*
 * pgw_dbs.c - mirror every database of the instance: one read of the
 * source's pg_buffercache (all databases), relation names looked up in
 * each database, one budget shared hottest first, loaded database by
 * database with the same credentials. A database the warm cannot use
 * (no CONNECT privilege, missing on the target, no pg_prewarm there) is
 * reported and skipped.
 */
#include <stdlib.h>
#include <string.h>

#include "pgw_sql.h"
#include "pgw_warm.h"

typedef struct db_blocks {
	char *datname;
	pgw_names nodes; /* while reading: block.rel indexes relfilenodes */
	pgw_names names; /* after naming: schema.relation */
	pgw_block *b;
	size_t n, cap;
	int64_t by_usage[6]; /* blocks per (replayed) usage count */
	int64_t allowance;   /* this database's share of the budget */
	json_object *step;
} db_blocks;

struct all_rows {
	db_blocks *dbs;
	size_t n, cap;
	size_t last; /* rows arrive grouped by database, mostly */
};

static void dbs_free(db_blocks *dbs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(dbs[i].datname);
		pgw_names_clear(&dbs[i].nodes);
		pgw_names_clear(&dbs[i].names);
		free(dbs[i].b);
	}
	free(dbs);
}

static db_blocks *db_of(struct all_rows *a, const char *datname)
{
	if (a->n > 0 && strcmp(a->dbs[a->last].datname, datname) == 0)
		return &a->dbs[a->last];
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->dbs[i].datname, datname) == 0)
			return &a->dbs[a->last = i];
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 8;
		db_blocks *nd = realloc(a->dbs, ncap * sizeof(*nd));
		if (nd == NULL)
			return NULL;
		a->dbs = nd;
		a->cap = ncap;
	}
	db_blocks *d = &a->dbs[a->n];
	memset(d, 0, sizeof(*d));
	if ((d->datname = strdup(datname)) == NULL)
		return NULL;
	a->last = a->n++;
	return d;
}

static int all_row(void *ud, PGresult *r, pw_error *err)
{
	struct all_rows *a = ud;
	db_blocks *d = db_of(a, PQgetvalue(r, 0, 0));
	int rel = d != NULL ? pgw_names_intern(&d->nodes, PQgetvalue(r, 0, 1))
			    : -1;
	if (rel < 0 ||
	    pgw_blocks_push(&d->b, &d->n, &d->cap,
			    (pgw_block){
				    .rel = rel,
				    .fork = (int16_t)strtol(PQgetvalue(r, 0, 2),
							    NULL, 10),
				    .block = strtoll(PQgetvalue(r, 0, 3), NULL,
						     10),
				    .usage = (int16_t)strtol(PQgetvalue(r, 0, 4),
							     NULL, 10),
			    }) != 0)
		return pw_error_set(err, "Postgres.QueryFailed",
				    "out of memory");
	return PW_OK;
}

/* Every database's resident blocks, relations still as relfilenodes. No
 * ORDER BY: the source sorts nothing and writes no temp file. Shared
 * catalogs (reldatabase 0) are left out. */
static int fetch_all(pgw_warm *w, struct all_rows *a, pw_error *err)
{
	if (pgw_require_extension(w->sconn, w->source, "pg_buffercache", err) !=
	    PW_OK)
		return PW_ERR;
	return pgw_query_each(
		w->sconn, w->source, "reading pg_buffercache",
		"SELECT d.datname, b.relfilenode, b.relforknumber, "
		"b.relblocknumber, b.usagecount FROM pg_buffercache b "
		"JOIN pg_database d ON d.oid = b.reldatabase",
		0, NULL, all_row, a, err);
}

static void skip(pgw_warm *w, const char *datname, const char *reason)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "database", json_object_new_string(datname));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	json_object_array_add(w->dbs_skipped, o);
	pgw_log(w->env, PW_LOG_WARN, "database %s skipped: %s", datname,
		reason);
}

/* Opens spec's database `datname` (the main connection when it is the
 * one already connected). *own is set when the caller must free both. */
static int open_db(pgw_warm *w, const pgw_conn_spec *spec, PGconn *main,
		   const char *main_db, const char *datname,
		   pgw_conn_spec **dspec, PGconn **conn, pw_error *err)
{
	*dspec = NULL;
	*conn = NULL;
	if (strcmp(datname, main_db) == 0) {
		*conn = main;
		return PW_OK;
	}
	if (pgw_conn_spec_for_db(spec, datname, dspec) != 0)
		return pw_error_set(err, "Postgres.QueryFailed",
				    "out of memory");
	return pgw_connect(*dspec, &w->run.session, conn, err);
}

static void close_db(PGconn *main, pgw_conn_spec *dspec, PGconn *conn)
{
	if (conn != main)
		PQfinish(conn);
	pgw_conn_spec_free(dspec);
}

/* Turns d's relfilenodes into names through the source's pg_class of
 * that database; blocks of relations that are gone are dropped. */
static int name_blocks(pgw_warm *w, db_blocks *d, PGconn *conn,
		       const pgw_conn_spec *spec, pw_error *err)
{
	pgw_buf arr = {0};
	pgw_buf_add(&arr, "{");
	for (size_t i = 0; i < d->nodes.n; i++)
		pgw_buf_addf(&arr, "%s%s", i ? "," : "", d->nodes.v[i]);
	pgw_buf_add(&arr, "}");
	int *map = malloc((d->nodes.n + 1) * sizeof(*map));
	if (arr.oom || map == NULL) {
		pgw_buf_free(&arr);
		free(map);
		return pw_error_set(err, "Postgres.QueryFailed",
				    "out of memory");
	}
	const char *p[] = {arr.s};
	PGresult *r;
	int rc = pgw_query(conn, spec,
			   "SELECT f.i, format('%I.%I', n.nspname, c.relname) "
			   "FROM unnest($1::oid[]) WITH ORDINALITY f(node, i) "
			   "JOIN pg_class c "
			   "ON pg_relation_filenode(c.oid) = f.node "
			   "JOIN pg_namespace n ON n.oid = c.relnamespace",
			   1, p, &r, err);
	pgw_buf_free(&arr);
	if (rc != PW_OK) {
		free(map);
		return rc;
	}
	for (size_t i = 0; i < d->nodes.n; i++)
		map[i] = -1;
	for (int i = 0; i < PQntuples(r) && rc == PW_OK; i++) {
		long k = strtol(PQgetvalue(r, i, 0), NULL, 10) - 1;
		int idx = pgw_names_intern(&d->names, PQgetvalue(r, i, 1));
		if (idx < 0)
			rc = pw_error_set(err, "Postgres.QueryFailed",
					  "out of memory");
		else if (k >= 0 && (size_t)k < d->nodes.n)
			map[k] = idx;
	}
	PQclear(r);
	size_t k = 0;
	for (size_t i = 0; i < d->n && rc == PW_OK; i++)
		if (map[d->b[i].rel] >= 0) {
			d->b[k] = d->b[i];
			d->b[k++].rel = map[d->b[i].rel];
		}
	if (rc == PW_OK)
		d->n = k;
	free(map);
	(void)w;
	return rc;
}

/* Splits the budget hottest first: each usage level goes whole to every
 * database while it fits, and the level that does not fit is shared in
 * proportion to each database's blocks at that level. */
static void allot(db_blocks *dbs, size_t n, int64_t budget)
{
	for (int u = 5; u >= 1 && budget > 0; u--) {
		int64_t level = 0;
		for (size_t i = 0; i < n; i++)
			level += dbs[i].by_usage[u];
		if (level == 0)
			continue;
		for (size_t i = 0; i < n; i++)
			dbs[i].allowance +=
				level <= budget
					? dbs[i].by_usage[u]
					: (int64_t)((double)budget *
						    (double)dbs[i].by_usage[u] /
						    (double)level);
		budget = level <= budget ? budget - level : 0;
	}
}

static void sum_into(json_object *step, json_object *sub, const char *key)
{
	json_object *a = NULL, *b = NULL;
	json_object_object_get_ex(sub, key, &b);
	int64_t x = b != NULL ? json_object_get_int64(b) : 0;
	if (json_object_object_get_ex(step, key, &a))
		x += json_object_get_int64(a);
	json_object_object_add(step, key, json_object_new_int64(x));
}

/* Loads d on the target's database of the same name. */
static int load_db(pgw_warm *w, db_blocks *d, json_object *step, int replay,
		   pw_error *err)
{
	pgw_conn_spec *tspec;
	PGconn *tconn;
	pw_error e;
	if (open_db(w, w->target, w->tconn, w->target_db, d->datname, &tspec,
		    &tconn, &e) != PW_OK) {
		skip(w, d->datname, e.cause);
		close_db(w->tconn, tspec, tconn);
		return PW_OK;
	}
	if (pgw_require_extension(tconn, tspec ? tspec : w->target,
				  "pg_prewarm", &e) != PW_OK) {
		skip(w, d->datname, e.cause);
		close_db(w->tconn, tspec, tconn);
		return PW_OK;
	}
	json_object *sub = json_object_new_object();
	json_object_object_add(sub, "database",
			       json_object_new_string(d->datname));
	json_object_object_add(sub, "source_blocks",
			       json_object_new_int64((int64_t)d->n));
	json_object_object_add(sub, "budget_share",
			       json_object_new_int64(d->allowance));
	json_object_array_add(w->dbs, sub);
	/* The loader works on w's target: point it at this database and
	 * give it this database's share of what is left. */
	PGconn *main_conn = w->tconn;
	pgw_conn_spec *main_spec = w->target;
	int64_t left = w->budget_left;
	w->tconn = tconn;
	w->target = tspec ? tspec : main_spec;
	w->budget_left = d->allowance < left ? d->allowance : left;
	int64_t share = w->budget_left;
	w->current_db = d->datname;
	int rc = pgw_mirror_load(w, &d->names, d->b, d->n, replay, sub, err);
	w->current_db = NULL;
	w->budget_left = left - (share - w->budget_left);
	w->tconn = main_conn;
	w->target = main_spec;
	close_db(main_conn, tspec, tconn);
	static const char *const keys[] = {
		"source_blocks", "blocks_wanted", "blocks_planned",
		"blocks_loaded", "ranges", "statements", "statements_failed",
		NULL};
	for (size_t i = 0; keys[i] != NULL; i++)
		sum_into(step, sub, keys[i]);
	return rc;
}

int pgw_mirror_all(pgw_warm *w, json_object *step, int replay, pw_error *err)
{
	struct all_rows a = {0};
	int rc = fetch_all(w, &a, err);
	for (size_t i = 0; i < a.n && rc == PW_OK; i++) {
		db_blocks *d = &a.dbs[i];
		pgw_conn_spec *sspec;
		PGconn *sconn;
		pw_error e;
		if (open_db(w, w->source, w->sconn, w->source_db, d->datname,
			    &sspec, &sconn, &e) != PW_OK ||
		    name_blocks(w, d, sconn, sspec ? sspec : w->source, &e) !=
			    PW_OK) {
			skip(w, d->datname, e.cause);
			d->n = 0;
		}
		close_db(w->sconn, sspec, sconn);
		for (size_t k = 0; k < d->n; k++) {
			if (d->b[k].usage < 1 || !replay)
				d->b[k].usage = 1;
			d->by_usage[d->b[k].usage > 5 ? 5 : d->b[k].usage]++;
		}
	}
	if (rc == PW_OK)
		allot(a.dbs, a.n, w->budget_left);
	for (size_t i = 0; i < a.n && rc == PW_OK && !w->timed_out; i++)
		if (a.dbs[i].n > 0)
			rc = load_db(w, &a.dbs[i], step, replay, err);
	dbs_free(a.dbs, a.n);
	return rc;
}

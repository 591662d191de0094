/*
 * pgw_dbs.c - every database of the instance: one read of the source's
 * pg_buffercache (all databases), relation names looked up in each
 * database with the same credentials, and a load that shares one budget
 * hottest first across databases. A database that cannot be used (no
 * CONNECT privilege, missing on the target, no pg_prewarm there) is
 * reported and skipped, never fatal.
 */
#include <stdlib.h>
#include <string.h>

#include "pgw_sql.h"
#include "pgw_warm.h"

void pgw_dbset_free(pgw_dbset *set)
{
	for (size_t i = 0; i < set->n; i++) {
		pgw_db *d = &set->v[i];
		free(d->datname);
		pgw_names_clear(&d->nodes);
		pgw_names_clear(&d->names);
		free(d->blocks);
		free(d->hot);
		free(d->ranges);
	}
	free(set->v);
	memset(set, 0, sizeof(*set));
}

pgw_db *pgw_dbset_get(pgw_dbset *set, const char *datname)
{
	if (set->n > 0 && strcmp(set->v[set->last].datname, datname) == 0)
		return &set->v[set->last];
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i].datname, datname) == 0)
			return &set->v[set->last = i];
	if (set->n == set->cap) {
		size_t ncap = set->cap ? set->cap * 2 : 8;
		pgw_db *nd = realloc(set->v, ncap * sizeof(*nd));
		if (nd == NULL)
			return NULL;
		set->v = nd;
		set->cap = ncap;
	}
	pgw_db *d = &set->v[set->n];
	memset(d, 0, sizeof(*d));
	if ((d->datname = strdup(datname)) == NULL)
		return NULL;
	set->last = set->n++;
	return d;
}

int pgw_db_add_range(pgw_db *d, pgw_range r)
{
	if (d->nranges == d->rcap) {
		size_t ncap = d->rcap ? d->rcap * 2 : 256;
		pgw_range *nr = realloc(d->ranges, ncap * sizeof(*nr));
		if (nr == NULL)
			return -1;
		d->ranges = nr;
		d->rcap = ncap;
	}
	d->ranges[d->nranges++] = r;
	return 0;
}

struct read_ctx {
	pgw_dbset *set;
	int min_usage;
};

static int all_row(void *ud, PGresult *r, pw_error *err)
{
	struct read_ctx *c = ud;
	int usage = (int)strtol(PQgetvalue(r, 0, 4), NULL, 10);
	if (usage < c->min_usage)
		return PW_OK;
	pgw_db *d = pgw_dbset_get(c->set, PQgetvalue(r, 0, 0));
	int rel = d != NULL ? pgw_names_intern(&d->nodes, PQgetvalue(r, 0, 1))
			    : -1;
	if (rel < 0 ||
	    pgw_blocks_push(&d->blocks, &d->nblocks, &d->bcap,
			    (pgw_block){
				    .rel = rel,
				    .fork = (int16_t)strtol(PQgetvalue(r, 0, 2),
							    NULL, 10),
				    .block = strtoll(PQgetvalue(r, 0, 3), NULL,
						     10),
				    .usage = (int16_t)usage,
			    }) != 0)
		return pw_error_set(err, "Postgres.QueryFailed",
				    "out of memory");
	return PW_OK;
}

void pgw_db_skip(const pgw_env *env, json_object *skipped,
		 const char *datname, const char *reason)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "database", json_object_new_string(datname));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	json_object_array_add(skipped, o);
	pgw_log(env, PW_LOG_WARN, "database %s skipped: %s", datname, reason);
}

int pgw_db_open(const pgw_conn_spec *spec, PGconn *main, const char *main_db,
		const char *datname, const pgw_session_opts *opts,
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
	return pgw_connect(*dspec, opts, conn, err);
}

void pgw_db_close(PGconn *main, pgw_conn_spec *dspec, PGconn *conn)
{
	if (conn != main)
		PQfinish(conn);
	pgw_conn_spec_free(dspec);
}

/* Turns d's relfilenodes into names through that database's pg_class;
 * blocks of relations that are gone are dropped. */
static int name_blocks(pgw_db *d, PGconn *conn, const pgw_conn_spec *spec,
		       pw_error *err)
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
	for (size_t i = 0; i < d->nblocks && rc == PW_OK; i++)
		if (map[d->blocks[i].rel] >= 0) {
			d->blocks[k] = d->blocks[i];
			d->blocks[k++].rel = map[d->blocks[i].rel];
		}
	if (rc == PW_OK)
		d->nblocks = k;
	free(map);
	return rc;
}

/* Hottest first, coalesced: usage count 0 (resident, next to go) is
 * loaded last, once; without replay every block is read once. */
static int to_ranges(pgw_db *d, int replay, int keep_hot, pw_error *err)
{
	if (keep_hot) {
		d->hot = malloc((d->nblocks + 1) * sizeof(*d->hot));
		if (d->hot == NULL)
			return pw_error_set(err, "Postgres.QueryFailed",
					    "out of memory");
		for (size_t i = 0; i < d->nblocks; i++)
			if (d->blocks[i].usage >= 1)
				d->hot[d->nhot++] = d->blocks[i];
	}
	for (size_t i = 0; i < d->nblocks; i++)
		if (d->blocks[i].usage < 1 || !replay)
			d->blocks[i].usage = 1;
	pgw_blocks_sort_hot(d->blocks, d->nblocks);
	free(d->ranges);
	d->ranges = NULL;
	if (pgw_coalesce(d->blocks, d->nblocks, &d->ranges, &d->nranges) != 0)
		return pw_error_set(err, "Postgres.QueryFailed",
				    "out of memory");
	d->rcap = d->nranges;
	free(d->blocks);
	d->blocks = NULL;
	d->nblocks = d->bcap = 0;
	return PW_OK;
}

int pgw_dbset_read(const pgw_env *env, PGconn *conn,
		   const pgw_conn_spec *spec, const char *conn_db,
		   const pgw_session_opts *opts, int min_usage, int replay,
		   pgw_dbset *set, json_object *skipped, pw_error *err)
{
	struct read_ctx c = {.set = set, .min_usage = min_usage};
	/* No ORDER BY and no filter the server has to sort by: the source
	 * streams its buffer headers once and writes no temp file. Shared
	 * catalogs (reldatabase 0) are left out by the join. */
	if (pgw_require_extension(conn, spec, "pg_buffercache", err) != PW_OK ||
	    pgw_query_each(conn, spec, "reading pg_buffercache",
			   "SELECT d.datname, b.relfilenode, b.relforknumber, "
			   "b.relblocknumber, b.usagecount "
			   "FROM pg_buffercache b "
			   "JOIN pg_database d ON d.oid = b.reldatabase",
			   0, NULL, all_row, &c, err) != PW_OK)
		return PW_ERR;
	for (size_t i = 0; i < set->n; i++) {
		pgw_db *d = &set->v[i];
		pgw_conn_spec *dspec;
		PGconn *dconn;
		pw_error e;
		if (pgw_db_open(spec, conn, conn_db, d->datname, opts, &dspec,
				&dconn, &e) != PW_OK ||
		    name_blocks(d, dconn, dspec ? dspec : spec, &e) != PW_OK) {
			pgw_db_skip(env, skipped, d->datname, e.cause);
			d->nblocks = 0;
		}
		pgw_db_close(conn, dspec, dconn);
		d->source_blocks = (int64_t)d->nblocks;
		int keep = set->keep_hot_db != NULL &&
			   strcmp(set->keep_hot_db, d->datname) == 0;
		if (to_ranges(d, replay, keep, err) != PW_OK)
			return PW_ERR;
	}
	return PW_OK;
}

/* Splits the budget hottest first: each usage level goes whole to every
 * database while it fits; the level that does not fit is shared in
 * proportion to each database's blocks at that level. */
static void allot(pgw_dbset *set, int64_t budget)
{
	int64_t (*lv)[6] = calloc(set->n + 1, sizeof(*lv));
	if (lv == NULL)
		return;
	for (size_t i = 0; i < set->n; i++) {
		set->v[i].allowance = 0;
		for (size_t k = 0; k < set->v[i].nranges; k++) {
			const pgw_range *r = &set->v[i].ranges[k];
			int u = r->usage < 1 ? 1 : r->usage > 5 ? 5 : r->usage;
			lv[i][u] += r->last - r->first + 1;
		}
	}
	for (int u = 5; u >= 1 && budget > 0; u--) {
		int64_t level = 0;
		for (size_t i = 0; i < set->n; i++)
			level += lv[i][u];
		if (level == 0)
			continue;
		for (size_t i = 0; i < set->n; i++)
			set->v[i].allowance +=
				level <= budget
					? lv[i][u]
					: (int64_t)((double)budget *
						    (double)lv[i][u] /
						    (double)level);
		budget = level <= budget ? budget - level : 0;
	}
	free(lv);
}

static int dbset_load(pgw_warm *w, pgw_dbset *set, json_object *step,
		      pw_error *err);

static void sum_into(json_object *step, json_object *sub, const char *key)
{
	json_object *a = NULL, *b = NULL;
	json_object_object_get_ex(sub, key, &b);
	int64_t x = b != NULL ? json_object_get_int64(b) : 0;
	if (json_object_object_get_ex(step, key, &a))
		x += json_object_get_int64(a);
	json_object_object_add(step, key, json_object_new_int64(x));
}

/* Drops from d's ranges the blocks the target already holds (catalog
 * pages, what replay or an earlier warm brought in): they cost no buffer.
 * Counting them against the budget would make a full budget overflow the
 * free buffers, and the clock sweep that makes room lowers the usage
 * counts the warm has just replayed. Without pg_buffercache in that
 * database nothing is dropped. */
static int drop_resident(pgw_warm *w, pgw_db *d, PGconn *tconn,
			 const pgw_conn_spec *tspec, pw_error *err)
{
	pgw_block *res = NULL;
	size_t nres = 0;
	pw_error e;
	if (pgw_fetch_buffers(tconn, tspec, &d->names, 0, &res, &nres, &e) !=
	    PW_OK) {
		pgw_log(w->env, PW_LOG_DEBUG,
			"database %s: target residency unknown: %s",
			d->datname, e.cause);
		return PW_OK;
	}
	pgw_blocks_sort_addr(res, nres);
	pgw_range *out = NULL;
	size_t n = 0, cap = 0;
	int rc = PW_OK;
	for (size_t i = 0; i < d->nranges && rc == PW_OK; i++) {
		pgw_range r = d->ranges[i], cur = r;
		cur.first = -1;
		for (int64_t b = r.first; b <= r.last + 1 && rc == PW_OK; b++) {
			pgw_block key = {.rel = r.rel, .fork = r.fork, .block = b};
			int held = b <= r.last && nres > 0 &&
				   bsearch(&key, res, nres, sizeof(*res),
					   pgw_block_cmp_addr) != NULL;
			if (b <= r.last && !held) {
				if (cur.first < 0)
					cur.first = b;
				cur.last = b;
				continue;
			}
			if (cur.first < 0)
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 256;
				pgw_range *nr = realloc(out, ncap * sizeof(*nr));
				if (nr == NULL) {
					rc = pw_error_set(err,
							  "Postgres.QueryFailed",
							  "out of memory");
					break;
				}
				out = nr;
				cap = ncap;
			}
			out[n++] = cur;
			cur.first = -1;
		}
	}
	free(res);
	if (rc != PW_OK) {
		free(out);
		return rc;
	}
	d->target_resident = pgw_ranges_blocks(d->ranges, d->nranges) -
			     pgw_ranges_blocks(out, n);
	free(d->ranges);
	d->ranges = out;
	d->nranges = n;
	d->rcap = cap;
	return PW_OK;
}

/* Opens d's database on the target and leaves out what it holds; a
 * database that cannot be used is skipped (*tconn stays NULL). */
static int prepare_db(pgw_warm *w, pgw_db *d, pgw_conn_spec **tspec,
		      PGconn **tconn, pw_error *err)
{
	pw_error e;
	if (pgw_db_open(w->target, w->tconn, w->target_db, d->datname,
			&w->run.session, tspec, tconn, &e) != PW_OK ||
	    pgw_require_extension(*tconn, *tspec ? *tspec : w->target,
				  "pg_prewarm", &e) != PW_OK) {
		pgw_db_skip(w->env, w->dbs_skipped, d->datname, e.cause);
		pgw_db_close(w->tconn, *tspec, *tconn);
		*tspec = NULL;
		*tconn = NULL;
		return PW_OK;
	}
	return drop_resident(w, d, *tconn, *tspec ? *tspec : w->target, err);
}

/* Loads d on the target's database of the same name. */
static int load_db(pgw_warm *w, pgw_db *d, pgw_conn_spec *tspec,
		   PGconn *tconn, json_object *step, pw_error *err)
{
	json_object *sub = json_object_new_object();
	json_object_object_add(sub, "database",
			       json_object_new_string(d->datname));
	json_object_object_add(sub, "source_blocks",
			       json_object_new_int64(d->source_blocks));
	json_object_object_add(sub, "budget_share",
			       json_object_new_int64(d->allowance));
	json_object_object_add(sub, "target_resident_blocks",
			       json_object_new_int64(d->target_resident));
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
	int rc = pgw_load_ranges(w, &d->names, d->ranges, d->nranges, sub,
				 err);
	w->current_db = NULL;
	w->budget_left = left - (share - w->budget_left);
	w->tconn = main_conn;
	w->target = main_spec;
	static const char *const keys[] = {
		"source_blocks", "target_resident_blocks", "blocks_wanted", "blocks_planned",
		"blocks_loaded", "ranges", "statements", "statements_failed",
		NULL};
	for (size_t i = 0; keys[i] != NULL; i++)
		sum_into(step, sub, keys[i]);
	return rc;
}

int pgw_dbset_load(pgw_warm *w, pgw_dbset *set, json_object *step,
		   pw_error *err)
{
	/* Block address order unless told otherwise: the selection stays
	 * hottest first, but hot and cooler blocks then share the buffer
	 * ring as on a reader that served the traffic. Hottest first puts
	 * the coldest blocks last in the ring, and the first clock sweep
	 * after the warm (the hand starts at buffer 0) lowers every hot
	 * block twice before it reaches them (README "Choosing the
	 * defaults": heldout 1.07 against 1.09-1.12). */
	int address = w->address_order;
	if (!w->load_order_given)
		w->address_order = 1;
	json_object_object_add(step, "load_order",
			       json_object_new_string(w->address_order
							      ? "address"
							      : "hot"));
	int rc = dbset_load(w, set, step, err);
	w->address_order = address;
	return rc;
}

static int dbset_load(pgw_warm *w, pgw_dbset *set, json_object *step,
		      pw_error *err)
{
	/* The step carries every figure, also when nothing is left to
	 * load (the target holds it all). */
	static const char *const zero[] = {"source_blocks", "blocks_loaded",
					   "statements_failed", NULL};
	for (size_t i = 0; zero[i] != NULL; i++)
		json_object_object_add(step, zero[i], json_object_new_int64(0));
	pgw_conn_spec **specs = calloc(set->n + 1, sizeof(*specs));
	PGconn **conns = calloc(set->n + 1, sizeof(*conns));
	int rc = specs && conns ? PW_OK
				: pw_error_set(err, "Postgres.QueryFailed",
					       "out of memory");
	for (size_t i = 0; i < set->n && rc == PW_OK; i++)
		if (set->v[i].nranges > 0) {
			rc = prepare_db(w, &set->v[i], &specs[i], &conns[i],
					err);
			if (conns[i] == NULL)
				set->v[i].nranges = 0;
		}
	/* The default budget fills the target's free buffers (what it
	 * already holds was left out above); an explicit fraction is
	 * taken as given. The count is taken now, after the warm's own
	 * catalog reads and those of the load statement (primed in each
	 * database): counted at the start, they overflowed it, and the
	 * clock sweep that made room lowered every replayed usage count
	 * (README "Where the excess misses come from"). */
	int64_t budget = w->budget_left;
	int64_t free_now = -1;
	if (!w->fraction_given && w->free_buffers >= 0) {
		for (size_t i = 0; i < set->n && rc == PW_OK; i++) {
			pw_error e;
			if (conns[i] != NULL &&
			    pgw_load_prime(conns[i],
					   specs[i] ? specs[i] : w->target,
					   &e) != PW_OK)
				pgw_log(w->env, PW_LOG_DEBUG,
					"database %s: load statement not "
					"primed: %s",
					set->v[i].datname, e.cause);
		}
		if (pgw_target_free_buffers(w, &free_now) != PW_OK)
			free_now = w->free_buffers - w->blocks_loaded;
		if (free_now < budget)
			budget = free_now;
	}
	if (budget < 0)
		budget = 0;
	json_object_object_add(step, "budget_blocks",
			       json_object_new_int64(budget));
	if (rc == PW_OK)
		allot(set, budget);
	for (size_t i = 0; i < set->n && rc == PW_OK && !w->timed_out; i++)
		if (set->v[i].nranges > 0)
			rc = load_db(w, &set->v[i], specs[i], conns[i], step,
				     err);
	for (size_t i = 0; specs && conns && i < set->n; i++)
		pgw_db_close(w->tconn, specs[i], conns[i]);
	free(specs);
	free(conns);
	return rc;
}

/* pgw_load.c - read a buffer cache; load ranges on the target. */
#include <stdlib.h>
#include <string.h>

#include "pgw_sql.h"
#include "pgw_warm.h"

/* Ranges per statement (the blocks per statement: w->statement_blocks). */
#define BATCH_RANGES 256

/* One statement loads a batch of ranges ($1..$5: relation, fork, first,
 * last, usage count). Each relation's size is taken once per statement,
 * not once per range: pg_relation_size stats every 1 GB segment, and a
 * scattered hot set makes nearly every range one block. Ranges past the
 * target's end are clamped (a standby may be shorter than its source).
 *
 * The prefetch pass (PREFETCH_PASS) asks the kernel for every block of
 * the batch first (posix_fadvise, no shared buffer used), so the reads
 * are in flight together while the buffer pass, in the batch's order,
 * copies them in: without it each backend waits for one 8 kB read at a
 * time, and the load took 2.2-2.7x fio's time for the same blocks
 * (README "Scale").
 *
 * Each range is then read u times in a row (the usage-count replay); the
 * result counts the first reads only (the blocks loaded). UNION ALL runs
 * its branches in order; ORDER BY i keeps the batch's order. */
#define PREWARM_HEAD                                                          \
	"WITH t AS MATERIALIZED (SELECT t.i, t.rel, t.fork, t.first, "        \
	"least(t.last, s.nlast) AS last_c, t.u "                              \
	"FROM unnest($1::oid[], $2::text[], $3::int8[], $4::int8[], "         \
	"$5::int[]) WITH ORDINALITY AS t(rel, fork, first, last, u, i) "      \
	"JOIN (SELECT d.rel, d.fork, pg_relation_size(d.rel::regclass, "      \
	"d.fork) / current_setting('block_size')::int8 - 1 AS nlast "         \
	"FROM (SELECT DISTINCT rel, fork FROM unnest($1::oid[], $2::text[]) " \
	"AS d(rel, fork)) d) s USING (rel, fork) "                            \
	"WHERE t.first <= s.nlast) "                                          \
	"SELECT coalesce(sum(x.n) FILTER (WHERE x.g = 1), 0)::int8 FROM ("
#define PREFETCH_PASS                                                         \
	"SELECT 0 AS g, pg_prewarm(t.rel::regclass, 'prefetch', t.fork, "     \
	"t.first, t.last_c) AS n FROM t UNION ALL "
#define BUFFER_PASS                                                           \
	"SELECT g, pg_prewarm(r.rel::regclass, 'buffer', r.fork, r.first, "   \
	"r.last_c) AS n FROM (SELECT * FROM t ORDER BY i) r, "                \
	"LATERAL generate_series(1, greatest(r.u, 1)) g) x"

static const char *const prewarm_sql = PREWARM_HEAD BUFFER_PASS;
static const char *const prefetch_prewarm_sql =
	PREWARM_HEAD PREFETCH_PASS BUFFER_PASS;

/* Whether to prefetch: the `prefetch` parameter (default true), and the
 * target's pg_prewarm can (a build without posix_fadvise raises "prefetch
 * is not supported by this build"; then every statement would fail). */
static int use_prefetch(pgw_warm *w)
{
	json_object *v = NULL;
	if (json_object_object_get_ex(w->params, "prefetch", &v) && v != NULL &&
	    !json_object_get_boolean(v))
		return 0;
	pw_error e;
	if (pgw_query(w->tconn, w->target,
		      "SELECT pg_prewarm('pg_class'::regclass, 'prefetch', "
		      "'main', 0, 0)",
		      0, NULL, NULL, &e) != PW_OK) {
		pgw_log(w->env, PW_LOG_DEBUG,
			"loading without prefetch: %s", e.cause);
		return 0;
	}
	return 1;
}

int pgw_load_prime(PGconn *conn, const pgw_conn_spec *spec, pw_error *err)
{
	const char *p[] = {"{}", "{}", "{}", "{}", "{}"};
	return pgw_query(conn, spec, prewarm_sql, 5, p, NULL, err);
}

/* A growable block array filled row by row. */
struct block_rows {
	pgw_names *names;
	pgw_block *b;
	size_t n, cap;
};

int pgw_blocks_push(pgw_block **b, size_t *n, size_t *cap, pgw_block blk)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4096;
		pgw_block *nb = realloc(*b, ncap * sizeof(*nb));
		if (nb == NULL)
			return -1;
		*b = nb;
		*cap = ncap;
	}
	(*b)[(*n)++] = blk;
	return 0;
}

static int block_row(void *ud, PGresult *r, pw_error *err)
{
	struct block_rows *br = ud;
	int rel = pgw_names_intern(br->names, PQgetvalue(r, 0, 0));
	if (rel < 0 ||
	    pgw_blocks_push(&br->b, &br->n, &br->cap,
			    (pgw_block){
				    .rel = rel,
				    .fork = (int16_t)strtol(PQgetvalue(r, 0, 1),
							    NULL, 10),
				    .block = strtoll(PQgetvalue(r, 0, 2), NULL,
						     10),
				    .usage = (int16_t)strtol(PQgetvalue(r, 0, 3),
							     NULL, 10),
			    }) != 0)
		return pw_error_set(err, "Postgres.QueryFailed",
				    "out of memory");
	return PW_OK;
}

/* Rows arrive one at a time (single-row mode): a large instance has
 * millions of buffers, and a whole PGresult of them would be several times
 * the size of the block array. */
int pgw_fetch_buffers(PGconn *conn, const pgw_conn_spec *spec,
		      pgw_names *names, int min_usage, pgw_block **blocks,
		      size_t *n, pw_error *err)
{
	*blocks = NULL;
	*n = 0;
	char usage[16];
	snprintf(usage, sizeof(usage), "%d", min_usage);
	const char *p[] = {usage};
	if (pgw_require_extension(conn, spec, "pg_buffercache", err) != PW_OK)
		return PW_ERR;
	struct block_rows br = {.names = names};
	if (pgw_query_each(conn, spec, "reading pg_buffercache",
			   "SELECT format('%I.%I', n.nspname, c.relname), "
			   "b.relforknumber, b.relblocknumber, b.usagecount "
			   "FROM pg_buffercache b "
			   "JOIN pg_class c "
			   "ON b.relfilenode = pg_relation_filenode(c.oid) "
			   "JOIN pg_namespace n ON n.oid = c.relnamespace "
			   "WHERE b.reldatabase = (SELECT oid FROM pg_database "
			   "WHERE datname = current_database()) "
			   "AND b.usagecount >= $1::int",
			   1, p, block_row, &br, err) != PW_OK) {
		free(br.b);
		return PW_ERR;
	}
	*blocks = br.b;
	*n = br.n;
	return PW_OK;
}

/* oids[i] = the target's oid of names->v[i], or NULL when it is missing. */
static int resolve(pgw_warm *w, const pgw_names *names, char ***oids,
		   pw_error *err)
{
	*oids = NULL;
	pgw_buf arr = {0};
	pgw_buf_add(&arr, "{");
	for (size_t i = 0; i < names->n; i++)
		pgw_buf_add_array_elem(&arr, names->v[i], i == 0);
	pgw_buf_add(&arr, "}");
	if (arr.oom) {
		pgw_buf_free(&arr);
		return pw_error_set(err, "Postgres.QueryFailed",
				    "out of memory");
	}
	const char *p[] = {arr.s};
	PGresult *r;
	int rc = pgw_query(w->tconn, w->target,
			   "SELECT oid FROM (" PGW_RESOLVE_SQL ") x ORDER BY i",
			   1, p, &r, err);
	pgw_buf_free(&arr);
	if (rc != PW_OK)
		return rc;
	char **o = calloc(names->n + 1, sizeof(*o));
	for (size_t i = 0; o != NULL && i < names->n; i++)
		if ((int)i < PQntuples(r) && !PQgetisnull(r, (int)i, 0))
			o[i] = strdup(PQgetvalue(r, (int)i, 0));
	PQclear(r);
	if (o == NULL)
		return pw_error_set(err, "Postgres.QueryFailed",
				    "out of memory");
	*oids = o;
	return PW_OK;
}

static void free_oids(char **oids, size_t n)
{
	if (oids == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free(oids[i]);
	free(oids);
}

/* Builds the pg_prewarm statement for one batch as a job. */
static int batch_job(pgw_job *job, char **oids, const pgw_range *ranges,
		     const pgw_batch *b, int tag, const char *sql)
{
	pgw_buf rel = {0}, fork = {0}, first = {0}, last = {0}, usage = {0};
	int rc = -1;
	pgw_buf_add(&usage, "{");
	pgw_buf_add(&rel, "{");
	pgw_buf_add(&fork, "{");
	pgw_buf_add(&first, "{");
	pgw_buf_add(&last, "{");
	for (size_t i = 0; i < b->count; i++) {
		const pgw_range *r = &ranges[b->first + i];
		const char *sep = i == 0 ? "" : ",";
		pgw_buf_addf(&rel, "%s%s", sep, oids[r->rel]);
		pgw_buf_addf(&fork, "%s%s", sep, pgw_fork_name(r->fork));
		pgw_buf_addf(&first, "%s%lld", sep, (long long)r->first);
		pgw_buf_addf(&last, "%s%lld", sep, (long long)r->last);
		pgw_buf_addf(&usage, "%s%d", sep, r->usage < 1 ? 1 : r->usage);
	}
	pgw_buf_add(&usage, "}");
	pgw_buf_add(&rel, "}");
	pgw_buf_add(&fork, "}");
	pgw_buf_add(&first, "}");
	pgw_buf_add(&last, "}");
	if (!rel.oom && !fork.oom && !first.oom && !last.oom && !usage.oom) {
		const char *p[] = {rel.s, fork.s, first.s, last.s, usage.s};
		rc = pgw_job_init(job, sql, 5, p, b->blocks, tag);
	}
	pgw_buf_free(&rel);
	pgw_buf_free(&fork);
	pgw_buf_free(&first);
	pgw_buf_free(&last);
	pgw_buf_free(&usage);
	return rc;
}

int pgw_load_ranges(pgw_warm *w, const pgw_names *names, pgw_range *ranges_in,
		    size_t nranges, json_object *step, pw_error *err)
{
	char **oids = NULL;
	pgw_range *ranges = NULL;
	pgw_batch *batches = NULL;
	pgw_job *jobs = NULL;
	size_t n = 0, nbatches = 0, njobs = 0;
	int64_t loaded = 0, missing_blocks = 0, failed = 0;
	int rc = PW_ERR;

	if (resolve(w, names, &oids, err) != PW_OK)
		return PW_ERR;
	/* Keep the ranges whose relation exists on the target. */
	ranges = malloc((nranges + 1) * sizeof(*ranges));
	if (ranges == NULL) {
		pw_error_set(err, "Postgres.QueryFailed", "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nranges; i++) {
		if (oids[ranges_in[i].rel] == NULL) {
			missing_blocks +=
				ranges_in[i].last - ranges_in[i].first + 1;
			continue;
		}
		ranges[n++] = ranges_in[i];
	}
	if (missing_blocks > 0) {
		char msg[160];
		snprintf(msg, sizeof(msg),
			 "%lld blocks of relations missing on the target, or "
			 "that this user may not read (grant pg_read_all_data), "
			 "were skipped",
			 (long long)missing_blocks);
		json_object_array_add(w->problems, json_object_new_string(msg));
	}
	int64_t wanted = pgw_ranges_blocks(ranges, n);
	n = pgw_ranges_truncate(ranges, n, w->budget_left);
	int64_t planned = pgw_ranges_blocks(ranges, n);
	/* The selection is hottest first; the load order is the block
	 * address when asked: hot and cooler blocks then sit side by side in
	 * the buffer ring, as on a reader that served the traffic, instead
	 * of the hottest in one stretch the first clock sweep lowers. */
	if (w->address_order)
		qsort(ranges, n, sizeof(*ranges), pgw_range_cmp_addr);
	if (pgw_batch_ranges(&ranges, &n, w->statement_blocks, BATCH_RANGES,
			     w->address_order, &batches,
			     &nbatches) != 0 ||
	    (nbatches > 0 &&
	     (jobs = calloc(nbatches, sizeof(*jobs))) == NULL)) {
		pw_error_set(err, "Postgres.QueryFailed", "out of memory");
		goto out;
	}
	const char *sql = nbatches > 0 && use_prefetch(w)
				  ? prefetch_prewarm_sql
				  : prewarm_sql;
	for (size_t i = 0; i < nbatches; i++) {
		int brc = batch_job(&jobs[i], oids, ranges, &batches[i], (int)i,
				    sql);
		if (brc == 0)
			brc = pgw_job_label(
				&jobs[i],
				w->current_db ? w->current_db : w->target_db,
				names->v[ranges[batches[i].first].rel]);
		njobs++; /* a half-built job is freed with the others */
		if (brc != 0) {
			pw_error_set(err, "Postgres.QueryFailed",
				     "out of memory");
			goto out;
		}
	}
	int timed_out = 0;
	if (njobs > 0 && !w->timed_out &&
	    pgw_run_jobs(w->env, w->target, &w->run, jobs, njobs, &timed_out,
			 err) != PW_OK)
		goto out;
	if (timed_out)
		w->timed_out = 1;
	for (size_t i = 0; i < njobs; i++) {
		const pgw_job *j = &jobs[i];
		if (j->state != PGW_JOB_PENDING)
			w->budget_left -= j->planned_blocks;
		if (j->state == PGW_JOB_OK && j->value != NULL) {
			loaded += strtoll(j->value, NULL, 10);
		} else if (j->state == PGW_JOB_FAILED) {
			failed++;
			pgw_log(w->env, PW_LOG_WARN, "pg_prewarm failed: %s",
				j->error != NULL ? j->error : "?");
		}
	}
	w->blocks_loaded += loaded;
	w->statements += (int64_t)njobs;
	w->statements_failed += failed;
	json_object_object_add(step, "blocks_wanted",
			       json_object_new_int64(wanted));
	json_object_object_add(step, "blocks_planned",
			       json_object_new_int64(planned));
	json_object_object_add(step, "blocks_loaded",
			       json_object_new_int64(loaded));
	json_object_object_add(step, "ranges", json_object_new_int64((int64_t)n));
	json_object_object_add(step, "statements",
			       json_object_new_int64((int64_t)njobs));
	json_object_object_add(step, "statements_failed",
			       json_object_new_int64(failed));
	rc = PW_OK;
out:
	pgw_jobs_free(jobs, njobs);
	free(batches);
	free(ranges);
	free_oids(oids, names->n);
	return rc;
}

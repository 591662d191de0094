/* pgw_mirror.c - mirror a source's buffer cache, live or from a snapshot,
 * for every database the cache holds blocks of (pgw_dbs.c). */
#include <stdlib.h>
#include <string.h>

#include "pgw_warm.h"

static json_object *new_step(pgw_warm *w, const char *name)
{
	json_object *step = json_object_new_object();
	json_object_object_add(step, "strategy", json_object_new_string(name));
	json_object_array_add(w->steps, step);
	return step;
}

static void add_seconds(json_object *step, int64_t t0)
{
	json_object_object_add(
		step, "seconds",
		json_object_new_double((double)(pgw_now_ms() - t0) / 1000.0));
}

/* Moves the connected database's hot blocks of the plan's read into w,
 * renamed into w's own table (each name interned once, not per block):
 * the report compares them with the target. */
static int keep_source_hot(pgw_warm *w, pgw_dbset *set, pw_error *err)
{
	w->source_hot_kept = 1;
	pgw_db *d = NULL;
	for (size_t i = 0; i < set->n && d == NULL; i++)
		if (strcmp(set->v[i].datname, w->source_db) == 0)
			d = &set->v[i];
	if (d == NULL)
		return PW_OK;
	int *map = malloc((d->names.n + 1) * sizeof(*map));
	int rc = map != NULL ? PW_OK : -1;
	for (size_t k = 0; rc == PW_OK && k < d->names.n; k++)
		if ((map[k] = pgw_names_intern(&w->source_hot_names,
					       d->names.v[k])) < 0)
			rc = -1;
	if (rc != PW_OK) {
		free(map);
		return pw_error_set(err, "Postgres.QueryFailed",
				    "out of memory");
	}
	for (size_t k = 0; k < d->nhot; k++)
		d->hot[k].rel = map[d->hot[k].rel];
	free(map);
	free(w->source_hot);
	w->source_hot = d->hot;
	w->nsource_hot = d->nhot;
	d->hot = NULL;
	d->nhot = 0;
	return PW_OK;
}

int pgw_strategy_mirror(pgw_warm *w, pw_error *err)
{
	pgw_snap_loc loc;
	if (pgw_snap_loc_get(w->params, &loc, err) != PW_OK)
		return PW_ERR;
	if (w->sconn == NULL && loc.given)
		return pgw_strategy_restore(w, &loc, err);
	if (w->sconn == NULL)
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "strategy 'mirror' needs a 'source' "
				    "connection, a 'snapshot_file' or "
				    "'snapshot_s3'");
	int64_t t0 = pgw_now_ms();
	json_object *step = new_step(w, "mirror");
	/* Without replay every block is read once (usage count 1 on the
	 * target): kept for measuring what replay buys. */
	json_object *rp = NULL;
	int replay = !json_object_object_get_ex(w->params, "replay_usage_counts",
						&rp) ||
		     rp == NULL || json_object_get_boolean(rp);
	pgw_dbset set = {.keep_hot_db = w->source_db};
	int rc = pgw_dbset_read(w->env, w->sconn, w->source, w->source_db,
				&w->run.session, 0, replay, &set,
				w->dbs_skipped, err);
	if (rc == PW_OK)
		rc = keep_source_hot(w, &set, err);
	/* The two phases apart: the list read is the source's cost, the
	 * load is what the target's disk allows. */
	int64_t t1 = pgw_now_ms();
	json_object_object_add(step, "list_seconds",
			       json_object_new_double((double)(t1 - t0) /
						      1000.0));
	if (rc == PW_OK)
		rc = pgw_dbset_load(w, &set, step, err);
	json_object_object_add(step, "load_seconds",
			       json_object_new_double(
				       (double)(pgw_now_ms() - t1) / 1000.0));
	add_seconds(step, t0);
	pgw_dbset_free(&set);
	return rc;
}

int pgw_strategy_restore(pgw_warm *w, const pgw_snap_loc *loc,
			 pw_error *err)
{
	int64_t t0 = pgw_now_ms();
	json_object *step = new_step(w, "restore");
	json_object_object_add(step, "snapshot",
			       json_object_new_string(loc->label));
	pgw_dbset set = {0};
	int rc = pgw_snapshot_load(w->env, loc, w->target_db, &set, err);
	for (size_t i = 0; rc == PW_OK && i < set.n; i++)
		set.v[i].source_blocks =
			pgw_ranges_blocks(set.v[i].ranges, set.v[i].nranges);
	if (rc == PW_OK)
		rc = pgw_dbset_load(w, &set, step, err);
	add_seconds(step, t0);
	pgw_dbset_free(&set);
	return rc;
}

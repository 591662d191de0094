/* pgw_mirror.c - mirror a source's buffer cache, live or from a snapshot. */
#include <stdlib.h>
#include <string.h>

#include "pgw_warm.h"

/* Loads blocks (any order) hottest first: coalesced, budget-truncated.
 * A resident block with usage count 0 (next in line for eviction on the
 * source) is still loaded, last, once. Without replay every block is read
 * once (usage count 1 on the target): kept for measuring what replay buys. */
int pgw_mirror_load(pgw_warm *w, const pgw_names *names, pgw_block *blocks,
		    size_t n, int replay, json_object *step, pw_error *err)
{
	pgw_range *ranges = NULL;
	size_t nranges = 0;
	for (size_t i = 0; i < n; i++)
		if (blocks[i].usage < 1 || !replay)
			blocks[i].usage = 1;
	pgw_blocks_sort_hot(blocks, n);
	if (pgw_coalesce(blocks, n, &ranges, &nranges) != 0)
		return pw_error_set(err, "Postgres.QueryFailed",
				    "out of memory");
	int rc = pgw_load_ranges(w, names, ranges, nranges, step, err);
	free(ranges);
	return rc;
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
	json_object *step = json_object_new_object();
	json_object_object_add(step, "strategy",
			       json_object_new_string("mirror"));
	json_object_array_add(w->steps, step);
	json_object *rp = NULL;
	int replay = !json_object_object_get_ex(w->params, "replay_usage_counts",
						&rp) ||
		     rp == NULL || json_object_get_boolean(rp);
	int rc = pgw_mirror_all(w, step, replay, err);
	json_object_object_add(
		step, "seconds",
		json_object_new_double((double)(pgw_now_ms() - t0) / 1000.0));
	return rc;
}

int pgw_strategy_restore(pgw_warm *w, const pgw_snap_loc *loc,
			 pw_error *err)
{
	int64_t t0 = pgw_now_ms();
	json_object *step = json_object_new_object();
	json_object_object_add(step, "strategy",
			       json_object_new_string("restore"));
	json_object_object_add(step, "snapshot", json_object_new_string(
							 loc->label));
	json_object_array_add(w->steps, step);
	pgw_names names = {0};
	pgw_range *ranges = NULL;
	size_t n = 0;
	int rc = pgw_snapshot_load(w->env, loc, &names, &ranges, &n, err);
	if (rc == PW_OK) {
		json_object_object_add(
			step, "source_blocks",
			json_object_new_int64(pgw_ranges_blocks(ranges, n)));
		rc = pgw_load_ranges(w, &names, ranges, n, step, err);
	}
	json_object_object_add(
		step, "seconds",
		json_object_new_double((double)(pgw_now_ms() - t0) / 1000.0));
	free(ranges);
	pgw_names_clear(&names);
	return rc;
}

/* pgw_mirror.c - mirror a source's buffer cache, live or from a snapshot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pgw_csv.h"
#include "pgw_warm.h"

/* Loads blocks (any order) hottest first: coalesced, budget-truncated.
 * A resident block with usage count 0 (next in line for eviction on the
 * source) is still loaded, last, once. Without replay every block is read
 * once (usage count 1 on the target): kept for measuring what replay buys. */
static int load_blocks(pgw_warm *w, const pgw_names *names, pgw_block *blocks,
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
	const char *snap = NULL;
	if (pgw_param_string(w->params, "snapshot_file", &snap, err) != PW_OK)
		return PW_ERR;
	if (w->sconn == NULL && snap != NULL)
		return pgw_strategy_restore(w, snap, err);
	if (w->sconn == NULL)
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "strategy 'mirror' needs a 'source' "
				    "connection or a 'snapshot_file'");
	int64_t t0 = pgw_now_ms();
	json_object *step = json_object_new_object();
	json_object_object_add(step, "strategy",
			       json_object_new_string("mirror"));
	json_object_array_add(w->steps, step);
	pgw_names names = {0};
	pgw_block *blocks = NULL;
	size_t n = 0;
	json_object *rp = NULL;
	int replay = !json_object_object_get_ex(w->params, "replay_usage_counts",
						&rp) ||
		     rp == NULL || json_object_get_boolean(rp);
	int rc = pgw_fetch_buffers(w->sconn, w->source, &names, 0, &blocks, &n,
				   err);
	if (rc == PW_OK) {
		json_object_object_add(step, "source_blocks",
				       json_object_new_int64((int64_t)n));
		rc = load_blocks(w, &names, blocks, n, replay, step, err);
	}
	json_object_object_add(
		step, "seconds",
		json_object_new_double((double)(pgw_now_ms() - t0) / 1000.0));
	free(blocks);
	pgw_names_clear(&names);
	return rc;
}

int pgw_strategy_restore(pgw_warm *w, const char *path, pw_error *err)
{
	int64_t t0 = pgw_now_ms();
	json_object *step = json_object_new_object();
	json_object_object_add(step, "strategy",
			       json_object_new_string("restore"));
	json_object_object_add(step, "snapshot_file",
			       json_object_new_string(path));
	json_object_array_add(w->steps, step);
	pgw_names names = {0};
	pgw_range *ranges = NULL;
	size_t n = 0;
	int rc = pgw_snapshot_read(path, &names, &ranges, &n, err);
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

static const char snapshot_header[] =
	"relation,fork,first_block,last_block,usage_count";

static void write_csv_field(FILE *f, const char *s)
{
	fputc('"', f);
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '"')
			fputc('"', f);
		fputc(*p, f);
	}
	fputc('"', f);
}

int pgw_snapshot_write(const char *path, const pgw_names *names,
		       const pgw_range *ranges, size_t n, pw_error *err)
{
	/* Write beside the target and rename, so a reader never sees half. */
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "snapshot_file: path too long");
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "%s: cannot create: %s", tmp,
				    strerror(errno));
	fprintf(f, "%s\n", snapshot_header);
	for (size_t i = 0; i < n; i++) {
		write_csv_field(f, names->v[ranges[i].rel]);
		fprintf(f, ",%s,%lld,%lld,%d\n", pgw_fork_name(ranges[i].fork),
			(long long)ranges[i].first, (long long)ranges[i].last,
			ranges[i].usage);
	}
	int bad = ferror(f);
	if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "%s: cannot write: %s", path, strerror(e));
	}
	return PW_OK;
}

struct snap_state {
	const char *path;
	int header_done;
	pgw_names *names;
	pgw_range *ranges;
	size_t n, cap;
	pw_error *err;
};

static int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int on_snap_record(char **f, size_t n, int line, void *ud)
{
	struct snap_state *st = ud;
	if (!st->header_done) {
		/* Compare the joined header with the expected one. */
		char joined[256] = "";
		for (size_t i = 0; i < n; i++) {
			size_t l = strlen(joined);
			snprintf(joined + l, sizeof(joined) - l, "%s%s",
				 i ? "," : "", f[i]);
		}
		if (strcmp(joined, snapshot_header) != 0) {
			pw_error_set(st->err, "Postgres.SnapshotInvalid",
				     "%s:%d: not a buffer snapshot (expected "
				     "header %s)",
				     st->path, line, snapshot_header);
			return 1;
		}
		st->header_done = 1;
		return 0;
	}
	if (n != 5) {
		pw_error_set(st->err, "Postgres.SnapshotInvalid",
			     "%s:%d: %zu fields, expected 5", st->path, line,
			     n);
		return 1;
	}
	static const char *const names[] = {"first_block", "last_block",
					    "usage_count"};
	int64_t v[3];
	int64_t max[] = {INT32_MAX * 2LL, INT32_MAX * 2LL, 5};
	int64_t min[] = {0, 0, 1};
	for (int i = 0; i < 3; i++)
		if (parse_i64(f[2 + i], min[i], max[i], &v[i]) != 0) {
			pw_error_set(st->err, "Postgres.SnapshotInvalid",
				     "%s:%d: field %s: '%.40s' is not a valid "
				     "number",
				     st->path, line, names[i], f[2 + i]);
			return 1;
		}
	int fork = pgw_fork_number(f[1]);
	if (fork < 0 || v[0] > v[1] || f[0][0] == '\0') {
		pw_error_set(st->err, "Postgres.SnapshotInvalid",
			     "%s:%d: field %s: invalid", st->path, line,
			     fork < 0 ? "fork"
				      : (f[0][0] == '\0' ? "relation"
							 : "first_block"));
		return 1;
	}
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 256;
		pgw_range *r = realloc(st->ranges, cap * sizeof(*r));
		if (r == NULL)
			return -1;
		st->ranges = r;
		st->cap = cap;
	}
	int rel = pgw_names_intern(st->names, f[0]);
	if (rel < 0)
		return -1;
	st->ranges[st->n++] = (pgw_range){.rel = rel,
					  .fork = (int16_t)fork,
					  .usage = (int16_t)v[2],
					  .first = v[0],
					  .last = v[1]};
	return 0;
}

int pgw_snapshot_read(const char *path, pgw_names *names, pgw_range **ranges,
		      size_t *n, pw_error *err)
{
	*ranges = NULL;
	*n = 0;
	char *text;
	size_t len;
	if (pgw_read_file(path, &text, &len, err) != PW_OK)
		return PW_ERR;
	struct snap_state st = {.path = path, .names = names, .err = err};
	int rc = pgw_csv_each_record(text, len, on_snap_record, &st);
	free(text);
	if (rc == 0 && !st.header_done)
		rc = 1, pw_error_set(err, "Postgres.SnapshotInvalid",
				     "%s:1: empty file", path);
	if (rc == -1)
		pw_error_set(err, "Postgres.SnapshotInvalid", "out of memory");
	else if (rc == -2)
		pw_error_set(err, "Postgres.SnapshotInvalid",
			     "%s: malformed CSV", path);
	if (rc != 0) {
		free(st.ranges);
		return PW_ERR;
	}
	*ranges = st.ranges;
	*n = st.n;
	return PW_OK;
}

/* pgw_snapshot.c - buffer snapshots in a file and/or an S3 object. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgw_csv.h"
#include "pgw_sql.h"
#include "pgw_warm.h"

/* The database column came with multi-database snapshots; a file
 * without it (the older header) holds the connected database's blocks. */
static const char snapshot_header[] =
	"relation,fork,first_block,last_block,usage_count,database";
static const char snapshot_header_v1[] =
	"relation,fork,first_block,last_block,usage_count";

int pgw_snap_loc_get(json_object *params, pgw_snap_loc *loc, pw_error *err)
{
	memset(loc, 0, sizeof(*loc));
	if (pgw_param_string(params, "snapshot_file", &loc->file, err) != PW_OK)
		return PW_ERR;
	json_object *s3 = NULL;
	if (json_object_object_get_ex(params, "snapshot_s3", &s3) && s3 != NULL) {
		loc->bucket = pgw_json_str(s3, "Bucket");
		loc->key = pgw_json_str(s3, "Key");
		if (loc->bucket == NULL || loc->key == NULL)
			return pw_error_set(err, "Postgres.InvalidParameter",
					    "parameter 'snapshot_s3': needs "
					    "Bucket and Key strings");
	}
	loc->given = loc->file != NULL || loc->bucket != NULL;
	if (loc->file != NULL)
		snprintf(loc->label, sizeof(loc->label), "%s", loc->file);
	else if (loc->bucket != NULL)
		snprintf(loc->label, sizeof(loc->label), "s3://%s/%s",
			 loc->bucket, loc->key);
	return PW_OK;
}

static void add_csv_field(pgw_buf *b, const char *s)
{
	pgw_buf_add(b, "\"");
	for (const char *p = s; *p != '\0'; p++)
		pgw_buf_add(b, *p == '"' ? "\"\"" : (char[]){*p, 0});
	pgw_buf_add(b, "\"");
}

int pgw_snapshot_save(const pgw_env *env, const pgw_snap_loc *loc,
		      const pgw_dbset *set, pw_error *err)
{
	pgw_buf b = {0};
	pgw_buf_addf(&b, "%s\n", snapshot_header);
	for (size_t d = 0; d < set->n; d++) {
		const pgw_db *db = &set->v[d];
		for (size_t i = 0; i < db->nranges; i++) {
			const pgw_range *r = &db->ranges[i];
			add_csv_field(&b, db->names.v[r->rel]);
			pgw_buf_addf(&b, ",%s,%lld,%lld,%d,",
				     pgw_fork_name(r->fork),
				     (long long)r->first, (long long)r->last,
				     r->usage);
			add_csv_field(&b, db->datname);
			pgw_buf_add(&b, "\n");
		}
	}
	int rc = PW_OK;
	if (b.oom)
		rc = pw_error_set(err, "Postgres.QueryFailed", "out of memory");
	if (rc == PW_OK && loc->file != NULL)
		rc = pgw_write_file(loc->file, "snapshot_file", b.s, b.len,
				    err);
	if (rc == PW_OK && loc->bucket != NULL) {
		json_object *res = NULL;
		rc = pgw_s3_call(env, "snapshot_s3", "PutObject", loc->bucket,
				 loc->key, b.s, &res, err);
		json_object_put(res);
	}
	pgw_buf_free(&b);
	return rc;
}

struct snap_state {
	const char *name;
	const char *default_db;
	int header_done;
	size_t fields; /* 5 (older header) or 6 */
	pgw_dbset *set;
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
		char joined[256] = "";
		for (size_t i = 0; i < n; i++) {
			size_t l = strlen(joined);
			snprintf(joined + l, sizeof(joined) - l, "%s%s",
				 i ? "," : "", f[i]);
		}
		st->fields = strcmp(joined, snapshot_header) == 0      ? 6
			     : strcmp(joined, snapshot_header_v1) == 0 ? 5
								       : 0;
		if (st->fields == 0) {
			pw_error_set(st->err, "Postgres.SnapshotInvalid",
				     "%s:%d: not a buffer snapshot (expected "
				     "header %s)",
				     st->name, line, snapshot_header);
			return 1;
		}
		st->header_done = 1;
		return 0;
	}
	if (n != st->fields) {
		pw_error_set(st->err, "Postgres.SnapshotInvalid",
			     "%s:%d: %zu fields, expected %zu", st->name, line,
			     n, st->fields);
		return 1;
	}
	static const char *const fields[] = {"first_block", "last_block",
					     "usage_count"};
	int64_t v[3];
	const int64_t max[] = {INT32_MAX * 2LL, INT32_MAX * 2LL, 5};
	const int64_t min[] = {0, 0, 1};
	for (int i = 0; i < 3; i++)
		if (parse_i64(f[2 + i], min[i], max[i], &v[i]) != 0) {
			pw_error_set(st->err, "Postgres.SnapshotInvalid",
				     "%s:%d: field %s: '%.40s' is not a valid "
				     "number",
				     st->name, line, fields[i], f[2 + i]);
			return 1;
		}
	int fork = pgw_fork_number(f[1]);
	const char *datname = n == 6 ? f[5] : st->default_db;
	if (f[0][0] == '\0' || fork < 0 || v[0] > v[1] || datname[0] == '\0') {
		pw_error_set(st->err, "Postgres.SnapshotInvalid",
			     "%s:%d: field %s: invalid", st->name, line,
			     f[0][0] == '\0' ? "relation"
			     : fork < 0      ? "fork"
			     : v[0] > v[1]   ? "first_block"
					     : "database");
		return 1;
	}
	pgw_db *d = pgw_dbset_get(st->set, datname);
	int rel = d != NULL ? pgw_names_intern(&d->names, f[0]) : -1;
	if (rel < 0 || pgw_db_add_range(d, (pgw_range){.rel = rel,
						       .fork = (int16_t)fork,
						       .usage = (int16_t)v[2],
						       .first = v[0],
						       .last = v[1]}) != 0)
		return -1;
	return 0;
}

int pgw_snapshot_parse(const char *text, size_t len, const char *name,
		       const char *default_db, pgw_dbset *set, pw_error *err)
{
	struct snap_state st = {
		.name = name, .default_db = default_db, .set = set, .err = err};
	int rc = pgw_csv_each_record(text, len, on_snap_record, &st);
	if (rc == 0 && !st.header_done) {
		rc = 1;
		pw_error_set(err, "Postgres.SnapshotInvalid", "%s:1: empty file",
			     name);
	}
	if (rc == -1)
		pw_error_set(err, "Postgres.SnapshotInvalid", "out of memory");
	else if (rc == -2)
		pw_error_set(err, "Postgres.SnapshotInvalid",
			     "%s: malformed CSV", name);
	return rc != 0 ? PW_ERR : PW_OK;
}

int pgw_snapshot_load(const pgw_env *env, const pgw_snap_loc *loc,
		      const char *default_db, pgw_dbset *set, pw_error *err)
{
	if (loc->file != NULL) {
		char *text;
		size_t len;
		if (pgw_read_file(loc->file, &text, &len, err) != PW_OK)
			return PW_ERR;
		int rc = pgw_snapshot_parse(text, len, loc->file, default_db,
					    set, err);
		free(text);
		return rc;
	}
	if (loc->bucket == NULL)
		return pw_error_set(err, "Postgres.InvalidParameter",
				    "a 'snapshot_file' or 'snapshot_s3' is "
				    "required");
	json_object *res = NULL;
	if (pgw_s3_call(env, "snapshot_s3", "GetObject", loc->bucket, loc->key,
			NULL, &res, err) != PW_OK)
		return PW_ERR;
	const char *body = res != NULL ? pgw_json_str(res, "Body") : NULL;
	int rc = body == NULL
			 ? pw_error_set(err, "Postgres.SnapshotInvalid",
					"%s: s3:GetObject returned no Body",
					loc->label)
			 : pgw_snapshot_parse(body, strlen(body), loc->label,
					      default_db, set, err);
	json_object_put(res);
	return rc;
}

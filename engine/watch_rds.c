/*
 * watch_rds - `prewarm watch` without EventBridge: polls RDS.
 *
 *   DescribeEvents (SourceType db-instance) since a stored marker: each
 *   "DB instance created" is an instance-created event, key
 *   "rds-created-ID-DATE", input {"DBInstanceIdentifier": ID}.
 *   DescribeDBClusters: a cluster whose writer differs from the one stored
 *   at the previous poll had a failover: key "rds-writer-CLUSTER-WRITER-
 *   TIME", input {"DBClusterIdentifier": CLUSTER}.
 *
 * State: STATE_DIR/watch/rds-poll.json {"marker_ms", "writers": {...}},
 * rewritten atomically after each poll. The first poll only records (no
 * history is replayed: start from now).
 */
#include "pw_watch.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "prewarm/timestamp.h"
#include "pw_clock.h"
#include "pw_log.h"

/* An RDS event's Date -> epoch ms (UTC when it names no zone); -1 when it is
 * not such a time. */
static int64_t parse_time(const char *s)
{
	double t;
	if (pw_timestamp_parse_flags(s, PW_TS_ZONE_OPTIONAL, &t) != 0)
		return -1;
	return (int64_t)llround(t * 1000.0);
}

static const char *str(json_object *o, const char *k)
{
	json_object *v;
	return o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static int managed(json_object *clusters, const char *id)
{
	if (clusters == NULL)
		return 1;
	for (size_t i = 0; i < json_object_array_length(clusters); i++)
		if (strcasecmp(json_object_get_string(json_object_array_get_idx(clusters, i)), id) == 0)
			return 1;
	return 0;
}

static int call(pw_registry *reg, const char *resource, json_object *params, json_object **out)
{
	pw_error err = {{0}, {0}};
	struct pw_call_opts o = {0, 60000, "watch"};
	int rc = pw_registry_call(reg, resource, params, &o, out, &err);
	json_object_put(params);
	if (rc != PW_OK)
		pw_log(PW_LOG_WARN, "watch", "RDS polling: %s failed (%s: %s); next poll retries",
		       resource, err.name, err.cause);
	return rc;
}

static void new_instances(pw_registry *reg, int64_t marker, int64_t *newest, int first,
			  pw_watch_found_fn found, void *ud)
{
	char since[40];
	json_object *p = json_object_new_object(), *res = NULL, *events;
	pw_clock_format_rfc3339(marker, since, sizeof(since));
	json_object_object_add(p, "SourceType", json_object_new_string("db-instance"));
	json_object_object_add(p, "StartTime", json_object_new_string(since));
	if (call(reg, "rds:DescribeEvents", p, &res) != PW_OK)
		return;
	if (json_object_object_get_ex(res, "Events", &events))
		for (size_t i = 0; i < json_object_array_length(events); i++) {
			json_object *e = json_object_array_get_idx(events, i);
			const char *id = str(e, "SourceIdentifier"), *msg = str(e, "Message");
			int64_t when = parse_time(str(e, "Date"));
			/* StartTime is inclusive (and not every server honours it). */
			if (id == NULL || msg == NULL || when <= marker)
				continue;
			if (when > *newest)
				*newest = when;
			if (first || strcmp(msg, "DB instance created") != 0)
				continue;
			char key[200];
			snprintf(key, sizeof(key), "rds-created-%.63s-%lld", id, (long long)when);
			json_object *input = json_object_new_object();
			json_object_object_add(input, "DBInstanceIdentifier", json_object_new_string(id));
			found(ud, PW_WATCH_INSTANCE_CREATED, key, input);
			json_object_put(input);
		}
	json_object_put(res);
}

static void writer_changes(pw_registry *reg, json_object *clusters, json_object *writers, int first,
			   pw_watch_found_fn found, void *ud)
{
	json_object *res = NULL, *list;
	if (call(reg, "rds:DescribeDBClusters", json_object_new_object(), &res) != PW_OK)
		return;
	if (json_object_object_get_ex(res, "DBClusters", &list))
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *c = json_object_array_get_idx(list, i), *members;
			const char *id = str(c, "DBClusterIdentifier"), *writer = NULL;
			if (id == NULL || !managed(clusters, id))
				continue;
			if (json_object_object_get_ex(c, "DBClusterMembers", &members))
				for (size_t k = 0; k < json_object_array_length(members); k++) {
					json_object *m = json_object_array_get_idx(members, k), *w;
					if (json_object_object_get_ex(m, "IsClusterWriter", &w) &&
					    json_object_get_boolean(w))
						writer = str(m, "DBInstanceIdentifier");
				}
			if (writer == NULL)
				continue;
			const char *before = str(writers, id);
			if (!first && before != NULL && strcmp(before, writer) != 0) {
				char key[200];
				snprintf(key, sizeof(key), "rds-writer-%.63s-%.63s-%lld", id, writer,
					 (long long)(pw_clock_system()->wall_ms(NULL) / 1000));
				pw_log(PW_LOG_INFO, "watch", "RDS polling: cluster %s's writer changed from %s to %s",
				       id, before, writer);
				json_object *input = json_object_new_object();
				json_object_object_add(input, "DBClusterIdentifier", json_object_new_string(id));
				found(ud, PW_WATCH_FAILOVER, key, input);
				json_object_put(input);
			}
			json_object_object_add(writers, id, json_object_new_string(writer));
		}
	json_object_put(res);
}

int pw_watch_rds_poll(pw_registry *reg, const char *state_dir, json_object *clusters,
		      pw_watch_found_fn found, void *ud)
{
	char path[4200], tmp[4300];
	snprintf(path, sizeof(path), "%s/watch/rds-poll.json", state_dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	json_object *st = json_object_from_file(path), *v, *writers;
	int first = st == NULL;
	int64_t now = pw_clock_system()->wall_ms(NULL);
	int64_t marker = now;
	if (st != NULL && json_object_object_get_ex(st, "marker_ms", &v))
		marker = json_object_get_int64(v);
	if (st == NULL || !json_object_object_get_ex(st, "writers", &writers) ||
	    !json_object_is_type(writers, json_type_object)) {
		json_object_put(st);
		st = json_object_new_object();
		writers = json_object_new_object();
		json_object_object_add(st, "writers", writers);
	}
	int64_t newest = marker;
	new_instances(reg, first ? now - 1 : marker, &newest, first, found, ud);
	writer_changes(reg, clusters, writers, first, found, ud);
	json_object_object_add(st, "marker_ms", json_object_new_int64(newest));
	int rc = json_object_to_file_ext(tmp, st, JSON_C_TO_STRING_PLAIN) == 0 &&
			 rename(tmp, path) == 0
		     ? 0
		     : -1;
	if (rc != 0)
		pw_log(PW_LOG_ERROR, "watch", "RDS polling: cannot write %s: %s", path, strerror(errno));
	json_object_put(st);
	return rc;
}

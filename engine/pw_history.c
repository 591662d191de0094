/*
 * pw_history - summaries of journaled executions for the operator views
 * (`prewarm executions`, `history --format text`, `graph --execution`).
 */
#include "pw_history.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pw_choice.h"
#include "pw_journal.h"

const char *pw_history_status_name(enum pw_history_status s)
{
	switch (s) {
	case PW_HISTORY_RUNNING:
		return "running";
	case PW_HISTORY_SUCCEEDED:
		return "succeeded";
	case PW_HISTORY_FAILED:
		return "failed";
	default:
		return "interrupted";
	}
}

static const char *str_field(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

double pw_history_event_time(json_object *ev)
{
	double t;
	const char *ts = str_field(ev, "timestamp");
	return ts != NULL && pw_timestamp_parse(ts, &t) == 0 ? t : -1;
}

int pw_history_event_nested(json_object *ev)
{
	json_object *v;
	return json_object_object_get_ex(ev, "scope", &v) && v != NULL;
}

void pw_history_summarize(const char *state_dir, const char *id, json_object *events,
			  struct pw_history_summary *out)
{
	memset(out, 0, sizeof(*out));
	out->id = id;
	out->started = out->last = -1;
	out->n_events = json_object_array_length(events);
	const char *open_state = NULL; /* the top-level state entered, not yet exited */
	int finished = 0;
	for (size_t i = 0; i < out->n_events; i++) {
		json_object *ev = json_object_array_get_idx(events, i);
		const char *type = str_field(ev, "type");
		double t = pw_history_event_time(ev);
		if (t >= 0)
			out->last = t;
		if (type == NULL)
			continue;
		if (strcmp(type, "ExecutionStarted") == 0 && out->workflow == NULL) {
			const char *st = str_field(ev, "startTime");
			out->workflow = str_field(ev, "workflow");
			out->key = str_field(ev, "key");
			if (st == NULL || pw_timestamp_parse(st, &out->started) != 0)
				out->started = t;
		} else if (pw_history_event_nested(ev)) {
			continue;
		} else if (strcmp(type, "StateEntered") == 0) {
			open_state = str_field(ev, "state");
		} else if (strcmp(type, "StateExited") == 0) {
			open_state = NULL;
		} else if (strcmp(type, "ExecutionSucceeded") == 0) {
			out->status = PW_HISTORY_SUCCEEDED;
			finished = 1;
		} else if (strcmp(type, "ExecutionFailed") == 0) {
			out->status = PW_HISTORY_FAILED;
			out->error = str_field(ev, "error");
			out->cause = str_field(ev, "cause");
			finished = 1;
		} else if (strcmp(type, "ExecutionResumed") == 0) {
			finished = 0;
		}
	}
	if (finished && out->status == PW_HISTORY_SUCCEEDED)
		return;
	out->state = open_state;
	if (!finished)
		out->status = state_dir != NULL && pw_journal_is_running(state_dir, id)
				      ? PW_HISTORY_RUNNING
				      : PW_HISTORY_INTERRUPTED;
}

static double mtime_of(json_object *item)
{
	json_object *v;
	return json_object_object_get_ex(item, "mtime", &v) ? json_object_get_double(v) : 0;
}

static int newest_written_first(const void *a, const void *b)
{
	json_object *x = *(json_object *const *)a, *y = *(json_object *const *)b;
	double mx = mtime_of(x), my = mtime_of(y);
	if (mx != my)
		return mx < my ? 1 : -1;
	return strcmp(str_field(x, "id"), str_field(y, "id"));
}

/* The journals' layout is pw_journal's: STATE_DIR/executions/ID.jsonl. */
int pw_history_list(const char *state_dir, json_object **list, pw_error *err)
{
	char dir[4096];
	json_object **ids = list;
	*ids = json_object_new_array();
	snprintf(dir, sizeof(dir), "%s/executions", state_dir);
	DIR *d = opendir(dir);
	if (d == NULL) {
		if (errno == ENOENT)
			return PW_OK;
		json_object_put(*ids);
		*ids = NULL;
		return pw_error_set(err, "Journal.Unavailable", "cannot read %s: %s", dir,
				    strerror(errno));
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len <= 6 || strcmp(de->d_name + len - 6, ".jsonl") != 0)
			continue;
		char id[256];
		if (len - 6 >= sizeof(id))
			continue;
		memcpy(id, de->d_name, len - 6);
		id[len - 6] = '\0';
		struct stat st;
		if (!pw_journal_id_valid(id) || fstatat(dirfd(d), de->d_name, &st, 0) != 0)
			continue;
		json_object *item = json_object_new_object();
		json_object_object_add(item, "id", json_object_new_string(id));
		json_object_object_add(item, "mtime",
				       json_object_new_double((double)st.st_mtim.tv_sec +
							      (double)st.st_mtim.tv_nsec / 1e9));
		json_object_array_add(*ids, item);
	}
	closedir(d);
	json_object_array_sort(*ids, newest_written_first);
	return PW_OK;
}

void pw_history_workflow_name(const char *path, char *buf, size_t len)
{
	static const char *const exts[] = {".yaml", ".yml", ".json", ".lua"};
	const char *base = path ? strrchr(path, '/') : NULL;
	base = base ? base + 1 : path ? path : "?";
	size_t n = strlen(base);
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t e = strlen(exts[i]);
		if (n > e && strcmp(base + n - e, exts[i]) == 0) {
			n -= e;
			break;
		}
	}
	snprintf(buf, len, "%.*s", (int)n, base);
}

double pw_history_parse_duration(const char *s)
{
	char *end;
	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (errno != 0 || end == s || v < 0 || v != v)
		return -1;
	static const struct {
		const char *unit;
		double seconds;
	} units[] = {{"", 1}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}, {"w", 604800}};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].unit) == 0)
			return v * units[i].seconds;
	return -1;
}

void pw_history_format_duration(double s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 10)
		snprintf(buf, len, "%.3fs", s);
	else if (s < 60)
		snprintf(buf, len, "%.1fs", s);
	else if (s < 3600)
		snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)s % 60);
	else
		snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
}

void pw_history_path(json_object *events, json_object *visited, json_object *edges)
{
	size_t n = json_object_array_length(events);
	for (size_t i = 0; i < n; i++) {
		json_object *ev = json_object_array_get_idx(events, i), *v;
		const char *type = str_field(ev, "type"), *state = str_field(ev, "state");
		char key[600];
		if (type == NULL || state == NULL)
			continue;
		if (strcmp(type, "StateEntered") == 0) {
			json_object_object_add(visited, state, json_object_new_boolean(1));
		} else if (strcmp(type, "StateExited") == 0) {
			const char *next = str_field(ev, "next");
			snprintf(key, sizeof(key), "%s\x1f%s", state, next ? next : "");
			json_object_object_add(edges, key, json_object_new_boolean(1));
		} else if (strcmp(type, "TaskScheduled") == 0 &&
			   json_object_object_get_ex(ev, "attempt", &v) && json_object_get_int(v) > 1) {
			snprintf(key, sizeof(key), "%s\x1f%s", state, state);
			json_object_object_add(edges, key, json_object_new_boolean(1));
		}
	}
}

/* pw_watch - the `watch:` config section and what each queued event asks
 * for. Pure functions: no AWS, no processes (those are in watch_loop.c). */
#include "pw_watch.h"

#include <ctype.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PW_WORKFLOW_DIR
#define PW_WORKFLOW_DIR "/usr/share/aurora-prewarm/workflows"
#endif

static const char *const kind_names[] = {"instance-created", "failover", "reconcile",
					 "ignored", "malformed"};
static const char *const default_workflows[PW_WATCH_N_ROUTES] = {
	"aurora-replica-prewarm.yaml", "aurora-failover-adjust.yaml", "reconcile.yaml"};

const char *pw_watch_kind_name(enum pw_watch_kind kind)
{
	return (unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind]
									: "?";
}

static json_object *member(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v; /* JSON null is NULL too */
}

static const char *string_member(json_object *o, const char *key)
{
	json_object *v = member(o, key);
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static void set_kind(struct pw_watch_event *ev, enum pw_watch_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_kind(struct pw_watch_event *ev, enum pw_watch_kind kind, const char *fmt, ...)
{
	va_list ap;
	ev->kind = kind;
	va_start(ap, fmt);
	vsnprintf(ev->reason, sizeof(ev->reason), fmt, ap);
	va_end(ap);
}

/* An RDS identifier (1-63 letters, digits, hyphens; a letter first), in
 * lower case as RDS stores it; "rds:x" and "arn:...:db:x" name x. Copies
 * it into out (64 bytes) and returns 0, or -1. */
static int identifier(const char *value, char *out)
{
	if (value == NULL)
		return -1;
	if (strncmp(value, "arn:", 4) == 0) {
		const char *tail = strrchr(value, ':');
		value = tail ? tail + 1 : value;
	} else if (strncmp(value, "rds:", 4) == 0) {
		value += 4;
	}
	size_t n = strlen(value);
	if (n == 0 || n > 63 || !isalpha((unsigned char)value[0]))
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)value[i];
		if (!isalnum(c) && c != '-')
			return -1;
		out[i] = (char)tolower(c);
	}
	out[n] = '\0';
	return 0;
}

static void classify_cloudtrail(json_object *detail, struct pw_watch_event *ev)
{
	const char *name = string_member(detail, "eventName");
	if (name == NULL || strcmp(name, "CreateDBInstance") != 0) {
		set_kind(ev, PW_WATCH_IGNORED, "CloudTrail event %s is not CreateDBInstance",
			 name ? name : "(no eventName)");
		return;
	}
	if (member(detail, "errorCode") != NULL) {
		set_kind(ev, PW_WATCH_IGNORED, "CreateDBInstance failed (%s): no instance was created",
			 string_member(detail, "errorCode") ? string_member(detail, "errorCode") : "?");
		return;
	}
	json_object *rp = member(detail, "requestParameters");
	if (!json_object_is_type(rp, json_type_object)) {
		set_kind(ev, PW_WATCH_MALFORMED, "detail.requestParameters: expected an object");
		return;
	}
	if (identifier(string_member(rp, "dBInstanceIdentifier"), ev->instance) != 0) {
		set_kind(ev, PW_WATCH_MALFORMED,
			 "detail.requestParameters.dBInstanceIdentifier: not an RDS identifier");
		return;
	}
	if (member(rp, "dBClusterIdentifier") != NULL &&
	    identifier(string_member(rp, "dBClusterIdentifier"), ev->cluster) != 0) {
		set_kind(ev, PW_WATCH_MALFORMED,
			 "detail.requestParameters.dBClusterIdentifier: not an RDS identifier");
		return;
	}
	ev->kind = PW_WATCH_INSTANCE_CREATED;
}

static void classify_rds_event(json_object *detail, struct pw_watch_event *ev)
{
	const char *code = string_member(detail, "EventID");
	const char *source = string_member(detail, "SourceIdentifier");
	if (code == NULL) {
		set_kind(ev, PW_WATCH_MALFORMED,
			 "detail.EventID: expected a string such as \"RDS-EVENT-0005\"");
		return;
	}
	if (strcmp(code, "RDS-EVENT-0005") == 0) {
		if (identifier(source, ev->instance) != 0)
			set_kind(ev, PW_WATCH_MALFORMED, "detail.SourceIdentifier: not an RDS identifier");
		else
			ev->kind = PW_WATCH_INSTANCE_CREATED;
	} else if (strcmp(code, "RDS-EVENT-0071") == 0) {
		if (source == NULL)
			source = string_member(detail, "SourceArn");
		if (identifier(source, ev->cluster) != 0)
			set_kind(ev, PW_WATCH_MALFORMED, "detail.SourceIdentifier: not an RDS identifier");
		else
			ev->kind = PW_WATCH_FAILOVER;
	} else {
		set_kind(ev, PW_WATCH_IGNORED,
			 "%s is neither RDS-EVENT-0005 (instance created) nor RDS-EVENT-0071 (failover)",
			 code);
	}
}

static void classify_object(json_object *o, struct pw_watch_event *ev)
{
	json_object *v;
	if (member(o, "detail-type") != NULL || member(o, "detail") != NULL) {
		json_object *detail = member(o, "detail");
		const char *type = string_member(o, "detail-type");
		if (!json_object_is_type(detail, json_type_object)) {
			set_kind(ev, PW_WATCH_MALFORMED, "detail: expected an object in an EventBridge event");
		} else if (type == NULL) {
			set_kind(ev, PW_WATCH_MALFORMED, "detail-type: expected a string");
		} else if (strcmp(type, "AWS API Call via CloudTrail") == 0) {
			classify_cloudtrail(detail, ev);
		} else if (strcmp(type, "RDS DB Instance Event") == 0 ||
			   strcmp(type, "RDS DB Cluster Event") == 0) {
			classify_rds_event(detail, ev);
		} else if (strcmp(type, "Scheduled Event") == 0) {
			ev->kind = PW_WATCH_RECONCILE;
		} else {
			set_kind(ev, PW_WATCH_MALFORMED, "detail-type: \"%.200s\" is not an event prewarm handles",
				 type);
		}
	} else if ((v = member(o, "DBInstanceIdentifier")) != NULL) {
		if (identifier(string_member(o, "DBInstanceIdentifier"), ev->instance) != 0)
			set_kind(ev, PW_WATCH_MALFORMED, "DBInstanceIdentifier: not an RDS identifier");
		else if (member(o, "DBClusterIdentifier") != NULL &&
			 identifier(string_member(o, "DBClusterIdentifier"), ev->cluster) != 0)
			set_kind(ev, PW_WATCH_MALFORMED, "DBClusterIdentifier: not an RDS identifier");
		else
			ev->kind = PW_WATCH_INSTANCE_CREATED;
	} else if ((v = member(o, "DBClusterIdentifier")) != NULL) {
		if (identifier(string_member(o, "DBClusterIdentifier"), ev->cluster) != 0)
			set_kind(ev, PW_WATCH_MALFORMED, "DBClusterIdentifier: not an RDS identifier");
		else
			ev->kind = PW_WATCH_RECONCILE;
	} else {
		set_kind(ev, PW_WATCH_MALFORMED,
			 "unknown shape: neither an EventBridge event nor {\"DBInstanceIdentifier\": ...} "
			 "nor {\"DBClusterIdentifier\": ...}");
	}
}

void pw_watch_classify(const char *body, size_t len, const char *message_id,
		       struct pw_watch_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	snprintf(ev->key, sizeof(ev->key), "%s", message_id ? message_id : "");
	json_tokener *tok = json_tokener_new();
	if (tok == NULL) {
		set_kind(ev, PW_WATCH_MALFORMED, "out of memory");
		return;
	}
	json_object *o = body && len <= INT32_MAX ? json_tokener_parse_ex(tok, body, (int)len) : NULL;
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (o != NULL && used < len && isspace((unsigned char)body[used]))
		used++;
	if (o == NULL || jerr != json_tokener_success || used != len) {
		json_object_put(o);
		set_kind(ev, PW_WATCH_MALFORMED, "the body is not JSON (%s at byte %zu)",
			 jerr != json_tokener_success ? json_tokener_error_desc(jerr) : "trailing data",
			 used);
		return;
	}
	ev->body = o;
	if (!json_object_is_type(o, json_type_object)) {
		set_kind(ev, PW_WATCH_MALFORMED, "the body is JSON but not an object");
		return;
	}
	const char *id = string_member(o, "id");
	if (id != NULL && id[0] != '\0' && strlen(id) < sizeof(ev->key) &&
	    (member(o, "detail-type") != NULL || member(o, "detail") != NULL))
		snprintf(ev->key, sizeof(ev->key), "%s", id);
	classify_object(o, ev);
}

void pw_watch_event_clear(struct pw_watch_event *ev)
{
	if (ev == NULL)
		return;
	json_object_put(ev->body);
	ev->body = NULL;
}

/* ---- config ------------------------------------------------------------ */

static int bad(const struct pw_config *cfg, const char *config_path, pw_diag *diag,
	       const char *field, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int bad(const struct pw_config *cfg, const char *config_path, pw_diag *diag,
	       const char *field, const char *fmt, ...)
{
	char msg[768], pointer[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(pointer, sizeof(pointer), "/watch/%s", field);
	if (cfg->doc != NULL) {
		pw_doc_diag(cfg->doc, pointer, diag, "watch.%s: %s", field, msg);
	} else {
		memset(diag, 0, sizeof(*diag));
		snprintf(diag->file, sizeof(diag->file), "%s", config_path ? config_path : "(no config)");
		snprintf(diag->message, sizeof(diag->message), "watch.%s: %s", field, msg);
	}
	return -1;
}

static int get_int(const struct pw_config *cfg, const char *path, pw_diag *diag,
		   json_object *w, const char *field, int lo, int hi, int *out)
{
	json_object *v = member(w, field);
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return bad(cfg, path, diag, field, "expected an integer");
	int64_t n = json_object_get_int64(v);
	if (n < lo || n > hi)
		return bad(cfg, path, diag, field, "%lld is outside %d..%d", (long long)n, lo, hi);
	*out = (int)n;
	return 0;
}

static int get_str(const struct pw_config *cfg, const char *path, pw_diag *diag,
		   json_object *w, const char *field, char **out)
{
	json_object *v = member(w, field);
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) == 0)
		return bad(cfg, path, diag, field, "expected a non-empty string");
	free(*out);
	*out = strdup(json_object_get_string(v));
	return *out ? 0 : bad(cfg, path, diag, field, "out of memory");
}

/* A workflow path: absolute as it is, else relative to the config's dir. */
static char *resolve(const char *config_path, const char *p)
{
	char buf[4096];
	if (p[0] == '/' || config_path == NULL)
		return strdup(p);
	char *copy = strdup(config_path);
	if (copy == NULL)
		return NULL;
	snprintf(buf, sizeof(buf), "%s/%s", dirname(copy), p);
	free(copy);
	return strdup(buf);
}

/* The cluster ids the shipped workflows manage: vars `clusters.ID.FIELD`. */
static json_object *clusters_from_vars(json_object *vars)
{
	json_object *list = NULL;
	json_object_object_foreach(vars, k, v) {
		(void)v;
		if (strncmp(k, "clusters.", 9) != 0)
			continue;
		const char *id = k + 9, *dot = strchr(id, '.');
		if (dot == NULL || dot == id)
			continue;
		json_object *name = json_object_new_string_len(id, (int)(dot - id));
		int seen = 0;
		for (size_t i = 0; list && i < json_object_array_length(list); i++)
			seen |= strcmp(json_object_get_string(json_object_array_get_idx(list, i)),
				       json_object_get_string(name)) == 0;
		if (seen) {
			json_object_put(name);
			continue;
		}
		if (list == NULL)
			list = json_object_new_array();
		json_object_array_add(list, name);
	}
	return list;
}

int pw_watch_config_load(const struct pw_config *cfg, const char *config_path,
			 struct pw_watch_config *out, pw_diag *diag)
{
	memset(out, 0, sizeof(*out));
	memset(diag, 0, sizeof(*diag));
	out->visibility_timeout = 120;
	out->receive_wait = 10;
	out->max_concurrent = 4;
	out->max_receives = 5;
	out->reconcile_interval = 0;
	json_object *w = member(cfg->root, "watch");
	if (w != NULL && !json_object_is_type(w, json_type_object))
		return bad(cfg, config_path, diag, "", "expected a mapping");
	if (get_str(cfg, config_path, diag, w, "queue_url", &out->queue_url) != 0 ||
	    get_str(cfg, config_path, diag, w, "aside_queue_url", &out->aside_queue_url) != 0 ||
	    get_int(cfg, config_path, diag, w, "visibility_timeout_seconds", 2, 43200,
		    &out->visibility_timeout) != 0 ||
	    get_int(cfg, config_path, diag, w, "receive_wait_seconds", 0, 20, &out->receive_wait) != 0 ||
	    get_int(cfg, config_path, diag, w, "max_concurrent", 1, 256, &out->max_concurrent) != 0 ||
	    get_int(cfg, config_path, diag, w, "max_receives", 1, 1000, &out->max_receives) != 0 ||
	    get_int(cfg, config_path, diag, w, "reconcile_interval_seconds", 0, 7 * 86400,
		    &out->reconcile_interval) != 0 ||
	    get_int(cfg, config_path, diag, w, "rds_poll_interval_seconds", 0, 86400,
		    &out->rds_poll_interval) != 0 ||
	    get_str(cfg, config_path, diag, w, "metrics_file", &out->metrics_file) != 0)
		return -1;
	if (out->metrics_file != NULL && out->metrics_file[0] != '/') {
		char *abs = resolve(config_path, out->metrics_file);
		free(out->metrics_file);
		out->metrics_file = abs;
	}
	if (out->queue_url == NULL && out->rds_poll_interval == 0)
		return bad(cfg, config_path, diag, "queue_url",
			   "required (unless rds_poll_interval_seconds is set): the SQS queue "
			   "(URL or name) the EventBridge rule feeds");
	json_object *wf = member(w, "workflows");
	if (wf != NULL && !json_object_is_type(wf, json_type_object))
		return bad(cfg, config_path, diag, "workflows",
			   "expected a mapping of instance-created, failover, reconcile to files");
	json_object *none = json_object_new_object();
	json_object_object_foreach(wf ? wf : none, k, v) {
		int i = 0;
		while (i < PW_WATCH_N_ROUTES && strcmp(k, kind_names[i]) != 0)
			i++;
		char field[160];
		snprintf(field, sizeof(field), "workflows/%.100s", k);
		if (i == PW_WATCH_N_ROUTES || !json_object_is_type(v, json_type_string) ||
		    json_object_get_string_len(v) == 0) {
			json_object_put(none);
			return bad(cfg, config_path, diag, field,
				   i == PW_WATCH_N_ROUTES
					   ? "unknown event kind (instance-created, failover or reconcile)"
					   : "expected a workflow file name");
		}
		free(out->workflows[i]);
		out->workflows[i] = resolve(config_path, json_object_get_string(v));
	}
	json_object_put(none);
	for (int i = 0; i < PW_WATCH_N_ROUTES; i++) {
		if (out->workflows[i] != NULL)
			continue;
		char buf[4096];
		snprintf(buf, sizeof(buf), "%s/%s", PW_WORKFLOW_DIR, default_workflows[i]);
		out->workflows[i] = strdup(buf);
	}
	json_object *cl = member(w, "clusters");
	if (cl != NULL) {
		if (!json_object_is_type(cl, json_type_array))
			return bad(cfg, config_path, diag, "clusters", "expected a list of cluster ids");
		for (size_t i = 0; i < json_object_array_length(cl); i++)
			if (!json_object_is_type(json_object_array_get_idx(cl, i), json_type_string))
				return bad(cfg, config_path, diag, "clusters", "item %zu is not a string", i);
		out->clusters = json_object_get(cl);
	} else {
		out->clusters = clusters_from_vars(cfg->vars);
	}
	return 0;
}

void pw_watch_config_clear(struct pw_watch_config *c)
{
	if (c == NULL)
		return;
	free(c->queue_url);
	free(c->aside_queue_url);
	free(c->metrics_file);
	for (int i = 0; i < PW_WATCH_N_ROUTES; i++)
		free(c->workflows[i]);
	json_object_put(c->clusters);
	memset(c, 0, sizeof(*c));
}

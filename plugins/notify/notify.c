/*
 * notify - tells people what happened: the host log, SNS, or a
 * Slack-compatible webhook, with messages rendered from templates.
 *
 * Actions:
 *   Publish (mutating: it may send SNS messages or webhook posts; in a dry
 *            run its log targets still log and the others are described)
 *   Log     (read-only: the log target alone)
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "notify.h"
#include "notify_template.h"

const struct pw_host_api *notify_host(struct notify_state *st)
{
	return st != NULL ? st->host : NULL;
}

struct target_kind {
	const char *name;
	notify_deliver_fn deliver;
};

static const struct target_kind target_kinds[] = {
	{"log", notify_deliver_log},
	{"sns", notify_deliver_sns},
	{"webhook", notify_deliver_webhook},
};

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int parse_level(const char *s, enum pw_log_level *out, pw_error *err)
{
	static const struct {
		const char *name;
		enum pw_log_level level;
	} levels[] = {
		{"debug", PW_LOG_DEBUG}, {"info", PW_LOG_INFO},
		{"warn", PW_LOG_WARN},   {"warning", PW_LOG_WARN},
		{"error", PW_LOG_ERROR},
	};

	*out = PW_LOG_INFO;
	if (s == NULL)
		return PW_OK;
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (strcasecmp(s, levels[i].name) == 0) {
			*out = levels[i].level;
			return PW_OK;
		}
	}
	return pw_error_set(err, "Notify.InvalidParameter",
			    "Level: \"%s\" is not one of debug, info, warn, error",
			    s);
}

/* The message text: Message as it is, or Template rendered from Data
 * (or, without Data, from the parameters themselves). Caller frees. */
static int render_text(json_object *params, char **text, pw_error *err)
{
	const char *message = get_str(params, "Message");
	const char *tmpl = get_str(params, "Template");
	json_object *data = NULL;

	*text = NULL;
	if (message == NULL && tmpl == NULL)
		return pw_error_set(err, "Notify.InvalidParameter",
				    "Message or Template is required (a string)");
	if (message != NULL && tmpl != NULL)
		return pw_error_set(err, "Notify.InvalidParameter",
				    "give Message or Template, not both");
	if (message != NULL) {
		*text = strdup(message);
	} else {
		if (!json_object_object_get_ex(params, "Data", &data))
			data = params;
		*text = notify_render(tmpl, data);
	}
	if (*text == NULL)
		return pw_error_set(err, "Notify.InternalError", "out of memory");
	return PW_OK;
}

/* Target parameters: a target object's members over the call's own, so
 * {"Targets": [{"Target": "webhook", "Url": ...}, "log"]} works. */
static json_object *merge_target(json_object *params, json_object *item)
{
	json_object *merged = json_object_new_object();

	json_object_object_foreach(params, k, v)
	{
		if (strcmp(k, "Targets") != 0)
			json_object_object_add(merged, k, json_object_get(v));
	}
	if (json_object_is_type(item, json_type_string)) {
		json_object_object_add(merged, "Target", json_object_get(item));
	} else {
		json_object_object_foreach(item, k2, v2)
			json_object_object_add(merged, k2, json_object_get(v2));
	}
	return merged;
}

/* The targets of a call, each as merged parameters: "Targets" list,
 * else "Target", else "sns" when a TopicArn is given (so the aws-sdk:sns
 * form publishes), else "log". *out NEW array. */
static int collect_targets(json_object *params, json_object **out, pw_error *err)
{
	json_object *list, *targets = json_object_new_array();

	*out = NULL;
	if (json_object_object_get_ex(params, "Targets", &list)) {
		size_t n;

		if (!json_object_is_type(list, json_type_array) ||
		    json_object_array_length(list) == 0) {
			json_object_put(targets);
			return pw_error_set(err, "Notify.InvalidParameter",
					    "Targets: expected a non-empty list of "
					    "target names or objects");
		}
		n = json_object_array_length(list);
		for (size_t i = 0; i < n; i++) {
			json_object *item = json_object_array_get_idx(list, i);

			if (!json_object_is_type(item, json_type_string) &&
			    !json_object_is_type(item, json_type_object)) {
				json_object_put(targets);
				return pw_error_set(err, "Notify.InvalidParameter",
						    "Targets[%zu]: expected a target "
						    "name or an object", i);
			}
			json_object_array_add(targets, merge_target(params, item));
		}
	} else {
		json_object *t;
		const char *name = get_str(params, "Target");

		if (json_object_object_get_ex(params, "Target", &t) && name == NULL) {
			json_object_put(targets);
			return pw_error_set(err, "Notify.InvalidParameter",
					    "Target: expected a string");
		}
		if (name == NULL)
			name = get_str(params, "TopicArn") != NULL ? "sns" : "log";
		t = json_object_new_string(name);
		json_object_array_add(targets, merge_target(params, t));
		json_object_put(t);
	}
	*out = targets;
	return PW_OK;
}

/* What a target needs, checked before anything is sent. */
static int check_target(json_object *t, const char *name, pw_error *err)
{
	const char *need = strcmp(name, "sns") == 0       ? "TopicArn"
			   : strcmp(name, "webhook") == 0 ? "Url"
							  : NULL;
	char *text = NULL;

	if (need != NULL && get_str(t, need) == NULL)
		return pw_error_set(err, "Notify.InvalidParameter",
				    "Target \"%s\" needs %s (a string)", name, need);
	if (render_text(t, &text, err) != PW_OK)
		return PW_ERR;
	free(text);
	return PW_OK;
}

static const struct target_kind *find_kind(const char *name)
{
	for (size_t i = 0; i < sizeof(target_kinds) / sizeof(target_kinds[0]); i++)
		if (name != NULL && strcmp(target_kinds[i].name, name) == 0)
			return &target_kinds[i];
	return NULL;
}

/* A notification leaves the process (SNS, a webhook): the host redacts
 * it as it redacts its own outputs. A host older than ABI 1.1 cannot, and
 * its copy is sent as rendered. NULL only when s is NULL or out of memory. */
static char *redacted_copy(struct notify_state *st, const char *s)
{
	if (s == NULL)
		return NULL;
	return PW_HOST_HAS(st->host, redact) ? st->host->redact(s) : strdup(s);
}

/* Renders once per target (a target may bring its own Template/Data) and
 * delivers to each. Every target is tried; the first failure is returned
 * after the others had their chance, so one dead webhook does not
 * silence the log or SNS. */
static int publish(struct notify_state *st, pw_call *call, json_object *params,
		   int dry, int log_only, json_object **result, pw_error *err)
{
	json_object *targets = NULL, *deliveries = json_object_new_array();
	json_object *res = NULL;
	char *first_text = NULL, *first_subject = NULL;
	pw_error first_err = {{0}, {0}};
	int rc = PW_ERR, failed = 0;
	size_t n;

	*result = NULL;
	if (collect_targets(params, &targets, err) != PW_OK)
		goto out;
	n = json_object_array_length(targets);
	/* Check every target before sending anything. */
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(targets, i);
		const char *name = get_str(t, "Target");
		enum pw_log_level level;

		if (find_kind(name) == NULL) {
			pw_error_set(err, "Notify.InvalidParameter",
				     "Target \"%s\" is unknown (log, sns, webhook)",
				     name ? name : "");
			goto out;
		}
		if (log_only && strcmp(name, "log") != 0) {
			pw_error_set(err, "Notify.InvalidParameter",
				     "notify:Log only logs; use notify:Publish for "
				     "Target \"%s\"", name);
			goto out;
		}
		if (parse_level(get_str(t, "Level"), &level, err) != PW_OK ||
		    check_target(t, name, err) != PW_OK)
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(targets, i);
		const char *name = get_str(t, "Target");
		struct notify_message msg = {0};
		json_object *one = NULL;
		pw_error e = {{0}, {0}};
		char *text = NULL, *rendered = NULL, *subject = NULL;

		if (render_text(t, &rendered, err) != PW_OK)
			goto out;
		text = redacted_copy(st, rendered);
		free(rendered);
		subject = redacted_copy(st, get_str(t, "Subject"));
		if (text == NULL || (subject == NULL && get_str(t, "Subject") != NULL)) {
			free(text);
			free(subject);
			pw_error_set(err, "States.Runtime", "out of memory");
			goto out;
		}
		msg.text = text;
		msg.subject = subject;
		parse_level(get_str(t, "Level"), &msg.level, NULL);
		if (find_kind(name)->deliver(st, call, t, &msg, dry, &one, &e) !=
		    PW_OK) {
			if (!failed++)
				first_err = e;
			one = json_object_new_object();
			json_object_object_add(one, "Target",
					       json_object_new_string(name));
			json_object_object_add(one, "Error",
					       json_object_new_string(e.name));
			json_object_object_add(one, "Cause",
					       json_object_new_string(e.cause));
		}
		if (dry)
			json_object_object_add(one, "DryRun",
					       json_object_new_boolean(1));
		json_object_array_add(deliveries, one);
		if (first_text == NULL) {
			first_text = text;
			first_subject = subject;
		} else {
			free(text);
			free(subject);
		}
	}
	if (failed) {
		pw_error_set(err, first_err.name, "%d of %zu deliveries failed; first: %s",
			     failed, n, first_err.cause);
		goto out;
	}
	res = json_object_new_object();
	json_object_object_add(res, "Message", json_object_new_string(first_text));
	if (first_subject != NULL)
		json_object_object_add(res, "Subject",
				       json_object_new_string(first_subject));
	json_object_object_add(res, "Deliveries", json_object_get(deliveries));
	*result = res;
	rc = PW_OK;
out:
	free(first_text);
	free(first_subject);
	json_object_put(deliveries);
	json_object_put(targets);
	return rc;
}

static int act_publish(void *state, pw_call *call, json_object *params,
		       json_object **result, pw_error *err)
{
	return publish(state, call, params, 0, 0, result, err);
}

static int act_publish_dry(void *state, pw_call *call, json_object *params,
			   json_object **result, pw_error *err)
{
	return publish(state, call, params, 1, 0, result, err);
}

static int act_log(void *state, pw_call *call, json_object *params,
		   json_object **result, pw_error *err)
{
	return publish(state, call, params, 0, 1, result, err);
}

static int notify_init(const struct pw_host_api *host, json_object *config,
		       void **state, pw_error *err)
{
	struct notify_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return pw_error_set(err, "Notify.InternalError", "out of memory");
	st->host = host;
	if (awsp_conn_init(&st->sns, host, config, "sns", NULL, "SNS", err) !=
	    PW_OK) {
		free(st);
		return PW_ERR;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	*state = st;
	return PW_OK;
}

static void notify_fini(void *state)
{
	struct notify_state *st = state;

	if (st == NULL)
		return;
	awsp_conn_fini(&st->sns);
	free(st);
	curl_global_cleanup();
}

static const struct pw_action notify_actions[] = {
	{
		.name = "Publish",
		.summary = "send a message to the log, SNS and/or a webhook "
			   "(Target or Targets; Message or Template + Data)",
		.flags = PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE,
		.run = act_publish,
		.dry_run = act_publish_dry,
	},
	{
		.name = "Log",
		.summary = "write a message (or rendered Template) to the log",
		.flags = PW_ACTION_THREAD_SAFE,
		.run = act_log,
	},
};

static const char *const notify_sdk_services[] = {"sns", NULL};

static const struct pw_plugin notify_plugin = {
	PW_PLUGIN_HEADER,
	.name = "notify",
	.version = "0.1.0",
	.summary = "notifications: log, SNS Publish, Slack-compatible webhook",
	.sdk_services = notify_sdk_services,
	.init = notify_init,
	.fini = notify_fini,
	.actions = notify_actions,
	.n_actions = sizeof(notify_actions) / sizeof(notify_actions[0]),
};

PW_EXPORT const struct pw_plugin *pw_plugin_entry(void)
{
	return &notify_plugin;
}

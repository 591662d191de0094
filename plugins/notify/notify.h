/*
 * notify - the plugin's internal interface between the action code
 * (notify.c) and its delivery targets (log here; SNS and webhook in their
 * own files).
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <prewarm/plugin.h>

#include "aws_plugin.h"

struct notify_state {
	const struct pw_host_api *host;
	struct awsp_conn sns; /* for the "sns" target, connected lazily */
};

/* One rendered notification, ready for any target. Borrowed strings. */
struct notify_message {
	const char *subject; /* may be NULL */
	const char *text;
	enum pw_log_level level;
};

/*
 * A delivery target. `target` is the merged parameters for this target
 * (borrowed). On success *out is a NEW object describing the delivery
 * ({"Target": "sns", "MessageId": ...}). dry: describe, do not send.
 */
typedef int (*notify_deliver_fn)(struct notify_state *st, pw_call *call,
				 json_object *target,
				 const struct notify_message *msg, int dry,
				 json_object **out, pw_error *err);

int notify_deliver_log(struct notify_state *st, pw_call *call,
		       json_object *target, const struct notify_message *msg,
		       int dry, json_object **out, pw_error *err);

int notify_deliver_sns(struct notify_state *st, pw_call *call,
		       json_object *target, const struct notify_message *msg,
		       int dry, json_object **out, pw_error *err);

int notify_deliver_webhook(struct notify_state *st, pw_call *call,
			   json_object *target, const struct notify_message *msg,
			   int dry, json_object **out, pw_error *err);

/* The host API this plugin was initialised with. */
const struct pw_host_api *notify_host(struct notify_state *st);

#endif

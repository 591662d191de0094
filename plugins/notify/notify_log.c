/* notify_log - the "log" target: the message goes to the host's log. */
#include "notify.h"

int notify_deliver_log(struct notify_state *st, pw_call *call,
		       json_object *target, const struct notify_message *msg,
		       int dry, json_object **out, pw_error *err)
{
	const struct pw_host_api *host = notify_host(st);
	json_object *res;

	(void)target;
	(void)err;
	/* Logging changes nothing outside the process, so a dry run logs
	 * too: the plan then shows the exact text people would read. */
	(void)dry;
	if (host != NULL && host->log != NULL) {
		if (msg->subject != NULL && msg->subject[0] != '\0')
			host->log(call, msg->level, "%s: %s", msg->subject,
				  msg->text);
		else
			host->log(call, msg->level, "%s", msg->text);
	}
	res = json_object_new_object();
	json_object_object_add(res, "Target", json_object_new_string("log"));
	*out = res;
	return PW_OK;
}

/* notify_sns - the "sns" target: SNS Publish {TopicArn, Message, Subject}. */
#include "notify.h"

static const struct pw_aws_query_shape sns_shape = {
	.error_prefix = "SNS",
	.api_version = "2010-03-31",
	.list_names = NULL,
	.request_list_item_names = NULL,
};

int notify_deliver_sns(struct notify_state *st, pw_call *call,
		       json_object *target, const struct notify_message *msg,
		       int dry, json_object **out, pw_error *err)
{
	const char *topic = NULL;
	json_object *req, *res = NULL, *r;
	pw_aws_client *c;
	int rc;

	*out = NULL;
	if (awsp_str(target, "TopicArn", 1, "Notify", &topic, err) != PW_OK)
		return PW_ERR;
	r = json_object_new_object();
	json_object_object_add(r, "Target", json_object_new_string("sns"));
	json_object_object_add(r, "TopicArn", json_object_new_string(topic));
	if (dry) {
		*out = r;
		return PW_OK;
	}
	req = json_object_new_object();
	json_object_object_add(req, "TopicArn", json_object_new_string(topic));
	json_object_object_add(req, "Message", json_object_new_string(msg->text));
	if (msg->subject != NULL && msg->subject[0] != '\0')
		json_object_object_add(req, "Subject",
				       json_object_new_string(msg->subject));
	rc = awsp_client(&st->sns, call, &c, err);
	if (rc == PW_OK)
		rc = pw_aws_query(c, &sns_shape, "Publish", req, &res, err);
	json_object_put(req);
	if (rc != PW_OK) {
		json_object_put(r);
		return PW_ERR;
	}
	if (awsp_get_str(res, "MessageId") != NULL)
		json_object_object_add(r, "MessageId", json_object_new_string(
						  awsp_get_str(res, "MessageId")));
	json_object_put(res);
	*out = r;
	return PW_OK;
}

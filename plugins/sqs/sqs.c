/*
 * sqs - Amazon SQS for `prewarm watch` and workflows: receive, delete,
 * change visibility, send. JSON protocol (AmazonSQS.*), as current SQS
 * speaks it. A QueueName may stand in for QueueUrl (looked up once per
 * call with GetQueueUrl). See plugins/PLUGINS.md.
 */
#include <stdlib.h>
#include <string.h>

#include "aws_plugin.h"

struct sqs_state {
	const struct pw_host_api *host;
	struct awsp_conn conn;
};

static const char *const api_names[] = {
	"QueueUrl", "QueueName", "MaxNumberOfMessages", "WaitTimeSeconds",
	"VisibilityTimeout", "AttributeNames", "MessageSystemAttributeNames",
	"MessageAttributeNames", "ReceiveRequestAttemptId", "ReceiptHandle",
	"MessageBody", "DelaySeconds", "MessageAttributes",
	"MessageDeduplicationId", "MessageGroupId", NULL,
};

static int call_sqs(struct sqs_state *st, pw_call *call, const char *action,
		    json_object *params, json_object **result, pw_error *err)
{
	pw_aws_client *c;

	*result = NULL;
	if (awsp_client(&st->conn, call, &c, err) != PW_OK)
		return PW_ERR;
	return pw_aws_json(c, "AmazonSQS", "1.0", "SQS", action, params, result, err);
}

/* The request: params with QueueName resolved to QueueUrl. *req NEW. */
static int with_queue_url(struct sqs_state *st, pw_call *call,
			  json_object *params, json_object **req, pw_error *err)
{
	static const char *const drop[] = {"QueueName", NULL};
	const char *url = NULL, *name = NULL;
	json_object *q, *res = NULL;

	*req = NULL;
	if (awsp_str(params, "QueueUrl", 0, "SQS", &url, err) != PW_OK ||
	    awsp_str(params, "QueueName", 0, "SQS", &name, err) != PW_OK)
		return PW_ERR;
	if (url == NULL && name == NULL)
		return pw_error_set(err, "SQS.InvalidParameter",
				    "missing required parameter QueueUrl (or QueueName)");
	*req = awsp_without(params, drop);
	if (url != NULL)
		return PW_OK;
	q = json_object_new_object();
	json_object_object_add(q, "QueueName", json_object_new_string(name));
	if (call_sqs(st, call, "GetQueueUrl", q, &res, err) != PW_OK ||
	    awsp_get_str(res, "QueueUrl") == NULL) {
		if (res != NULL)
			pw_error_set(err, "SQS.QueueDoesNotExist",
				     "no QueueUrl for queue %s", name);
		json_object_put(q);
		json_object_put(res);
		json_object_put(*req);
		*req = NULL;
		return PW_ERR;
	}
	json_object_object_add(*req, "QueueUrl",
			       json_object_new_string(awsp_get_str(res, "QueueUrl")));
	json_object_put(q);
	json_object_put(res);
	return PW_OK;
}

static int queue_call(void *state, pw_call *call, const char *action,
		      json_object *params, json_object **result, pw_error *err)
{
	struct sqs_state *st = state;
	json_object *req;
	int rc;

	*result = NULL;
	if (with_queue_url(st, call, params, &req, err) != PW_OK)
		return PW_ERR;
	rc = call_sqs(st, call, action, req, result, err);
	json_object_put(req);
	if (rc == PW_OK && *result == NULL)
		*result = json_object_new_object();
	return rc;
}

/* ReceiveMessage; "Messages" is always present (an empty list when the
 * queue had nothing). */
static int receive_message(void *state, pw_call *call, json_object *params,
			   json_object **result, pw_error *err)
{
	if (queue_call(state, call, "ReceiveMessage", params, result, err) != PW_OK)
		return PW_ERR;
	if (!json_object_object_get_ex(*result, "Messages", NULL))
		json_object_object_add(*result, "Messages", json_object_new_array());
	return PW_OK;
}

static int delete_message(void *state, pw_call *call, json_object *params,
			  json_object **result, pw_error *err)
{
	const char *handle = NULL;

	if (awsp_str(params, "ReceiptHandle", 1, "SQS", &handle, err) != PW_OK)
		return PW_ERR;
	return queue_call(state, call, "DeleteMessage", params, result, err);
}

static int change_visibility(void *state, pw_call *call, json_object *params,
			     json_object **result, pw_error *err)
{
	const char *handle = NULL;
	int64_t timeout = 0;

	if (awsp_str(params, "ReceiptHandle", 1, "SQS", &handle, err) != PW_OK ||
	    awsp_int(params, "VisibilityTimeout", 1, "SQS", &timeout, err) != PW_OK)
		return PW_ERR;
	return queue_call(state, call, "ChangeMessageVisibility", params, result,
			  err);
}

static int send_message(void *state, pw_call *call, json_object *params,
			json_object **result, pw_error *err)
{
	json_object *body = NULL;

	/* A JSON object as MessageBody is sent as its text: the EventBridge
	 * events `prewarm watch` consumes are JSON. */
	if (json_object_object_get_ex(params, "MessageBody", &body) &&
	    (json_object_is_type(body, json_type_object) ||
	     json_object_is_type(body, json_type_array))) {
		json_object *copy = awsp_without(params, NULL);
		int rc;

		json_object_object_add(copy, "MessageBody",
				       json_object_new_string(json_object_to_json_string_ext(
					       body, JSON_C_TO_STRING_PLAIN)));
		rc = queue_call(state, call, "SendMessage", copy, result, err);
		json_object_put(copy);
		return rc;
	}
	if (body == NULL || !json_object_is_type(body, json_type_string)) {
		*result = NULL;
		return pw_error_set(err, "SQS.InvalidParameter",
				    "MessageBody must be a string or JSON object");
	}
	return queue_call(state, call, "SendMessage", params, result, err);
}

#define SQS_ACTION(fn, body)                                                  \
	static int fn(void *state, pw_call *call, json_object *params,        \
		      json_object **result, pw_error *err)                    \
	{                                                                     \
		struct sqs_state *st = state;                                 \
		return awsp_run(st->host, api_names, body, state, call, params, \
				result, err);                                 \
	}

SQS_ACTION(act_receive, receive_message)
SQS_ACTION(act_delete, delete_message)
SQS_ACTION(act_visibility, change_visibility)
SQS_ACTION(act_send, send_message)

static const char *const req_handle[] = {"ReceiptHandle", NULL};
static const char *const req_visibility[] = {"ReceiptHandle", "VisibilityTimeout",
					     NULL};
static const char *const req_send[] = {"MessageBody", NULL};

static const struct pw_action sqs_actions[] = {
	/* Receiving only hides messages for the visibility timeout; a dry
	 * run still wants to see what would be processed. */
	{"ReceiveMessage", "receive up to 10 messages (long poll with WaitTimeSeconds)",
	 PW_ACTION_THREAD_SAFE, act_receive, NULL, NULL},
	{"DeleteMessage", "delete a received message",
	 PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE,
	 act_delete, NULL, req_handle},
	{"ChangeMessageVisibility", "extend or end a message's invisibility",
	 PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE,
	 act_visibility, NULL, req_visibility},
	{"SendMessage", "send a message (string or JSON body)",
	 PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE,
	 act_send, NULL, req_send},
};

static int sqs_init(const struct pw_host_api *host, json_object *config,
		    void **state, pw_error *err)
{
	struct sqs_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	st->host = host;
	if (awsp_conn_init(&st->conn, host, config, "sqs", NULL, "SQS", err) != PW_OK) {
		free(st);
		return PW_ERR;
	}
	*state = st;
	return PW_OK;
}

static void sqs_fini(void *state)
{
	struct sqs_state *st = state;

	if (st == NULL)
		return;
	awsp_conn_fini(&st->conn);
	free(st);
}

static const char *const sqs_sdk_services[] = {"sqs", NULL};

static const struct pw_plugin sqs_plugin = {
	PW_PLUGIN_HEADER,
	.name = "sqs",
	.version = "0.1.0",
	.summary = "Amazon SQS: receive, delete, change visibility, send",
	.sdk_services = sqs_sdk_services,
	.init = sqs_init,
	.fini = sqs_fini,
	.actions = sqs_actions,
	.n_actions = sizeof(sqs_actions) / sizeof(sqs_actions[0]),
};

PW_EXPORT const struct pw_plugin *pw_plugin_entry(void)
{
	return &sqs_plugin;
}

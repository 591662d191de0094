/*
 * rds_intent - the durable record of intent: which endpoints an instance
 * was warmed into, kept where every host sees it.
 *
 * After AddStaticMember verifies its change it tags the instance
 * "aurora-prewarm:endpoint:<endpoint-id>" = "warm <UTC time>";
 * RemoveStaticMember, before its write, sets the same key to
 * "removed <UTC time>" (an operator's removal on purpose; the workflows'
 * automatic removals - failover's new writer, a rollback, an ineligible
 * instance - pass RecordIntent: false and leave the tag as it was). One
 * key per endpoint, not a list in one tag, because AddTagsToResource
 * merges keys: two hosts recording two endpoints never overwrite each
 * other, and the newest state of one endpoint wins. `reconcile` restores a
 * "warm" instance missing from its endpoint and never a "removed" one
 * (PLUGINS.md, WORKFLOWS.md).
 *
 * Also the pass-through tag actions (AddTagsToResource,
 * RemoveTagsFromResource, ListTagsForResource) the workflows use.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rds.h"

static void tag_key(char *buf, size_t len, const char *prefix, const char *endpoint_id)
{
	size_t n = (size_t)snprintf(buf, len, "%s", prefix);

	/* RDS identifiers are case-insensitive and stored lower case. */
	for (const char *p = endpoint_id; *p && n + 1 < len; p++)
		buf[n++] = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
	buf[n] = '\0';
}

int rds_intent_set(struct rds_state *st, pw_call *call, const char *instance_arn,
		   const char *prefix, const char *endpoint_id, const char *state,
		   pw_error *err)
{
	char key[128], value[64], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	json_object *params = json_object_new_object(), *tags = json_object_new_array(),
		    *tag = json_object_new_object(), *res = NULL;
	int rc;

	tag_key(key, sizeof(key), prefix, endpoint_id);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(value, sizeof(value), "%s %s", state, stamp);
	json_object_object_add(tag, "Key", json_object_new_string(key));
	json_object_object_add(tag, "Value", json_object_new_string(value));
	json_object_array_add(tags, tag);
	json_object_object_add(params, "ResourceName", json_object_new_string(instance_arn));
	json_object_object_add(params, "Tags", tags);
	/* Idempotent (same key, newer value): retried like a read, with the
	 * membership calls' raised attempts. */
	{
		struct pw_aws_call_opts opts = {.max_attempts = RDS_MEMBERSHIP_ATTEMPTS};

		rc = rds_query_opts(st, call, "AddTagsToResource", params, &opts, &res,
				    err);
	}
	json_object_put(res);
	json_object_put(params);
	return rc;
}

int rds_intent_get(struct rds_state *st, pw_call *call, const char *instance_id,
		   const char *prefix, const char *endpoint_id, char *value,
		   size_t len, pw_error *err)
{
	char key[128];
	json_object *params = json_object_new_object(), *res = NULL, *list, *tags;
	struct pw_aws_call_opts opts = {.max_attempts = RDS_MEMBERSHIP_ATTEMPTS};
	int rc;

	value[0] = '\0';
	tag_key(key, sizeof(key), prefix, endpoint_id);
	json_object_object_add(params, "DBInstanceIdentifier",
			       json_object_new_string(instance_id));
	rc = rds_query_opts(st, call, "DescribeDBInstances", params, &opts, &res, err);
	if (rc == PW_OK && json_object_object_get_ex(res, "DBInstances", &list) &&
	    json_object_array_length(list) > 0 &&
	    json_object_object_get_ex(json_object_array_get_idx(list, 0), "TagList", &tags)) {
		for (size_t i = 0; i < json_object_array_length(tags); i++) {
			json_object *t = json_object_array_get_idx(tags, i);
			const char *k = awsp_get_str(t, "Key"), *v = awsp_get_str(t, "Value");

			if (k != NULL && v != NULL && strcmp(k, key) == 0)
				snprintf(value, len, "%s", v);
		}
	}
	json_object_put(res);
	json_object_put(params);
	return rc;
}

static int tags_call(void *state, pw_call *call, const char *action,
		     json_object *params, json_object **result, pw_error *err)
{
	const char *arn = NULL;

	*result = NULL;
	if (awsp_str(params, "ResourceName", 1, "RDS", &arn, err) != PW_OK)
		return PW_ERR;
	if (rds_query(state, call, action, params, result, err) != PW_OK)
		return PW_ERR;
	if (strcmp(action, "ListTagsForResource") == 0 &&
	    !json_object_object_get_ex(*result, "TagList", NULL))
		json_object_object_add(*result, "TagList", json_object_new_array());
	return PW_OK;
}

int rds_add_tags(void *st, pw_call *call, json_object *params,
		 json_object **result, pw_error *err)
{
	return tags_call(st, call, "AddTagsToResource", params, result, err);
}

int rds_remove_tags(void *st, pw_call *call, json_object *params,
		    json_object **result, pw_error *err)
{
	return tags_call(st, call, "RemoveTagsFromResource", params, result, err);
}

int rds_list_tags(void *st, pw_call *call, json_object *params,
		  json_object **result, pw_error *err)
{
	return tags_call(st, call, "ListTagsForResource", params, result, err);
}

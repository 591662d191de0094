/*
 * rds - Amazon RDS / Aurora actions for workflows: describe instances,
 * clusters, endpoints and events; change a custom endpoint safely; make
 * IAM auth tokens. See plugins/PLUGINS.md.
 */
#include <stdlib.h>
#include <string.h>

#include "rds.h"

/* API member names accepted from the aws-sdk form (DbInstanceIdentifier). */
static const char *const api_names[] = {
	"DBInstanceIdentifier", "DBClusterIdentifier",
	"DBClusterEndpointIdentifier", "StaticMembers", "ExcludedMembers",
	"EndpointType", "Filters", "Name", "Values", "MaxRecords", "Marker",
	"SourceIdentifier", "SourceType", "StartTime", "EndTime", "Duration",
	"EventCategories", "DBHostname", "DBUsername", "Port", "ExpiresIn",
	"MaxAttempts", "WaitSeconds", "AllowEmpty", "AllowNarrow", "PageSize",
	"RecordIntent", "ResourceName", "Tags", "TagKeys", "TagList", "Key",
	"Value", "IfExclusionList", "OnlyRecorded", "UnlessLifted", "Intent", NULL,
};

#define RDS_ACTION(fn, body)                                                  \
	static int fn(void *state, pw_call *call, json_object *params,        \
		      json_object **result, pw_error *err)                    \
	{                                                                     \
		struct rds_state *st = state;                                 \
		return awsp_run(st->host, api_names, body, state, call, params, \
				result, err);                                 \
	}

RDS_ACTION(act_describe_db_instances, rds_describe_db_instances)
RDS_ACTION(act_describe_db_clusters, rds_describe_db_clusters)
RDS_ACTION(act_describe_db_cluster_endpoints, rds_describe_db_cluster_endpoints)
RDS_ACTION(act_describe_events, rds_describe_events)
RDS_ACTION(act_modify_endpoint, rds_modify_db_cluster_endpoint)
RDS_ACTION(act_modify_endpoint_dry, rds_modify_db_cluster_endpoint_dry)
RDS_ACTION(act_add_member, rds_add_static_member)
RDS_ACTION(act_add_member_dry, rds_add_static_member_dry)
RDS_ACTION(act_remove_member, rds_remove_static_member)
RDS_ACTION(act_remove_member_dry, rds_remove_static_member_dry)
RDS_ACTION(act_add_excluded, rds_add_excluded_member)
RDS_ACTION(act_add_excluded_dry, rds_add_excluded_member_dry)
RDS_ACTION(act_remove_excluded, rds_remove_excluded_member)
RDS_ACTION(act_remove_excluded_dry, rds_remove_excluded_member_dry)
RDS_ACTION(act_generate_auth_token, rds_generate_auth_token)
RDS_ACTION(act_add_tags, rds_add_tags)
RDS_ACTION(act_remove_tags, rds_remove_tags)
RDS_ACTION(act_list_tags, rds_list_tags)

static const char *const req_endpoint[] = {"DBClusterEndpointIdentifier", NULL};
static const char *const req_member[] = {"DBClusterEndpointIdentifier",
					 "DBInstanceIdentifier", NULL};
static const char *const req_token[] = {"DBUsername", NULL};
static const char *const req_resource[] = {"ResourceName", NULL};

static const struct pw_action rds_actions[] = {
	{"DescribeDBInstances", "describe DB instances (all pages)",
	 PW_ACTION_THREAD_SAFE,
	 act_describe_db_instances, NULL, NULL},
	{"DescribeDBClusters", "describe DB clusters and their members",
	 PW_ACTION_THREAD_SAFE,
	 act_describe_db_clusters, NULL, NULL},
	{"DescribeDBClusterEndpoints", "describe cluster endpoints",
	 PW_ACTION_THREAD_SAFE,
	 act_describe_db_cluster_endpoints, NULL, NULL},
	{"DescribeEvents", "RDS events (instance created, failover, ...)",
	 PW_ACTION_THREAD_SAFE,
	 act_describe_events, NULL, NULL},
	{"ModifyDBClusterEndpoint",
	 "replace a custom endpoint's members (prefer Add/RemoveStaticMember)",
	 PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE,
	 act_modify_endpoint, act_modify_endpoint_dry,
	 req_endpoint},
	{"AddStaticMember",
	 "add an instance to a custom endpoint, safe under concurrent changes",
	 PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE,
	 act_add_member, act_add_member_dry, req_member},
	{"RemoveStaticMember",
	 "remove an instance from a custom endpoint, safe under concurrent "
	 "changes",
	 PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE,
	 act_remove_member, act_remove_member_dry, req_member},
	{"AddExcludedMember",
	 "keep an instance out of an exclusion-list custom endpoint, safe under "
	 "concurrent changes",
	 PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE,
	 act_add_excluded, act_add_excluded_dry, req_member},
	{"RemoveExcludedMember",
	 "let an instance into an exclusion-list custom endpoint, safe under "
	 "concurrent changes",
	 PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE,
	 act_remove_excluded, act_remove_excluded_dry, req_member},
	{"GenerateAuthToken", "IAM database auth token (presigned, 15 min)",
	 PW_ACTION_THREAD_SAFE,
	 act_generate_auth_token, NULL, req_token},
	{"ListTagsForResource", "tags of an instance, cluster or endpoint (ARN)",
	 PW_ACTION_THREAD_SAFE, act_list_tags, NULL, req_resource},
	{"AddTagsToResource", "add or overwrite tags on a resource (ARN)",
	 PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE, act_add_tags, NULL, req_resource},
	{"RemoveTagsFromResource", "remove tags from a resource (ARN)",
	 PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE,
	 act_remove_tags, NULL, req_resource},
};

static void rds_fini(void *state)
{
	struct rds_state *st = state;

	if (st == NULL)
		return;
	awsp_conn_fini(&st->conn);
	awsp_conn_fini(&st->ddb);
	free(st->lock_dir);
	free(st->lock_table);
	free(st);
}

static int rds_init(const struct pw_host_api *host, json_object *config,
		    void **state, pw_error *err)
{
	struct rds_state *st = calloc(1, sizeof(*st));
	json_object *v;

	if (st == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	st->host = host;
	if (config != NULL && json_object_object_get_ex(config, "lock_dir", &v)) {
		if (!json_object_is_type(v, json_type_string)) {
			free(st);
			return pw_error_set(err, "States.Runtime",
					    "plugin config: lock_dir must be a string");
		}
		st->lock_dir = strdup(json_object_get_string(v));
	}
	if (awsp_conn_init(&st->conn, host, config, "rds", NULL, "RDS", err) !=
	    PW_OK) {
		free(st->lock_dir);
		free(st);
		return PW_ERR;
	}
	if (rds_lease_config(st, config, err) != PW_OK) {
		rds_fini(st);
		return PW_ERR;
	}
	*state = st;
	return PW_OK;
}

static const char *const rds_sdk_services[] = {"rds", NULL};

static const struct pw_plugin rds_plugin = {
	PW_PLUGIN_HEADER,
	.name = "rds",
	.version = "0.1.0",
	.summary = "Amazon RDS / Aurora: instances, clusters, custom endpoints",
	.sdk_services = rds_sdk_services,
	.init = rds_init,
	.fini = rds_fini,
	.actions = rds_actions,
	.n_actions = sizeof(rds_actions) / sizeof(rds_actions[0]),
};

PW_EXPORT const struct pw_plugin *pw_plugin_entry(void)
{
	return &rds_plugin;
}

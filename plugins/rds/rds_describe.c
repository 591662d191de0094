/* rds_describe - the RDS API actions the plugin passes through. */
#include <string.h>

#include "rds.h"

static const char *const list_names[] = {
	"DBInstances", "DBClusters", "DBClusterMembers", "DBClusterEndpoints",
	"StaticMembers", "ExcludedMembers", "Events", "EventCategories",
	"VpcSecurityGroups", "DBParameterGroups", "DBSecurityGroups",
	"ReadReplicaDBInstanceIdentifiers", "ReadReplicaIdentifiers",
	"ReadReplicaDBClusterIdentifiers", "OptionGroupMemberships",
	"DBClusterOptionGroupMemberships", "StatusInfos", "DomainMemberships",
	"AssociatedRoles", "TagList", "AvailabilityZones",
	"EnabledCloudwatchLogsExports", "ProcessorFeatures", "Subnets",
	"DBInstanceAutomatedBackupsReplications", "CustomEndpoints", NULL,
};

/* Filters.Filter.N.Values.Value.N, EventCategories.EventCategory.N */
static const char *const request_items[] = {
	"Filters", "Filter", "Values", "Value", "EventCategories",
	"EventCategory", "Tags", "Tag", NULL,
};

static const struct pw_aws_query_shape rds_shape = {
	.error_prefix = "RDS",
	.api_version = "2014-10-31",
	.list_names = list_names,
	.request_list_item_names = request_items,
};

/* Members the RDS API documents as integers or booleans (XML has text). */
static const char *const int_keys[] = {
	"Port", "AllocatedStorage", "BackupRetentionPeriod", "PromotionTier",
	"Iops", "StorageThroughput", "MonitoringInterval", "DbInstancePort",
	"MaxAllocatedStorage", "PerformanceInsightsRetentionPeriod",
	"Capacity", "MaxRecords", "Duration", NULL,
};
static const char *const bool_keys[] = {
	"IsClusterWriter", "MultiAZ", "PubliclyAccessible", "StorageEncrypted",
	"AutoMinorVersionUpgrade", "IAMDatabaseAuthenticationEnabled",
	"DeletionProtection", "CopyTagsToSnapshot", "HttpEndpointEnabled",
	"PerformanceInsightsEnabled", "CrossAccountClone", "Normal",
	"ActivityStreamEngineNativeAuditFieldsIncluded", NULL,
};

int rds_query(struct rds_state *st, pw_call *call, const char *action,
	      json_object *params, json_object **result, pw_error *err)
{
	pw_aws_client *c;

	*result = NULL;
	if (awsp_client(&st->conn, call, &c, err) != PW_OK ||
	    pw_aws_query(c, &rds_shape, action, params, result, err) != PW_OK)
		return PW_ERR;
	awsp_coerce(*result, int_keys, bool_keys);
	return PW_OK;
}

int rds_query_opts(struct rds_state *st, pw_call *call, const char *action,
		   json_object *params, struct pw_aws_call_opts *opts,
		   json_object **result, pw_error *err)
{
	pw_aws_client *c;

	*result = NULL;
	if (awsp_client(&st->conn, call, &c, err) != PW_OK) {
		if (opts != NULL)
			opts->failure = PW_AWS_FAILURE_NOT_APPLIED;
		return PW_ERR;
	}
	if (pw_aws_query_opts(c, &rds_shape, action, params, opts, result, err) !=
	    PW_OK)
		return PW_ERR;
	awsp_coerce(*result, int_keys, bool_keys);
	return PW_OK;
}

int rds_query_all(struct rds_state *st, pw_call *call, const char *action,
		  json_object *params, const char *items, json_object **result,
		  pw_error *err)
{
	pw_aws_client *c;

	*result = NULL;
	if (awsp_client(&st->conn, call, &c, err) != PW_OK ||
	    pw_aws_query_all(c, &rds_shape, action, params, "Marker", items,
			     result, err) != PW_OK)
		return PW_ERR;
	awsp_coerce(*result, int_keys, bool_keys);
	return PW_OK;
}

static int describe_page(struct rds_state *st, pw_call *call, const char *action,
			 json_object *params, const char *items,
			 json_object **result, pw_error *err);

/* A Describe call: all pages (PageSize records per request) unless the
 * caller paginates itself (MaxRecords or Marker given: one page). Ensures
 * `items` is present (an empty list rather than a missing member when
 * nothing matches). */
static int describe(void *state, pw_call *call, const char *action,
		    json_object *params, const char *items, json_object **result,
		    pw_error *err)
{
	static const char *const drop[] = {"PageSize", NULL};
	struct rds_state *st = state;
	json_object *req, *size;
	int rc;

	if (json_object_object_get_ex(params, "MaxRecords", NULL) ||
	    json_object_object_get_ex(params, "Marker", NULL))
		return describe_page(st, call, action, params, items, result, err);
	req = awsp_without(params, drop);
	if (json_object_object_get_ex(params, "PageSize", &size))
		json_object_object_add(req, "MaxRecords", json_object_get(size));
	rc = rds_query_all(st, call, action, req, items, result, err);
	json_object_put(req);
	if (rc != PW_OK)
		return rc;
	if (!json_object_object_get_ex(*result, items, NULL))
		json_object_object_add(*result, items, json_object_new_array());
	return PW_OK;
}

/* One page, as the API returns it. */
static int describe_page(struct rds_state *st, pw_call *call, const char *action,
			 json_object *params, const char *items,
			 json_object **result, pw_error *err)
{
	if (rds_query(st, call, action, params, result, err) != PW_OK)
		return PW_ERR;
	if (!json_object_object_get_ex(*result, items, NULL))
		json_object_object_add(*result, items, json_object_new_array());
	return PW_OK;
}

int rds_describe_db_instances(void *st, pw_call *call, json_object *params,
			      json_object **result, pw_error *err)
{
	return describe(st, call, "DescribeDBInstances", params, "DBInstances",
			result, err);
}

int rds_describe_db_clusters(void *st, pw_call *call, json_object *params,
			     json_object **result, pw_error *err)
{
	return describe(st, call, "DescribeDBClusters", params, "DBClusters",
			result, err);
}

int rds_describe_db_cluster_endpoints(void *st, pw_call *call,
				      json_object *params, json_object **result,
				      pw_error *err)
{
	return describe(st, call, "DescribeDBClusterEndpoints", params,
			"DBClusterEndpoints", result, err);
}

int rds_describe_events(void *st, pw_call *call, json_object *params,
			json_object **result, pw_error *err)
{
	return describe(st, call, "DescribeEvents", params, "Events", result, err);
}

int rds_get_endpoint(struct rds_state *st, pw_call *call, const char *id,
		     int max_attempts, json_object **endpoint, pw_error *err)
{
	json_object *params = json_object_new_object(), *res = NULL, *list;
	struct pw_aws_call_opts opts = {.max_attempts = max_attempts};
	int rc = PW_ERR;

	*endpoint = NULL;
	json_object_object_add(params, "DBClusterEndpointIdentifier",
			       json_object_new_string(id));
	if (rds_query_opts(st, call, "DescribeDBClusterEndpoints", params, &opts,
			   &res, err) != PW_OK)
		goto out;
	if (!json_object_object_get_ex(res, "DBClusterEndpoints", &list) ||
	    json_object_array_length(list) == 0) {
		pw_error_set(err, "RDS.DBClusterEndpointNotFoundFault",
			     "DBClusterEndpoint %s not found", id);
		goto out;
	}
	*endpoint = json_object_get(json_object_array_get_idx(list, 0));
	rc = PW_OK;
out:
	json_object_put(res);
	json_object_put(params);
	return rc;
}

int rds_modify_db_cluster_endpoint(void *st, pw_call *call, json_object *params,
				   json_object **result, pw_error *err)
{
	return rds_query(st, call, "ModifyDBClusterEndpoint", params, result, err);
}

/* What ModifyDBClusterEndpoint would return: the endpoint as it is now
 * (a real read), with the requested changes applied and Status
 * "modifying". */
int rds_modify_db_cluster_endpoint_dry(void *state, pw_call *call,
				       json_object *params, json_object **result,
				       pw_error *err)
{
	struct rds_state *st = state;
	const char *id = NULL;
	json_object *ep, *v;

	*result = NULL;
	if (awsp_str(params, "DBClusterEndpointIdentifier", 1, "RDS", &id, err) !=
		    PW_OK ||
	    rds_get_endpoint(st, call, id, 0, &ep, err) != PW_OK)
		return PW_ERR;
	if (json_object_object_get_ex(params, "StaticMembers", &v))
		json_object_object_add(ep, "StaticMembers", json_object_get(v));
	if (json_object_object_get_ex(params, "ExcludedMembers", &v))
		json_object_object_add(ep, "ExcludedMembers", json_object_get(v));
	if (json_object_object_get_ex(params, "EndpointType", &v))
		json_object_object_add(ep, "CustomEndpointType", json_object_get(v));
	json_object_object_add(ep, "Status", json_object_new_string("modifying"));
	*result = ep;
	return PW_OK;
}

/*
 * rds - internal interface of the rds plugin: its state, the RDS Query
 * protocol shape, and the action bodies (API member names in and out;
 * rds.c wraps them for the aws-sdk naming).
 */
#ifndef RDS_H
#define RDS_H

#include "aws_plugin.h"

struct rds_state {
	const struct pw_host_api *host;
	struct awsp_conn conn;
	char *lock_dir; /* plugin config "lock_dir"; NULL: see rds_lock.c */
	/* plugin config "lock": {backend: dynamodb, table, lease_seconds,
	 * region?, profile?, endpoint_url?}; lock_table NULL: flock only. */
	char *lock_table;
	int64_t lease_ms;
	struct awsp_conn ddb; /* DynamoDB, for the lease (rds_lease.c) */
};

/* An endpoint's lock as held by one AddStaticMember/RemoveStaticMember:
 * the host's flock, and with a lock table the cross-host lease. */
struct rds_lock {
	int fd;             /* flock descriptor, -1 when not held */
	int leased;         /* the DynamoDB lease is held */
	char key[160];      /* lease item key: "<region>/<endpoint>" */
	char owner[48];     /* this holder's random token */
	int64_t renewed_ms; /* CLOCK_MONOTONIC ms of the last renewal */
};

/* One RDS Query call; result NEW, with numbers and booleans typed. */
int rds_query(struct rds_state *st, pw_call *call, const char *action,
	      json_object *params, json_object **result, pw_error *err);
/* Same, with per-call retry control (pw_aws.h; opts may be NULL). */
int rds_query_opts(struct rds_state *st, pw_call *call, const char *action,
		   json_object *params, struct pw_aws_call_opts *opts,
		   json_object **result, pw_error *err);
/* Same, following Marker across pages and concatenating `items`. */
int rds_query_all(struct rds_state *st, pw_call *call, const char *action,
		  json_object *params, const char *items, json_object **result,
		  pw_error *err);

/* rds_describe.c */
int rds_describe_db_instances(void *st, pw_call *call, json_object *params,
			      json_object **result, pw_error *err);
int rds_describe_db_clusters(void *st, pw_call *call, json_object *params,
			     json_object **result, pw_error *err);
int rds_describe_db_cluster_endpoints(void *st, pw_call *call,
				      json_object *params, json_object **result,
				      pw_error *err);
int rds_describe_events(void *st, pw_call *call, json_object *params,
			json_object **result, pw_error *err);
int rds_modify_db_cluster_endpoint(void *st, pw_call *call, json_object *params,
				   json_object **result, pw_error *err);
int rds_modify_db_cluster_endpoint_dry(void *st, pw_call *call,
				       json_object *params, json_object **result,
				       pw_error *err);

/* rds_members.c: the safe read-modify-verify member actions. */
int rds_add_static_member(void *st, pw_call *call, json_object *params,
			  json_object **result, pw_error *err);
int rds_remove_static_member(void *st, pw_call *call, json_object *params,
			     json_object **result, pw_error *err);
int rds_add_static_member_dry(void *st, pw_call *call, json_object *params,
			      json_object **result, pw_error *err);
int rds_remove_static_member_dry(void *st, pw_call *call, json_object *params,
				 json_object **result, pw_error *err);
/* The same discipline for an exclusion-list endpoint's ExcludedMembers:
 * Add takes the instance out of the endpoint, Remove lets it in. */
int rds_add_excluded_member(void *st, pw_call *call, json_object *params,
			    json_object **result, pw_error *err);
int rds_remove_excluded_member(void *st, pw_call *call, json_object *params,
			       json_object **result, pw_error *err);
int rds_add_excluded_member_dry(void *st, pw_call *call, json_object *params,
				json_object **result, pw_error *err);
int rds_remove_excluded_member_dry(void *st, pw_call *call, json_object *params,
				   json_object **result, pw_error *err);

/* rds_lock.c: the endpoint's lock, waited for up to wait_ms: the host's
 * flock, then (with a lock table) the DynamoDB lease. Errors:
 * RDS.EndpointLocked (held by another process or host for wait_ms),
 * RDS.LockFailed (lock directory or table unusable). Released with
 * rds_unlock_endpoint (safe on a lock never taken). */
int rds_lock_endpoint(struct rds_state *st, pw_call *call, const char *region,
		      const char *endpoint_id, int64_t wait_ms,
		      struct rds_lock *lk, pw_error *err);
void rds_unlock_endpoint(struct rds_state *st, pw_call *call,
			 struct rds_lock *lk);
/* The fencing check before a write: renews the lease on the condition
 * that we still own it; RDS.LockLost if another holder took it (then
 * nothing must be written). No-op without a lease. */
int rds_lock_fence(struct rds_state *st, pw_call *call, struct rds_lock *lk,
		   pw_error *err);
/* Sleeps ms (the host's cancellable sleep), renewing the lease when due
 * so a long wait never outlives it. PW_ERR: States.Timeout "... while
 * <what>" (cancelled or deadline), or RDS.LockLost. */
int rds_lock_sleep(struct rds_state *st, pw_call *call, struct rds_lock *lk,
		   int64_t ms, const char *what, pw_error *err);

/* rds_lease.c: the cross-host lease, a DynamoDB item per endpoint
 * written with conditional writes (PLUGINS.md "The endpoint lock"). */
int rds_lease_acquire(struct rds_state *st, pw_call *call, struct rds_lock *lk,
		      const char *endpoint_id, int64_t wait_ms, pw_error *err);
int rds_lease_renew(struct rds_state *st, pw_call *call, struct rds_lock *lk,
		    pw_error *err);
void rds_lease_release(struct rds_state *st, pw_call *call, struct rds_lock *lk);
/* Parses the plugin config's "lock" object into st. */
int rds_lease_config(struct rds_state *st, json_object *config, pw_error *err);

/* rds_intent.c: the durable record that an instance was warmed into an
 * endpoint (a tag on the instance; see PLUGINS.md). instance_arn is the
 * instance's ARN. */
#define RDS_INTENT_TAG_PREFIX "aurora-prewarm:endpoint:"
/* An exclusion aurora-prewarm placed while it warms a new instance:
 * "excluded <time>" (in progress), "held <time>" (the warm failed: kept
 * out on purpose), "lifted <time>". */
#define RDS_EXCLUSION_TAG_PREFIX "aurora-prewarm:exclusion:"
/* Attempts per call for the membership reads and tag writes: above the
 * SDKs' default 3, because scale-out storms, when these run, are when the
 * RDS API throttles (standard mode's backoff and retry quota still apply). */
#define RDS_MEMBERSHIP_ATTEMPTS 6
/* Sets the instance's tag prefix+endpoint_id to "<state> <UTC time>";
 * state is "warm" or "removed" (RDS_INTENT_TAG_PREFIX), "excluded",
 * "held" or "lifted" (RDS_EXCLUSION_TAG_PREFIX). */
int rds_intent_set(struct rds_state *st, pw_call *call, const char *instance_arn,
		   const char *prefix, const char *endpoint_id, const char *state,
		   pw_error *err);
/* The value of that tag on the instance ("" when absent). */
int rds_intent_get(struct rds_state *st, pw_call *call, const char *instance_id,
		   const char *prefix, const char *endpoint_id, char *value,
		   size_t len, pw_error *err);
int rds_add_tags(void *st, pw_call *call, json_object *params,
		 json_object **result, pw_error *err);
int rds_remove_tags(void *st, pw_call *call, json_object *params,
		    json_object **result, pw_error *err);
int rds_list_tags(void *st, pw_call *call, json_object *params,
		  json_object **result, pw_error *err);

/* rds_token.c */
int rds_generate_auth_token(void *st, pw_call *call, json_object *params,
			    json_object **result, pw_error *err);

/* Describes one custom endpoint, with max_attempts per call (0: the
 * client's); *endpoint NEW. */
int rds_get_endpoint(struct rds_state *st, pw_call *call, const char *id,
		     int max_attempts, json_object **endpoint, pw_error *err);

#endif

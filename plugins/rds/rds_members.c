/*
 * rds_members - AddStaticMember / RemoveStaticMember: change one member of
 * a custom endpoint's static list without losing a concurrent change.
 *
 * ModifyDBClusterEndpoint replaces the whole list and RDS has no
 * conditional write, so two executions that each read the list and write
 * it back with their own member would lose one update. Hence:
 *
 *   1. take the endpoint's lock (rds_lock.c): one writer at a time among
 *      prewarm processes; held until the change is verified;
 *   2. wait until the endpoint is available; read the cluster's members
 *      and the endpoint; drop static members that no longer exist (a
 *      Modify that keeps them fails); write the new list;
 *   3. wait until available again and verify the whole intended list
 *      (every member we wrote, others' included, and for a removal the
 *      member's absence), not only our own member;
 *   4. record the intent on the instance (rds_intent.c): "warm" after a
 *      verified add, "removed" before a removal's write (unless
 *      RecordIntent: false); `reconcile` repairs from it.
 *
 * The Modify is a non-idempotent call (pw_aws_call_opts); its failures,
 * as the AWS SDKs class them:
 *   - not applied, throttling: the library resends it as is with the
 *     SDKs' backoff, up to MODIFY_ATTEMPTS: the lock is held, so the list
 *     is as fresh as when we read it; then a new round from a fresh read;
 *   - not applied, InvalidDBClusterEndpointStateFault (someone outside
 *     the lock is modifying it), DBInstanceNotFound (a member vanished):
 *     a new round from a fresh read;
 *   - ambiguous (5xx, timeout, connection lost after sending): resolved by
 *     reading back (after the endpoint is available again): the intended
 *     list is there -> done; otherwise a new round from a fresh read. A
 *     list is never resent blind;
 *   - anything else (access denied, validation): fails at once.
 * Reads are retried per call by the AWS client, with
 * RDS_MEMBERSHIP_ATTEMPTS. Rounds are bounded by MaxAttempts and the
 * call's deadline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rds.h"

#define DEFAULT_MAX_ATTEMPTS 10
#define DEFAULT_WAIT_SECONDS 900 /* per wait, when the step has no deadline */
#define MODIFY_ATTEMPTS 5 /* resends only after "not applied" (see send_modify) */

struct member_op {
	int add; /* 1: AddStaticMember, 0: RemoveStaticMember */
	const char *endpoint_id;
	const char *cluster_id; /* NULL: the endpoint's own */
	const char *instance_id;
	int64_t max_attempts;
	int64_t wait_ms;
	int allow_empty;
	int allow_narrow;
	int record_intent; /* tag the instance (add) / clear its tag (remove) */
};

/* What one read found besides the endpoint. */
struct cluster_view {
	char instance_arn[512]; /* "" when unknown */
	int instance_present;   /* op->instance_id is a member of the cluster */
};

static int has(json_object *list, const char *id)
{
	size_t n = list ? json_object_array_length(list) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(list, i));

		if (s != NULL && strcmp(s, id) == 0)
			return 1;
	}
	return 0;
}

/* Same members, in any order; NULL is the empty list. */
static int same_set(json_object *a, json_object *b)
{
	size_t na = a ? json_object_array_length(a) : 0;
	size_t nb = b ? json_object_array_length(b) : 0;

	for (size_t i = 0; i < na; i++)
		if (!has(b, json_object_get_string(json_object_array_get_idx(a, i))))
			return 0;
	for (size_t i = 0; i < nb; i++)
		if (!has(a, json_object_get_string(json_object_array_get_idx(b, i))))
			return 0;
	return 1;
}

static json_object *static_members(json_object *endpoint)
{
	json_object *v;

	if (json_object_object_get_ex(endpoint, "StaticMembers", &v) &&
	    json_object_is_type(v, json_type_array))
		return v;
	return NULL;
}

static int sleep_or_timeout(struct rds_state *st, pw_call *call, int64_t ms,
			    const char *what, pw_error *err)
{
	if (st->host->remaining_ms(call) <= ms ||
	    st->host->sleep_ms(call, ms) != PW_OK)
		return pw_error_set(err, "States.Timeout",
				    "deadline reached while %s", what);
	return PW_OK;
}

/* Reads the endpoint until its Status is "available"; *ep NEW. */
static int wait_available(struct rds_state *st, pw_call *call,
			  const struct member_op *op, json_object **ep,
			  pw_error *err)
{
	int64_t waited = 0, poll = 200;

	for (;;) {
		char status[64];
		const char *s;

		if (rds_get_endpoint(st, call, op->endpoint_id, RDS_MEMBERSHIP_ATTEMPTS,
				     ep, err) != PW_OK)
			return PW_ERR;
		s = awsp_get_str(*ep, "Status");
		if (s != NULL && strcmp(s, "available") == 0)
			return PW_OK;
		/* Copied: the text belongs to *ep, released before we wait. */
		snprintf(status, sizeof(status), "%s", s ? s : "?");
		json_object_put(*ep);
		*ep = NULL;
		if (waited >= op->wait_ms)
			return pw_error_set(err, "RDS.EndpointNotAvailable",
					    "endpoint %s still \"%s\" after %lld s",
					    op->endpoint_id, status,
					    (long long)(waited / 1000));
		if (sleep_or_timeout(st, call, poll,
				     "waiting for the endpoint to become available",
				     err) != PW_OK)
			return PW_ERR;
		waited += poll;
		poll = poll * 3 / 2 > 5000 ? 5000 : poll * 3 / 2;
	}
}

/* The instance identifiers of the cluster; *ids NEW array. */
static int cluster_instances(struct rds_state *st, pw_call *call,
			     const char *cluster_id, const char *instance_id,
			     json_object **ids, struct cluster_view *view,
			     pw_error *err)
{
	const char *arn, *colon;
	json_object *params = json_object_new_object(), *res = NULL, *clusters,
		    *members;
	struct pw_aws_call_opts opts = {.max_attempts = RDS_MEMBERSHIP_ATTEMPTS};
	int rc = PW_ERR;

	*ids = NULL;
	json_object_object_add(params, "DBClusterIdentifier",
			       json_object_new_string(cluster_id));
	if (rds_query_opts(st, call, "DescribeDBClusters", params, &opts, &res, err) !=
	    PW_OK)
		goto out;
	if (!json_object_object_get_ex(res, "DBClusters", &clusters) ||
	    json_object_array_length(clusters) == 0) {
		pw_error_set(err, "RDS.DBClusterNotFoundFault",
			     "DBCluster %s not found", cluster_id);
		goto out;
	}
	*ids = json_object_new_array();
	/* arn:PARTITION:rds:REGION:ACCOUNT:cluster:ID -> ...:db:INSTANCE */
	arn = awsp_get_str(json_object_array_get_idx(clusters, 0), "DBClusterArn");
	colon = arn ? strstr(arn, ":cluster:") : NULL;
	view->instance_arn[0] = '\0';
	if (colon != NULL)
		snprintf(view->instance_arn, sizeof(view->instance_arn), "%.*s:db:%s",
			 (int)(colon - arn), arn, instance_id);
	if (json_object_object_get_ex(json_object_array_get_idx(clusters, 0),
				      "DBClusterMembers", &members)) {
		size_t n = json_object_array_length(members);

		for (size_t i = 0; i < n; i++) {
			const char *id = awsp_get_str(
				json_object_array_get_idx(members, i),
				"DBInstanceIdentifier");

			if (id != NULL)
				json_object_array_add(*ids, json_object_new_string(id));
		}
	}
	rc = PW_OK;
out:
	json_object_put(res);
	json_object_put(params);
	return rc;
}

/*
 * One read: the endpoint (waiting until available) and the list it
 * should have. *endpoint, *desired, *dropped NEW.
 */
static int plan(struct rds_state *st, pw_call *call, const struct member_op *op,
		int wait, json_object **endpoint, json_object **desired,
		json_object **dropped, struct cluster_view *view, pw_error *err)
{
	json_object *instances = NULL, *current;
	const char *cluster_id;
	size_t n;
	int rc = PW_ERR;

	*desired = *dropped = NULL;
	if (wait)
		rc = wait_available(st, call, op, endpoint, err);
	else
		rc = rds_get_endpoint(st, call, op->endpoint_id, RDS_MEMBERSHIP_ATTEMPTS,
				      endpoint, err);
	if (rc != PW_OK)
		return PW_ERR;
	rc = PW_ERR;
	cluster_id = awsp_get_str(*endpoint, "DBClusterIdentifier");
	if (op->cluster_id != NULL && cluster_id != NULL &&
	    strcmp(op->cluster_id, cluster_id) != 0) {
		pw_error_set(err, "RDS.InvalidParameter",
			     "endpoint %s belongs to cluster %s, not %s",
			     op->endpoint_id, cluster_id, op->cluster_id);
		goto out;
	}
	if (cluster_id == NULL)
		cluster_id = op->cluster_id;
	if (cluster_id == NULL) {
		pw_error_set(err, "RDS.InvalidParameter",
			     "endpoint %s names no cluster; give DBClusterIdentifier",
			     op->endpoint_id);
		goto out;
	}
	if (cluster_instances(st, call, cluster_id, op->instance_id, &instances,
			      view, err) != PW_OK)
		goto out;
	view->instance_present = has(instances, op->instance_id);
	if (op->add && !has(instances, op->instance_id)) {
		pw_error_set(err, "RDS.DBInstanceNotFound",
			     "DB instance %s is not a member of cluster %s",
			     op->instance_id, cluster_id);
		goto out;
	}
	current = static_members(*endpoint);
	n = current ? json_object_array_length(current) : 0;
	if (op->add && n == 0 && !op->allow_narrow) {
		/* Without static members the endpoint reaches every eligible
		 * instance (but ExcludedMembers): a first static member would
		 * shrink it to that one instance. */
		pw_error_set(err, "RDS.EndpointNotStatic",
			     "endpoint %s has no static members, so it reaches every "
			     "eligible instance; adding %s would narrow it to that "
			     "instance alone. Create it with StaticMembers, or pass "
			     "AllowNarrow: true", op->endpoint_id, op->instance_id);
		goto out;
	}
	*desired = json_object_new_array();
	*dropped = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(current, i);
		const char *id = json_object_get_string(m);

		if (id == NULL)
			continue;
		if (!has(instances, id))
			json_object_array_add(*dropped, json_object_get(m));
		else if (op->add || strcmp(id, op->instance_id) != 0)
			json_object_array_add(*desired, json_object_get(m));
	}
	if (op->add && !has(*desired, op->instance_id))
		json_object_array_add(*desired, json_object_new_string(op->instance_id));
	if (!op->allow_empty && json_object_array_length(*desired) == 0) {
		/* An empty static list makes a custom endpoint reach every
		 * eligible instance: cold readers included. */
		pw_error_set(err, "RDS.WouldEmptyEndpoint",
			     "removing %s would leave endpoint %s with no static "
			     "members, which Aurora treats as all instances; pass "
			     "AllowEmpty: true to do it anyway",
			     op->instance_id, op->endpoint_id);
		goto out;
	}
	rc = PW_OK;
out:
	json_object_put(instances);
	if (rc != PW_OK) {
		json_object_put(*endpoint);
		json_object_put(*desired);
		json_object_put(*dropped);
		*endpoint = *desired = *dropped = NULL;
	}
	return rc;
}

/* A refusal that a fresh read and a new round can get past: the state
 * faults the RDS API reference lists for ModifyDBClusterEndpoint
 * (InvalidDBClusterEndpointStateFault, InvalidDBClusterStateFault - e.g.
 * during a failover -, InvalidDBInstanceStateFault), a member that
 * vanished (DBInstanceNotFoundFault), and throttling that outlasted the
 * resends. */
static int worth_a_new_round(const pw_error *e)
{
	return strncmp(e->name, "RDS.InvalidDBClusterEndpointState", 33) == 0 ||
	       strncmp(e->name, "RDS.InvalidDBClusterState", 25) == 0 ||
	       strncmp(e->name, "RDS.InvalidDBInstanceState", 26) == 0 ||
	       strncmp(e->name, "RDS.DBInstanceNotFound", 22) == 0 ||
	       pw_aws_error_is_transient(e);
}

/* Our own PRNG state: reseeding the host's random() is not ours to do. */
static _Thread_local unsigned int jitter_seed; /* per thread: rand_r is not atomic */

static int64_t backoff_ms(int attempt)
{
	int64_t cap = 250LL << (attempt < 5 ? attempt : 5);

	if (cap > 5000)
		cap = 5000;
	if (jitter_seed == 0)
		jitter_seed = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16) ^ 1u;
	/* Jitter keeps two contending executions from retrying in step. */
	return cap / 2 + rand_r(&jitter_seed) % (cap / 2 + 1);
}

/* The action's result, from the endpoint as last read. NEW. */
static json_object *member_result(const struct member_op *op,
				  json_object *endpoint, int changed, int attempts,
				  json_object *dropped)
{
	json_object *r = json_object_new_object(), *members = static_members(endpoint);
	const char *cluster = awsp_get_str(endpoint, "DBClusterIdentifier");

	json_object_object_add(r, "DBClusterEndpointIdentifier",
			       json_object_new_string(op->endpoint_id));
	if (cluster != NULL)
		json_object_object_add(r, "DBClusterIdentifier",
				       json_object_new_string(cluster));
	json_object_object_add(r, "DBInstanceIdentifier",
			       json_object_new_string(op->instance_id));
	json_object_object_add(r, "StaticMembers",
			       members ? json_object_get(members)
				       : json_object_new_array());
	json_object_object_add(r, "Changed", json_object_new_boolean(changed));
	json_object_object_add(r, "Attempts", json_object_new_int(attempts));
	json_object_object_add(r, "DroppedMembers",
			       dropped ? json_object_get(dropped)
				       : json_object_new_array());
	return r;
}

/* The endpoint as read shows the whole change we wrote: every member of
 * `desired` (others' included), and for a removal not ours. */
static int change_visible(const struct member_op *op, json_object *desired,
			  json_object *endpoint)
{
	json_object *now = static_members(endpoint);
	size_t n = json_object_array_length(desired);

	for (size_t i = 0; i < n; i++)
		if (!has(now, json_object_get_string(json_object_array_get_idx(desired, i))))
			return 0;
	return op->add || !has(now, op->instance_id);
}

enum attempt_outcome { ATTEMPT_DONE, ATTEMPT_RETRY, ATTEMPT_FAILED };

/*
 * Sends the Modify built from this round's read. PW_OK: it applied.
 * Otherwise *failure says whether it may have (pw_aws.h). The library
 * resends it only after an answer proving it was not applied
 * (throttling, a refused connection), with the SDKs' backoff: under the
 * endpoint's lock no cooperating writer can have changed the list since
 * our read, so that resend is no staler than the first send.
 */
static int send_modify(struct rds_state *st, pw_call *call,
		       const struct member_op *op, json_object *desired,
		       enum pw_aws_failure *failure, pw_error *last)
{
	json_object *params = json_object_new_object(), *res = NULL;
	struct pw_aws_call_opts opts = {.max_attempts = MODIFY_ATTEMPTS,
					.not_idempotent = 1};
	int rc;

	json_object_object_add(params, "DBClusterEndpointIdentifier",
			       json_object_new_string(op->endpoint_id));
	json_object_object_add(params, "StaticMembers", json_object_get(desired));
	rc = rds_query_opts(st, call, "ModifyDBClusterEndpoint", params, &opts, &res,
			    last);
	*failure = opts.failure;
	json_object_put(res);
	json_object_put(params);
	return rc;
}

/*
 * One read-write-verify round (under the endpoint's lock). DONE: *result
 * is set. RETRY: *last says why. FAILED: *err set. *changed becomes 1 once
 * a Modify of ours applied.
 */
static enum attempt_outcome attempt_once(struct rds_state *st, pw_call *call,
					 const struct member_op *op, int attempt,
					 json_object *all_dropped, int *changed,
					 struct cluster_view *view,
					 json_object **result, pw_error *last,
					 pw_error *err)
{
	json_object *ep = NULL, *desired = NULL, *dropped = NULL, *after = NULL;
	enum attempt_outcome verdict = ATTEMPT_FAILED;
	enum pw_aws_failure failure;

	if (plan(st, call, op, 1, &ep, &desired, &dropped, view, err) != PW_OK)
		return ATTEMPT_FAILED;
	if (!op->add && op->record_intent && view->instance_present &&
	    view->instance_arn[0] != '\0') {
		/* Intent first: if this fails nothing has changed, and a
		 * member removed on purpose must never carry a "warm" tag
		 * that tells reconcile to put it back. */
		if (rds_intent_set(st, call, view->instance_arn, op->endpoint_id,
				   "removed", err) != PW_OK)
			goto out;
	}
	if (same_set(desired, static_members(ep))) {
		/* Nothing to change (idempotent); what we read is the
		 * verification. */
		*result = member_result(op, ep, *changed, attempt, all_dropped);
		verdict = ATTEMPT_DONE;
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(dropped); i++)
		json_object_array_add(all_dropped, json_object_get(
			json_object_array_get_idx(dropped, i)));
	if (send_modify(st, call, op, desired, &failure, last) != PW_OK) {
		if (failure == PW_AWS_FAILURE_AMBIGUOUS) {
			/* Did it apply? Read back; never resend blind. */
			st->host->log(call, PW_LOG_INFO,
				      "endpoint %s: Modify answered %s; reading back",
				      op->endpoint_id, last->name);
			if (wait_available(st, call, op, &after, err) != PW_OK)
				goto out;
			if (change_visible(op, desired, after))
				goto applied;
			verdict = ATTEMPT_RETRY;
		} else if (worth_a_new_round(last)) {
			verdict = ATTEMPT_RETRY;
		} else {
			*err = *last;
		}
		goto out;
	}
	if (wait_available(st, call, op, &after, err) != PW_OK)
		goto out;
applied:
	*changed = 1;
	st->host->log(call, PW_LOG_INFO, "%s %s %s endpoint %s (attempt %d)",
		      op->add ? "added" : "removed", op->instance_id,
		      op->add ? "to" : "from", op->endpoint_id, attempt);
	if (change_visible(op, desired, after)) {
		*result = member_result(op, after, 1, attempt, all_dropped);
		verdict = ATTEMPT_DONE;
	} else {
		pw_error_set(last, "RDS.EndpointUpdateConflict",
			     "a change outside the lock replaced the static members of %s",
			     op->endpoint_id);
		verdict = ATTEMPT_RETRY;
	}
out:
	json_object_put(ep);
	json_object_put(desired);
	json_object_put(dropped);
	json_object_put(after);
	return verdict;
}

/* After a verified add: the durable record reconcile repairs from. A
 * failure here does not undo the add; the result says so. */
static void record_intent(struct rds_state *st, pw_call *call,
			  const struct member_op *op,
			  const struct cluster_view *view, json_object *result)
{
	pw_error e = {{0}, {0}};
	int ok = 0;

	if (!op->record_intent)
		return;
	if (view->instance_arn[0] == '\0')
		pw_error_set(&e, "RDS.InvalidParameter", "the cluster has no ARN");
	else
		ok = rds_intent_set(st, call, view->instance_arn, op->endpoint_id,
				    "warm", &e) == PW_OK;
	if (!ok)
		st->host->log(call, PW_LOG_WARN,
			      "endpoint %s: %s is in it, but its intent tag was not "
			      "recorded (%s: %s); reconcile will not restore it if lost",
			      op->endpoint_id, op->instance_id, e.name, e.cause);
	json_object_object_add(result, "IntentRecorded", json_object_new_boolean(ok));
}

static int run_op(struct rds_state *st, pw_call *call, const struct member_op *op,
		  json_object **result, pw_error *err)
{
	json_object *all_dropped = json_object_new_array();
	pw_error last = {{0}, {0}};
	struct cluster_view view;
	pw_aws_client *client;
	int changed = 0, rc = PW_ERR, lock = -1;

	*result = NULL;
	memset(&view, 0, sizeof(view));
	if (awsp_client(&st->conn, call, &client, err) != PW_OK ||
	    rds_lock_endpoint(st, call, pw_aws_client_region(client),
			      op->endpoint_id, op->wait_ms, &lock, err) != PW_OK)
		goto out;
	for (int attempt = 1; attempt <= op->max_attempts; attempt++) {
		switch (attempt_once(st, call, op, attempt, all_dropped, &changed,
				     &view, result, &last, err)) {
		case ATTEMPT_DONE:
			if (op->add)
				record_intent(st, call, op, &view, *result);
			rc = PW_OK;
			goto out;
		case ATTEMPT_FAILED:
			goto out;
		case ATTEMPT_RETRY:
			break;
		}
		st->host->log(call, PW_LOG_INFO, "endpoint %s: %s; retrying",
			      op->endpoint_id, last.cause);
		if (attempt < op->max_attempts &&
		    sleep_or_timeout(st, call, backoff_ms(attempt),
				     "backing off a concurrent endpoint change",
				     err) != PW_OK)
			goto out;
	}
	pw_error_set(err, "RDS.EndpointUpdateConflict",
		     "gave up after %lld attempts; last: %s: %s",
		     (long long)op->max_attempts, last.name, last.cause);
out:
	rds_unlock_endpoint(lock);
	json_object_put(all_dropped);
	return rc;
}

static int parse_op(json_object *params, int add, struct member_op *op,
		    pw_error *err)
{
	int64_t wait_s = DEFAULT_WAIT_SECONDS;

	memset(op, 0, sizeof(*op));
	op->add = add;
	op->max_attempts = DEFAULT_MAX_ATTEMPTS;
	op->record_intent = 1;
	if (awsp_str(params, "DBClusterEndpointIdentifier", 1, "RDS",
		     &op->endpoint_id, err) != PW_OK ||
	    awsp_str(params, "DBInstanceIdentifier", 1, "RDS", &op->instance_id,
		     err) != PW_OK ||
	    awsp_str(params, "DBClusterIdentifier", 0, "RDS", &op->cluster_id,
		     err) != PW_OK ||
	    awsp_int(params, "MaxAttempts", 0, "RDS", &op->max_attempts, err) !=
		    PW_OK ||
	    awsp_int(params, "WaitSeconds", 0, "RDS", &wait_s, err) != PW_OK ||
	    awsp_bool(params, "AllowEmpty", "RDS", &op->allow_empty, err) != PW_OK ||
	    awsp_bool(params, "AllowNarrow", "RDS", &op->allow_narrow, err) != PW_OK ||
	    awsp_bool(params, "RecordIntent", "RDS", &op->record_intent, err) != PW_OK)
		return PW_ERR;
	if (op->max_attempts < 1 || op->max_attempts > 100)
		return pw_error_set(err, "RDS.InvalidParameter",
				    "MaxAttempts must be between 1 and 100");
	if (wait_s < 0)
		return pw_error_set(err, "RDS.InvalidParameter",
				    "WaitSeconds must not be negative");
	op->wait_ms = wait_s * 1000;
	return PW_OK;
}

static int member_action(void *state, pw_call *call, json_object *params,
			 int add, json_object **result, pw_error *err)
{
	struct member_op op;

	*result = NULL;
	if (parse_op(params, add, &op, err) != PW_OK)
		return PW_ERR;
	return run_op(state, call, &op, result, err);
}

int rds_add_static_member(void *st, pw_call *call, json_object *params,
			  json_object **result, pw_error *err)
{
	return member_action(st, call, params, 1, result, err);
}

int rds_remove_static_member(void *st, pw_call *call, json_object *params,
			     json_object **result, pw_error *err)
{
	return member_action(st, call, params, 0, result, err);
}

/* Dry run: the same reads, no write; the result shows the list that
 * would be written. */
static int member_dry(void *state, pw_call *call, json_object *params, int add,
		      json_object **result, pw_error *err)
{
	struct member_op op;
	json_object *ep = NULL, *desired = NULL, *dropped = NULL, *members;
	struct cluster_view view;
	int changed;

	*result = NULL;
	if (parse_op(params, add, &op, err) != PW_OK ||
	    plan(state, call, &op, 0, &ep, &desired, &dropped, &view, err) != PW_OK)
		return PW_ERR;
	members = static_members(ep);
	changed = !same_set(desired, members);
	json_object_object_add(ep, "StaticMembers", json_object_get(desired));
	*result = member_result(&op, ep, changed, 0, dropped);
	json_object_object_add(*result, "DryRun", json_object_new_boolean(1));
	json_object_put(ep);
	json_object_put(desired);
	json_object_put(dropped);
	return PW_OK;
}

int rds_add_static_member_dry(void *st, pw_call *call, json_object *params,
			      json_object **result, pw_error *err)
{
	return member_dry(st, call, params, 1, result, err);
}

int rds_remove_static_member_dry(void *st, pw_call *call, json_object *params,
				 json_object **result, pw_error *err)
{
	return member_dry(st, call, params, 0, result, err);
}

/*
 * rds_members - AddStaticMember / RemoveStaticMember: change one member of
 * a custom endpoint's static list without losing a concurrent change.
 *
 * ModifyDBClusterEndpoint replaces the whole list and RDS has no
 * conditional write, so two executions that each read the list and write
 * it back with their own member would lose one update. Hence:
 *
 *   1. take the endpoint's lock (rds_lock.c: the host's flock, and with a
 *      lock table the cross-host lease, rds_lease.c): one writer at a
 *      time; held until the change is verified;
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
 * The Modify is a non-idempotent call (pw_aws_call_opts) sent by
 * send_modify, after the lock's fencing check; its failures, as the AWS
 * SDKs class them:
 *   - throttling, or ambiguous (5xx, timeout, connection lost after
 *     sending): the same list is resent, up to MODIFY_ATTEMPTS sends: it
 *     sets an absolute list computed under the lock, so a resend is right
 *     whether or not the first send applied (see send_modify);
 *   - InvalidDBClusterEndpointStateFault (someone outside the lock is
 *     modifying it, or our own earlier send is being applied),
 *     DBInstanceNotFound (a member vanished): if an earlier send may have
 *     applied, read back; else a new round from a fresh read;
 *   - anything else (access denied, validation, RDS.LockLost): fails.
 * Whatever happened, the result is verified by reading back once the
 * endpoint is available: the whole intended list there -> done; else a
 * new round from a fresh read.
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
#define MODIFY_ATTEMPTS 5 /* sends of one list per round (see send_modify) */

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
	struct rds_lock *lock; /* held while writing; NULL in a dry run */
	/* Add/RemoveExcludedMember: the list changed is ExcludedMembers (add
	 * = take the instance out of the endpoint, remove = let it in). */
	int excl;
	int if_exclusion_list; /* skip an endpoint with static members */
	int only_recorded;     /* lift only an exclusion we recorded */
	int unless_lifted;     /* do not exclude an instance we let in before */
	const char *intent;    /* AddExcludedMember's tag: excluded | held */
};

static const char *list_name(const struct member_op *op)
{
	return op->excl ? "ExcludedMembers" : "StaticMembers";
}

/* What one read found besides the endpoint. */
struct cluster_view {
	char instance_arn[512]; /* "" when unknown */
	int instance_present;   /* op->instance_id is a member of the cluster */
	const char *skipped;    /* why nothing was done (static text), or NULL */
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

static json_object *list_of(json_object *endpoint, const char *name)
{
	json_object *v;

	if (json_object_object_get_ex(endpoint, name, &v) &&
	    json_object_is_type(v, json_type_array))
		return v;
	return NULL;
}

static json_object *static_members(json_object *endpoint)
{
	return list_of(endpoint, "StaticMembers");
}

/* The list this operation changes. */
static json_object *op_list(const struct member_op *op, json_object *endpoint)
{
	return list_of(endpoint, list_name(op));
}

/* Sleeps, keeping the endpoint's lease (if any) renewed meanwhile. */
static int sleep_or_timeout(struct rds_state *st, pw_call *call,
			    const struct member_op *op, int64_t ms,
			    const char *what, pw_error *err)
{
	if (st->host->remaining_ms(call) <= ms)
		return pw_error_set(err, "States.Timeout",
				    "deadline reached while %s", what);
	return rds_lock_sleep(st, call, op->lock, ms, what, err);
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
		if (sleep_or_timeout(st, call, op, poll,
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
	current = op_list(op, *endpoint);
	n = current ? json_object_array_length(current) : 0;
	if (op->excl && static_members(*endpoint) != NULL &&
	    json_object_array_length(static_members(*endpoint)) > 0) {
		if (op->if_exclusion_list) {
			/* Nothing to do here: the result says Skipped. */
			view->skipped = "the endpoint has a static member list";
			*desired = current ? json_object_get(current)
					   : json_object_new_array();
			*dropped = json_object_new_array();
			rc = PW_OK;
			goto out;
		}
		pw_error_set(err, "RDS.EndpointNotExclusionList",
			     "endpoint %s lists static members, so only they are in it; "
			     "ExcludedMembers applies to an endpoint without a static "
			     "list (pass IfExclusionList: true to skip such endpoints)",
			     op->endpoint_id);
		goto out;
	}
	if (op->add && !op->excl && n == 0 && !op->allow_narrow) {
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
	if (!op->excl && !op->allow_empty && json_object_array_length(*desired) == 0) {
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
	json_object *r = json_object_new_object(), *members = op_list(op, endpoint);
	const char *cluster = awsp_get_str(endpoint, "DBClusterIdentifier");

	json_object_object_add(r, "DBClusterEndpointIdentifier",
			       json_object_new_string(op->endpoint_id));
	if (cluster != NULL)
		json_object_object_add(r, "DBClusterIdentifier",
				       json_object_new_string(cluster));
	json_object_object_add(r, "DBInstanceIdentifier",
			       json_object_new_string(op->instance_id));
	json_object_object_add(r, list_name(op),
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
	json_object *now = op_list(op, endpoint);
	size_t n = json_object_array_length(desired);

	for (size_t i = 0; i < n; i++)
		if (!has(now, json_object_get_string(json_object_array_get_idx(desired, i))))
			return 0;
	return op->add || !has(now, op->instance_id);
}

enum attempt_outcome { ATTEMPT_DONE, ATTEMPT_RETRY, ATTEMPT_FAILED };

/*
 * What the instance's exclusion record (rds_intent.c) allows; sets
 * view->skipped when nothing must be done: UnlessLifted and the tag says
 * "lifted" (a repeated creation event for a reader already warmed and let
 * in: it stays in service); OnlyRecorded and the tag says neither
 * "excluded" nor "held" (an operator's own exclusion: never lifted).
 */
static int exclusion_checks(struct rds_state *st, pw_call *call,
			    const struct member_op *op, json_object *ep,
			    struct cluster_view *view, pw_error *err)
{
	int listed = has(op_list(op, ep), op->instance_id);
	char value[64];

	if (!(op->add ? op->unless_lifted && !listed : op->only_recorded && listed))
		return PW_OK;
	if (rds_intent_get(st, call, op->instance_id, RDS_EXCLUSION_TAG_PREFIX,
			   op->endpoint_id, value, sizeof(value), err) != PW_OK)
		return PW_ERR;
	if (op->add && strncmp(value, "lifted ", 7) == 0)
		view->skipped = "the instance was warmed and let in before (tag lifted)";
	else if (!op->add && strncmp(value, "excluded ", 9) != 0 &&
		 strncmp(value, "held ", 5) != 0)
		view->skipped = "the exclusion was not placed by aurora-prewarm";
	return PW_OK;
}

/*
 * Sends the Modify built from this round's read, resending it as is (with
 * the SDKs' backoff, up to MODIFY_ATTEMPTS sends) after throttling or an
 * ambiguous answer. PW_OK: a send applied. Otherwise *failure is
 * AMBIGUOUS if any send may have applied (the caller reads back), else
 * NOT_APPLIED, and *last is the last answer.
 *
 * Why a resend is sound: the Modify sets an absolute list L computed from
 * a read R made under the endpoint's lock, and the lock (fenced before
 * every send, rds_lock.c) keeps every cooperating writer out. After a
 * failed send the list is R (not applied) or L (applied): sending L again
 * is right in both cases (applied twice = applied once; RDS refuses it as
 * "modifying" while the first one is being applied, which we then read
 * back). Reading back before each resend would not help: a Modify that
 * must follow a successful read can be defeated by a fault pattern that
 * fails every call after a success (every 2nd call 5xx without applying,
 * measured). Only a writer that ignores the lock (a hand edit) can move
 * the list in between, the same exposure as the first send has.
 */
static int send_modify(struct rds_state *st, pw_call *call,
		       const struct member_op *op, json_object *desired,
		       enum pw_aws_failure *failure, pw_error *last)
{
	json_object *params = json_object_new_object(), *res = NULL;
	int rc = PW_ERR, maybe_applied = 0;

	json_object_object_add(params, "DBClusterEndpointIdentifier",
			       json_object_new_string(op->endpoint_id));
	json_object_object_add(params, list_name(op), json_object_get(desired));
	for (int send = 1; send <= MODIFY_ATTEMPTS; send++) {
		struct pw_aws_call_opts opts = {.max_attempts = 1, .not_idempotent = 1};
		pw_aws_client *client;

		/* A holder that lost its lease never writes. */
		if (rds_lock_fence(st, call, op->lock, last) != PW_OK) {
			opts.failure = PW_AWS_FAILURE_NOT_APPLIED;
			break;
		}
		rc = rds_query_opts(st, call, "ModifyDBClusterEndpoint", params, &opts,
				    &res, last);
		json_object_put(res);
		res = NULL;
		if (rc == PW_OK)
			break;
		if (opts.failure == PW_AWS_FAILURE_AMBIGUOUS)
			maybe_applied = 1;
		else if (!pw_aws_error_is_transient(last))
			break; /* a state fault, access denied...: the caller decides */
		if (send == MODIFY_ATTEMPTS ||
		    awsp_client(&st->conn, call, &client, last) != PW_OK)
			break;
		st->host->log(call, PW_LOG_INFO,
			      "endpoint %s: Modify answered %s (%s); resending the same list",
			      op->endpoint_id, last->name,
			      pw_aws_failure_name(opts.failure));
		if (sleep_or_timeout(st, call, op, pw_aws_client_backoff_ms(client, send),
				     "resending a Modify", last) != PW_OK)
			break;
	}
	*failure = rc == PW_OK ? PW_AWS_FAILURE_NONE
		   : maybe_applied ? PW_AWS_FAILURE_AMBIGUOUS
				   : PW_AWS_FAILURE_NOT_APPLIED;
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
	if (op->excl && view->skipped == NULL &&
	    exclusion_checks(st, call, op, ep, view, err) != PW_OK)
		goto out;
	if (op->record_intent && view->instance_present && view->skipped == NULL &&
	    view->instance_arn[0] != '\0' && (op->excl ? op->add : !op->add)) {
		/* Intent first: if this fails nothing has changed. A member
		 * removed on purpose must never carry a "warm" tag that tells
		 * reconcile to put it back; an exclusion must be on record
		 * before it is placed, so reconcile can lift it if we die. */
		if (rds_intent_set(st, call, view->instance_arn,
				   op->excl ? RDS_EXCLUSION_TAG_PREFIX : RDS_INTENT_TAG_PREFIX,
				   op->endpoint_id, op->excl ? op->intent : "removed",
				   err) != PW_OK)
			goto out;
	}
	if (view->skipped != NULL || same_set(desired, op_list(op, ep))) {
		/* Nothing to change (idempotent); what we read is the
		 * verification. */
		*result = member_result(op, ep, *changed, attempt, all_dropped);
		if (view->skipped != NULL)
			json_object_object_add(*result, "Skipped",
					       json_object_new_string(view->skipped));
		verdict = ATTEMPT_DONE;
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(dropped); i++)
		json_object_array_add(all_dropped, json_object_get(
			json_object_array_get_idx(dropped, i)));
	if (send_modify(st, call, op, desired, &failure, last) != PW_OK) {
		if (failure == PW_AWS_FAILURE_AMBIGUOUS) {
			/* A send may have applied: read back once the
			 * endpoint is available. */
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
		      op->excl ? (op->add ? "excluded" : "let") : (op->add ? "added" : "removed"),
		      op->instance_id,
		      op->excl ? (op->add ? "from" : "into") : (op->add ? "to" : "from"),
		      op->endpoint_id, attempt);
	if (change_visible(op, desired, after)) {
		*result = member_result(op, after, 1, attempt, all_dropped);
		verdict = ATTEMPT_DONE;
	} else {
		pw_error_set(last, "RDS.EndpointUpdateConflict",
			     "a change outside the lock replaced the %s of %s",
			     list_name(op), op->endpoint_id);
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

	if (!op->record_intent || view->skipped != NULL)
		return;
	if (view->instance_arn[0] == '\0')
		pw_error_set(&e, "RDS.InvalidParameter", "the cluster has no ARN");
	else
		ok = rds_intent_set(st, call, view->instance_arn,
				    op->excl ? RDS_EXCLUSION_TAG_PREFIX : RDS_INTENT_TAG_PREFIX,
				    op->endpoint_id, op->excl ? "lifted" : "warm",
				    &e) == PW_OK;
	if (!ok)
		st->host->log(call, PW_LOG_WARN,
			      "endpoint %s: %s is in it, but its intent tag was not "
			      "recorded (%s: %s); %s", op->endpoint_id, op->instance_id,
			      e.name, e.cause,
			      op->excl ? "the tag still says it was excluded (reconcile's "
					 "lift of it is a no-op)"
				       : "reconcile will not restore it if lost");
	json_object_object_add(result, "IntentRecorded", json_object_new_boolean(ok));
}

static int run_op(struct rds_state *st, pw_call *call, struct member_op *op,
		  json_object **result, pw_error *err)
{
	json_object *all_dropped = json_object_new_array();
	pw_error last = {{0}, {0}};
	struct cluster_view view;
	struct rds_lock lock = {.fd = -1};
	pw_aws_client *client;
	int changed = 0, rc = PW_ERR;

	*result = NULL;
	memset(&view, 0, sizeof(view));
	op->lock = &lock;
	if (awsp_client(&st->conn, call, &client, err) != PW_OK ||
	    rds_lock_endpoint(st, call, pw_aws_client_region(client),
			      op->endpoint_id, op->wait_ms, &lock, err) != PW_OK)
		goto out;
	for (int attempt = 1; attempt <= op->max_attempts; attempt++) {
		switch (attempt_once(st, call, op, attempt, all_dropped, &changed,
				     &view, result, &last, err)) {
		case ATTEMPT_DONE:
			/* After the change: a verified add ("warm"), a lifted
			 * exclusion ("lifted"). */
			if (op->excl ? !op->add : op->add)
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
		    sleep_or_timeout(st, call, op, backoff_ms(attempt),
				     "backing off a concurrent endpoint change",
				     err) != PW_OK)
			goto out;
	}
	pw_error_set(err, "RDS.EndpointUpdateConflict",
		     "gave up after %lld attempts; last: %s: %s",
		     (long long)op->max_attempts, last.name, last.cause);
out:
	rds_unlock_endpoint(st, call, &lock);
	op->lock = NULL;
	json_object_put(all_dropped);
	return rc;
}

static int parse_op(json_object *params, int add, int excl, struct member_op *op,
		    pw_error *err)
{
	int64_t wait_s = DEFAULT_WAIT_SECONDS;

	memset(op, 0, sizeof(*op));
	op->add = add;
	op->excl = excl;
	op->intent = "excluded";
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
	    awsp_bool(params, "RecordIntent", "RDS", &op->record_intent, err) != PW_OK ||
	    awsp_bool(params, "IfExclusionList", "RDS", &op->if_exclusion_list, err) !=
		    PW_OK ||
	    awsp_bool(params, "OnlyRecorded", "RDS", &op->only_recorded, err) != PW_OK ||
	    awsp_bool(params, "UnlessLifted", "RDS", &op->unless_lifted, err) != PW_OK ||
	    awsp_str(params, "Intent", 0, "RDS", &op->intent, err) != PW_OK)
		return PW_ERR;
	if (!excl && (json_object_object_get_ex(params, "IfExclusionList", NULL) ||
		      json_object_object_get_ex(params, "OnlyRecorded", NULL) ||
		      json_object_object_get_ex(params, "UnlessLifted", NULL) ||
		      json_object_object_get_ex(params, "Intent", NULL)))
		return pw_error_set(err, "RDS.InvalidParameter",
				    "IfExclusionList, OnlyRecorded, UnlessLifted and Intent belong to "
				    "Add/RemoveExcludedMember");
	if (strcmp(op->intent, "excluded") != 0 && strcmp(op->intent, "held") != 0)
		return pw_error_set(err, "RDS.InvalidParameter",
				    "Intent must be \"excluded\" or \"held\"");
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
			 int add, int excl, json_object **result, pw_error *err)
{
	struct member_op op;

	*result = NULL;
	if (parse_op(params, add, excl, &op, err) != PW_OK)
		return PW_ERR;
	return run_op(state, call, &op, result, err);
}

int rds_add_static_member(void *st, pw_call *call, json_object *params,
			  json_object **result, pw_error *err)
{
	return member_action(st, call, params, 1, 0, result, err);
}

int rds_remove_static_member(void *st, pw_call *call, json_object *params,
			     json_object **result, pw_error *err)
{
	return member_action(st, call, params, 0, 0, result, err);
}

int rds_add_excluded_member(void *st, pw_call *call, json_object *params,
			    json_object **result, pw_error *err)
{
	return member_action(st, call, params, 1, 1, result, err);
}

int rds_remove_excluded_member(void *st, pw_call *call, json_object *params,
			       json_object **result, pw_error *err)
{
	return member_action(st, call, params, 0, 1, result, err);
}

/* Dry run: the same reads, no write; the result shows the list that
 * would be written. */
static int member_dry(void *state, pw_call *call, json_object *params, int add,
		      int excl, json_object **result, pw_error *err)
{
	struct member_op op;
	json_object *ep = NULL, *desired = NULL, *dropped = NULL, *members;
	struct cluster_view view;
	int changed;

	*result = NULL;
	memset(&view, 0, sizeof(view));
	if (parse_op(params, add, excl, &op, err) != PW_OK ||
	    plan(state, call, &op, 0, &ep, &desired, &dropped, &view, err) != PW_OK)
		return PW_ERR;
	members = op_list(&op, ep);
	changed = view.skipped == NULL && !same_set(desired, members);
	json_object_object_add(ep, list_name(&op), json_object_get(desired));
	*result = member_result(&op, ep, changed, 0, dropped);
	if (view.skipped != NULL)
		json_object_object_add(*result, "Skipped", json_object_new_string(view.skipped));
	json_object_object_add(*result, "DryRun", json_object_new_boolean(1));
	json_object_put(ep);
	json_object_put(desired);
	json_object_put(dropped);
	return PW_OK;
}

int rds_add_static_member_dry(void *st, pw_call *call, json_object *params,
			      json_object **result, pw_error *err)
{
	return member_dry(st, call, params, 1, 0, result, err);
}

int rds_remove_static_member_dry(void *st, pw_call *call, json_object *params,
				 json_object **result, pw_error *err)
{
	return member_dry(st, call, params, 0, 0, result, err);
}

int rds_add_excluded_member_dry(void *st, pw_call *call, json_object *params,
				json_object **result, pw_error *err)
{
	return member_dry(st, call, params, 1, 1, result, err);
}

int rds_remove_excluded_member_dry(void *st, pw_call *call, json_object *params,
				   json_object **result, pw_error *err)
{
	return member_dry(st, call, params, 0, 1, result, err);
}

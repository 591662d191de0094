/*
 * Unit tests: the rds plugin's safe member actions (plugins/rds/
 * rds_members.c) against an in-memory fake of the RDS Query API and a
 * fake host clock, to reach what a live emulator cannot force: repeated
 * refusals, a write overwritten by a concurrent writer, attempts running
 * out, a deadline passing while waiting, a non-retryable error.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <check.h>

#include "rds.h"

/* ---- the fake RDS ------------------------------------------------------ */

struct pw_aws_client {
	int unused;
};

static struct {
	const char *status;      /* the endpoint's Status */
	json_object *members;    /* its StaticMembers */
	const char *cluster[8];  /* the cluster's instances */
	int refuse_modifies;     /* next N Modifies: InvalidDBClusterEndpointStateFault */
	int clobbers;            /* next N Modifies: overwritten right after */
	const char *deny;        /* Modify fails with this error name */
	int server_errors;       /* next N Modifies: AWS.ServiceError (5xx), and
				    meanwhile another writer adds "other" */
	int max_attempts;        /* the client's attempts per request */
	int throttles;           /* next N Modifies: AWS.Throttling */
	int applied_server_errors; /* next N Modifies apply, then answer 5xx */
	int lost_server_errors;  /* next N Modifies: 5xx, not applied */
	json_object *excluded;   /* its ExcludedMembers */
	char instance_tag[128];  /* "KEY=VALUE" DescribeDBInstances returns */
	int modifies_at_tag;     /* fake.modifies when the last tag was set */
	int tag_adds, tag_removes;
	char last_tag[128];
	int modifies, describes;
	int modify_calls;        /* Modify calls the plugin made (not HTTP sends) */
	int64_t now_ms, deadline_ms;
	int64_t slept_ms;
} fake;

int pw_aws_client_new(const struct pw_aws_options *opts, pw_aws_client **out,
		      pw_error *err)
{
	(void)opts;
	(void)err;
	*out = calloc(1, sizeof(**out));
	return PW_OK;
}

void pw_aws_client_free(pw_aws_client *c)
{
	free(c);
}

int pw_aws_error_is_transient(const pw_error *e)
{
	return strcmp(e->name, "AWS.ServiceError") == 0 || strcmp(e->name, "AWS.Throttling") == 0;
}

const char *pw_aws_client_region(const pw_aws_client *c)
{
	(void)c;
	return "us-east-1";
}

void pw_aws_client_set_call(pw_aws_client *c, pw_call *call)
{
	(void)c;
	(void)call;
}

long pw_aws_client_backoff_ms(const pw_aws_client *c, int attempt)
{
	(void)c;
	return 100L * attempt;
}

const char *pw_aws_failure_name(enum pw_aws_failure f)
{
	return f == PW_AWS_FAILURE_AMBIGUOUS ? "ambiguous" : "not-applied";
}

/* The lease (DynamoDB) is not configured in these tests. */
int pw_aws_json(pw_aws_client *c, const char *target_prefix, const char *json_version,
		const char *error_prefix, const char *action, json_object *params,
		json_object **result, pw_error *err)
{
	(void)c;
	(void)target_prefix;
	(void)json_version;
	(void)error_prefix;
	(void)params;
	(void)result;
	(void)err;
	ck_abort_msg("unexpected JSON call %s", action);
	return PW_ERR;
}

json_object *pw_aws_to_sdk_names(json_object *v)
{
	return json_object_get(v);
}

json_object *pw_aws_from_sdk_names(json_object *v, const char *const *names)
{
	(void)names;
	return json_object_get(v);
}

static json_object *describe_endpoint(void)
{
	json_object *ep = json_object_new_object(), *list = json_object_new_array();
	json_object *res = json_object_new_object();

	json_object_object_add(ep, "DBClusterEndpointIdentifier",
			       json_object_new_string("readers"));
	json_object_object_add(ep, "DBClusterIdentifier", json_object_new_string("c1"));
	json_object_object_add(ep, "Status", json_object_new_string(fake.status));
	json_object_object_add(ep, "StaticMembers", json_object_get(fake.members));
	json_object_object_add(ep, "ExcludedMembers", json_object_get(fake.excluded));
	json_object_array_add(list, ep);
	json_object_object_add(res, "DBClusterEndpoints", list);
	return res;
}

static json_object *describe_cluster(void)
{
	json_object *c = json_object_new_object(), *m = json_object_new_array();
	json_object *list = json_object_new_array(), *res = json_object_new_object();

	for (int i = 0; fake.cluster[i] != NULL; i++) {
		json_object *one = json_object_new_object();

		json_object_object_add(one, "DBInstanceIdentifier",
				       json_object_new_string(fake.cluster[i]));
		json_object_array_add(m, one);
	}
	json_object_object_add(c, "DBClusterMembers", m);
	json_object_object_add(c, "DBClusterArn",
			       json_object_new_string("arn:aws:rds:us-east-1:123456789012:cluster:c1"));
	json_object_array_add(list, c);
	json_object_object_add(res, "DBClusters", list);
	return res;
}

int pw_aws_query(pw_aws_client *c, const struct pw_aws_query_shape *shape,
		 const char *action, json_object *params, json_object **result,
		 pw_error *err)
{
	(void)c;
	(void)shape;
	*result = NULL;
	if (strcmp(action, "DescribeDBClusterEndpoints") == 0) {
		fake.describes++;
		/* Changes apply at once here; "modifying" is set by a test. */
		*result = describe_endpoint();
		return PW_OK;
	}
	if (strcmp(action, "DescribeDBClusters") == 0) {
		*result = describe_cluster();
		return PW_OK;
	}
	if (strcmp(action, "DescribeDBInstances") == 0) {
		/* One instance with the tag a test set ("" = none). */
		char buf[512], *eq = strchr(fake.instance_tag, '=');

		snprintf(buf, sizeof(buf),
			 "{\"DBInstances\": [{\"TagList\": [{\"Key\": \"%.*s\", "
			 "\"Value\": \"%s\"}]}]}",
			 eq ? (int)(eq - fake.instance_tag) : 0, fake.instance_tag,
			 eq ? eq + 1 : "");
		*result = json_tokener_parse(buf);
		return PW_OK;
	}
	if (strcmp(action, "AddTagsToResource") == 0 ||
	    strcmp(action, "RemoveTagsFromResource") == 0) {
		ck_assert(strncmp(json_object_get_string(json_object_object_get(params, "ResourceName")),
				  "arn:aws:rds:us-east-1:123456789012:db:r", 39) == 0);
		json_object *t = json_object_array_get_idx(
			json_object_object_get(params, "Tags"), 0);

		ck_assert_str_eq(action, "AddTagsToResource");
		snprintf(fake.last_tag, sizeof(fake.last_tag), "%s=%s",
			 json_object_get_string(json_object_object_get(t, "Key")),
			 json_object_get_string(json_object_object_get(t, "Value")));
		fake.modifies_at_tag = fake.modifies;
		if (strstr(fake.last_tag, "=warm 20") != NULL)
			fake.tag_adds++;
		else if (strstr(fake.last_tag, "=removed 20") != NULL)
			fake.tag_removes++;
		else if (strncmp(fake.last_tag, "aurora-prewarm:exclusion:readers=", 33) != 0 ||
			 (strstr(fake.last_tag, "=excluded 20") == NULL &&
			  strstr(fake.last_tag, "=held 20") == NULL &&
			  strstr(fake.last_tag, "=lifted 20") == NULL))
			ck_abort_msg("unexpected tag %s", fake.last_tag);
		*result = json_object_new_object();
		return PW_OK;
	}
	ck_assert_str_eq(action, "ModifyDBClusterEndpoint");
	if (fake.throttles > 0) {
		fake.throttles--;
		return pw_error_set(err, "AWS.Throttling", "Rate exceeded");
	}
	if (fake.server_errors > 0) {
		/* The write failed; another execution's write went in. A client
		 * that resent our old list now would erase "other". */
		fake.server_errors--;
		json_object_put(fake.members);
		fake.members = json_tokener_parse("[\"r1\", \"other\"]");
		return pw_error_set(err, "AWS.ServiceError", "HTTP 500");
	}
	if (fake.lost_server_errors > 0) {
		fake.lost_server_errors--;
		return pw_error_set(err, "AWS.ServiceError", "HTTP 503");
	}
	if (fake.deny != NULL)
		return pw_error_set(err, fake.deny, "denied");
	if (fake.refuse_modifies > 0 || strcmp(fake.status, "available") != 0) {
		fake.refuse_modifies--;
		return pw_error_set(err, "RDS.InvalidDBClusterEndpointStateFault",
				    "endpoint is modifying");
	}
	fake.modifies++;
	if (json_object_object_get_ex(params, "ExcludedMembers", NULL)) {
		ck_assert(!json_object_object_get_ex(params, "StaticMembers", NULL));
		json_object_put(fake.excluded);
		fake.excluded = json_object_get(json_object_object_get(params, "ExcludedMembers"));
		*result = json_object_new_object();
		return PW_OK;
	}
	json_object_put(fake.members);
	fake.members = json_object_get(json_object_object_get(params, "StaticMembers"));
	if (fake.applied_server_errors > 0) {
		/* Applied, but the answer was lost: resending would be wrong
		 * if someone changed it meanwhile; reading back finds it. */
		fake.applied_server_errors--;
		return pw_error_set(err, "AWS.ServiceError", "HTTP 503");
	}
	if (fake.clobbers > 0) {
		/* Another execution wrote its own list from an older read. */
		fake.clobbers--;
		json_object_put(fake.members);
		fake.members = json_tokener_parse("[\"r1\", \"other\"]");
	}
	*result = json_object_new_object();
	return PW_OK;
}

/* The library's per-call retry, as pw_aws.h describes it: throttling is
 * "not applied" and resent; a 5xx is "ambiguous" and, for a
 * non-idempotent call, never resent. */
int pw_aws_query_opts(pw_aws_client *c, const struct pw_aws_query_shape *shape,
		      const char *action, json_object *params,
		      struct pw_aws_call_opts *opts, json_object **result,
		      pw_error *err)
{
	int max = opts && opts->max_attempts > 0 ? opts->max_attempts : fake.max_attempts;

	if (strcmp(action, "ModifyDBClusterEndpoint") == 0) {
		ck_assert(opts != NULL && opts->not_idempotent);
		fake.modify_calls++;
	}
	for (int attempt = 1;; attempt++) {
		int throttled, ambiguous;

		if (pw_aws_query(c, shape, action, params, result, err) == PW_OK) {
			if (opts)
				opts->failure = PW_AWS_FAILURE_NONE;
			return PW_OK;
		}
		throttled = strcmp(err->name, "AWS.Throttling") == 0;
		ambiguous = strcmp(err->name, "AWS.ServiceError") == 0;
		if (opts)
			opts->failure = ambiguous ? PW_AWS_FAILURE_AMBIGUOUS
						  : PW_AWS_FAILURE_NOT_APPLIED;
		if (attempt >= max || !(throttled || ambiguous) ||
		    (ambiguous && opts && opts->not_idempotent))
			return PW_ERR;
	}
}

int pw_aws_query_all(pw_aws_client *c, const struct pw_aws_query_shape *shape,
		     const char *action, json_object *params, const char *token_name,
		     const char *items, json_object **result, pw_error *err)
{
	(void)token_name;
	(void)items;
	return pw_aws_query(c, shape, action, params, result, err);
}

/* ---- the fake host ----------------------------------------------------- */

static void PW_PRINTF(3, 4) host_log(pw_call *call, enum pw_log_level level,
				     const char *fmt, ...)
{
	(void)call;
	(void)level;
	(void)fmt;
}

static void host_add_secret(const char *s)
{
	(void)s;
}

static int64_t host_remaining_ms(pw_call *call)
{
	(void)call;
	return fake.deadline_ms == INT64_MAX ? INT64_MAX : fake.deadline_ms - fake.now_ms;
}

static int host_sleep_ms(pw_call *call, int64_t ms)
{
	(void)call;
	fake.now_ms += ms;
	fake.slept_ms += ms;
	return host_remaining_ms(call) > 0 ? PW_OK : PW_ERR;
}

static int host_zero(pw_call *call)
{
	(void)call;
	return 0;
}

static const struct pw_host_api host = {
	.abi_major = PW_PLUGIN_ABI_MAJOR,
	.abi_minor = PW_PLUGIN_ABI_MINOR,
	.struct_size = sizeof(struct pw_host_api),
	.log = host_log,
	.add_secret = host_add_secret,
	.is_dry_run = host_zero,
	.remaining_ms = host_remaining_ms,
	.is_cancelled = host_zero,
	.sleep_ms = host_sleep_ms,
	.sdk_names = host_zero,
};

/* ---- tests ------------------------------------------------------------- */

static struct rds_state st;
static char lock_dir[] = "/tmp/check_rds_locks.XXXXXX";

static void setup(void)
{
	static const char *const cluster[] = {"w", "r1", "r2", "other", NULL};
	pw_error err;

	fake.status = "available";
	fake.members = json_tokener_parse("[\"r1\"]");
	memcpy(fake.cluster, cluster, sizeof(cluster));
	fake.refuse_modifies = fake.clobbers = fake.modifies = fake.describes = 0;
	fake.deny = NULL;
	fake.server_errors = fake.throttles = fake.applied_server_errors = 0;
	fake.lost_server_errors = 0;
	fake.excluded = json_object_new_array();
	fake.instance_tag[0] = '\0';
	fake.modifies_at_tag = -1;
	fake.tag_adds = fake.tag_removes = fake.modify_calls = 0;
	fake.last_tag[0] = '\0';
	fake.max_attempts = 5;
	fake.now_ms = fake.slept_ms = 0;
	fake.deadline_ms = INT64_MAX;
	st.host = &host;
	st.lock_dir = lock_dir;
	ck_assert_int_eq(awsp_conn_init(&st.conn, &host, NULL, "rds", NULL, "RDS", &err),
			 PW_OK);
}

static void teardown(void)
{
	awsp_conn_fini(&st.conn);
	json_object_put(fake.members);
	json_object_put(fake.excluded);
}

typedef int (*action_fn)(void *, pw_call *, json_object *, json_object **, pw_error *);

/* Runs one member action for `who` on the endpoint "readers". */
static int run_action(action_fn fn, const char *who, const char *extra, json_object **res,
		      pw_error *err)
{
	char buf[512];
	json_object *params;
	int rc;

	snprintf(buf, sizeof(buf),
		 "{\"DBClusterEndpointIdentifier\": \"readers\", "
		 "\"DBInstanceIdentifier\": \"%s\"%s%s}",
		 who, extra ? ", " : "", extra ? extra : "");
	params = json_tokener_parse(buf);
	ck_assert_ptr_nonnull(params);
	rc = fn(&st, NULL, params, res, err);
	json_object_put(params);
	return rc;
}

/* AddStaticMember (add) or RemoveStaticMember. */
static int member(int add, const char *who, const char *extra, json_object **res,
		  pw_error *err)
{
	return run_action(add ? rds_add_static_member : rds_remove_static_member, who, extra,
			  res, err);
}

static int64_t get_int(json_object *o, const char *k)
{
	return json_object_get_int64(json_object_object_get(o, k));
}

static int in_list(json_object *list, const char *who)
{
	for (size_t i = 0; i < json_object_array_length(list); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(list, i)), who) == 0)
			return 1;
	return 0;
}

static int in_members(const char *who)
{
	return in_list(fake.members, who);
}

START_TEST(adds_with_one_write)
{
	json_object *res = NULL;
	pw_error err;

	ck_assert_int_eq(member(1, "r2", NULL, &res, &err), PW_OK);
	ck_assert(in_members("r1") && in_members("r2"));
	ck_assert_int_eq(fake.modifies, 1);
	ck_assert_int_eq(get_int(res, "Attempts"), 1);
	ck_assert(json_object_get_boolean(json_object_object_get(res, "Changed")));
	json_object_put(res);
}
END_TEST

START_TEST(present_member_is_not_written_again)
{
	json_object *res = NULL;
	pw_error err;

	ck_assert_int_eq(member(1, "r1", NULL, &res, &err), PW_OK);
	ck_assert_int_eq(fake.modifies, 0);
	ck_assert(!json_object_get_boolean(json_object_object_get(res, "Changed")));
	json_object_put(res);
}
END_TEST

START_TEST(refused_writes_back_off_and_retry)
{
	json_object *res = NULL;
	pw_error err;

	fake.refuse_modifies = 2;
	ck_assert_int_eq(member(1, "r2", NULL, &res, &err), PW_OK);
	ck_assert_int_eq(get_int(res, "Attempts"), 3);
	ck_assert(in_members("r2"));
	/* Two backoffs of at least half of 500 and 1000 ms. */
	ck_assert_int_ge(fake.slept_ms, 250 + 500);
	json_object_put(res);
}
END_TEST

START_TEST(an_overwritten_write_is_detected_and_redone)
{
	json_object *res = NULL;
	pw_error err;

	fake.clobbers = 1;
	ck_assert_int_eq(member(1, "r2", NULL, &res, &err), PW_OK);
	ck_assert_int_eq(fake.modifies, 2);
	ck_assert_int_eq(get_int(res, "Attempts"), 2);
	/* Ours and the other writer's member both survive. */
	ck_assert(in_members("r2") && in_members("other") && in_members("r1"));
	json_object_put(res);
}
END_TEST

START_TEST(attempts_run_out_as_a_named_error)
{
	json_object *res = NULL;
	pw_error err;

	fake.clobbers = 100;
	ck_assert_int_eq(member(1, "r2", "\"MaxAttempts\": 3", &res, &err), PW_ERR);
	ck_assert_ptr_null(res);
	ck_assert_str_eq(err.name, "RDS.EndpointUpdateConflict");
	ck_assert_int_eq(fake.modifies, 3);
}
END_TEST

START_TEST(a_deadline_while_waiting_is_a_timeout)
{
	json_object *res = NULL;
	pw_error err;

	fake.status = "modifying"; /* never becomes available */
	fake.deadline_ms = 5000;
	ck_assert_int_eq(member(1, "r2", NULL, &res, &err), PW_ERR);
	ck_assert_str_eq(err.name, "States.Timeout");
	ck_assert_int_eq(fake.modifies, 0);
	ck_assert_int_le(fake.now_ms, 5000);
}
END_TEST

START_TEST(wait_seconds_bounds_a_wait_without_deadline)
{
	json_object *res = NULL;
	pw_error err;

	fake.status = "modifying";
	ck_assert_int_eq(member(1, "r2", "\"WaitSeconds\": 3", &res, &err), PW_ERR);
	ck_assert_str_eq(err.name, "RDS.EndpointNotAvailable");
	ck_assert_int_le(fake.slept_ms, 3000 + 5000);
}
END_TEST

START_TEST(other_errors_are_not_retried)
{
	json_object *res = NULL;
	pw_error err;

	fake.deny = "AWS.AccessDenied";
	ck_assert_int_eq(member(1, "r2", NULL, &res, &err), PW_ERR);
	ck_assert_str_eq(err.name, "AWS.AccessDenied");
	ck_assert_int_eq(fake.slept_ms, 0);
}
END_TEST

START_TEST(vanished_members_are_dropped_and_reported)
{
	json_object *res = NULL;
	pw_error err;

	json_object_put(fake.members);
	fake.members = json_tokener_parse("[\"r1\", \"gone\"]");
	ck_assert_int_eq(member(1, "r2", NULL, &res, &err), PW_OK);
	ck_assert(!in_members("gone") && in_members("r2"));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(
				 json_object_object_get(res, "DroppedMembers"), 0)),
			 "gone");
	json_object_put(res);
}
END_TEST

START_TEST(remove_refuses_to_empty_unless_allowed)
{
	json_object *res = NULL;
	pw_error err;

	ck_assert_int_eq(member(0, "r1", NULL, &res, &err), PW_ERR);
	ck_assert_str_eq(err.name, "RDS.WouldEmptyEndpoint");
	ck_assert_int_eq(fake.modifies, 0);
	ck_assert_int_eq(member(0, "r1", "\"AllowEmpty\": true", &res, &err), PW_OK);
	ck_assert_int_eq(json_object_array_length(fake.members), 0);
	json_object_put(res);
}
END_TEST

/* A 5xx on the write is not resent as it was (the list came from a read
 * that another writer may have overtaken): the round starts again from a
 * fresh read, so the concurrent member survives. */
/* Every send of the round's list answered 5xx, and meanwhile a writer
 * outside the lock added "other": the resends run out, reading back does
 * not show our list, so a new round starts from a fresh read (which keeps
 * "other"). */
START_TEST(a_failed_write_is_redone_from_a_fresh_read)
{
	json_object *res = NULL;
	pw_error err;

	fake.server_errors = 5;
	ck_assert_int_eq(member(1, "r2", NULL, &res, &err), PW_OK);
	ck_assert_int_eq(fake.modify_calls, 6); /* 5 sends, then a new round */
	ck_assert(in_members("r2"));
	ck_assert(in_members("other"));
	ck_assert_int_eq(get_int(res, "Attempts"), 2);
	json_object_put(res);
}
END_TEST

/* 5xx answers that did not apply (every other call failing would defeat
 * a read before each send): the same list is resent under the lock until
 * it applies; one round. */
START_TEST(an_unapplied_ambiguous_write_is_resent_under_the_lock)
{
	json_object *res = NULL;
	pw_error err;

	fake.lost_server_errors = 3;
	ck_assert_int_eq(member(1, "r2", NULL, &res, &err), PW_OK);
	ck_assert_int_eq(fake.modify_calls, 4);
	ck_assert_int_eq(fake.modifies, 1);
	ck_assert_int_eq(get_int(res, "Attempts"), 1);
	ck_assert(in_members("r1") && in_members("r2"));
	json_object_put(res);
}
END_TEST

START_TEST(dry_run_reads_only)
{
	json_object *params = json_tokener_parse(
		"{\"DBClusterEndpointIdentifier\": \"readers\", \"DBInstanceIdentifier\": \"r2\"}");
	json_object *res = NULL;
	pw_error err;

	ck_assert_int_eq(rds_add_static_member_dry(&st, NULL, params, &res, &err), PW_OK);
	ck_assert_int_eq(fake.modifies, 0);
	ck_assert_int_eq(json_object_array_length(json_object_object_get(res, "StaticMembers")), 2);
	ck_assert(json_object_get_boolean(json_object_object_get(res, "DryRun")));
	json_object_put(res);
	json_object_put(params);
}
END_TEST

/* A throttled Modify was refused before it applied; under the lock the
 * list is still what we read, so it is resent as is (no new round). */
START_TEST(a_throttled_write_is_resent_under_the_lock)
{
	json_object *res = NULL;
	pw_error err;

	fake.throttles = 2;
	ck_assert_int_eq(member(1, "r2", NULL, &res, &err), PW_OK);
	ck_assert_int_eq(fake.modifies, 1);
	ck_assert_int_eq(fake.modify_calls, 3); /* resent as is, no new read */
	ck_assert_int_eq(get_int(res, "Attempts"), 1);
	ck_assert(in_members("r1") && in_members("r2"));
	json_object_put(res);
}
END_TEST

/* A 5xx whose write did apply: the resend sets the same list again
 * (real RDS refuses it while "modifying"; either way nothing changes),
 * and reading back finds the whole list: one round. */
START_TEST(an_ambiguous_write_is_resolved_by_reading_back)
{
	json_object *res = NULL;
	pw_error err;

	fake.applied_server_errors = 1;
	ck_assert_int_eq(member(1, "r2", NULL, &res, &err), PW_OK);
	ck_assert_int_eq(fake.modifies, 2);
	ck_assert_int_eq(get_int(res, "Attempts"), 1);
	ck_assert(json_object_get_boolean(json_object_object_get(res, "Changed")));
	json_object_put(res);
}
END_TEST

START_TEST(an_add_records_its_intent_on_the_instance)
{
	json_object *res = NULL;
	pw_error err;

	ck_assert_int_eq(member(1, "r2", NULL, &res, &err), PW_OK);
	ck_assert_int_eq(fake.tag_adds, 1);
	ck_assert(strncmp(fake.last_tag, "aurora-prewarm:endpoint:readers=warm ", 37) == 0);
	ck_assert(json_object_get_boolean(json_object_object_get(res, "IntentRecorded")));
	json_object_put(res);
	ck_assert_int_eq(member(1, "r2", "\"RecordIntent\": false", &res, &err), PW_OK);
	ck_assert_int_eq(fake.tag_adds, 1);
	json_object_put(res);
}
END_TEST

/* "removed" is recorded before the member goes: a failure in between
 * leaves no "warm" tag telling reconcile to put it back. Automatic
 * removals (RecordIntent: false) leave the tag alone. */
START_TEST(a_removal_records_removed_first)
{
	json_object *res = NULL;
	pw_error err;

	json_object_put(fake.members);
	fake.members = json_tokener_parse("[\"r1\", \"r2\"]");
	fake.deny = "AWS.AccessDenied";
	ck_assert_int_eq(member(0, "r2", NULL, &res, &err), PW_ERR);
	ck_assert_int_eq(fake.tag_removes, 1);
	ck_assert(strncmp(fake.last_tag, "aurora-prewarm:endpoint:readers=removed ", 40) == 0);
	fake.deny = NULL;
	ck_assert_int_eq(member(0, "r2", NULL, &res, &err), PW_OK);
	ck_assert(!in_members("r2"));
	ck_assert_int_eq(fake.tag_removes, 2);
	json_object_put(res);
	json_object_put(fake.members);
	fake.members = json_tokener_parse("[\"r1\", \"r2\"]");
	ck_assert_int_eq(member(0, "r2", "\"RecordIntent\": false", &res, &err), PW_OK);
	ck_assert(!in_members("r2"));
	ck_assert_int_eq(fake.tag_removes, 2);
	json_object_put(res);
}
END_TEST

/* Another process holds the endpoint's lock: nothing is read or written
 * until it goes; a bounded wait ends in a named error. */
START_TEST(a_held_lock_is_waited_for_then_named)
{
	char path[256];
	json_object *res = NULL;
	pw_error err;
	int fd;

	snprintf(path, sizeof(path), "%s/us-east-1.readers.lock", lock_dir);
	fd = open(path, O_RDWR | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	ck_assert_int_eq(member(1, "r2", "\"WaitSeconds\": 2", &res, &err), PW_ERR);
	ck_assert_str_eq(err.name, "RDS.EndpointLocked");
	ck_assert_int_eq(fake.describes, 0);
	ck_assert_int_ge(fake.slept_ms, 2000);
	close(fd); /* the holder "dies": the next run proceeds at once */
	ck_assert_int_eq(member(1, "r2", NULL, &res, &err), PW_OK);
	ck_assert(in_members("r2"));
	json_object_put(res);
}
END_TEST

/* AddExcludedMember (add) or RemoveExcludedMember. */
static int exclusion(int add, const char *who, const char *extra, json_object **res,
		     pw_error *err)
{
	return run_action(add ? rds_add_excluded_member : rds_remove_excluded_member, who,
			  extra, res, err);
}

static int is_excluded(const char *who)
{
	return in_list(fake.excluded, who);
}

/* The exclusion is recorded before it is placed, and lifted only when
 * recorded (never an operator's own); the static list is never sent. */
START_TEST(an_exclusion_is_recorded_first_and_lifted_only_when_ours)
{
	json_object *res = NULL;
	pw_error err;

	json_object_put(fake.members);
	fake.members = json_object_new_array(); /* an exclusion-list endpoint */
	ck_assert_int_eq(exclusion(1, "r2", NULL, &res, &err), PW_OK);
	ck_assert(is_excluded("r2"));
	ck_assert_int_eq(fake.modifies, 1);
	ck_assert_int_eq(fake.modifies_at_tag, 0); /* tagged before the write */
	ck_assert(strstr(fake.last_tag, "exclusion:readers=excluded 20") != NULL);
	ck_assert_int_eq(json_object_array_length(json_object_object_get(res, "ExcludedMembers")), 1);
	json_object_put(res);
	/* No record: an operator's exclusion stays. */
	ck_assert_int_eq(exclusion(0, "r2", "\"OnlyRecorded\": true", &res, &err), PW_OK);
	ck_assert(is_excluded("r2") && fake.modifies == 1);
	ck_assert(json_object_object_get(res, "Skipped") != NULL);
	json_object_put(res);
	snprintf(fake.instance_tag, sizeof(fake.instance_tag),
		 "aurora-prewarm:exclusion:readers=excluded 2026-01-01T00:00:00Z");
	ck_assert_int_eq(exclusion(0, "r2", "\"OnlyRecorded\": true", &res, &err), PW_OK);
	ck_assert(!is_excluded("r2") && fake.modifies == 2);
	ck_assert(strstr(fake.last_tag, "=lifted 20") != NULL);
	ck_assert(json_object_get_boolean(json_object_object_get(res, "Changed")));
	json_object_put(res);
	/* A repeated event: once let in, UnlessLifted keeps it in service. */
	snprintf(fake.instance_tag, sizeof(fake.instance_tag),
		 "aurora-prewarm:exclusion:readers=lifted 2026-01-01T00:00:00Z");
	ck_assert_int_eq(exclusion(1, "r2", "\"UnlessLifted\": true", &res, &err), PW_OK);
	ck_assert(!is_excluded("r2") && fake.modifies == 2);
	ck_assert(json_object_object_get(res, "Skipped") != NULL);
	json_object_put(res);
}
END_TEST

START_TEST(a_static_endpoint_is_refused_or_skipped_for_exclusions)
{
	json_object *res = NULL;
	pw_error err;

	ck_assert_int_eq(exclusion(1, "r2", NULL, &res, &err), PW_ERR);
	ck_assert_str_eq(err.name, "RDS.EndpointNotExclusionList");
	ck_assert_int_eq(exclusion(1, "r2", "\"IfExclusionList\": true", &res, &err), PW_OK);
	ck_assert(json_object_object_get(res, "Skipped") != NULL);
	ck_assert(!json_object_get_boolean(json_object_object_get(res, "Changed")));
	ck_assert_int_eq(fake.modifies, 0);
	ck_assert_int_eq(fake.tag_adds + fake.tag_removes, 0);
	json_object_put(res);
	ck_assert_int_eq(exclusion(1, "r2", "\"Intent\": \"maybe\"", &res, &err), PW_ERR);
	ck_assert_str_eq(err.name, "RDS.InvalidParameter");
	ck_assert_int_eq(member(1, "r2", "\"OnlyRecorded\": true", &res, &err), PW_ERR);
	ck_assert_str_eq(err.name, "RDS.InvalidParameter");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rds_members");
	char path[256];
	TCase *tc = tcase_create("members");
	SRunner *sr;
	int failed;

	if (mkdtemp(lock_dir) == NULL)
		return 1;
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, adds_with_one_write);
	tcase_add_test(tc, present_member_is_not_written_again);
	tcase_add_test(tc, refused_writes_back_off_and_retry);
	tcase_add_test(tc, an_overwritten_write_is_detected_and_redone);
	tcase_add_test(tc, attempts_run_out_as_a_named_error);
	tcase_add_test(tc, a_deadline_while_waiting_is_a_timeout);
	tcase_add_test(tc, wait_seconds_bounds_a_wait_without_deadline);
	tcase_add_test(tc, other_errors_are_not_retried);
	tcase_add_test(tc, vanished_members_are_dropped_and_reported);
	tcase_add_test(tc, remove_refuses_to_empty_unless_allowed);
	tcase_add_test(tc, a_failed_write_is_redone_from_a_fresh_read);
	tcase_add_test(tc, dry_run_reads_only);
	tcase_add_test(tc, a_throttled_write_is_resent_under_the_lock);
	tcase_add_test(tc, an_ambiguous_write_is_resolved_by_reading_back);
	tcase_add_test(tc, an_unapplied_ambiguous_write_is_resent_under_the_lock);
	tcase_add_test(tc, an_add_records_its_intent_on_the_instance);
	tcase_add_test(tc, a_removal_records_removed_first);
	tcase_add_test(tc, a_held_lock_is_waited_for_then_named);
	tcase_add_test(tc, an_exclusion_is_recorded_first_and_lifted_only_when_ours);
	tcase_add_test(tc, a_static_endpoint_is_refused_or_skipped_for_exclusions);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(path, sizeof(path), "%s/us-east-1.readers.lock", lock_dir);
	unlink(path);
	rmdir(lock_dir);
	return failed == 0 ? 0 : 1;
}

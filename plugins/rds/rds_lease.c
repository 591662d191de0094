/*
 * rds_lease - one writer per custom endpoint across hosts: a lease kept
 * as a DynamoDB item, taken and kept with conditional writes.
 *
 * Item (key "LockKey" = "<region>/<endpoint>"): Owner (this holder's
 * random token), ExpiresMs (wall-clock ms when the lease ends), ExpiresAt
 * (epoch seconds a day later: the table's TTL attribute, so DynamoDB
 * sweeps items of holders that died), Holder ("host pid N", for logs).
 *
 *   acquire  PutItem if attribute_not_exists(LockKey) OR ExpiresMs < now
 *            OR Owner = us (so a resend after a lost answer succeeds);
 *            else wait, polling, up to the step's WaitSeconds;
 *   renew    UpdateItem ExpiresMs = now + lease if Owner = us: done at a
 *            third of the lease while waiting (rds_lock_sleep) and before
 *            every ModifyDBClusterEndpoint (the fencing check): a holder
 *            whose lease another host took fails with RDS.LockLost and
 *            never writes;
 *   release  DeleteItem if Owner = us.
 *
 * Why DynamoDB and not a PostgreSQL advisory lock on the writer: the
 * advisory lock lives in the writer's session and is lost exactly during
 * a failover, when aurora-failover-adjust changes the endpoint; it would
 * also put database credentials into the rds plugin. A holder that dies
 * keeps the lease until ExpiresMs: others proceed within one lease plus a
 * poll. Clock assumption: hosts' clocks agree to well under the lease
 * (NTP / Amazon Time Sync keep them within milliseconds).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "rds.h"

#define TABLE_TARGET "DynamoDB_20120810"
#define DEFAULT_LEASE_S 60
#define TTL_SLACK_S 86400 /* TTL sweeps a dead holder's item a day later */

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static json_object *attr(const char *type, const char *value)
{
	json_object *a = json_object_new_object();

	json_object_object_add(a, type, json_object_new_string(value));
	return a;
}

static json_object *num(int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return attr("N", buf);
}

/* The common members of a conditional request on our item. NEW. */
static json_object *request(const struct rds_state *st, const struct rds_lock *lk,
			    const char *condition)
{
	json_object *r = json_object_new_object(), *names = json_object_new_object(),
		    *values = json_object_new_object();

	json_object_object_add(r, "TableName", json_object_new_string(st->lock_table));
	json_object_object_add(r, "ConditionExpression", json_object_new_string(condition));
	/* Owner and TTL are DynamoDB reserved words: always use names. */
	json_object_object_add(names, "#k", json_object_new_string("LockKey"));
	json_object_object_add(names, "#o", json_object_new_string("Owner"));
	json_object_object_add(r, "ExpressionAttributeNames", names);
	json_object_object_add(values, ":me", attr("S", lk->owner));
	json_object_object_add(r, "ExpressionAttributeValues", values);
	return r;
}

static json_object *values_of(json_object *r)
{
	return json_object_object_get(r, "ExpressionAttributeValues");
}

static json_object *names_of(json_object *r)
{
	return json_object_object_get(r, "ExpressionAttributeNames");
}

static int call_table(struct rds_state *st, pw_call *call, const char *action,
		      json_object *params, json_object **res, pw_error *err)
{
	pw_aws_client *client;

	*res = NULL;
	if (awsp_client(&st->ddb, call, &client, err) != PW_OK)
		return PW_ERR;
	return pw_aws_json(client, TABLE_TARGET, "1.0", "DynamoDB", action, params,
			   res, err);
}

static int is(const pw_error *e, const char *name)
{
	return strcmp(e->name, name) == 0;
}

/* A table error other than "someone else holds it", named for the
 * operator. */
static int table_failed(const struct rds_state *st, const char *what,
			const pw_error *e, pw_error *err)
{
	if (is(e, "DynamoDB.ResourceNotFoundException"))
		return pw_error_set(err, "RDS.LockFailed",
				    "lock table %s not found (%s); create it "
				    "(contrib/cloudformation) or remove the rds plugin's "
				    "lock setting", st->lock_table, e->cause);
	return pw_error_set(err, "RDS.LockFailed", "lock table %s: %s: %s: %s",
			    st->lock_table, what, e->name, e->cause);
}

/* Who holds it, for the log (best effort). */
static void log_holder(struct rds_state *st, pw_call *call, const struct rds_lock *lk,
		       const char *endpoint_id)
{
	json_object *p = json_object_new_object(), *key = json_object_new_object(),
		    *res = NULL, *item, *v;
	pw_error e = {{0}, {0}};
	const char *holder = "?";
	long long left = -1;

	json_object_object_add(key, "LockKey", attr("S", lk->key));
	json_object_object_add(p, "TableName", json_object_new_string(st->lock_table));
	json_object_object_add(p, "Key", key);
	json_object_object_add(p, "ConsistentRead", json_object_new_boolean(1));
	if (call_table(st, call, "GetItem", p, &res, &e) == PW_OK &&
	    json_object_object_get_ex(res, "Item", &item)) {
		if (json_object_object_get_ex(item, "Holder", &v))
			holder = awsp_get_str(v, "S") ? awsp_get_str(v, "S") : "?";
		if (json_object_object_get_ex(item, "ExpiresMs", &v) && awsp_get_str(v, "N"))
			left = (atoll(awsp_get_str(v, "N")) - wall_ms()) / 1000;
	}
	st->host->log(call, PW_LOG_INFO,
		      "endpoint %s: its lease (table %s) is held by %s for %lld s more; waiting",
		      endpoint_id, st->lock_table, holder, left);
	json_object_put(res);
	json_object_put(p);
}

static void new_owner(struct rds_lock *lk)
{
	unsigned char r[16];
	size_t n = 0;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		/* Unique enough for one host's holders: time and pid. */
		int64_t t = wall_ms() ^ ((int64_t)getpid() << 32);

		memcpy(r, &t, sizeof(t));
		memcpy(r + 8, &t, sizeof(t));
	}
	for (size_t i = 0; i < sizeof(r); i++)
		n += (size_t)snprintf(lk->owner + n, sizeof(lk->owner) - n, "%02x", r[i]);
}

int rds_lease_acquire(struct rds_state *st, pw_call *call, struct rds_lock *lk,
		      const char *endpoint_id, int64_t wait_ms, pw_error *err)
{
	char host[128], holder[200];
	int64_t waited = 0, poll = st->lease_ms / 4 < 500 ? st->lease_ms / 4 : 500;
	int rc = PW_ERR;

	new_owner(lk);
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "?");
	host[sizeof(host) - 1] = '\0';
	snprintf(holder, sizeof(holder), "%s pid %ld", host, (long)getpid());
	for (;;) {
		int64_t now = wall_ms();
		json_object *r = request(st, lk, "attribute_not_exists(#k) OR #e < :now OR #o = :me"),
			    *item = json_object_new_object(), *res = NULL;
		pw_error e = {{0}, {0}};

		json_object_object_add(names_of(r), "#e", json_object_new_string("ExpiresMs"));
		json_object_object_add(values_of(r), ":now", num(now));
		json_object_object_add(item, "LockKey", attr("S", lk->key));
		json_object_object_add(item, "Owner", attr("S", lk->owner));
		json_object_object_add(item, "ExpiresMs", num(now + st->lease_ms));
		json_object_object_add(item, "ExpiresAt",
				       num((now + st->lease_ms) / 1000 + TTL_SLACK_S));
		json_object_object_add(item, "Holder", attr("S", holder));
		json_object_object_add(r, "Item", item);
		rc = call_table(st, call, "PutItem", r, &res, &e);
		json_object_put(res);
		json_object_put(r);
		if (rc == PW_OK) {
			lk->leased = 1;
			lk->renewed_ms = mono_ms();
			return PW_OK;
		}
		if (!is(&e, "DynamoDB.ConditionalCheckFailedException"))
			return table_failed(st, "taking the lease", &e, err);
		if (waited == 0)
			log_holder(st, call, lk, endpoint_id);
		if (waited >= wait_ms || st->host->remaining_ms(call) <= poll ||
		    st->host->sleep_ms(call, poll) != PW_OK)
			return pw_error_set(err, "RDS.EndpointLocked",
					    "endpoint %s: another host held its lease "
					    "(table %s) for %lld s",
					    endpoint_id, st->lock_table,
					    (long long)(waited / 1000));
		waited += poll;
	}
}

int rds_lease_renew(struct rds_state *st, pw_call *call, struct rds_lock *lk,
		    pw_error *err)
{
	int64_t now = wall_ms();
	json_object *r = request(st, lk, "#o = :me"), *key = json_object_new_object(),
		    *res = NULL;
	pw_error e = {{0}, {0}};
	int rc;

	json_object_object_add(key, "LockKey", attr("S", lk->key));
	json_object_object_add(r, "Key", key);
	json_object_object_add(r, "UpdateExpression",
			       json_object_new_string("SET #e = :exp, #t = :ttl"));
	json_object_object_add(names_of(r), "#e", json_object_new_string("ExpiresMs"));
	json_object_object_add(names_of(r), "#t", json_object_new_string("ExpiresAt"));
	json_object_object_add(values_of(r), ":exp", num(now + st->lease_ms));
	json_object_object_add(values_of(r), ":ttl",
			       num((now + st->lease_ms) / 1000 + TTL_SLACK_S));
	/* #k is only used by acquire. */
	json_object_object_del(names_of(r), "#k");
	rc = call_table(st, call, "UpdateItem", r, &res, &e);
	json_object_put(res);
	json_object_put(r);
	if (rc == PW_OK) {
		lk->renewed_ms = mono_ms();
		return PW_OK;
	}
	if (is(&e, "DynamoDB.ConditionalCheckFailedException")) {
		lk->leased = 0; /* not ours any more: nothing to release */
		return pw_error_set(err, "RDS.LockLost",
				    "the endpoint's lease (table %s, %s) was taken by "
				    "another holder after ours expired; nothing more is "
				    "written", st->lock_table, lk->key);
	}
	return table_failed(st, "renewing the lease", &e, err);
}

void rds_lease_release(struct rds_state *st, pw_call *call, struct rds_lock *lk)
{
	json_object *r = request(st, lk, "#o = :me"), *key = json_object_new_object(),
		    *res = NULL;
	pw_error e = {{0}, {0}};

	json_object_object_add(key, "LockKey", attr("S", lk->key));
	json_object_object_add(r, "Key", key);
	json_object_object_del(names_of(r), "#k");
	if (call_table(st, call, "DeleteItem", r, &res, &e) != PW_OK &&
	    !is(&e, "DynamoDB.ConditionalCheckFailedException"))
		st->host->log(call, PW_LOG_WARN,
			      "lock table %s: releasing %s failed (%s: %s); it expires "
			      "on its own within %lld s", st->lock_table, lk->key,
			      e.name, e.cause, (long long)(st->lease_ms / 1000));
	lk->leased = 0;
	json_object_put(res);
	json_object_put(r);
}

static const char *const lock_keys[] = {"backend", "table", "lease_seconds", "region",
					"profile", "endpoint_url", NULL};

int rds_lease_config(struct rds_state *st, json_object *config, pw_error *err)
{
	json_object *lock, *v;
	const char *backend = "flock";

	st->lease_ms = DEFAULT_LEASE_S * 1000;
	if (config == NULL || !json_object_object_get_ex(config, "lock", &lock))
		return PW_OK;
	if (!json_object_is_type(lock, json_type_object))
		return pw_error_set(err, "States.Runtime",
				    "plugin config: rds: lock must be an object "
				    "{backend, table, lease_seconds}");
	json_object_object_foreach(lock, k, val)
	{
		int known = 0;

		(void)val;
		for (const char *const *p = lock_keys; *p && !known; p++)
			known = strcmp(*p, k) == 0;
		if (!known)
			return pw_error_set(err, "States.Runtime",
					    "plugin config: rds: lock.%s is not a known "
					    "setting (backend, table, lease_seconds, region, "
					    "profile, endpoint_url)", k);
	}
	if (json_object_object_get_ex(lock, "backend", &v)) {
		if (!json_object_is_type(v, json_type_string))
			return pw_error_set(err, "States.Runtime",
					    "plugin config: rds: lock.backend must be a string");
		backend = json_object_get_string(v);
	}
	if (strcmp(backend, "flock") == 0)
		return PW_OK;
	if (strcmp(backend, "dynamodb") != 0)
		return pw_error_set(err, "States.Runtime",
				    "plugin config: rds: lock.backend \"%s\" is not "
				    "\"flock\" or \"dynamodb\"", backend);
	if (!json_object_object_get_ex(lock, "table", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) == 0)
		return pw_error_set(err, "States.Runtime",
				    "plugin config: rds: lock.table (the DynamoDB table "
				    "name) is required with backend dynamodb");
	if (json_object_object_get_ex(lock, "lease_seconds", &v)) {
		int64_t s = json_object_get_int64(v);

		if (!json_object_is_type(v, json_type_int) || s < 3 || s > 3600)
			return pw_error_set(err, "States.Runtime",
					    "plugin config: rds: lock.lease_seconds must "
					    "be a whole number from 3 to 3600");
		st->lease_ms = s * 1000;
	}
	if (awsp_conn_init(&st->ddb, st->host, lock, "dynamodb", NULL, "DYNAMODB",
			   err) != PW_OK)
		return PW_ERR;
	/* The lease lives in the rds plugin's region unless told otherwise. */
	if (st->ddb.region == NULL && st->conn.region != NULL) {
		st->ddb.region = strdup(st->conn.region);
		st->ddb.opts.region = st->ddb.region;
	}
	json_object_object_get_ex(lock, "table", &v);
	st->lock_table = strdup(json_object_get_string(v));
	return PW_OK;
}

/*
 * rds_token - GenerateAuthToken: an IAM database authentication token
 * (a presigned rds-db:connect URL) for a PostgreSQL login.
 */
#include <stdlib.h>
#include <string.h>

#include "rds.h"

/* Endpoint.Address and Endpoint.Port of an instance, from a real read. */
static int instance_endpoint(struct rds_state *st, pw_call *call,
			     const char *instance, char **host, int64_t *port,
			     pw_error *err)
{
	json_object *params = json_object_new_object(), *res = NULL, *list, *ep,
		    *p;
	const char *address;
	int rc = PW_ERR;

	*host = NULL;
	json_object_object_add(params, "DBInstanceIdentifier",
			       json_object_new_string(instance));
	if (rds_query(st, call, "DescribeDBInstances", params, &res, err) != PW_OK)
		goto out;
	if (!json_object_object_get_ex(res, "DBInstances", &list) ||
	    json_object_array_length(list) == 0 ||
	    !json_object_object_get_ex(json_object_array_get_idx(list, 0),
				       "Endpoint", &ep) ||
	    (address = awsp_get_str(ep, "Address")) == NULL) {
		pw_error_set(err, "RDS.DBInstanceNotFound",
			     "DB instance %s has no endpoint address yet", instance);
		goto out;
	}
	*host = strdup(address);
	if (json_object_object_get_ex(ep, "Port", &p))
		*port = json_object_get_int64(p);
	rc = *host ? PW_OK : pw_error_set(err, "States.Runtime", "out of memory");
out:
	json_object_put(res);
	json_object_put(params);
	return rc;
}

/* The signature alone is registered too, so a log line holding only part
 * of the token is still redacted. */
static void register_token(struct rds_state *st, const char *token)
{
	const char *sig = strstr(token, "X-Amz-Signature=");

	st->host->add_secret(token);
	if (sig != NULL) {
		char buf[128];
		size_t n = strcspn(sig + 16, "&");

		if (n < sizeof(buf)) {
			memcpy(buf, sig + 16, n);
			buf[n] = '\0';
			st->host->add_secret(buf);
		}
	}
}

int rds_generate_auth_token(void *state, pw_call *call, json_object *params,
			    json_object **result, pw_error *err)
{
	struct rds_state *st = state;
	const char *hostname = NULL, *user = NULL, *instance = NULL;
	char *looked_up = NULL, *token = NULL;
	int64_t port = 5432, expires = 900;
	pw_aws_client *c;
	json_object *r;
	int rc = PW_ERR;

	*result = NULL;
	if (awsp_str(params, "DBUsername", 1, "RDS", &user, err) != PW_OK ||
	    awsp_str(params, "DBHostname", 0, "RDS", &hostname, err) != PW_OK ||
	    awsp_str(params, "DBInstanceIdentifier", 0, "RDS", &instance, err) !=
		    PW_OK ||
	    awsp_int(params, "Port", 0, "RDS", &port, err) != PW_OK ||
	    awsp_int(params, "ExpiresIn", 0, "RDS", &expires, err) != PW_OK)
		return PW_ERR;
	if (expires < 1 || expires > 900)
		return pw_error_set(err, "RDS.InvalidParameter",
				    "ExpiresIn must be 1..900 seconds");
	if (hostname == NULL) {
		if (instance == NULL)
			return pw_error_set(err, "RDS.InvalidParameter",
					    "give DBHostname or DBInstanceIdentifier");
		if (instance_endpoint(st, call, instance, &looked_up, &port, err) !=
		    PW_OK)
			return PW_ERR;
		hostname = looked_up;
	}
	if (port < 1 || port > 65535) {
		pw_error_set(err, "RDS.InvalidParameter", "Port must be 1..65535");
		goto out;
	}
	if (awsp_client(&st->conn, call, &c, err) != PW_OK ||
	    pw_aws_rds_auth_token(c, hostname, (int)port, user, (int)expires,
				  &token, err) != PW_OK)
		goto out;
	register_token(st, token);
	r = json_object_new_object();
	json_object_object_add(r, "AuthToken", json_object_new_string(token));
	json_object_object_add(r, "DBHostname", json_object_new_string(hostname));
	json_object_object_add(r, "Port", json_object_new_int64(port));
	json_object_object_add(r, "DBUsername", json_object_new_string(user));
	json_object_object_add(r, "ExpiresIn", json_object_new_int64(expires));
	*result = r;
	rc = PW_OK;
out:
	free(looked_up);
	free(token);
	return rc;
}

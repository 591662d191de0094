/*
 * aws_rds_token - RDS IAM database authentication tokens: a SigV4
 * presigned "connect" URL for rds-db, without its scheme, used as the
 * PostgreSQL password.
 */
#include "aws_internal.h"

#include <stdlib.h>
#include <string.h>

#include "aws_sigv4.h"

int pw_aws_rds_auth_token(pw_aws_client *c, const char *hostname, int port,
			  const char *db_user, int expires_s, char **token,
			  pw_error *err)
{
	struct aws_buf q, host;
	struct aws_headers h;
	char *signed_query = NULL;
	int rc = PW_ERR;

	*token = NULL;
	if (hostname == NULL || *hostname == '\0' || db_user == NULL ||
	    *db_user == '\0')
		return pw_error_set(err, "AWS.ValidationError",
				    "RDS auth token: hostname and user are "
				    "required");
	if (port <= 0 || port > 65535)
		return pw_error_set(err, "AWS.ValidationError",
				    "RDS auth token: bad port %d", port);
	if (expires_s <= 0 || expires_s > 900)
		return pw_error_set(err, "AWS.ValidationError",
				    "RDS auth token: expiry must be 1..900 "
				    "seconds, not %d",
				    expires_s);
	if (aws_client_credentials(c, 0, err) != PW_OK)
		return PW_ERR;
	aws_buf_init(&q);
	aws_buf_init(&host);
	aws_headers_init(&h);
	aws_buf_puts(&q, "Action=connect");
	aws_form_add(&q, "DBUser", db_user);
	aws_buf_printf(&host, "%s:%d", hostname, port);
	if (q.oom || host.oom || aws_headers_add(&h, "Host", host.data) != 0)
		goto oom;
	struct aws_sigv4_params sp = {
		.access_key_id = c->creds.access_key_id,
		.secret_access_key = c->creds.secret_access_key,
		.session_token = c->creds.session_token,
		.region = c->region,
		.service = "rds-db",
		.when = time(NULL),
		.normalize_path = 1,
	};
	struct aws_sigv4_request sr = {
		.method = "GET", .path = "/", .query = q.data, .headers = &h,
	};
	if (aws_sigv4_presign(&sp, &sr, expires_s, &signed_query, NULL) != 0)
		goto oom;
	if (asprintf(token, "%s/?%s", host.data, signed_query) < 0) {
		*token = NULL;
		goto oom;
	}
	if (c->host && c->host->add_secret)
		c->host->add_secret(*token);
	rc = PW_OK;
	goto out;
oom:
	pw_error_set(err, "AWS.ValidationError",
		     "RDS auth token: out of memory");
out:
	free(signed_query);
	aws_buf_free(&q);
	aws_buf_free(&host);
	aws_headers_free(&h);
	return rc;
}

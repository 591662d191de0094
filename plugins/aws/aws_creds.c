/*
 * aws_creds - the standard credential chain, in the order the issue and
 * the AWS SDKs use: environment variables, web identity token file (STS
 * AssumeRoleWithWebIdentity), shared credentials/config files (role,
 * SSO, static keys, credential_process), ECS container credentials, EC2
 * instance metadata (IMDSv2).
 */
#include "aws_internal.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_config_file.h"
#include "prewarm/timestamp.h"

/* Each source answers: found (1), not configured or unavailable (0, with
 * the reason appended to `tried`), or configured but broken (-1, err). */
enum { SRC_FAILED = -1, SRC_NONE = 0, SRC_FOUND = 1 };

#define IMDS_TIMEOUT_MS 1000
#define ECS_TIMEOUT_MS 2000

static void wipe_free(char *s)
{
	if (s == NULL)
		return;
	volatile char *p = s;
	while (*p)
		*p++ = '\0';
	free(s);
}

void aws_creds_clear(struct aws_creds *c)
{
	wipe_free(c->access_key_id);
	wipe_free(c->secret_access_key);
	wipe_free(c->session_token);
	memset(c, 0, sizeof(*c));
}

int aws_creds_stale(const struct aws_creds *c, time_t now)
{
	if (c->access_key_id == NULL)
		return 1;
	return c->expiration != 0 &&
	       now >= c->expiration - AWS_CREDS_REFRESH_MARGIN_S;
}

time_t aws_parse_iso8601(const char *s)
{
	double t;
	if (pw_timestamp_parse_flags(s, PW_TS_ZONE_OPTIONAL, &t) != 0)
		return -1;
	return (time_t)t; /* whole seconds: expirations need no more */
}

int aws_creds_set(struct aws_creds *out, const char *source, const char *ak,
		  const char *sk, const char *token, time_t expiration)
{
	aws_creds_clear(out);
	out->access_key_id = strdup(ak);
	out->secret_access_key = strdup(sk);
	out->session_token = (token && *token) ? strdup(token) : NULL;
	out->expiration = expiration;
	snprintf(out->source, sizeof(out->source), "%s", source);
	if (out->access_key_id == NULL || out->secret_access_key == NULL ||
	    (token && *token && out->session_token == NULL)) {
		aws_creds_clear(out);
		return -1;
	}
	return 0;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return (v != NULL && *v != '\0') ? v : NULL;
}

/* ---- environment ---- */

static int from_env(struct aws_creds *out, struct aws_buf *tried,
		    pw_error *err)
{
	const char *ak = env("AWS_ACCESS_KEY_ID");
	const char *sk = env("AWS_SECRET_ACCESS_KEY");
	if (ak == NULL || sk == NULL) {
		aws_buf_printf(tried, "environment (%s not set)",
			       ak == NULL ? "AWS_ACCESS_KEY_ID"
					  : "AWS_SECRET_ACCESS_KEY");
		return SRC_NONE;
	}
	if (aws_creds_set(out, "environment", ak, sk, env("AWS_SESSION_TOKEN"), 0))
		return pw_error_set(err, "AWS.NoCredentials", "out of memory"),
		       SRC_FAILED;
	return SRC_FOUND;
}

/* ---- a JSON credentials document (ECS, IMDS) ---- */

static int from_json_doc(struct aws_creds *out, const char *source,
			 const char *body, pw_error *err)
{
	json_object *doc = json_tokener_parse(body);
	json_object *ak = NULL, *sk = NULL, *tok = NULL, *exp = NULL;
	if (doc == NULL || !json_object_is_type(doc, json_type_object) ||
	    !json_object_object_get_ex(doc, "AccessKeyId", &ak) ||
	    !json_object_object_get_ex(doc, "SecretAccessKey", &sk)) {
		json_object_put(doc);
		return pw_error_set(err, "AWS.InvalidCredentials",
				    "%s: response is not a credentials "
				    "document (AccessKeyId, SecretAccessKey)",
				    source),
		       SRC_FAILED;
	}
	json_object_object_get_ex(doc, "Token", &tok);
	json_object_object_get_ex(doc, "Expiration", &exp);
	time_t expiration = 0;
	if (exp != NULL) {
		expiration = aws_parse_iso8601(json_object_get_string(exp));
		if (expiration < 0) {
			json_object_put(doc);
			return pw_error_set(err, "AWS.InvalidCredentials",
					    "%s: bad Expiration", source),
			       SRC_FAILED;
		}
	}
	int rc = aws_creds_set(out, source, json_object_get_string(ak),
			   json_object_get_string(sk),
			   tok ? json_object_get_string(tok) : NULL, expiration);
	json_object_put(doc);
	if (rc != 0)
		return pw_error_set(err, "AWS.NoCredentials", "out of memory"),
		       SRC_FAILED;
	return SRC_FOUND;
}

/* ---- web identity (STS AssumeRoleWithWebIdentity, unsigned) ---- */

static char *read_token_file(const char *path)
{
	size_t len = 0;
	int errnum = 0;
	char *t = aws_buf_read_file(path, SIZE_MAX, &len, &errnum);
	while (t != NULL && len > 0 && isspace((unsigned char)t[len - 1]))
		t[--len] = '\0';
	return t;
}

/* AssumeRoleWithWebIdentity with the token in file (re-read each time:
 * it rotates). */
static int web_identity(const struct aws_creds_ctx *ctx, const char *file,
			const char *role, const char *session_name,
			const char *source, struct aws_creds *out, pw_error *err)
{
	char *token = read_token_file(file);
	if (token == NULL)
		return pw_error_set(err, "AWS.InvalidCredentials",
				    "%s: cannot read the web identity token "
				    "file %s",
				    source, file);
	if (ctx->host && ctx->host->add_secret)
		ctx->host->add_secret(token);
	char session[64];
	if (session_name == NULL) {
		snprintf(session, sizeof(session), "aurora-prewarm-%ld",
			 (long)time(NULL));
		session_name = session;
	}
	const char *params[] = { "RoleArn", role, "RoleSessionName",
				 session_name, "WebIdentityToken", token,
				 NULL };
	int rc = aws_sts_credentials(ctx, "AssumeRoleWithWebIdentity", params,
				     NULL, source, out, err);
	wipe_free(token);
	return rc;
}

static int from_web_identity(const struct aws_creds_ctx *ctx,
			     struct aws_creds *out, struct aws_buf *tried,
			     pw_error *err)
{
	const char *file = env("AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *role = env("AWS_ROLE_ARN");
	if (file == NULL || role == NULL) {
		aws_buf_printf(tried, "web identity (%s not set)",
			       file == NULL ? "AWS_WEB_IDENTITY_TOKEN_FILE"
					    : "AWS_ROLE_ARN");
		return SRC_NONE;
	}
	return web_identity(ctx, file, role, env("AWS_ROLE_SESSION_NAME"),
			    "web identity", out, err) == PW_OK
		       ? SRC_FOUND
		       : SRC_FAILED;
}

/* ---- shared credentials and config files ---- */

static int from_ecs(const struct aws_creds_ctx *ctx, struct aws_creds *out,
		    struct aws_buf *tried, pw_error *err);
static int from_imds(const struct aws_creds_ctx *ctx, struct aws_creds *out,
		     struct aws_buf *tried, pw_error *err);

#define MAX_ROLE_CHAIN 5

static int profile_creds(const struct aws_creds_ctx *ctx,
			 const struct aws_profile_files *f, const char *p,
			 int depth, struct aws_creds *out, pw_error *err);

/* The credentials a role profile starts from: credential_source (the
 * environment, IMDS or ECS) or source_profile (static keys, or another
 * role). */
static int role_source(const struct aws_creds_ctx *ctx,
		       const struct aws_profile_files *f, const char *p,
		       int depth, struct aws_creds *src, pw_error *err)
{
	const char *sp = aws_profile_get(f, p, "source_profile");
	const char *cs = aws_profile_get(f, p, "credential_source");
	struct aws_buf why;
	int rc = SRC_NONE;
	if (sp != NULL && cs != NULL)
		return pw_error_set(err, "AWS.InvalidConfiguration",
				    "profile '%s' has both source_profile and "
				    "credential_source",
				    p);
	if (sp != NULL) {
		if (!aws_profile_exists(f, sp))
			return pw_error_set(err, "AWS.ProfileNotFound",
					    "profile '%s': source_profile "
					    "'%s' does not exist",
					    p, sp);
		return profile_creds(ctx, f, sp, depth + 1, src, err);
	}
	if (cs == NULL)
		return pw_error_set(err, "AWS.InvalidConfiguration",
				    "profile '%s' has role_arn but no "
				    "source_profile, credential_source or "
				    "web_identity_token_file",
				    p);
	aws_buf_init(&why);
	aws_buf_puts(&why, "");
	if (strcmp(cs, "Environment") == 0)
		rc = from_env(src, &why, err);
	else if (strcmp(cs, "Ec2InstanceMetadata") == 0)
		rc = from_imds(ctx, src, &why, err);
	else if (strcmp(cs, "EcsContainer") == 0)
		rc = from_ecs(ctx, src, &why, err);
	else {
		pw_error_set(err, "AWS.InvalidConfiguration",
			     "profile '%s': credential_source '%s' is not "
			     "Environment, Ec2InstanceMetadata or EcsContainer",
			     p, cs);
		rc = SRC_FAILED;
	}
	if (rc == SRC_NONE)
		pw_error_set(err, "AWS.NoCredentials",
			     "profile '%s': credential_source %s has no "
			     "credentials: %s",
			     p, cs, why.oom ? "?" : why.data);
	aws_buf_free(&why);
	return rc == SRC_FOUND ? PW_OK : PW_ERR;
}

/* A profile's credentials: a role (AssumeRole from its source, or
 * AssumeRoleWithWebIdentity), else its static keys. */
static int profile_creds(const struct aws_creds_ctx *ctx,
			 const struct aws_profile_files *f, const char *p,
			 int depth, struct aws_creds *out, pw_error *err)
{
	char source[128];
	const char *role = aws_profile_get(f, p, "role_arn");
	if (depth > MAX_ROLE_CHAIN)
		return pw_error_set(err, "AWS.InvalidConfiguration",
				    "profile '%s': source_profile chain longer "
				    "than %d (a loop?)",
				    p, MAX_ROLE_CHAIN);
	if (role == NULL || depth > 0) {
		/* SSO comes before static keys, as in botocore. */
		if (role == NULL && aws_profile_is_sso(f, p))
			return aws_creds_sso(ctx, f, p, out, err);
		/* A source profile with keys uses them (as the SDKs do). */
		const char *ak = aws_profile_get(f, p, "aws_access_key_id");
		const char *sk = aws_profile_get(f, p, "aws_secret_access_key");
		if (ak != NULL && sk != NULL) {
			snprintf(source, sizeof(source), "profile %s", p);
			if (aws_creds_set(out, source, ak, sk,
					  aws_profile_get(f, p,
							  "aws_session_token"),
					  0) != 0)
				return pw_error_set(err, "AWS.NoCredentials",
						    "out of memory");
			return PW_OK;
		}
		const char *proc = aws_profile_get(f, p, "credential_process");
		if (role == NULL && proc != NULL)
			return aws_creds_process(ctx, p, proc, out, err);
		if (role == NULL)
			return pw_error_set(err, "AWS.NoCredentials",
					    "profile '%s' has no "
					    "aws_access_key_id/"
					    "aws_secret_access_key, "
					    "credential_process or sso_* "
					    "settings",
					    p);
	}
	if (aws_profile_get(f, p, "mfa_serial") != NULL)
		return pw_error_set(err, "AWS.InvalidConfiguration",
				    "profile '%s' needs an MFA code "
				    "(mfa_serial), which a service cannot "
				    "type",
				    p);
	snprintf(source, sizeof(source), "profile %s (role)", p);
	const char *session = aws_profile_get(f, p, "role_session_name");
	char session_buf[64];
	if (session == NULL) {
		snprintf(session_buf, sizeof(session_buf), "aurora-prewarm-%ld",
			 (long)time(NULL));
		session = session_buf;
	}
	const char *wif = aws_profile_get(f, p, "web_identity_token_file");
	if (wif != NULL)
		return web_identity(ctx, wif, role, session, source, out, err);

	struct aws_creds src = { 0 };
	if (role_source(ctx, f, p, depth, &src, err) != PW_OK)
		return PW_ERR;
	if (ctx->host && ctx->host->add_secret) {
		ctx->host->add_secret(src.secret_access_key);
		if (src.session_token)
			ctx->host->add_secret(src.session_token);
	}
	const char *params[11] = { "RoleArn", role, "RoleSessionName", session };
	size_t n = 4;
	const char *dur = aws_profile_get(f, p, "duration_seconds");
	const char *ext = aws_profile_get(f, p, "external_id");
	if (dur != NULL) {
		params[n++] = "DurationSeconds";
		params[n++] = dur;
	}
	if (ext != NULL) {
		params[n++] = "ExternalId";
		params[n++] = ext;
	}
	params[n] = NULL;
	int rc = aws_sts_credentials(ctx, "AssumeRole", params, &src, source,
				     out, err);
	aws_creds_clear(&src);
	return rc;
}

static int from_profile(const struct aws_creds_ctx *ctx, struct aws_creds *out,
			struct aws_buf *tried, pw_error *err)
{
	struct aws_profile_files f;
	if (aws_profile_files_load(&f, err) != PW_OK)
		return SRC_FAILED;
	int rc = SRC_NONE;
	const char *p = ctx->profile;
	if (!aws_profile_exists(&f, p)) {
		if (ctx->profile_explicit) {
			pw_error_set(err, "AWS.ProfileNotFound",
				     "profile '%s' is in neither %s nor %s", p,
				     f.credentials_path, f.config_path);
			rc = SRC_FAILED;
		} else {
			aws_buf_printf(tried,
				       "shared files (no profile '%s' in %s "
				       "or %s)",
				       p, f.credentials_path, f.config_path);
		}
		goto out;
	}
	if (aws_profile_get(&f, p, "role_arn") == NULL &&
	    aws_profile_get(&f, p, "aws_access_key_id") == NULL &&
	    aws_profile_get(&f, p, "aws_secret_access_key") == NULL &&
	    aws_profile_get(&f, p, "credential_process") == NULL &&
	    !aws_profile_is_sso(&f, p)) {
		/* e.g. a [default] holding only region = ...: not an error.
		 * A profile with any credential setting is used, or its
		 * error is reported: never a silent fall-through. */
		aws_buf_printf(tried,
			       "shared files (profile '%s' has no "
			       "credential settings: no aws_access_key_id, "
			       "role_arn, credential_process or sso_*)",
			       p);
		goto out;
	}
	rc = profile_creds(ctx, &f, p, 0, out, err) == PW_OK ? SRC_FOUND
							     : SRC_FAILED;
out:
	aws_profile_files_free(&f);
	return rc;
}

/* ---- ECS container credentials ---- */

static int loopback_or_ecs(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *scheme = NULL;
	int ok = 0;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK) {
		ok = strcmp(scheme, "https") == 0 ||
		     strncmp(host, "127.", 4) == 0 ||
		     strcmp(host, "localhost") == 0 ||
		     strcmp(host, "[::1]") == 0 ||
		     strcmp(host, "169.254.170.2") == 0 ||
		     strcmp(host, "169.254.170.23") == 0;
	}
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return ok;
}

static int from_ecs(const struct aws_creds_ctx *ctx, struct aws_creds *out,
		    struct aws_buf *tried, pw_error *err)
{
	const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	if (rel == NULL && full == NULL) {
		aws_buf_puts(tried, "ECS (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI "
				    "and _FULL_URI not set)");
		return SRC_NONE;
	}
	char *url = NULL, *auth = NULL;
	struct aws_headers headers;
	struct aws_http_response resp;
	int rc = SRC_FAILED;
	aws_headers_init(&headers);
	aws_http_response_init(&resp);
	if (rel != NULL) {
		if (asprintf(&url, "http://169.254.170.2%s", rel) < 0)
			url = NULL;
	} else {
		url = strdup(full);
		if (url && !loopback_or_ecs(url)) {
			pw_error_set(err, "AWS.InvalidConfiguration",
				     "ECS: AWS_CONTAINER_CREDENTIALS_FULL_URI "
				     "%s must be https or a loopback/ECS "
				     "address",
				     url);
			goto out;
		}
	}
	if (url == NULL) {
		pw_error_set(err, "AWS.NoCredentials", "out of memory");
		goto out;
	}
	const char *tokfile = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	if (tokfile != NULL) {
		auth = read_token_file(tokfile);
		if (auth == NULL) {
			pw_error_set(err, "AWS.InvalidConfiguration",
				     "ECS: cannot read "
				     "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s",
				     tokfile);
			goto out;
		}
	} else if (env("AWS_CONTAINER_AUTHORIZATION_TOKEN") != NULL) {
		auth = strdup(env("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
	}
	if (auth != NULL) {
		if (ctx->host && ctx->host->add_secret)
			ctx->host->add_secret(auth);
		aws_headers_add(&headers, "Authorization", auth);
	}
	aws_headers_add(&headers, "Accept", "application/json");
	struct aws_http_request rq = {
		.method = "GET", .url = url, .headers = &headers,
		.connect_timeout_ms = ECS_TIMEOUT_MS / 2,
		.timeout_ms = ECS_TIMEOUT_MS,
	};
	if (aws_http_perform(ctx->curl, &rq, &resp, err) != 0) {
		aws_error_prefix(err, "ECS credentials: ");
		goto out;
	}
	if (resp.status != 200) {
		pw_error_set(err, "AWS.InvalidCredentials",
			     "ECS credentials: GET %s answered HTTP %ld", url,
			     resp.status);
		goto out;
	}
	rc = from_json_doc(out, "ecs", resp.body.data, err);
out:
	wipe_free(auth);
	aws_headers_free(&headers);
	aws_http_response_free(&resp);
	free(url);
	return rc;
}

/* ---- EC2 instance metadata, IMDSv2 ---- */

static int imds_get(const struct aws_creds_ctx *ctx, const char *method,
		    const char *url, struct aws_headers *h,
		    struct aws_http_response *resp, pw_error *err)
{
	struct aws_http_request rq = {
		.method = method, .url = url, .headers = h,
		.connect_timeout_ms = IMDS_TIMEOUT_MS,
		.timeout_ms = IMDS_TIMEOUT_MS,
	};
	aws_http_response_free(resp);
	return aws_http_perform(ctx->curl, &rq, resp, err);
}

static int from_imds(const struct aws_creds_ctx *ctx, struct aws_creds *out,
		     struct aws_buf *tried, pw_error *err)
{
	const char *disabled = env("AWS_EC2_METADATA_DISABLED");
	if (disabled != NULL && strcasecmp(disabled, "true") == 0) {
		aws_buf_puts(tried, "IMDSv2 (AWS_EC2_METADATA_DISABLED=true)");
		return SRC_NONE;
	}
	const char *base = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	if (base == NULL)
		base = "http://169.254.169.254";
	size_t blen = strlen(base);
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	struct aws_headers h;
	struct aws_http_response resp;
	struct aws_buf url;
	char *token = NULL, *role = NULL;
	pw_error e;
	int rc = SRC_NONE;
	aws_headers_init(&h);
	aws_http_response_init(&resp);
	aws_buf_init(&url);

	aws_buf_printf(&url, "%.*s/latest/api/token", (int)blen, base);
	aws_headers_add(&h, "X-aws-ec2-metadata-token-ttl-seconds", "21600");
	if (imds_get(ctx, "PUT", url.data, &h, &resp, &e) != 0) {
		aws_buf_printf(tried, "IMDSv2 (%s)", e.cause);
		goto out;
	}
	if (resp.status != 200) {
		aws_buf_printf(tried, "IMDSv2 (PUT %s answered HTTP %ld)",
			       url.data, resp.status);
		goto out;
	}
	token = strdup(resp.body.data);
	if (token == NULL)
		goto out;
	if (ctx->host && ctx->host->add_secret)
		ctx->host->add_secret(token);
	aws_headers_free(&h);
	aws_headers_add(&h, "X-aws-ec2-metadata-token", token);

	aws_buf_reset(&url);
	aws_buf_printf(&url, "%.*s/latest/meta-data/iam/security-credentials/",
		       (int)blen, base);
	if (imds_get(ctx, "GET", url.data, &h, &resp, &e) != 0) {
		aws_buf_printf(tried, "IMDSv2 (%s)", e.cause);
		goto out;
	}
	if (resp.status != 200) {
		aws_buf_printf(tried,
			       "IMDSv2 (no instance role: GET %s answered "
			       "HTTP %ld)",
			       url.data, resp.status);
		goto out;
	}
	role = strndup(resp.body.data, strcspn(resp.body.data, "\r\n"));
	if (role == NULL || role[0] == '\0') {
		aws_buf_puts(tried, "IMDSv2 (no instance role)");
		goto out;
	}
	aws_buf_puts(&url, role);
	if (imds_get(ctx, "GET", url.data, &h, &resp, err) != 0) {
		rc = SRC_FAILED;
		goto out;
	}
	if (resp.status != 200) {
		rc = pw_error_set(err, "AWS.InvalidCredentials",
				  "IMDSv2: GET %s answered HTTP %ld", url.data,
				  resp.status);
		rc = SRC_FAILED;
		goto out;
	}
	rc = from_json_doc(out, "imds", resp.body.data, err);
out:
	wipe_free(token);
	free(role);
	aws_headers_free(&h);
	aws_http_response_free(&resp);
	aws_buf_free(&url);
	return rc;
}

int aws_creds_resolve(const struct aws_creds_ctx *ctx, struct aws_creds *out,
		      pw_error *err)
{
	struct aws_buf tried;
	aws_buf_init(&tried);
	aws_buf_puts(&tried, "");
	int rc = SRC_NONE;
	for (int step = 0; step < 5 && rc == SRC_NONE; step++) {
		if (tried.len > 0)
			aws_buf_puts(&tried, "; ");
		switch (step) {
		case 0: rc = from_env(out, &tried, err); break;
		case 1: rc = from_web_identity(ctx, out, &tried, err); break;
		case 2: rc = from_profile(ctx, out, &tried, err); break;
		case 3: rc = from_ecs(ctx, out, &tried, err); break;
		default: rc = from_imds(ctx, out, &tried, err); break;
		}
	}
	if (rc == SRC_NONE)
		pw_error_set(err, "AWS.NoCredentials",
			     "no AWS credentials found; tried: %s",
			     tried.oom ? "(out of memory)" : tried.data);
	aws_buf_free(&tried);
	return rc == SRC_FOUND ? PW_OK : PW_ERR;
}

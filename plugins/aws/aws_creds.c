/*
 * aws_creds - the standard credential chain, in the order the issue and
 * the AWS SDKs use: environment variables, web identity token file (STS
 * AssumeRoleWithWebIdentity), shared credentials/config files, ECS
 * container credentials, EC2 instance metadata (IMDSv2).
 */
#include "aws_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_config_file.h"

/* Each source answers: found (1), not configured or unavailable (0, with
 * the reason appended to `tried`), or configured but broken (-1, err). */
enum { SRC_FAILED = -1, SRC_NONE = 0, SRC_FOUND = 1 };

#define IMDS_TIMEOUT_MS 1000
#define ECS_TIMEOUT_MS 2000
#define STS_TIMEOUT_MS 10000

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
	if (s == NULL)
		return -1;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (rest == NULL)
		return -1;
	if (*rest == '.')
		while (isdigit((unsigned char)*++rest))
			;
	time_t t = timegm(&tm);
	if (*rest == '+' || *rest == '-') {
		int hh = 0, mm = 0;
		if (sscanf(rest + 1, "%2d:%2d", &hh, &mm) < 1)
			return -1;
		long off = (hh * 60L + mm) * 60L;
		t -= *rest == '+' ? off : -off;
	} else if (*rest != 'Z' && *rest != '\0') {
		return -1;
	}
	return t;
}

static int set_creds(struct aws_creds *out, const char *source, const char *ak,
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
	if (set_creds(out, "environment", ak, sk, env("AWS_SESSION_TOKEN"), 0))
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
	int rc = set_creds(out, source, json_object_get_string(ak),
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
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	struct aws_buf b;
	aws_buf_init(&b);
	aws_buf_puts(&b, "");
	char chunk[1024];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		aws_buf_append(&b, chunk, n);
	fclose(f);
	while (b.len > 0 && isspace((unsigned char)b.data[b.len - 1]))
		b.data[--b.len] = '\0';
	return aws_buf_steal(&b);
}

static char *sts_endpoint(const char *region)
{
	const char *e = env("AWS_ENDPOINT_URL_STS");
	if (e == NULL)
		e = env("AWS_ENDPOINT_URL");
	char *out = NULL;
	if (e != NULL)
		out = strdup(e);
	else if (region != NULL)
		(void)!asprintf(&out, "https://sts.%s.amazonaws.com", region);
	else
		out = strdup("https://sts.amazonaws.com");
	size_t n = out ? strlen(out) : 0;
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
	return out;
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
	char *token = read_token_file(file), *url = NULL;
	struct aws_buf form;
	struct aws_headers headers;
	struct aws_http_response resp;
	xmlDocPtr doc = NULL;
	int rc = SRC_FAILED;
	aws_buf_init(&form);
	aws_headers_init(&headers);
	aws_http_response_init(&resp);
	if (token == NULL) {
		pw_error_set(err, "AWS.InvalidCredentials",
			     "web identity: cannot read "
			     "AWS_WEB_IDENTITY_TOKEN_FILE %s",
			     file);
		goto out;
	}
	if (ctx->host && ctx->host->add_secret)
		ctx->host->add_secret(token);
	char session[64];
	const char *name = env("AWS_ROLE_SESSION_NAME");
	if (name == NULL) {
		snprintf(session, sizeof(session), "aurora-prewarm-%ld",
			 (long)time(NULL));
		name = session;
	}
	aws_buf_puts(&form, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15");
	aws_form_add(&form, "RoleArn", role);
	aws_form_add(&form, "RoleSessionName", name);
	aws_form_add(&form, "WebIdentityToken", token);
	url = sts_endpoint(ctx->region);
	if (form.oom || url == NULL ||
	    aws_headers_add(&headers, "Content-Type",
			    "application/x-www-form-urlencoded; charset=utf-8")) {
		pw_error_set(err, "AWS.NoCredentials", "out of memory");
		goto out;
	}
	struct aws_http_request rq = {
		.method = "POST", .url = url, .headers = &headers,
		.body = form.data, .body_len = form.len,
		.connect_timeout_ms = 3000, .timeout_ms = STS_TIMEOUT_MS,
	};
	if (aws_http_perform(ctx->curl, &rq, &resp, err) != 0)
		goto out;
	if (resp.status / 100 != 2) {
		char *code = NULL, *msg = NULL;
		aws_xml_read_error(&resp, &code, &msg);
		aws_error_from_code(err, "STS", code, msg, resp.status);
		/* Say where it came from, keeping the mapped name. */
		char where[1024];
		snprintf(where, sizeof(where),
			 "web identity: STS AssumeRoleWithWebIdentity for %s "
			 "at %s: ",
			 role, url);
		aws_error_prefix(err, where);
		free(code);
		free(msg);
		goto out;
	}
	if (aws_xml_parse(resp.body.data, resp.body.len, &doc, err) != 0) {
		goto out;
	}
	xmlNodePtr c = aws_xml_find(xmlDocGetRootElement(doc), "Credentials");
	char *ak = aws_xml_text(aws_xml_child(c, "AccessKeyId"));
	char *sk = aws_xml_text(aws_xml_child(c, "SecretAccessKey"));
	char *st = aws_xml_text(aws_xml_child(c, "SessionToken"));
	char *ex = aws_xml_text(aws_xml_child(c, "Expiration"));
	time_t expiration = ex ? aws_parse_iso8601(ex) : 0;
	if (ak == NULL || sk == NULL || expiration < 0) {
		pw_error_set(err, "AWS.MalformedResponse",
			     "web identity: STS response at %s has no "
			     "Credentials (AccessKeyId, SecretAccessKey, "
			     "Expiration)",
			     url);
	} else if (set_creds(out, "web identity", ak, sk, st, expiration)) {
		pw_error_set(err, "AWS.NoCredentials", "out of memory");
	} else {
		rc = SRC_FOUND;
	}
	free(ak);
	wipe_free(sk);
	wipe_free(st);
	free(ex);
out:
	if (doc)
		xmlFreeDoc(doc);
	wipe_free(token);
	if (form.data)
		memset(form.data, 0, form.len);
	aws_buf_free(&form);
	aws_headers_free(&headers);
	aws_http_response_free(&resp);
	free(url);
	return rc;
}

/* ---- shared credentials and config files ---- */

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
	const char *ak = aws_profile_get(&f, p, "aws_access_key_id");
	const char *sk = aws_profile_get(&f, p, "aws_secret_access_key");
	if (ak != NULL && sk != NULL) {
		char source[64];
		snprintf(source, sizeof(source), "profile %s", p);
		if (set_creds(out, source, ak, sk,
			      aws_profile_get(&f, p, "aws_session_token"), 0)) {
			pw_error_set(err, "AWS.NoCredentials", "out of memory");
			rc = SRC_FAILED;
		} else {
			rc = SRC_FOUND;
		}
		goto out;
	}
	if (aws_profile_get(&f, p, "role_arn") != NULL) {
		pw_error_set(err, "AWS.InvalidConfiguration",
			     "profile '%s' uses role_arn, which this tool "
			     "does not support: give the profile keys, or use "
			     "AWS_ROLE_ARN with AWS_WEB_IDENTITY_TOKEN_FILE",
			     p);
		rc = SRC_FAILED;
		goto out;
	}
	aws_buf_printf(tried,
		       "shared files (profile '%s' has no aws_access_key_id/"
		       "aws_secret_access_key)",
		       p);
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

/*
 * aws_creds_sso - a profile's IAM Identity Center (SSO) role, as the AWS
 * CLI resolves it: sso_session (an [sso-session NAME] section holding
 * sso_start_url and sso_region) or the legacy sso_start_url/sso_region in
 * the profile; sso_account_id and sso_role_name in the profile. The
 * access token is the one `aws sso login` cached in
 * ~/.aws/sso/cache/<sha1 hex of the session name, or of the start URL for
 * a legacy profile>.json; it is used until its expiresAt (this library
 * does not refresh it: that needs a browser or the CLI). The role's
 * credentials come from the portal's GetRoleCredentials:
 * GET https://portal.sso.REGION.amazonaws.com/federation/credentials
 *   ?account_id=..&role_name=.. with header x-amz-sso_bearer_token,
 * overridable with AWS_ENDPOINT_URL_SSO (or AWS_ENDPOINT_URL).
 */
#include "aws_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "aws_config_file.h"
#include "aws_endpoint.h"

#define SSO_CONNECT_TIMEOUT_MS 3000
#define SSO_TIMEOUT_MS 10000
#define SSO_TOKEN_FILE_MAX (256 * 1024)

int aws_profile_is_sso(const struct aws_profile_files *f, const char *profile)
{
	static const char *const keys[] = { "sso_session", "sso_start_url",
					    "sso_account_id", "sso_role_name",
					    NULL };
	for (int i = 0; keys[i] != NULL; i++)
		if (aws_profile_get(f, profile, keys[i]) != NULL)
			return 1;
	return 0;
}

/* The SSO settings of a profile, every piece checked. */
struct sso_config {
	const char *session;   /* NULL for a legacy profile */
	const char *start_url;
	const char *region;
	const char *account;
	const char *role;
};

static int load_config(const struct aws_profile_files *f, const char *p,
		       struct sso_config *c, pw_error *err)
{
	memset(c, 0, sizeof(*c));
	c->session = aws_profile_get(f, p, "sso_session");
	const char *purl = aws_profile_get(f, p, "sso_start_url");
	const char *preg = aws_profile_get(f, p, "sso_region");
	c->start_url = purl;
	c->region = preg;
	if (c->session != NULL) {
		char sec[512];
		snprintf(sec, sizeof(sec), "sso-session %s", c->session);
		if (!aws_ini_has_section(f->config, sec))
			return pw_error_set(err, "AWS.InvalidConfiguration",
					    "profile '%s': sso_session '%s' "
					    "has no [sso-session %s] section "
					    "in %s",
					    p, c->session, c->session,
					    f->config_path);
		const char *surl = aws_ini_get(f->config, sec, "sso_start_url");
		const char *sreg = aws_ini_get(f->config, sec, "sso_region");
		if (surl == NULL || sreg == NULL)
			return pw_error_set(err, "AWS.InvalidConfiguration",
					    "profile '%s': sso_session '%s' "
					    "has no %s",
					    p, c->session,
					    sreg == NULL ? "sso_region"
							 : "sso_start_url");
		if ((purl != NULL && strcmp(purl, surl) != 0) ||
		    (preg != NULL && strcmp(preg, sreg) != 0))
			return pw_error_set(err, "AWS.InvalidConfiguration",
					    "profile '%s': %s differs from "
					    "the one in sso_session '%s'",
					    p,
					    purl != NULL && strcmp(purl, surl)
						    ? "sso_start_url"
						    : "sso_region",
					    c->session);
		c->start_url = surl;
		c->region = sreg;
	} else if (purl == NULL || preg == NULL) {
		return pw_error_set(err, "AWS.InvalidConfiguration",
				    "profile '%s': an SSO profile needs "
				    "sso_session, or sso_start_url and "
				    "sso_region; %s is missing",
				    p, purl == NULL ? "sso_start_url"
						    : "sso_region");
	}
	c->account = aws_profile_get(f, p, "sso_account_id");
	c->role = aws_profile_get(f, p, "sso_role_name");
	if (c->account == NULL || c->role == NULL)
		return pw_error_set(err, "AWS.InvalidConfiguration",
				    "profile '%s': SSO profile has no %s",
				    p, c->account == NULL ? "sso_account_id"
							  : "sso_role_name");
	for (const char *s = c->region; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return pw_error_set(err, "AWS.InvalidConfiguration",
					    "profile '%s': bad sso_region '%s'",
					    p, c->region);
	return PW_OK;
}

/* ~/.aws/sso/cache/<sha1 hex of key>.json, malloc'd. */
char *aws_sso_cache_path(const char *key)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	const char *home = getenv("HOME");
	char *out = NULL;
	if (EVP_Digest(key, strlen(key), md, &mdlen, EVP_sha1(), NULL) != 1)
		return NULL;
	aws_hex(md, mdlen, hex);
	if (asprintf(&out, "%s/.aws/sso/cache/%s.json", home ? home : "",
		     hex) < 0)
		return NULL;
	return out;
}

static void wipe_free(char *s)
{
	if (s != NULL) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

/* The cached access token (malloc'd), or an error telling the user to
 * log in again. Never puts the token in a message. */
static char *load_token(const struct sso_config *c, const char *p,
			pw_error *err)
{
	const char *key = c->session ? c->session : c->start_url;
	char login[160];
	snprintf(login, sizeof(login), "run `aws sso login --profile %.100s`",
		 p);
	char *path = aws_sso_cache_path(key);
	char *text = NULL, *token = NULL;
	json_object *doc = NULL, *at = NULL, *exp = NULL;
	int errnum = 0;
	if (path == NULL) {
		pw_error_set(err, "AWS.NoCredentials", "out of memory");
		goto out;
	}
	text = aws_buf_read_file(path, SSO_TOKEN_FILE_MAX, NULL, &errnum);
	if (text == NULL) {
		pw_error_set(err, "AWS.NoCredentials",
			     "profile '%s': no cached SSO token for %s '%s' "
			     "(%s: %s); %s",
			     p, c->session ? "sso_session" : "sso_start_url",
			     key, path, strerror(errnum), login);
		goto out;
	}
	doc = json_tokener_parse(text);
	if (doc == NULL || !json_object_is_type(doc, json_type_object) ||
	    !json_object_object_get_ex(doc, "accessToken", &at) ||
	    !json_object_is_type(at, json_type_string) ||
	    json_object_get_string_len(at) == 0 ||
	    !json_object_object_get_ex(doc, "expiresAt", &exp) ||
	    !json_object_is_type(exp, json_type_string)) {
		pw_error_set(err, "AWS.InvalidCredentials",
			     "profile '%s': the cached SSO token %s has no "
			     "accessToken/expiresAt; %s",
			     p, path, login);
		goto out;
	}
	time_t expires = aws_parse_iso8601(json_object_get_string(exp));
	if (expires < 0) {
		pw_error_set(err, "AWS.InvalidCredentials",
			     "profile '%s': the cached SSO token %s has a bad "
			     "expiresAt; %s",
			     p, path, login);
		goto out;
	}
	if (expires <= time(NULL)) {
		pw_error_set(err, "AWS.ExpiredToken",
			     "profile '%s': the SSO token for %s '%s' expired "
			     "at %s; %s",
			     p, c->session ? "sso_session" : "sso_start_url",
			     key, json_object_get_string(exp), login);
		goto out;
	}
	token = strdup(json_object_get_string(at));
	if (token == NULL)
		pw_error_set(err, "AWS.NoCredentials", "out of memory");
out:
	json_object_put(doc);
	wipe_free(text);
	free(path);
	return token;
}

/* GetRoleCredentials' answer: roleCredentials with expiration in ms. */
static int parse_role_credentials(const char *p, const char *body,
				  struct aws_creds *out, pw_error *err)
{
	json_object *doc = json_tokener_parse(body), *rc = NULL, *v;
	const char *ak = NULL, *sk = NULL, *tok = NULL;
	int64_t exp_ms = 0;
	int ret = PW_ERR;
	if (doc == NULL || !json_object_object_get_ex(doc, "roleCredentials", &rc) ||
	    !json_object_is_type(rc, json_type_object)) {
		pw_error_set(err, "AWS.InvalidCredentials",
			     "profile '%s': GetRoleCredentials answered "
			     "without roleCredentials",
			     p);
		goto out;
	}
	if (json_object_object_get_ex(rc, "accessKeyId", &v))
		ak = json_object_get_string(v);
	if (json_object_object_get_ex(rc, "secretAccessKey", &v))
		sk = json_object_get_string(v);
	if (json_object_object_get_ex(rc, "sessionToken", &v))
		tok = json_object_get_string(v);
	if (json_object_object_get_ex(rc, "expiration", &v))
		exp_ms = json_object_get_int64(v);
	if (ak == NULL || sk == NULL || *ak == '\0' || *sk == '\0' ||
	    tok == NULL || exp_ms <= 0) {
		pw_error_set(err, "AWS.InvalidCredentials",
			     "profile '%s': GetRoleCredentials' "
			     "roleCredentials lacks accessKeyId, "
			     "secretAccessKey, sessionToken or expiration",
			     p);
		goto out;
	}
	char source[128];
	snprintf(source, sizeof(source), "profile %s (sso)", p);
	if (aws_creds_set(out, source, ak, sk, tok, (time_t)(exp_ms / 1000)) != 0) {
		pw_error_set(err, "AWS.NoCredentials", "out of memory");
		goto out;
	}
	ret = PW_OK;
out:
	json_object_put(doc);
	return ret;
}

int aws_creds_sso(const struct aws_creds_ctx *ctx,
		  const struct aws_profile_files *f, const char *p,
		  struct aws_creds *out, pw_error *err)
{
	struct sso_config c;
	char *token = NULL, *base = NULL, *acct = NULL, *role = NULL;
	struct aws_buf url;
	struct aws_headers h;
	struct aws_http_response resp;
	int overridden = 0, rc = PW_ERR;
	if (load_config(f, p, &c, err) != PW_OK)
		return PW_ERR;
	if ((token = load_token(&c, p, err)) == NULL)
		return PW_ERR;
	if (ctx->host && ctx->host->add_secret)
		ctx->host->add_secret(token);
	aws_buf_init(&url);
	aws_headers_init(&h);
	aws_http_response_init(&resp);
	if (aws_resolve_endpoint(NULL, "portal.sso", "SSO", c.region, &base,
				 &overridden, err) != PW_OK)
		goto out;
	acct = pw_aws_uri_encode(c.account, 1);
	role = pw_aws_uri_encode(c.role, 1);
	aws_buf_printf(&url, "%s/federation/credentials?account_id=%s&role_name=%s",
		       base, acct ? acct : "", role ? role : "");
	if (url.oom || acct == NULL || role == NULL ||
	    aws_headers_add(&h, "x-amz-sso_bearer_token", token) != 0 ||
	    aws_headers_add(&h, "Accept", "application/json") != 0) {
		pw_error_set(err, "AWS.NoCredentials", "out of memory");
		goto out;
	}
	struct aws_http_request rq = {
		.method = "GET", .url = url.data, .headers = &h,
		.connect_timeout_ms = SSO_CONNECT_TIMEOUT_MS,
		.timeout_ms = SSO_TIMEOUT_MS,
	};
	if (aws_http_perform(ctx->curl, &rq, &resp, err) != 0) {
		char where[160];
		snprintf(where, sizeof(where),
			 "profile '%.60s': SSO GetRoleCredentials: ", p);
		aws_error_prefix(err, where);
		goto out;
	}
	if (resp.status != 200) {
		const char *type = aws_headers_get(&resp.headers,
						   "x-amzn-errortype");
		char code[64] = "";
		if (type != NULL)
			snprintf(code, sizeof(code), "%.*s",
				 (int)strcspn(type, ":"), type);
		pw_error_set(err, "AWS.InvalidCredentials",
			     "profile '%s': SSO GetRoleCredentials for account "
			     "%s role %s answered HTTP %ld%s%s%s%s%.100s%s",
			     p, c.account, c.role, resp.status,
			     *code ? " (" : "", code, *code ? ")" : "",
			     resp.status == 401 ? "; run `aws sso login "
						  "--profile "
						: "",
			     resp.status == 401 ? p : "",
			     resp.status == 401 ? "`" : "");
		if (*code && err != NULL)
			snprintf(err->name, sizeof(err->name), "SSO.%s", code);
		goto out;
	}
	rc = parse_role_credentials(p, resp.body.data, out, err);
out:
	if (resp.body.data != NULL)
		memset(resp.body.data, 0, resp.body.len);
	aws_http_response_free(&resp);
	for (size_t i = 0; i < h.n; i++)
		memset(h.v[i].value, 0, strlen(h.v[i].value));
	aws_headers_free(&h);
	aws_buf_free(&url);
	free(base);
	free(acct);
	free(role);
	wipe_free(token);
	return rc;
}

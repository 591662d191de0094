/*
 * aws_sts - the two STS calls the credential chain makes:
 * AssumeRoleWithWebIdentity (unsigned) and AssumeRole (signed with the
 * source credentials), both Query protocol, both answering <Credentials>.
 */
#include "aws_internal.h"

#include <stdlib.h>
#include <string.h>

#include "aws_endpoint.h"
#include "aws_sigv4.h"

#define STS_TIMEOUT_MS 10000

static char *sts_endpoint(const char *region)
{
	const char *e = getenv("AWS_ENDPOINT_URL_STS");
	if (e == NULL || *e == '\0')
		e = getenv("AWS_ENDPOINT_URL");
	char *out = NULL;
	if (e != NULL && *e != '\0')
		out = strdup(e);
	else if (region != NULL) {
		if (asprintf(&out, "https://sts.%s.amazonaws.com", region) < 0)
			out = NULL;
	} else
		out = strdup("https://sts.amazonaws.com");
	size_t n = out ? strlen(out) : 0;
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
	return out;
}

static void wipe(struct aws_buf *b)
{
	if (b->data)
		memset(b->data, 0, b->cap);
	aws_buf_free(b);
}

int aws_sts_credentials(const struct aws_creds_ctx *ctx, const char *action,
			const char *const *params, const struct aws_creds *signer,
			const char *source, struct aws_creds *out, pw_error *err)
{
	struct aws_buf form;
	struct aws_headers h;
	struct aws_http_response resp;
	char *url = sts_endpoint(ctx->region), *host = NULL;
	char where[512];
	xmlDocPtr doc = NULL;
	int rc = PW_ERR;

	aws_buf_init(&form);
	aws_headers_init(&h);
	aws_http_response_init(&resp);
	snprintf(where, sizeof(where), "%s: STS %s at %s: ", source, action,
		 url ? url : "?");
	aws_form_add(&form, "Action", action);
	aws_form_add(&form, "Version", "2011-06-15");
	for (size_t i = 0; params[i] && params[i + 1]; i += 2)
		aws_form_add(&form, params[i], params[i + 1]);
	host = url ? aws_url_host(url) : NULL;
	if (form.oom || url == NULL || host == NULL ||
	    aws_headers_add(&h, "Host", host) != 0 ||
	    aws_headers_add(&h, "Content-Type",
			    "application/x-www-form-urlencoded; charset=utf-8")) {
		pw_error_set(err, "AWS.InvalidConfiguration",
			     "%sbad endpoint or out of memory", where);
		goto out;
	}
	if (signer != NULL) {
		struct aws_sigv4_params sp = {
			.access_key_id = signer->access_key_id,
			.secret_access_key = signer->secret_access_key,
			.session_token = signer->session_token,
			.region = ctx->region ? ctx->region : "us-east-1",
			.service = "sts",
			.when = time(NULL),
			.normalize_path = 1,
		};
		struct aws_sigv4_request sr = {
			.method = "POST", .path = "/", .headers = &h,
			.body = form.data, .body_len = form.len,
		};
		if (aws_sigv4_sign(&sp, &sr, NULL) != 0) {
			pw_error_set(err, "AWS.NoCredentials",
				     "%sout of memory", where);
			goto out;
		}
	}
	struct aws_http_request rq = {
		.method = "POST", .url = url, .headers = &h,
		.body = form.data, .body_len = form.len,
		.connect_timeout_ms = 3000, .timeout_ms = STS_TIMEOUT_MS,
	};
	if (aws_http_perform(ctx->curl, &rq, &resp, err) != 0) {
		aws_error_prefix(err, where);
		goto out;
	}
	if (resp.status / 100 != 2) {
		char *code = NULL, *msg = NULL;
		aws_xml_read_error(&resp, &code, &msg);
		aws_error_from_code(err, "STS", code, msg, resp.status);
		aws_error_prefix(err, where);
		free(code);
		free(msg);
		goto out;
	}
	if (aws_xml_parse(resp.body.data, resp.body.len, &doc, err) != 0) {
		aws_error_prefix(err, where);
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
			     "%sno Credentials (AccessKeyId, SecretAccessKey, "
			     "Expiration) in the response",
			     where);
	} else if (aws_creds_set(out, source, ak, sk, st, expiration) != 0) {
		pw_error_set(err, "AWS.NoCredentials", "%sout of memory",
			     where);
	} else {
		rc = PW_OK;
	}
	free(ak);
	if (sk)
		memset(sk, 0, strlen(sk));
	free(sk);
	if (st)
		memset(st, 0, strlen(st));
	free(st);
	free(ex);
out:
	if (doc)
		xmlFreeDoc(doc);
	wipe(&form);
	for (size_t i = 0; i < h.n; i++)
		memset(h.v[i].value, 0, strlen(h.v[i].value));
	aws_headers_free(&h);
	aws_http_response_free(&resp);
	free(url);
	free(host);
	return rc;
}

/*
 * aws_rest - REST calls (S3): a raw signed HTTP request. S3 requests use
 * virtual-hosted addressing (bucket.s3.REGION.amazonaws.com) against AWS
 * when the bucket name allows it, and path-style addressing when an
 * endpoint override is set (moto, MinIO, LocalStack) or the bucket name
 * has dots.
 */
#include "aws_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "aws_endpoint.h"

static int dns_bucket(const char *b, size_t n)
{
	if (n < 3 || n > 63)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)b[i]) ||
		      isdigit((unsigned char)b[i]) || b[i] == '-'))
			return 0;
	return b[0] != '-' && b[n - 1] != '-';
}

int pw_aws_rest(pw_aws_client *c, const char *method, const char *path,
		const char *query, const char *content_type, const void *body,
		size_t body_len, char **resp_body, size_t *resp_len,
		json_object **resp_headers, pw_error *err)
{
	struct aws_headers h;
	struct aws_http_response resp;
	char what[200];
	char *vhost = NULL, *ep_host = NULL;
	const char *sent_path = path && *path ? path : "/";
	int rc = PW_ERR;

	if (resp_body)
		*resp_body = NULL;
	if (resp_len)
		*resp_len = 0;
	if (resp_headers)
		*resp_headers = NULL;
	aws_headers_init(&h);
	aws_http_response_init(&resp);
	if (sent_path[0] != '/') {
		pw_error_set(err, "AWS.ValidationError",
			     "%s: REST path must start with '/'", method);
		goto out;
	}
	int s3 = strcmp(c->signing_name, "s3") == 0;
	if (s3 && !c->endpoint_overridden) {
		const char *b = sent_path + 1;
		size_t n = strcspn(b, "/");
		if (dns_bucket(b, n) && (ep_host = aws_url_host(c->endpoint))) {
			if (asprintf(&vhost, "%.*s.%s", (int)n, b, ep_host) < 0)
				vhost = NULL;
			sent_path = b[n] ? b + n : "/";
		}
	}
	snprintf(what, sizeof(what), "%s:%s %s", c->service, method, path);
	if (content_type != NULL &&
	    aws_headers_add(&h, "Content-Type", content_type) != 0) {
		pw_error_set(err, "AWS.NetworkError", "out of memory");
		goto out;
	}
	struct aws_call call = {
		.method = method, .path = sent_path, .query = query,
		.host_override = vhost, .headers = &h, .body = body,
		.body_len = body ? body_len : 0, .s3 = s3,
		.error_prefix = s3 ? "S3" : "AWS", .what = what,
		.read_error = aws_xml_read_error,
	};
	if (aws_client_send(c, &call, &resp, err) != PW_OK)
		goto out;
	if (resp_headers != NULL) {
		json_object *o = json_object_new_object();
		for (size_t i = 0; i < resp.headers.n; i++)
			json_object_object_add(
				o, resp.headers.v[i].name,
				json_object_new_string(resp.headers.v[i].value));
		*resp_headers = o;
	}
	if (resp_len)
		*resp_len = resp.body.len;
	if (resp_body) {
		*resp_body = aws_buf_steal(&resp.body);
		if (*resp_body == NULL) {
			pw_error_set(err, "AWS.NetworkError", "out of memory");
			goto out;
		}
	}
	rc = PW_OK;
out:
	if (rc != PW_OK && resp_headers && *resp_headers) {
		json_object_put(*resp_headers);
		*resp_headers = NULL;
	}
	free(vhost);
	free(ep_host);
	aws_headers_free(&h);
	aws_http_response_free(&resp);
	return rc;
}

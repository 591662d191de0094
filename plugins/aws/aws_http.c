/* aws_http - one HTTP exchange with libcurl (see aws_http.h). */
#include "config.h"

#include "aws_http.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void aws_http_response_init(struct aws_http_response *r)
{
	r->status = 0;
	aws_buf_init(&r->body);
	aws_headers_init(&r->headers);
}

void aws_http_response_free(struct aws_http_response *r)
{
	if (r == NULL)
		return;
	aws_buf_free(&r->body);
	aws_headers_free(&r->headers);
	r->status = 0;
}

/* Where the body goes, and how much of it may come. */
struct body_sink {
	struct aws_buf *buf;
	size_t max;
	int too_large;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct body_sink *s = ud;
	size_t len = size * n;
	if (len > s->max - s->buf->len) { /* buf->len <= max always */
		s->too_large = 1;
		return 0; /* curl stops the transfer */
	}
	aws_buf_append(s->buf, p, len);
	return s->buf->oom ? 0 : len;
}

/* Collects "Name: value" lines; a new status line (redirect, 100
 * Continue) starts the list again. */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct aws_headers *h = ud;
	size_t len = size * n;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		aws_headers_free(h);
		return len;
	}
	char *colon = memchr(p, ':', len);
	if (colon == NULL)
		return len;
	char name[256];
	size_t nl = (size_t)(colon - p);
	if (nl == 0 || nl >= sizeof(name))
		return len;
	for (size_t i = 0; i < nl; i++)
		name[i] = (char)tolower((unsigned char)p[i]);
	name[nl] = '\0';
	const char *v = colon + 1, *end = p + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	char *value = strndup(v, (size_t)(end - v));
	if (value == NULL)
		return 0;
	int rc = aws_headers_add(h, name, value);
	free(value);
	return rc == 0 ? len : 0;
}

int aws_http_perform(CURL *curl, const struct aws_http_request *rq,
		     struct aws_http_response *resp, pw_error *err)
{
	int unsent;
	return aws_http_perform_ex(curl, rq, resp, err, &unsent);
}

int aws_http_perform_ex(CURL *curl, const struct aws_http_request *rq,
			struct aws_http_response *resp, pw_error *err,
			int *unsent)
{
	*unsent = 1;
	struct curl_slist *list = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	int rc = -1;

	struct body_sink sink = {
		&resp->body,
		rq->max_body > 0 ? rq->max_body : AWS_HTTP_DEFAULT_MAX_BODY, 0};

	aws_http_response_init(resp);
	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, rq->url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, rq->connect_timeout_ms);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, rq->timeout_ms);
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85 */
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS,
			 (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &resp->headers);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "aurora-prewarm/" PACKAGE_VERSION);

	if (strcmp(rq->method, "GET") == 0) {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(rq->method, "HEAD") == 0) {
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS,
				 rq->body ? (const char *)rq->body : "");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(rq->body ? rq->body_len : 0));
		if (strcmp(rq->method, "POST") != 0)
			curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, rq->method);
	}
	/* Signed requests must go out exactly as signed: no Expect, no
	 * default Content-Type. */
	list = curl_slist_append(list, "Expect:");
	if (list == NULL ||
	    (rq->headers == NULL ||
	     aws_headers_get(rq->headers, "Content-Type") == NULL)) {
		struct curl_slist *l = curl_slist_append(list, "Content-Type:");
		if (l == NULL)
			goto oom;
		list = l;
	}
	for (size_t i = 0; rq->headers && i < rq->headers->n; i++) {
		struct aws_buf line;
		aws_buf_init(&line);
		aws_buf_printf(&line, "%s: %s", rq->headers->v[i].name,
			       rq->headers->v[i].value);
		struct curl_slist *l =
			line.oom ? NULL : curl_slist_append(list, line.data);
		aws_buf_free(&line);
		if (l == NULL)
			goto oom;
		list = l;
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);

	CURLcode cc = curl_easy_perform(curl);
	if (cc != CURLE_OK) {
		const char *why = errbuf[0] ? errbuf : curl_easy_strerror(cc);
		/* Nothing was written to the connection: no request headers
		 * went out (curl counts what it sent). */
		long sent = 0;
		curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &sent);
		*unsent = sent <= 0;
		if (sink.too_large)
			pw_error_set(err, "AWS.ResponseTooLarge",
				     "%s %s: the response body is larger than "
				     "%zu bytes (max_response_bytes)",
				     rq->method, rq->url, sink.max);
		else if (cc == CURLE_OPERATION_TIMEDOUT)
			pw_error_set(err, "AWS.Timeout", "%s %s: %s", rq->method,
				     rq->url, why);
		else
			pw_error_set(err, "AWS.NetworkError", "%s %s: %s",
				     rq->method, rq->url, why);
		aws_http_response_free(resp);
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
	if (resp->body.oom)
		goto oom;
	aws_buf_puts(&resp->body, ""); /* a NUL-terminated body, even empty */
	rc = 0;
	goto out;
oom:
	pw_error_set(err, "AWS.NetworkError", "%s %s: out of memory",
		     rq->method, rq->url);
	aws_http_response_free(resp);
out:
	/* Headers hold the Authorization signature: nothing of them stays. */
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(list);
	return rc;
}

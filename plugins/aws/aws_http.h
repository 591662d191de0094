/*
 * aws_http - one HTTP exchange over a reused libcurl easy handle, with a
 * connect timeout and a whole-request timeout. No retries here: the
 * client (aws_client.c) decides what to retry, because each attempt must
 * be signed again. Internal to libpwaws.
 */
#ifndef AWS_HTTP_H
#define AWS_HTTP_H

#include <curl/curl.h>
#include <prewarm/plugin.h>

#include "aws_buf.h"

/* The default cap on a response body: large enough for any API answer or
 * query file this tool reads, small enough that a wrong object or a
 * misbehaving endpoint cannot exhaust memory. */
#define AWS_HTTP_DEFAULT_MAX_BODY ((size_t)64 << 20)

struct aws_http_request {
	const char *method;       /* GET, POST, PUT, DELETE, HEAD */
	const char *url;
	const struct aws_headers *headers; /* may be NULL */
	const void *body;
	size_t body_len;
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_body;          /* response body cap; 0: the default */
};

struct aws_http_response {
	long status;
	struct aws_buf body;
	struct aws_headers headers; /* names lower-cased */
};

void aws_http_response_init(struct aws_http_response *r);
void aws_http_response_free(struct aws_http_response *r);

/* Performs rq on curl (curl_easy_reset first: options never leak from one
 * request to the next, the connection cache stays). Returns 0 when a
 * response arrived, whatever its status; otherwise -1 with err
 * AWS.Timeout or AWS.NetworkError (the cause names the URL and curl's
 * reason), or AWS.ResponseTooLarge once the body passes rq->max_body
 * (the transfer stops there). resp is filled on 0 and must be freed by the caller. */
int aws_http_perform(CURL *curl, const struct aws_http_request *rq,
		     struct aws_http_response *resp, pw_error *err);
/* Same; on -1 *unsent says whether nothing of the request left this host
 * (no connection, name not resolved, TLS handshake failed), so a service
 * cannot have acted on it. */
int aws_http_perform_ex(CURL *curl, const struct aws_http_request *rq,
			struct aws_http_response *resp, pw_error *err,
			int *unsent);

#endif

/*
 * aws_sigv4 - AWS Signature Version 4 (AWS4-HMAC-SHA256): signing with an
 * Authorization header and presigning (query-string signing, as RDS IAM
 * auth tokens use). Internal to libpwaws; checked against the official
 * vectors in ../shared/testdata/sigv4 by tests/unit/check_sigv4.c.
 */
#ifndef AWS_SIGV4_H
#define AWS_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "aws_buf.h"

struct aws_sigv4_params {
	const char *access_key_id;
	const char *secret_access_key;
	const char *session_token; /* NULL or "": none */
	const char *region;
	const char *service;       /* signing name: "rds", "s3", "rds-db" */
	time_t when;
	int normalize_path;        /* remove dot segments, collapse "//"
				      (every service but S3) */
	int sign_body;             /* add and sign x-amz-content-sha256 (S3) */
	int omit_session_token;    /* add the token after signing, unsigned */
};

struct aws_sigv4_request {
	const char *method;
	const char *path;          /* as decoded text, starting with '/';
				      encoded once for the canonical URI */
	const char *query;         /* as sent (encoded or not); NULL = none */
	struct aws_headers *headers; /* must hold Host; signing appends */
	const void *body;
	size_t body_len;
};

/* What signing computed, for tests and debugging (it holds the
 * signature: never log it). Free with aws_sigv4_trace_free. */
struct aws_sigv4_trace {
	char *canonical_request;
	char *string_to_sign;
	char signature[65];
};
void aws_sigv4_trace_free(struct aws_sigv4_trace *t);

/* Signs req: appends X-Amz-Date, x-amz-content-sha256 (sign_body),
 * X-Amz-Security-Token (a token) and Authorization to req->headers; every
 * header already in the list is signed. trace may be NULL. Returns 0, or
 * -1 when out of memory. */
int aws_sigv4_sign(const struct aws_sigv4_params *p,
		   const struct aws_sigv4_request *req,
		   struct aws_sigv4_trace *trace);

/* Presigns req for expires_s seconds: *query_out (malloc'd, caller frees)
 * is the complete query string to send (the canonical query, then
 * X-Amz-Signature). Headers in req are signed but not changed. */
int aws_sigv4_presign(const struct aws_sigv4_params *p,
		      const struct aws_sigv4_request *req, int expires_s,
		      char **query_out, struct aws_sigv4_trace *trace);

/* Hex SHA-256 of data into out[65]. */
void aws_sha256_hex(const void *data, size_t len, char out[65]);

/* Percent-decodes s (n bytes) into b ("+" stays "+"). */
void aws_uri_decode_into(struct aws_buf *b, const char *s, size_t n);
/* RFC 3986 encoding into b (unreserved A-Za-z0-9-._~ kept; '/' kept
 * unless encode_slash). */
void aws_uri_encode_into(struct aws_buf *b, const char *s, size_t n,
			 int encode_slash);

#endif

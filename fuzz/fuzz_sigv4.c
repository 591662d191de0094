/*
 * fuzz_sigv4 - SigV4 canonicalisation of a hostile request: the input is
 * an HTTP request in the form of the official test vectors' request.txt
 * ("METHOD /path?query HTTP/1.1", "Name:value" header lines, indented
 * continuation lines, a blank line, the body). It is signed with an
 * Authorization header (path normalised, as every service but S3), signed
 * S3-style (no normalisation, signed body, session token) and presigned.
 */
#include <stdlib.h>
#include <string.h>

#include "aws_sigv4.h"
#include "fuzz_common.h"
#include "pw_aws.h"

struct request {
	char *method, *path, *query, *body;
	size_t body_len;
	struct aws_headers headers;
};

static void add_header(struct request *r, struct aws_buf *name,
		       struct aws_buf *value)
{
	if (name->len > 0)
		aws_headers_add(&r->headers, name->data,
				value->data ? value->data : "");
	aws_buf_reset(name);
	aws_buf_reset(value);
}

/* Splits text (NUL-terminated, len bytes) into r. */
static void parse(char *text, size_t len, struct request *r)
{
	memset(r, 0, sizeof(*r));
	aws_headers_init(&r->headers);
	char *end = text + strlen(text), *eol = strchr(text, '\n');
	if (eol == NULL)
		eol = end;
	char *sp = memchr(text, ' ', (size_t)(eol - text));
	r->method = strndup(text, sp ? (size_t)(sp - text)
				     : (size_t)(eol - text));
	char *target = sp ? sp + 1 : eol, *tail = eol;
	while (tail > target && *tail != ' ')
		tail--;
	if (tail == target)
		tail = eol;
	char *q = memchr(target, '?', (size_t)(tail - target));
	r->path = strndup(target, (size_t)((q ? q : tail) - target));
	if (q != NULL)
		r->query = strndup(q + 1, (size_t)(tail - q - 1));

	struct aws_buf name, value;
	aws_buf_init(&name);
	aws_buf_init(&value);
	char *line = *eol ? eol + 1 : eol;
	while (*line != '\0' && *line != '\n') {
		char *next = strchr(line, '\n');
		size_t n = next ? (size_t)(next - line) : strlen(line);
		if (line[0] == ' ' || line[0] == '\t') {
			aws_buf_putc(&value, ' ');
			aws_buf_append(&value, line, n);
		} else {
			add_header(r, &name, &value);
			char *colon = memchr(line, ':', n);
			size_t nl = colon ? (size_t)(colon - line) : n;
			aws_buf_append(&name, line, nl);
			if (colon)
				aws_buf_append(&value, colon + 1, n - nl - 1);
			aws_buf_puts(&value, "");
		}
		line = next ? next + 1 : line + n;
	}
	add_header(r, &name, &value);
	aws_buf_free(&name);
	aws_buf_free(&value);
	if (*line == '\n') {
		/* the body may hold NULs: take every byte after the blank line */
		r->body_len = len - (size_t)(line + 1 - text);
		r->body = line + 1;
	}
	if (aws_headers_get(&r->headers, "Host") == NULL)
		aws_headers_add(&r->headers, "Host", "example.amazonaws.com");
}

static void sign(const struct request *r, struct aws_sigv4_params *p,
		 int presign)
{
	/* signing appends headers: sign a copy */
	struct aws_headers h;
	aws_headers_init(&h);
	for (size_t i = 0; i < r->headers.n; i++)
		aws_headers_add(&h, r->headers.v[i].name, r->headers.v[i].value);
	struct aws_sigv4_request req = {
		.method = r->method, .path = r->path, .query = r->query,
		.headers = &h, .body = r->body, .body_len = r->body_len,
	};
	struct aws_sigv4_trace t = {0};
	char *query = NULL;
	if (presign)
		aws_sigv4_presign(p, &req, 300, &query, &t);
	else
		aws_sigv4_sign(p, &req, &t);
	free(query);
	aws_sigv4_trace_free(&t);
	aws_headers_free(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	struct request r;
	parse(text, size, &r);
	if (r.method == NULL || r.path == NULL) /* out of memory */
		abort();
	struct aws_sigv4_params p = {
		.access_key_id = "AKIDEXAMPLE",
		.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		.region = "us-east-1",
		.service = "service",
		.when = 1440938160, /* 2015-08-30T12:36:00Z, as the vectors */
		.normalize_path = 1,
	};
	sign(&r, &p, 0);
	p.normalize_path = 0;
	p.sign_body = 1;
	p.session_token = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22";
	p.service = "s3";
	sign(&r, &p, 0);
	p.sign_body = 0;
	p.normalize_path = 1;
	p.service = "rds-db";
	sign(&r, &p, 1);

	char *enc = pw_aws_uri_encode(r.path, 1);
	free(enc);
	free(r.method);
	free(r.path);
	free(r.query);
	aws_headers_free(&r.headers);
	free(text);
	return 0;
}

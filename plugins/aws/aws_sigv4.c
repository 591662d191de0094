/* aws_sigv4 - Signature Version 4 signing and presigning (see aws_sigv4.h). */
#include "aws_sigv4.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "pw_aws.h"

#define ALGORITHM "AWS4-HMAC-SHA256"

void aws_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	aws_hex(md, mdlen, out);
}

static void hmac(const void *key, size_t keylen, const char *msg,
		 unsigned char out[32])
{
	unsigned int outlen = 32;
	HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg,
	     strlen(msg), out, &outlen);
}

static int unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

void aws_uri_encode_into(struct aws_buf *b, const char *s, size_t n,
			 int encode_slash)
{
	static const char digits[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c) || (c == '/' && !encode_slash)) {
			aws_buf_putc(b, (char)c);
		} else {
			char enc[3] = { '%', digits[c >> 4], digits[c & 0xf] };
			aws_buf_append(b, enc, 3);
		}
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

void aws_uri_decode_into(struct aws_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			aws_buf_putc(b, (char)(hexval(s[i + 1]) * 16 +
					       hexval(s[i + 2])));
			i += 2;
		} else {
			aws_buf_putc(b, s[i]);
		}
	}
}

char *pw_aws_uri_encode(const char *s, int encode_slash)
{
	struct aws_buf b;
	aws_buf_init(&b);
	aws_buf_puts(&b, "");
	aws_uri_encode_into(&b, s, strlen(s), encode_slash);
	return aws_buf_steal(&b);
}

/* The canonical URI: optionally normalized (RFC 3986 dot segments removed,
 * empty segments collapsed), then each segment encoded once. */
static void canonical_path(struct aws_buf *out, const char *path, int normalize)
{
	if (path == NULL || path[0] == '\0') {
		aws_buf_putc(out, '/');
		return;
	}
	if (!normalize) {
		aws_uri_encode_into(out, path, strlen(path), 0);
		return;
	}
	/* Collect the segments that survive, as (start, len) pairs. */
	size_t plen = strlen(path), nseg = 0;
	size_t *seg = calloc(plen + 1, 2 * sizeof(size_t));
	if (seg == NULL) {
		out->oom = 1;
		return;
	}
	size_t i = 0;
	while (i <= plen) {
		size_t j = i;
		while (j < plen && path[j] != '/')
			j++;
		size_t len = j - i;
		if (len == 0 || (len == 1 && path[i] == '.')) {
			/* empty or "." */
		} else if (len == 2 && path[i] == '.' && path[i + 1] == '.') {
			if (nseg > 0)
				nseg--;
		} else {
			seg[2 * nseg] = i;
			seg[2 * nseg + 1] = len;
			nseg++;
		}
		i = j + 1;
	}
	int trailing = plen > 1 && path[plen - 1] == '/';
	aws_buf_putc(out, '/');
	for (size_t k = 0; k < nseg; k++) {
		if (k > 0)
			aws_buf_putc(out, '/');
		aws_uri_encode_into(out, path + seg[2 * k], seg[2 * k + 1], 1);
	}
	if (trailing && nseg > 0)
		aws_buf_putc(out, '/');
	free(seg);
}

struct qparam {
	char *key;
	char *value;
};

static int qparam_cmp(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c != 0 ? c : strcmp(x->value, y->value);
}

static char *reencode(const char *s, size_t n)
{
	struct aws_buf dec, enc;
	aws_buf_init(&dec);
	aws_buf_init(&enc);
	aws_buf_puts(&dec, "");
	aws_uri_decode_into(&dec, s, n);
	aws_buf_puts(&enc, "");
	if (!dec.oom)
		aws_uri_encode_into(&enc, dec.data, dec.len, 1);
	aws_buf_free(&dec);
	return aws_buf_steal(&enc);
}

/* Appends "k=v" pairs of query (decoded, re-encoded, sorted) to out. The
 * extra pairs (already encoded) join the sort. */
static int canonical_query(struct aws_buf *out, const char *query,
			   const struct qparam *extra, size_t nextra)
{
	size_t cap = nextra + 1;
	for (const char *p = query; p != NULL && *p; p++)
		if (*p == '&')
			cap++;
	struct qparam *v = calloc(cap, sizeof(*v));
	if (v == NULL)
		return -1;
	size_t n = 0;
	int rc = -1;
	const char *p = query;
	while (p != NULL && *p) {
		const char *end = strchr(p, '&');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > 0) {
			const char *eq = memchr(p, '=', len);
			size_t klen = eq ? (size_t)(eq - p) : len;
			v[n].key = reencode(p, klen);
			v[n].value = eq ? reencode(eq + 1, len - klen - 1)
					: strdup("");
			n++;
			if (v[n - 1].key == NULL || v[n - 1].value == NULL)
				goto out;
		}
		p = end ? end + 1 : NULL;
	}
	for (size_t i = 0; i < nextra; i++) {
		v[n].key = strdup(extra[i].key);
		v[n].value = strdup(extra[i].value);
		n++;
		if (v[n - 1].key == NULL || v[n - 1].value == NULL)
			goto out;
	}
	qsort(v, n, sizeof(*v), qparam_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			aws_buf_putc(out, '&');
		aws_buf_printf(out, "%s=%s", v[i].key, v[i].value);
	}
	rc = out->oom ? -1 : 0;
out:
	for (size_t i = 0; i < n; i++) {
		free(v[i].key);
		free(v[i].value);
	}
	free(v);
	return rc;
}

struct chdr {
	char *name;   /* lower case */
	char *value;  /* trimmed, inner whitespace runs collapsed */
	size_t order;
};

static int chdr_cmp(const void *a, const void *b)
{
	const struct chdr *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static char *collapse(const char *s)
{
	struct aws_buf b;
	aws_buf_init(&b);
	aws_buf_puts(&b, "");
	int pending_space = 0;
	for (; *s; s++) {
		if (isspace((unsigned char)*s)) {
			pending_space = b.len > 0;
			continue;
		}
		if (pending_space)
			aws_buf_putc(&b, ' ');
		pending_space = 0;
		aws_buf_putc(&b, *s);
	}
	return aws_buf_steal(&b);
}

/* Appends the canonical headers block ("name:value\n"...) to out and the
 * signed header list ("a;b;c") to signed_out. */
static int canonical_headers(struct aws_buf *out, struct aws_buf *signed_out,
			     const struct aws_headers *h)
{
	struct chdr *v = calloc(h->n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	int rc = -1;
	size_t n = 0;
	for (size_t i = 0; i < h->n; i++, n++) {
		v[n].name = strdup(h->v[i].name);
		v[n].value = collapse(h->v[i].value);
		v[n].order = i;
		if (v[n].name == NULL || v[n].value == NULL) {
			n++;
			goto out;
		}
		for (char *c = v[n].name; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	}
	qsort(v, n, sizeof(*v), chdr_cmp);
	for (size_t i = 0; i < n; i++) {
		int dup = i > 0 && strcmp(v[i].name, v[i - 1].name) == 0;
		if (dup) {
			out->len--; /* drop the '\n' of the previous line */
			aws_buf_printf(out, ",%s\n", v[i].value);
			continue;
		}
		aws_buf_printf(out, "%s:%s\n", v[i].name, v[i].value);
		if (signed_out->len > 0)
			aws_buf_putc(signed_out, ';');
		aws_buf_puts(signed_out, v[i].name);
	}
	rc = (out->oom || signed_out->oom) ? -1 : 0;
out:
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
	return rc;
}

static void amz_date(time_t when, char out[17])
{
	struct tm tm;
	gmtime_r(&when, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* The signature of string_to_sign under the derived key. */
static void signature(const struct aws_sigv4_params *p, const char *date8,
		      const char *string_to_sign, char out[65])
{
	unsigned char k[32];
	size_t slen = strlen(p->secret_access_key);
	char *seed = malloc(slen + 5);
	if (seed == NULL) {
		out[0] = '\0';
		return;
	}
	memcpy(seed, "AWS4", 4);
	memcpy(seed + 4, p->secret_access_key, slen + 1);
	hmac(seed, slen + 4, date8, k);
	OPENSSL_cleanse(seed, slen + 4);
	free(seed);
	hmac(k, 32, p->region, k);
	hmac(k, 32, p->service, k);
	hmac(k, 32, "aws4_request", k);
	unsigned char sig[32];
	hmac(k, 32, string_to_sign, sig);
	OPENSSL_cleanse(k, sizeof(k));
	aws_hex(sig, 32, out);
}

static int has_token(const struct aws_sigv4_params *p)
{
	return p->session_token != NULL && p->session_token[0] != '\0';
}

/* Builds the canonical request, string to sign and signature. When
 * presign_query is not NULL, the X-Amz-* query parameters it holds join
 * the canonical query and the headers are not changed. */
static int compute(const struct aws_sigv4_params *p,
		   const struct aws_sigv4_request *req, const char *date,
		   const char *payload_hash, const struct qparam *extra,
		   size_t nextra, struct aws_buf *signed_headers,
		   struct aws_sigv4_trace *t)
{
	struct aws_buf creq, sts;
	aws_buf_init(&creq);
	aws_buf_init(&sts);
	int rc = -1;
	char scope[128], hash[65];

	aws_buf_printf(&creq, "%s\n", req->method);
	canonical_path(&creq, req->path, p->normalize_path);
	aws_buf_putc(&creq, '\n');
	if (canonical_query(&creq, req->query, extra, nextra) != 0)
		goto out;
	aws_buf_putc(&creq, '\n');
	if (canonical_headers(&creq, signed_headers, req->headers) != 0)
		goto out;
	aws_buf_printf(&creq, "\n%s\n%s", signed_headers->data, payload_hash);
	if (creq.oom)
		goto out;

	snprintf(scope, sizeof(scope), "%.8s/%s/%s/aws4_request", date,
		 p->region, p->service);
	aws_sha256_hex(creq.data, creq.len, hash);
	aws_buf_printf(&sts, ALGORITHM "\n%s\n%s\n%s", date, scope, hash);
	if (sts.oom)
		goto out;
	char date8[9];
	snprintf(date8, sizeof(date8), "%.8s", date);
	signature(p, date8, sts.data, t->signature);
	if (t->signature[0] == '\0')
		goto out;
	t->canonical_request = aws_buf_steal(&creq);
	t->string_to_sign = aws_buf_steal(&sts);
	rc = (t->canonical_request && t->string_to_sign) ? 0 : -1;
out:
	aws_buf_free(&creq);
	aws_buf_free(&sts);
	return rc;
}

void aws_sigv4_trace_free(struct aws_sigv4_trace *t)
{
	if (t == NULL)
		return;
	free(t->canonical_request);
	free(t->string_to_sign);
	t->canonical_request = t->string_to_sign = NULL;
	OPENSSL_cleanse(t->signature, sizeof(t->signature));
}

int aws_sigv4_sign(const struct aws_sigv4_params *p,
		   const struct aws_sigv4_request *req,
		   struct aws_sigv4_trace *trace)
{
	struct aws_sigv4_trace local = { 0 };
	struct aws_sigv4_trace *t = trace ? trace : &local;
	struct aws_buf signed_headers, auth;
	aws_buf_init(&signed_headers);
	aws_buf_init(&auth);
	char date[17], payload_hash[65];
	int rc = -1;

	memset(t, 0, sizeof(*t));
	amz_date(p->when, date);
	aws_sha256_hex(req->body ? req->body : "", req->body ? req->body_len : 0,
		       payload_hash);
	if (aws_headers_add(req->headers, "X-Amz-Date", date) != 0)
		goto out;
	if (p->sign_body &&
	    aws_headers_add(req->headers, "x-amz-content-sha256",
			    payload_hash) != 0)
		goto out;
	if (has_token(p) && !p->omit_session_token &&
	    aws_headers_add(req->headers, "X-Amz-Security-Token",
			    p->session_token) != 0)
		goto out;
	aws_buf_puts(&signed_headers, "");
	if (compute(p, req, date, payload_hash, NULL, 0, &signed_headers, t) !=
	    0)
		goto out;
	aws_buf_printf(&auth,
		       ALGORITHM " Credential=%s/%.8s/%s/%s/aws4_request, "
				 "SignedHeaders=%s, Signature=%s",
		       p->access_key_id, date, p->region, p->service,
		       signed_headers.data, t->signature);
	if (auth.oom)
		goto out;
	if (has_token(p) && p->omit_session_token &&
	    aws_headers_add(req->headers, "X-Amz-Security-Token",
			    p->session_token) != 0)
		goto out;
	if (aws_headers_add(req->headers, "Authorization", auth.data) != 0)
		goto out;
	rc = 0;
out:
	if (auth.data)
		OPENSSL_cleanse(auth.data, auth.len);
	aws_buf_free(&auth);
	aws_buf_free(&signed_headers);
	aws_sigv4_trace_free(&local);
	return rc;
}

int aws_sigv4_presign(const struct aws_sigv4_params *p,
		      const struct aws_sigv4_request *req, int expires_s,
		      char **query_out, struct aws_sigv4_trace *trace)
{
	struct aws_sigv4_trace local = { 0 };
	struct aws_sigv4_trace *t = trace ? trace : &local;
	struct aws_buf signed_headers, tmp, q;
	aws_buf_init(&signed_headers);
	aws_buf_init(&tmp);
	aws_buf_init(&q);
	char date[17], payload_hash[65], expires[16];
	char *cred = NULL, *token = NULL, *sh = NULL;
	int rc = -1;

	*query_out = NULL;
	memset(t, 0, sizeof(*t));
	amz_date(p->when, date);
	snprintf(expires, sizeof(expires), "%d", expires_s);
	aws_sha256_hex(req->body ? req->body : "", req->body ? req->body_len : 0,
		       payload_hash);

	/* The signed header list is needed inside the query: compute it by
	 * a first pass over the headers alone. */
	aws_buf_puts(&tmp, "");
	aws_buf_puts(&signed_headers, "");
	if (canonical_headers(&tmp, &signed_headers, req->headers) != 0)
		goto out;
	aws_buf_reset(&tmp);
	aws_buf_printf(&tmp, "%s/%.8s/%s/%s/aws4_request", p->access_key_id,
		       date, p->region, p->service);
	cred = reencode(tmp.data, tmp.len);
	sh = reencode(signed_headers.data, signed_headers.len);
	if (has_token(p))
		token = reencode(p->session_token, strlen(p->session_token));
	if (cred == NULL || sh == NULL || (has_token(p) && token == NULL))
		goto out;

	struct qparam extra[6] = {
		{ "X-Amz-Algorithm", ALGORITHM },
		{ "X-Amz-Credential", cred },
		{ "X-Amz-Date", date },
		{ "X-Amz-Expires", expires },
		{ "X-Amz-SignedHeaders", sh },
		{ "X-Amz-Security-Token", token },
	};
	size_t nextra = (token && !p->omit_session_token) ? 6 : 5;
	aws_buf_reset(&signed_headers);
	if (compute(p, req, date, payload_hash, extra, nextra, &signed_headers,
		    t) != 0)
		goto out;
	/* The query to send: the request's own parameters, then the X-Amz-*
	 * ones in the order the AWS SDKs write them, the signature last. The
	 * server sorts them again; the SDKs' order makes an RDS auth token
	 * byte for byte botocore's generate_db_auth_token (a test compares). */
	if (canonical_query(&q, req->query, NULL, 0) != 0)
		goto out;
	for (size_t i = 0; i < nextra; i++)
		aws_buf_printf(&q, "%s%s=%s", q.len > 0 ? "&" : "",
			       extra[i].key, extra[i].value);
	if (token && p->omit_session_token)
		aws_buf_printf(&q, "&X-Amz-Security-Token=%s", token);
	aws_buf_printf(&q, "&X-Amz-Signature=%s", t->signature);
	*query_out = aws_buf_steal(&q);
	rc = *query_out ? 0 : -1;
out:
	free(cred);
	free(sh);
	free(token);
	aws_buf_free(&tmp);
	aws_buf_free(&q);
	aws_buf_free(&signed_headers);
	aws_sigv4_trace_free(&local);
	return rc;
}

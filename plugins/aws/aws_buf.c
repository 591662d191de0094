/* aws_buf - growable buffers and header lists (see aws_buf.h). */
#include "aws_buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void aws_buf_init(struct aws_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void aws_buf_free(struct aws_buf *b)
{
	free(b->data);
	aws_buf_init(b);
}

void aws_buf_reset(struct aws_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

static int reserve(struct aws_buf *b, size_t extra)
{
	if (b->oom)
		return -1;
	if (b->len + extra + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (p == NULL) {
		b->oom = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void aws_buf_append(struct aws_buf *b, const void *p, size_t n)
{
	if (reserve(b, n) != 0)
		return;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void aws_buf_puts(struct aws_buf *b, const char *s)
{
	aws_buf_append(b, s, strlen(s));
}

void aws_buf_putc(struct aws_buf *b, char c)
{
	aws_buf_append(b, &c, 1);
}

void aws_buf_printf(struct aws_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || reserve(b, (size_t)n) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *aws_buf_steal(struct aws_buf *b)
{
	if (b->oom) {
		aws_buf_free(b);
		return NULL;
	}
	if (b->data == NULL)
		return strdup("");
	char *s = b->data;
	aws_buf_init(b);
	return s;
}

char *aws_buf_read_file(const char *path, size_t max, size_t *len, int *errnum)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL) {
		*errnum = errno;
		return NULL;
	}
	struct aws_buf b;
	char chunk[4096];
	size_t n;
	aws_buf_init(&b);
	aws_buf_puts(&b, "");
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0 && b.len <= max)
		aws_buf_append(&b, chunk, n);
	fclose(fp);
	if (b.len > max) {
		if (b.data != NULL)
			memset(b.data, 0, b.len);
		aws_buf_free(&b);
		*errnum = EFBIG;
		return NULL;
	}
	size_t got = b.len;
	char *s = aws_buf_steal(&b);
	if (s == NULL) {
		*errnum = ENOMEM;
		return NULL;
	}
	if (len != NULL)
		*len = got;
	return s;
}

void aws_headers_init(struct aws_headers *h)
{
	memset(h, 0, sizeof(*h));
}

void aws_headers_free(struct aws_headers *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->v[i].name);
		free(h->v[i].value);
	}
	free(h->v);
	aws_headers_init(h);
}

int aws_headers_add(struct aws_headers *h, const char *name, const char *value)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 8;
		struct aws_header *v = realloc(h->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	char *n = strdup(name), *val = strdup(value);
	if (n == NULL || val == NULL) {
		free(n);
		free(val);
		return -1;
	}
	h->v[h->n].name = n;
	h->v[h->n].value = val;
	h->n++;
	return 0;
}

const char *aws_headers_get(const struct aws_headers *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcasecmp(h->v[i].name, name) == 0)
			return h->v[i].value;
	return NULL;
}

void aws_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

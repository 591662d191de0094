/*
 * aws_buf - a growable NUL-terminated byte buffer and a list of HTTP
 * headers: the two containers the rest of the AWS library builds requests
 * with. Internal to libpwaws.
 */
#ifndef AWS_BUF_H
#define AWS_BUF_H

#include <stddef.h>

struct aws_buf {
	char *data; /* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	int oom;    /* sticky: set once an allocation failed */
};

void aws_buf_init(struct aws_buf *b);
void aws_buf_free(struct aws_buf *b);
void aws_buf_reset(struct aws_buf *b);
void aws_buf_append(struct aws_buf *b, const void *p, size_t n);
void aws_buf_puts(struct aws_buf *b, const char *s);
void aws_buf_putc(struct aws_buf *b, char c);
void aws_buf_printf(struct aws_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Hands the buffer's string to the caller (malloc'd, caller frees) and
 * resets b; NULL if an allocation failed along the way. */
char *aws_buf_steal(struct aws_buf *b);
/* The whole file at path (malloc'd, NUL-terminated; *len, when len is not
 * NULL, its length). NULL with *errnum set: fopen's errno, EFBIG when it
 * holds more than max bytes (what was read is wiped first: it may be a
 * token), ENOMEM. */
char *aws_buf_read_file(const char *path, size_t max, size_t *len, int *errnum);

struct aws_header {
	char *name;
	char *value;
};

struct aws_headers {
	struct aws_header *v;
	size_t n;
	size_t cap;
};

void aws_headers_init(struct aws_headers *h);
void aws_headers_free(struct aws_headers *h);
/* Copies name and value. Returns 0, or -1 when out of memory. */
int aws_headers_add(struct aws_headers *h, const char *name, const char *value);
/* First value of a header (case-insensitive name), or NULL. Borrowed. */
const char *aws_headers_get(const struct aws_headers *h, const char *name);

/* Lower-case hex of n bytes into out (2n+1 bytes). */
void aws_hex(const unsigned char *in, size_t n, char *out);

#endif

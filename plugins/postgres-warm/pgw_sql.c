/* pgw_sql.c - string building: a growable buffer, array literals. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgw_sql.h"

static void grow(pgw_buf *b, size_t need)
{
	if (b->oom || b->len + need + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + need + 1)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (s == NULL) {
		b->oom = 1;
		return;
	}
	b->s = s;
	b->cap = cap;
}

void pgw_buf_add(pgw_buf *b, const char *s)
{
	size_t n = strlen(s);
	grow(b, n);
	if (b->oom)
		return;
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

void pgw_buf_addf(pgw_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	grow(b, (size_t)n);
	if (b->oom)
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void pgw_buf_add_array_elem(pgw_buf *b, const char *s, int first)
{
	if (!first)
		pgw_buf_add(b, ",");
	pgw_buf_add(b, "\"");
	for (const char *p = s; *p != '\0'; p++) {
		char ch[3] = {0};
		if (*p == '"' || *p == '\\') {
			ch[0] = '\\';
			ch[1] = *p;
		} else {
			ch[0] = *p;
		}
		pgw_buf_add(b, ch);
	}
	pgw_buf_add(b, "\"");
}

void pgw_buf_free(pgw_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

/* Arena allocation, errors and the bounds of an evaluation. Everything
 * one compile or evaluation allocates lives in its arena, so an error can
 * unwind with longjmp and nothing leaks. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "jn.h"

struct jn_chunk {
	jn_chunk *next;
	size_t size, off;
	_Alignas(max_align_t) unsigned char data[];
};

#define CHUNK 65536

void jn_arena_init(jn_arena *a, size_t limit)
{
	a->head = NULL;
	a->used = 0;
	a->limit = limit;
}

void jn_arena_free(jn_arena *a)
{
	jn_chunk *ch = a->head;
	while (ch) {
		jn_chunk *nx = ch->next;
		free(ch);
		ch = nx;
	}
	a->head = NULL;
	a->used = 0;
}

void *jn_arena_alloc(jn_arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	jn_chunk *ch = a->head;
	if (!ch || ch->size - ch->off < n) {
		size_t sz = n > CHUNK / 4 ? n : CHUNK;
		if (a->limit && a->used + sz > a->limit)
			return NULL;
		jn_chunk *nc = malloc(sizeof(*nc) + sz);
		if (!nc)
			return NULL;
		nc->size = sz;
		nc->off = 0;
		a->used += sz;
		if (ch && sz != CHUNK) { /* big block: keep filling the current chunk */
			nc->next = ch->next;
			ch->next = nc;
		} else {
			nc->next = ch;
			a->head = nc;
		}
		ch = nc;
	}
	void *p = ch->data + ch->off;
	ch->off += n;
	return p;
}

void *jn_alloc(jn_ctx *c, size_t n)
{
	void *p = jn_arena_alloc(c->a, n ? n : 1);
	if (!p)
		jn_fail(c, "U1003", -1, "memory limit of %zu bytes exceeded", c->a->limit);
	memset(p, 0, n);
	return p;
}

char *jn_strndup(jn_ctx *c, const char *s, size_t n)
{
	char *p = jn_alloc(c, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

void jn_fail(jn_ctx *c, const char *code, int pos, const char *fmt, ...)
{
	jsonata_error *e = c->err;
	snprintf(e->code, sizeof(e->code), "%s", code);
	e->position = pos;
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (pos >= 0)
		snprintf(e->message, sizeof(e->message), "%s at position %d: %s", code, pos, msg);
	else
		snprintf(e->message, sizeof(e->message), "%s: %s", code, msg);
	longjmp(c->jb, 1);
}

uint64_t jn_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Counted on every evaluation step: the step bound exactly, the clock and
 * the interrupt callback every 1024 steps to keep them cheap. */
void jn_tick(jn_ctx *c)
{
	c->steps++;
	if (c->max_steps && c->steps > c->max_steps)
		jn_fail(c, "U1004", -1, "evaluation exceeded %llu steps",
			(unsigned long long)c->max_steps);
	if ((c->steps & 1023) == 0) {
		if (c->deadline_ms && jn_now_ms() > c->deadline_ms)
			jn_fail(c, "U1001", -1, "Expression evaluation timeout: check for infinite loop");
		if (c->interrupt && c->interrupt(c->interrupt_arg))
			jn_fail(c, "U1002", -1, "evaluation interrupted by the caller");
	}
}

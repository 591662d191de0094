/* pw_redact_index - multi-string presence test by rolling hash. */
#include "pw_redact_index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BASE UINT64_C(1099511628211)

struct slot {
	uint64_t hash;
	size_t len;
	size_t idx; /* into v; SIZE_MAX: empty */
};

struct pw_redact_index {
	char *const *v;
	struct slot *slots;
	size_t mask;     /* slots - 1 (a power of two) */
	size_t *lengths; /* the distinct lengths */
	size_t nlengths;
};

static uint64_t hash_of(const char *s, size_t len)
{
	uint64_t h = 0;
	for (size_t i = 0; i < len; i++)
		h = h * BASE + (unsigned char)s[i];
	return h;
}

static size_t slot_of(uint64_t hash, size_t len)
{
	return (size_t)((hash ^ (uint64_t)len * UINT64_C(0x9e3779b97f4a7c15)) >> 7);
}

struct pw_redact_index *pw_redact_index_build(char *const *v, size_t n)
{
	struct pw_redact_index *ix = calloc(1, sizeof(*ix));
	if (ix == NULL)
		return NULL;
	size_t cap = 16;
	while (cap < 2 * n + 2)
		cap *= 2;
	ix->v = v;
	ix->mask = cap - 1;
	ix->slots = malloc(cap * sizeof(*ix->slots));
	ix->lengths = malloc((n + 1) * sizeof(*ix->lengths));
	if (ix->slots == NULL || ix->lengths == NULL) {
		pw_redact_index_free(ix);
		return NULL;
	}
	for (size_t i = 0; i < cap; i++)
		ix->slots[i].idx = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(v[i]);
		uint64_t h = hash_of(v[i], len);
		size_t at = slot_of(h, len) & ix->mask;
		while (ix->slots[at].idx != SIZE_MAX)
			at = (at + 1) & ix->mask;
		ix->slots[at] = (struct slot){h, len, i};
		size_t k = 0;
		while (k < ix->nlengths && ix->lengths[k] != len)
			k++;
		if (k == ix->nlengths)
			ix->lengths[ix->nlengths++] = len;
	}
	return ix;
}

void pw_redact_index_free(struct pw_redact_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->slots);
	free(ix->lengths);
	free(ix);
}

/* Marks every string of length len whose hash is h and that equals
 * text[0..len). */
static void lookup(const struct pw_redact_index *ix, uint64_t h, size_t len, const char *text,
		   unsigned char *found)
{
	for (size_t at = slot_of(h, len) & ix->mask; ix->slots[at].idx != SIZE_MAX;
	     at = (at + 1) & ix->mask) {
		const struct slot *s = &ix->slots[at];
		if (s->hash == h && s->len == len && !found[s->idx] &&
		    memcmp(ix->v[s->idx], text, len) == 0)
			found[s->idx] = 1;
	}
}

void pw_redact_index_find(const struct pw_redact_index *ix, const char *text,
			  unsigned char *found)
{
	size_t n = strlen(text);
	for (size_t k = 0; k < ix->nlengths; k++) {
		size_t len = ix->lengths[k];
		if (len > n)
			continue;
		uint64_t top = 1; /* BASE^(len-1) */
		for (size_t i = 1; i < len; i++)
			top *= BASE;
		uint64_t h = hash_of(text, len);
		for (size_t i = 0;; i++) {
			lookup(ix, h, len, text + i, found);
			if (i + len >= n)
				break;
			h = (h - top * (unsigned char)text[i]) * BASE + (unsigned char)text[i + len];
		}
	}
}

/* pw_redact_index - multi-string presence test in one pass over the text. */
#include "pw_redact_index.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One spelling in a bucket: its first bytes (the key) compared before
 * the memcmp, so a hash collision costs one integer compare. */
struct entry {
	uint64_t key;
	size_t len;
	size_t idx; /* into v */
};

/* Spellings bucketed by a hash of their first `width` bytes: start[b] ..
 * start[b + 1] in e are those of bucket b. */
struct table {
	size_t width; /* 8 or 4 */
	unsigned bits;
	size_t *start;
	struct entry *e;
	size_t n;
};

struct pw_redact_index {
	char *const *v;
	/* Spellings of 8 bytes or more keyed by 8 (a common 4-byte prefix
	 * such as "pw-0" would put thousands in one bucket), 4..7 by 4. */
	struct table t8, t4;
	size_t *shorts; /* shorter than 4 (the registry keeps none): strstr */
	size_t nshorts;
};

static uint64_t key_of(const char *s, size_t width)
{
	uint64_t k = 0;
	memcpy(&k, s, width);
	return k;
}

static size_t bucket_of(uint64_t key, unsigned bits)
{
	return (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - bits));
}

/* Fills t with the spellings of v whose length is in [lo, hi). */
static int table_build(struct table *t, char *const *v, const size_t *lens, size_t n, size_t lo,
		       size_t hi)
{
	for (size_t i = 0; i < n; i++)
		t->n += lens[i] >= lo && lens[i] < hi;
	t->bits = 4;
	while (((size_t)1 << t->bits) < t->n)
		t->bits++;
	size_t nb = (size_t)1 << t->bits;
	t->start = calloc(nb + 1, sizeof(*t->start));
	t->e = malloc((t->n + 1) * sizeof(*t->e));
	if (t->start == NULL || t->e == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (lens[i] >= lo && lens[i] < hi)
			t->start[bucket_of(key_of(v[i], t->width), t->bits) + 1]++;
	for (size_t b = 0; b < nb; b++)
		t->start[b + 1] += t->start[b];
	size_t *fill = malloc((nb + 1) * sizeof(*fill));
	if (fill == NULL)
		return -1;
	memcpy(fill, t->start, (nb + 1) * sizeof(*fill));
	for (size_t i = 0; i < n; i++) {
		if (lens[i] < lo || lens[i] >= hi)
			continue;
		uint64_t key = key_of(v[i], t->width);
		t->e[fill[bucket_of(key, t->bits)]++] = (struct entry){key, lens[i], i};
	}
	free(fill);
	return 0;
}

void pw_redact_index_free(struct pw_redact_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->t8.start);
	free(ix->t8.e);
	free(ix->t4.start);
	free(ix->t4.e);
	free(ix->shorts);
	free(ix);
}

struct pw_redact_index *pw_redact_index_build(char *const *v, size_t n)
{
	struct pw_redact_index *ix = calloc(1, sizeof(*ix));
	size_t *lens = malloc((n + 1) * sizeof(*lens));
	if (ix == NULL || lens == NULL)
		goto fail;
	ix->v = v;
	ix->t8.width = 8;
	ix->t4.width = 4;
	ix->shorts = malloc((n + 1) * sizeof(*ix->shorts));
	if (ix->shorts == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		lens[i] = strlen(v[i]);
		if (lens[i] < 4)
			ix->shorts[ix->nshorts++] = i;
	}
	if (table_build(&ix->t8, v, lens, n, 8, SIZE_MAX) != 0 ||
	    table_build(&ix->t4, v, lens, n, 4, 8) != 0)
		goto fail;
	free(lens);
	return ix;
fail:
	free(lens);
	pw_redact_index_free(ix);
	return NULL;
}

/* Marks the spellings of t that start at text (rem bytes remain). */
static void probe(const struct pw_redact_index *ix, const struct table *t, const char *text,
		  size_t rem, unsigned char *found)
{
	uint64_t key = key_of(text, t->width);
	size_t b = bucket_of(key, t->bits);
	for (size_t k = t->start[b]; k < t->start[b + 1]; k++) {
		const struct entry *e = &t->e[k];
		if (e->key == key && !found[e->idx] && e->len <= rem &&
		    memcmp(ix->v[e->idx], text, e->len) == 0)
			found[e->idx] = 1;
	}
}

void pw_redact_index_find(const struct pw_redact_index *ix, const char *text,
			  unsigned char *found)
{
	size_t n = strlen(text);
	for (size_t i = 0; i + 4 <= n; i++) {
		if (ix->t8.n > 0 && i + 8 <= n)
			probe(ix, &ix->t8, text + i, n - i, found);
		if (ix->t4.n > 0)
			probe(ix, &ix->t4, text + i, n - i, found);
	}
	for (size_t k = 0; k < ix->nshorts; k++)
		if (strstr(text, ix->v[ix->shorts[k]]) != NULL)
			found[ix->shorts[k]] = 1;
}

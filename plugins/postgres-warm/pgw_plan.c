/* pgw_plan.c - block lists, coalescing, budget, batching. */
#include <stdlib.h>
#include <string.h>

#include "pgw_plan.h"

int pgw_names_intern(pgw_names *names, const char *name)
{
	/* Callers feed names grouped, so the last one usually matches. */
	for (size_t i = names->n; i > 0; i--)
		if (strcmp(names->v[i - 1], name) == 0)
			return (int)(i - 1);
	if (names->n == names->cap) {
		size_t cap = names->cap ? names->cap * 2 : 16;
		char **v = realloc(names->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		names->v = v;
		names->cap = cap;
	}
	char *copy = strdup(name);
	if (copy == NULL)
		return -1;
	names->v[names->n] = copy;
	return (int)names->n++;
}

void pgw_names_clear(pgw_names *names)
{
	for (size_t i = 0; i < names->n; i++)
		free(names->v[i]);
	free(names->v);
	memset(names, 0, sizeof(*names));
}

static const char *const fork_names[] = {"main", "fsm", "vm", "init"};

const char *pgw_fork_name(int fork)
{
	return fork >= 0 && fork < 4 ? fork_names[fork] : "main";
}

int pgw_fork_number(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(fork_names[i], name) == 0)
			return i;
	return -1;
}

int64_t pgw_budget_blocks(int64_t nbuffers, double fraction)
{
	if (nbuffers <= 0 || !(fraction > 0))
		return 0;
	if (fraction > 1)
		fraction = 1;
	return (int64_t)((double)nbuffers * fraction);
}

static int cmp_addr(const pgw_block *a, const pgw_block *b)
{
	if (a->rel != b->rel)
		return a->rel < b->rel ? -1 : 1;
	if (a->fork != b->fork)
		return a->fork < b->fork ? -1 : 1;
	if (a->block != b->block)
		return a->block < b->block ? -1 : 1;
	return 0;
}

static int cmp_hot(const void *pa, const void *pb)
{
	const pgw_block *a = pa, *b = pb;
	if (a->usage != b->usage)
		return a->usage > b->usage ? -1 : 1;
	return cmp_addr(a, b);
}

int pgw_block_cmp_addr(const void *pa, const void *pb)
{
	return cmp_addr(pa, pb);
}

void pgw_blocks_sort_hot(pgw_block *blocks, size_t n)
{
	if (n > 1)
		qsort(blocks, n, sizeof(*blocks), cmp_hot);
}

void pgw_blocks_sort_addr(pgw_block *blocks, size_t n)
{
	if (n > 1)
		qsort(blocks, n, sizeof(*blocks), pgw_block_cmp_addr);
}

int pgw_coalesce(const pgw_block *blocks, size_t n, pgw_range **ranges,
		 size_t *nranges)
{
	*ranges = NULL;
	*nranges = 0;
	if (n == 0)
		return 0;
	pgw_range *r = malloc(n * sizeof(*r));
	if (r == NULL)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const pgw_block *b = &blocks[i];
		if (k > 0) {
			pgw_range *last = &r[k - 1];
			if (last->rel == b->rel && last->fork == b->fork &&
			    last->usage == b->usage) {
				if (b->block == last->last)
					continue; /* duplicate */
				if (b->block == last->last + 1) {
					last->last = b->block;
					continue;
				}
			}
		}
		r[k++] = (pgw_range){.rel = b->rel,
				     .fork = b->fork,
				     .usage = b->usage,
				     .first = b->block,
				     .last = b->block};
	}
	*ranges = r;
	*nranges = k;
	return 0;
}

size_t pgw_ranges_truncate(pgw_range *ranges, size_t n, int64_t budget)
{
	int64_t left = budget > 0 ? budget : 0;
	for (size_t i = 0; i < n; i++) {
		int64_t len = ranges[i].last - ranges[i].first + 1;
		if (left == 0)
			return i;
		if (len >= left) {
			ranges[i].last = ranges[i].first + left - 1;
			return i + 1;
		}
		left -= len;
	}
	return n;
}

int64_t pgw_ranges_blocks(const pgw_range *ranges, size_t n)
{
	int64_t t = 0;
	for (size_t i = 0; i < n; i++)
		t += ranges[i].last - ranges[i].first + 1;
	return t;
}

static int split_long(pgw_range **ranges, size_t *nranges, int64_t max_blocks)
{
	size_t extra = 0;
	for (size_t i = 0; i < *nranges; i++) {
		int64_t len = (*ranges)[i].last - (*ranges)[i].first + 1;
		extra += (size_t)((len - 1) / max_blocks);
	}
	if (extra == 0)
		return 0;
	pgw_range *out = malloc((*nranges + extra) * sizeof(*out));
	if (out == NULL)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < *nranges; i++) {
		pgw_range r = (*ranges)[i];
		for (int64_t s = r.first; s <= r.last; s += max_blocks) {
			out[k] = r;
			out[k].first = s;
			out[k].last = s + max_blocks - 1 < r.last
					      ? s + max_blocks - 1
					      : r.last;
			k++;
		}
	}
	free(*ranges);
	*ranges = out;
	*nranges = k;
	return 0;
}

int pgw_range_cmp_addr(const void *pa, const void *pb)
{
	const pgw_range *a = pa, *b = pb;
	if (a->rel != b->rel)
		return a->rel < b->rel ? -1 : 1;
	if (a->fork != b->fork)
		return a->fork < b->fork ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

int pgw_batch_ranges(pgw_range **ranges, size_t *nranges, int64_t max_blocks,
		     size_t max_ranges, int mix_usage, pgw_batch **batches,
		     size_t *nbatches)
{
	*batches = NULL;
	*nbatches = 0;
	if (max_blocks < 1)
		max_blocks = 1;
	if (max_ranges < 1)
		max_ranges = 1;
	if (*nranges == 0)
		return 0;
	if (split_long(ranges, nranges, max_blocks) != 0)
		return -1;
	pgw_batch *b = malloc(*nranges * sizeof(*b));
	if (b == NULL)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i < *nranges; i++) {
		const pgw_range *r = &(*ranges)[i];
		int64_t len = r->last - r->first + 1;
		if (k > 0 && (mix_usage || b[k - 1].usage == r->usage) &&
		    b[k - 1].blocks + len <= max_blocks &&
		    b[k - 1].count < max_ranges) {
			b[k - 1].count++;
			b[k - 1].blocks += len;
			if (r->usage > b[k - 1].usage)
				b[k - 1].usage = r->usage;
			continue;
		}
		b[k++] = (pgw_batch){
			.first = i, .count = 1, .usage = r->usage, .blocks = len};
	}
	*batches = b;
	*nbatches = k;
	return 0;
}

size_t pgw_blocks_intersect(const pgw_block *want, size_t nwant,
			    const pgw_block *have, size_t nhave)
{
	size_t i = 0, j = 0, hits = 0;
	while (i < nwant && j < nhave) {
		int c = cmp_addr(&want[i], &have[j]);
		if (c == 0) {
			hits++;
			i++;
		} else if (c < 0) {
			i++;
		} else {
			j++;
		}
	}
	return hits;
}

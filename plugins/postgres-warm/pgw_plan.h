/*
 * pgw_plan - block lists, range coalescing, the shared_buffers budget and
 * the batches a warm sends. Pure computation: no server needed (unit-tested
 * in tests/unit/check_pgwarm_plan.c).
 */
#ifndef PGW_PLAN_H
#define PGW_PLAN_H

#include <stddef.h>
#include <stdint.h>

/* Interned relation names ("schema.table", quoted as format('%I.%I')). */
typedef struct pgw_names {
	char **v;
	size_t n, cap;
} pgw_names;

/* Index of name in names, adding it when new; -1 when out of memory. */
int pgw_names_intern(pgw_names *names, const char *name);
void pgw_names_clear(pgw_names *names);

/* Fork numbers as pg_buffercache reports them and their pg_prewarm names. */
const char *pgw_fork_name(int fork);
int pgw_fork_number(const char *name); /* -1 when unknown */

/* One resident buffer on a server. */
typedef struct pgw_block {
	int32_t rel;   /* index into a pgw_names */
	int16_t fork;
	int16_t usage; /* clock-sweep usage count, 1..5 */
	int64_t block;
} pgw_block;

/* A run of blocks of one relation fork that share a usage count. */
typedef struct pgw_range {
	int32_t rel;
	int16_t fork;
	int16_t usage;
	int64_t first, last; /* inclusive */
} pgw_range;

/* Blocks the budget allows: floor(nbuffers * fraction), at least 0. */
int64_t pgw_budget_blocks(int64_t nbuffers, double fraction);

/* Sorts hottest first: usage count descending, then rel, fork, block. */
void pgw_blocks_sort_hot(pgw_block *blocks, size_t n);

/* qsort/bsearch order of pgw_block by rel, fork, block. */
int pgw_block_cmp_addr(const void *a, const void *b);

/* Sorts by rel, fork, block (for set comparisons). */
void pgw_blocks_sort_addr(pgw_block *blocks, size_t n);

/* Coalesces blocks sorted by pgw_blocks_sort_hot into ranges of adjacent
 * blocks with the same rel, fork and usage count (duplicates dropped),
 * keeping the order. On 0 *ranges is a malloc'd array the caller frees
 * (NULL when n is 0); -1 when out of memory. */
int pgw_coalesce(const pgw_block *blocks, size_t n, pgw_range **ranges,
		 size_t *nranges);

/* Keeps ranges, in order, until they hold `budget` blocks, cutting the
 * last one short. Returns the new count. */
size_t pgw_ranges_truncate(pgw_range *ranges, size_t n, int64_t budget);

/* Total blocks in ranges. */
int64_t pgw_ranges_blocks(const pgw_range *ranges, size_t n);

/* qsort order of pgw_range by rel, fork, first block. */
int pgw_range_cmp_addr(const void *a, const void *b);

/* A group of ranges sent as one pg_prewarm statement: at most max_blocks
 * blocks (a longer range is split); one usage count unless mixed (usage
 * is then the highest). */
typedef struct pgw_batch {
	size_t first, count; /* slice of the (split) range array */
	int16_t usage;
	int64_t blocks;
} pgw_batch;

/* Splits ranges longer than max_blocks in place (reallocating *ranges) and
 * groups adjacent ones into batches holding at most max_blocks blocks and
 * max_ranges ranges, of one usage count unless mix_usage. On 0 *batches is
 * the caller's to free. */
int pgw_batch_ranges(pgw_range **ranges, size_t *nranges, int64_t max_blocks,
		     size_t max_ranges, int mix_usage, pgw_batch **batches,
		     size_t *nbatches);

/* Counts blocks of `want` that are in `have`; both sorted by
 * pgw_blocks_sort_addr and interned in the same pgw_names. */
size_t pgw_blocks_intersect(const pgw_block *want, size_t nwant,
			    const pgw_block *have, size_t nhave);

#endif

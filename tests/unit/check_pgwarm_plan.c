/* check_pgwarm_plan - hottest-first ordering, range coalescing, budget
 * truncation, batching and cache comparison. No server needed. */
#include <check.h>
#include <stdlib.h>

#include "pgw_plan.h"

#define B(r, f, u, blk) {.rel = (r), .fork = (f), .usage = (u), .block = (blk)}

START_TEST(coalesces_adjacent_blocks_of_one_usage_count)
{
	pgw_block b[] = {
		B(0, 0, 1, 12), B(0, 0, 5, 3), B(0, 0, 5, 1), B(0, 0, 5, 2),
		B(1, 0, 5, 4),  B(0, 0, 1, 10), B(0, 0, 1, 11), B(0, 1, 5, 4),
		B(0, 0, 5, 2), /* duplicate */
		B(0, 0, 3, 4),
	};
	size_t n = sizeof(b) / sizeof(b[0]);
	pgw_blocks_sort_hot(b, n);
	pgw_range *r;
	size_t nr;
	ck_assert_int_eq(pgw_coalesce(b, n, &r, &nr), 0);
	/* usage 5: rel0 main 1-3, rel0 fsm 4, rel1 main 4; usage 3: rel0 4;
	 * usage 1: rel0 10-12. Block 4 of rel0 with usage 3 does not join
	 * 1-3 (usage 5): usage counts are kept exact. */
	ck_assert_uint_eq(nr, 5);
	ck_assert_int_eq(r[0].usage, 5);
	ck_assert_int_eq(r[0].first, 1);
	ck_assert_int_eq(r[0].last, 3);
	ck_assert_int_eq(r[1].fork, 1);
	ck_assert_int_eq(r[2].rel, 1);
	ck_assert_int_eq(r[3].usage, 3);
	ck_assert_int_eq(r[4].first, 10);
	ck_assert_int_eq(r[4].last, 12);
	ck_assert_int_eq(pgw_ranges_blocks(r, nr), 9);
	free(r);
}
END_TEST

START_TEST(budget_truncates_coldest_end)
{
	pgw_range r[] = {
		{.rel = 0, .usage = 5, .first = 0, .last = 9},
		{.rel = 1, .usage = 3, .first = 100, .last = 109},
		{.rel = 2, .usage = 1, .first = 0, .last = 99},
	};
	ck_assert_uint_eq(pgw_ranges_truncate(r, 3, 1000), 3);
	ck_assert_uint_eq(pgw_ranges_truncate(r, 3, 15), 2);
	ck_assert_int_eq(r[1].first, 100);
	ck_assert_int_eq(r[1].last, 104);
	ck_assert_int_eq(pgw_ranges_blocks(r, 2), 15);
	ck_assert_uint_eq(pgw_ranges_truncate(r, 3, 0), 0);
}
END_TEST

START_TEST(budget_blocks_from_fraction)
{
	ck_assert_int_eq(pgw_budget_blocks(2048, 0.9), 1843);
	ck_assert_int_eq(pgw_budget_blocks(2048, 1.0), 2048);
	ck_assert_int_eq(pgw_budget_blocks(2048, 2.0), 2048); /* capped */
	ck_assert_int_eq(pgw_budget_blocks(2048, 0), 0);
	ck_assert_int_eq(pgw_budget_blocks(0, 0.5), 0);
	ck_assert_int_eq(pgw_budget_blocks(13107200, 0.25), 3276800);
}
END_TEST

START_TEST(batches_split_long_ranges_and_keep_usage_apart)
{
	pgw_range *r = malloc(3 * sizeof(*r));
	r[0] = (pgw_range){.rel = 0, .usage = 5, .first = 0, .last = 2499};
	r[1] = (pgw_range){.rel = 1, .usage = 5, .first = 7, .last = 7};
	r[2] = (pgw_range){.rel = 1, .usage = 2, .first = 8, .last = 9};
	size_t n = 3, nb;
	pgw_batch *b;
	ck_assert_int_eq(pgw_batch_ranges(&r, &n, 1000, 64, 0, &b, &nb), 0);
	ck_assert_uint_eq(n, 5); /* 0-999, 1000-1999, 2000-2499, 7, 8-9 */
	ck_assert_int_eq(r[2].first, 2000);
	ck_assert_int_eq(r[2].last, 2499);
	ck_assert_uint_eq(nb, 4);
	ck_assert_int_eq(b[0].blocks, 1000);
	ck_assert_int_eq(b[2].blocks, 501); /* 500 + the single block */
	ck_assert_uint_eq(b[2].count, 2);
	ck_assert_int_eq(b[3].usage, 2);
	int64_t total = 0;
	for (size_t i = 0; i < nb; i++)
		total += b[i].blocks;
	ck_assert_int_eq(total, 2503);
	free(r);
	free(b);
}
END_TEST

START_TEST(intersection_counts_resident_blocks)
{
	pgw_block want[] = {B(0, 0, 1, 1), B(0, 0, 1, 2), B(1, 0, 1, 1),
			    B(0, 1, 1, 1)};
	pgw_block have[] = {B(1, 0, 0, 1), B(0, 0, 0, 2), B(0, 0, 0, 9)};
	pgw_blocks_sort_addr(want, 4);
	pgw_blocks_sort_addr(have, 3);
	ck_assert_uint_eq(pgw_blocks_intersect(want, 4, have, 3), 2);
	ck_assert_uint_eq(pgw_blocks_intersect(want, 4, have, 0), 0);
}
END_TEST

START_TEST(names_and_forks)
{
	pgw_names n = {0};
	ck_assert_int_eq(pgw_names_intern(&n, "public.a"), 0);
	ck_assert_int_eq(pgw_names_intern(&n, "public.b"), 1);
	ck_assert_int_eq(pgw_names_intern(&n, "public.a"), 0);
	ck_assert_uint_eq(n.n, 2);
	pgw_names_clear(&n);
	ck_assert_str_eq(pgw_fork_name(2), "vm");
	ck_assert_int_eq(pgw_fork_number("fsm"), 1);
	ck_assert_int_eq(pgw_fork_number("bogus"), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pgwarm_plan");
	TCase *tc = tcase_create("plan");
	tcase_add_test(tc, coalesces_adjacent_blocks_of_one_usage_count);
	tcase_add_test(tc, budget_truncates_coldest_end);
	tcase_add_test(tc, budget_blocks_from_fraction);
	tcase_add_test(tc, batches_split_long_ranges_and_keep_usage_apart);
	tcase_add_test(tc, intersection_counts_resident_blocks);
	tcase_add_test(tc, names_and_forks);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

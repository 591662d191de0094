/* check_utf8 - pw_utf8_sanitize: what every writer does last. */
#include "../plugins/rt_test.h"
#include "pw_utf8.h"

static void expect(const char *in, const char *want)
{
	char *out = pw_utf8_sanitize(in);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, want);
	ck_assert(pw_utf8_valid(out, strlen(out)));
	free(out);
}

#define FFFD "\xef\xbf\xbd"

START_TEST(valid_text_is_copied_unchanged)
{
	expect("", "");
	expect("plain ascii {\"a\":1}", "plain ascii {\"a\":1}");
	/* 2, 3 and 4 byte forms, the highest code point, U+FFFD itself */
	expect("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf " FFFD,
	       "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf " FFFD);
}
END_TEST

START_TEST(each_bad_byte_becomes_one_replacement)
{
	expect("a\xff" "b", "a" FFFD "b");
	expect("\x80\xbf", FFFD FFFD);           /* lone continuation bytes */
	expect("\xc3", FFFD);                     /* truncated at the end */
	expect("\xe2\x82" "x", FFFD FFFD "x");    /* truncated in the middle */
	expect("\xc0\xaf", FFFD FFFD);            /* overlong '/' */
	expect("\xe0\x80\xaf", FFFD FFFD FFFD);   /* overlong, 3 bytes */
	expect("\xed\xa0\x80", FFFD FFFD FFFD);   /* UTF-16 surrogate D800 */
	expect("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD); /* above U+10FFFF */
	expect("\xf5\x80", FFFD FFFD);
	/* JSON structure next to a bad byte survives */
	expect("{\"id\":\"ab\xfe\"}", "{\"id\":\"ab" FFFD "\"}");
}
END_TEST

START_TEST(valid_rejects_nul_and_bad_bytes)
{
	ck_assert(pw_utf8_valid("abc", 3));
	ck_assert(!pw_utf8_valid("a\0c", 3));
	ck_assert(!pw_utf8_valid("a\xff", 2));
	ck_assert(!pw_utf8_valid("\xc3", 1));
	ck_assert(pw_utf8_valid("\xc3\xa9", 2));
	ck_assert_ptr_null(pw_utf8_sanitize(NULL));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("utf8");
	tcase_add_test(tc, valid_text_is_copied_unchanged);
	tcase_add_test(tc, each_bad_byte_becomes_one_replacement);
	tcase_add_test(tc, valid_rejects_nul_and_bad_bytes);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

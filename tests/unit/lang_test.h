/*
 * lang_test - small helpers shared by the language's Check tests.
 * Owner: engine-language.
 */
#ifndef LANG_TEST_H
#define LANG_TEST_H

#include <check.h>
#include <string.h>
#include <json-c/json.h>

/* Parses JSON text in a test (aborts the test on bad JSON). NEW ref;
 * "null" gives NULL. */
static inline json_object *lt_json(const char *text)
{
	enum json_tokener_error e = json_tokener_success;
	json_object *o = json_tokener_parse_verbose(text, &e);
	ck_assert_msg(e == json_tokener_success, "bad test JSON: %s", text);
	return o;
}

/* Asserts that v serializes like the JSON text want (compared after a
 * round trip through json-c, so spacing does not matter). */
#define lt_assert_json(v, want)                                              \
	do {                                                                 \
		json_object *w_ = lt_json(want);                             \
		const char *a_ = json_object_to_json_string_ext(              \
			(v), JSON_C_TO_STRING_PLAIN);                        \
		char *as_ = strdup(a_ ? a_ : "null");                        \
		const char *b_ = json_object_to_json_string_ext(              \
			w_, JSON_C_TO_STRING_PLAIN);                         \
		ck_assert_msg(strcmp(as_, b_ ? b_ : "null") == 0,            \
			      "got %s, want %s", as_, b_ ? b_ : "null");     \
		free(as_);                                                   \
		json_object_put(w_);                                         \
	} while (0)

/* Runs one suite and returns the process exit status. */
static inline int lt_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

#endif

/* Unit tests: the AWS plugins' shared glue (plugins/rds/aws_plugin.c):
 * typed parameters with named errors, and typing of Query/XML text. */
#include <string.h>

#include <check.h>

#include "aws_plugin.h"

static json_object *parse(const char *s)
{
	json_object *o = json_tokener_parse(s);

	ck_assert_ptr_nonnull(o);
	return o;
}

START_TEST(getters_return_values_and_name_bad_fields)
{
	json_object *p = parse("{\"Id\": \"r1\", \"N\": 5, \"S\": \"42\", \"B\": true,"
			       " \"Empty\": \"\", \"Word\": \"x1\", \"Obj\": {}}");
	pw_error err;
	const char *s = NULL;
	int64_t n = 0;
	int b = 0;

	ck_assert_int_eq(awsp_str(p, "Id", 1, "RDS", &s, &err), PW_OK);
	ck_assert_str_eq(s, "r1");
	ck_assert_int_eq(awsp_int(p, "N", 1, "RDS", &n, &err), PW_OK);
	ck_assert_int_eq(n, 5);
	ck_assert_int_eq(awsp_int(p, "S", 1, "RDS", &n, &err), PW_OK);
	ck_assert_int_eq(n, 42);
	ck_assert_int_eq(awsp_bool(p, "B", "RDS", &b, &err), PW_OK);
	ck_assert_int_eq(b, 1);

	s = "default";
	ck_assert_int_eq(awsp_str(p, "Absent", 0, "RDS", &s, &err), PW_OK);
	ck_assert_str_eq(s, "default"); /* optional and absent: untouched */

	ck_assert_int_eq(awsp_str(p, "Absent", 1, "S3", &s, &err), PW_ERR);
	ck_assert_str_eq(err.name, "S3.InvalidParameter");
	ck_assert_ptr_nonnull(strstr(err.cause, "Absent"));
	ck_assert_int_eq(awsp_str(p, "Empty", 1, "RDS", &s, &err), PW_ERR);
	ck_assert_int_eq(awsp_str(p, "Obj", 0, "RDS", &s, &err), PW_ERR);
	ck_assert_int_eq(awsp_int(p, "Word", 0, "SQS", &n, &err), PW_ERR);
	ck_assert_str_eq(err.name, "SQS.InvalidParameter");
	ck_assert_int_eq(awsp_bool(p, "N", "RDS", &b, &err), PW_ERR);
	json_object_put(p);
}
END_TEST

START_TEST(coerce_types_only_listed_members)
{
	static const char *const ints[] = {"Port", NULL};
	static const char *const bools[] = {"IsClusterWriter", NULL};
	json_object *v = parse(
		"{\"DBClusters\": [{\"Port\": \"5432\", \"Name\": \"5432\","
		" \"DBClusterMembers\": [{\"IsClusterWriter\": \"true\"},"
		" {\"IsClusterWriter\": \"false\"}, {\"IsClusterWriter\": \"maybe\"}],"
		" \"Endpoint\": {\"Port\": \"x\"}}]}");
	json_object *c = json_object_array_get_idx(
		json_object_object_get(v, "DBClusters"), 0);
	json_object *m = json_object_object_get(c, "DBClusterMembers");

	awsp_coerce(v, ints, bools);
	ck_assert(json_object_is_type(json_object_object_get(c, "Port"), json_type_int));
	ck_assert_int_eq(json_object_get_int(json_object_object_get(c, "Port")), 5432);
	ck_assert(json_object_is_type(json_object_object_get(c, "Name"), json_type_string));
	ck_assert(json_object_get_boolean(json_object_object_get(
		json_object_array_get_idx(m, 0), "IsClusterWriter")));
	ck_assert(json_object_is_type(json_object_object_get(
		json_object_array_get_idx(m, 1), "IsClusterWriter"), json_type_boolean));
	ck_assert(json_object_is_type(json_object_object_get(
		json_object_array_get_idx(m, 2), "IsClusterWriter"), json_type_string));
	/* Not a number: stays text. */
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
		json_object_object_get(c, "Endpoint"), "Port")), "x");
	json_object_put(v);
}
END_TEST

START_TEST(without_copies_all_but_the_named_keys)
{
	static const char *const drop[] = {"PageSize", "QueueName", NULL};
	json_object *p = parse("{\"A\": 1, \"PageSize\": 2, \"QueueName\": \"q\"}");
	json_object *c = awsp_without(p, drop);

	ck_assert_int_eq(json_object_object_length(c), 1);
	ck_assert(json_object_object_get_ex(c, "A", NULL));
	ck_assert_int_eq(json_object_object_length(p), 3); /* input untouched */
	json_object_put(c);
	json_object_put(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("aws_plugin_glue");
	TCase *tc = tcase_create("glue");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, getters_return_values_and_name_bad_fields);
	tcase_add_test(tc, coerce_types_only_listed_members);
	tcase_add_test(tc, without_copies_all_but_the_named_keys);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/* check_pgwarm_conn - connection specs and password redaction, no server. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pgw_conn.h"

static char secrets[4][128];
static int nsecrets;

static void add_secret(void *ud, const char *s)
{
	(void)ud;
	if (nsecrets < 4)
		snprintf(secrets[nsecrets++], sizeof(secrets[0]), "%s", s);
}

static const pgw_env env = {.add_secret = add_secret};

static const char *val(const pgw_conn_spec *s, const char *k)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->keys[i], k) == 0)
			return s->vals[i];
	return NULL;
}

START_TEST(string_uri_and_object_forms)
{
	pgw_conn_spec *s;
	pw_error err;
	nsecrets = 0;
	json_object *v = json_object_new_string(
		"host=db port=5433 user=u password=pa55word-x dbname=app");
	ck_assert_int_eq(pgw_conn_spec_parse(&env, v, "target", &s, &err),
			 PW_OK);
	ck_assert_str_eq(val(s, "port"), "5433");
	ck_assert_str_eq(s->password, "pa55word-x");
	ck_assert_str_eq(val(s, "connect_timeout"), "10"); /* default */
	ck_assert_str_eq(val(s, "application_name"), "aurora-prewarm");
	ck_assert_int_eq(nsecrets, 1);
	ck_assert_str_eq(secrets[0], "pa55word-x");
	pgw_conn_spec_free(s);
	json_object_put(v);

	v = json_object_new_string("postgresql://u:uriSecret99@h:6000/db");
	ck_assert_int_eq(pgw_conn_spec_parse(&env, v, "source", &s, &err),
			 PW_OK);
	ck_assert_str_eq(s->password, "uriSecret99");
	ck_assert_str_eq(s->label, "source");
	pgw_conn_spec_free(s);
	json_object_put(v);

	v = json_tokener_parse("{\"host\": \"h\", \"port\": 5432, "
			       "\"password\": \"objSecret1\", "
			       "\"connect_timeout\": 3}");
	ck_assert_int_eq(pgw_conn_spec_parse(&env, v, "target", &s, &err),
			 PW_OK);
	ck_assert_str_eq(val(s, "port"), "5432");
	ck_assert_str_eq(val(s, "connect_timeout"), "3");
	ck_assert_str_eq(secrets[nsecrets - 1], "objSecret1");
	pgw_conn_spec_free(s);
	json_object_put(v);
}
END_TEST

START_TEST(bad_specs_name_the_field_not_the_password)
{
	pgw_conn_spec *s = NULL;
	pw_error err;
	json_object *v = json_tokener_parse("{\"host\": \"h\", \"colour\": 1}");
	ck_assert_int_eq(pgw_conn_spec_parse(&env, v, "target", &s, &err),
			 PW_ERR);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err.name, "Postgres.InvalidParameter");
	ck_assert_ptr_nonnull(strstr(err.cause, "'target.colour'"));
	json_object_put(v);

	/* libpq's parse errors quote the text they stop at, which can be
	 * (part of) the password: the cause names only the parameter. */
	static const char *const bad[] = {
		"host=h password=hunter2hunter bogus=1",
		"postgresql://u:Sup3r%zzSecret@h/db",
		"host=h password=Sup3r Secret",
		"host=h password='Sup3rSecret",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = json_object_new_string(bad[i]);
		ck_assert_int_eq(
			pgw_conn_spec_parse(&env, v, "source", &s, &err),
			PW_ERR);
		ck_assert_ptr_null(s);
		ck_assert_str_eq(err.name, "Postgres.InvalidParameter");
		ck_assert_msg(strstr(err.cause, "'source'") != NULL &&
				      strstr(err.cause, "cannot parse") != NULL,
			      "cause for %s: %s", bad[i], err.cause);
		ck_assert_msg(strstr(err.cause, "hunter2") == NULL &&
				      strstr(err.cause, "Sup3r") == NULL &&
				      strstr(err.cause, "Secret") == NULL,
			      "password leaked: %s", err.cause);
		json_object_put(v);
	}

	v = json_object_new_int(5);
	ck_assert_int_eq(pgw_conn_spec_parse(&env, v, "target", &s, &err),
			 PW_ERR);
	ck_assert_ptr_nonnull(strstr(err.cause, "'target'"));
	json_object_put(v);
}
END_TEST

START_TEST(redaction_replaces_every_occurrence)
{
	pgw_conn_spec *s;
	pw_error err;
	json_object *v = json_object_new_string("host=h password=s3cr3t");
	ck_assert_int_eq(pgw_conn_spec_parse(&env, v, "target", &s, &err),
			 PW_OK);
	char buf[128];
	pgw_redact(s, "a s3cr3t b s3cr3ts3cr3t\n", buf, sizeof(buf));
	ck_assert_str_eq(buf, "a *** b ******");
	pgw_redact(s, "x s3cr3t", buf, 6); /* truncation keeps it hidden */
	ck_assert_ptr_null(strstr(buf, "s3c"));
	pgw_redact(NULL, "plain\n", buf, sizeof(buf));
	ck_assert_str_eq(buf, "plain");
	pgw_conn_spec_free(s);
	json_object_put(v);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pgwarm_conn");
	TCase *tc = tcase_create("conn");
	tcase_add_test(tc, string_uri_and_object_forms);
	tcase_add_test(tc, bad_specs_name_the_field_not_the_password);
	tcase_add_test(tc, redaction_replaces_every_occurrence);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

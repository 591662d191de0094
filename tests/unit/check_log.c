/* check_log - log formats and secret redaction (logs, journal, plugin
 * logs). */
#include "../plugins/rt_test.h"
#include "pw_journal.h"
#include "pw_log.h"
#include "pw_registry.h"

static char *capture_log(void (*fn)(void))
{
	FILE *f = tmpfile();
	pw_log_set_stream(f);
	fn();
	pw_log_set_stream(NULL);
	fflush(f);
	long n = ftell(f);
	rewind(f);
	char *buf = calloc(1, (size_t)n + 1);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static void log_secret_line(void)
{
	pw_log(PW_LOG_INFO, "rds", "connecting with password=hunter2secret and token tok-ABCDEF");
	pw_log(PW_LOG_DEBUG, "rds", "debug lines are below the minimum");
}

START_TEST(registered_secrets_never_reach_the_log)
{
	pw_secret_clear();
	pw_secret_add("hunter2secret");
	pw_secret_add("tok-ABCDEF");
	pw_secret_add("abc"); /* too short: ignored */
	pw_log_setup(PW_LOG_TEXT, PW_LOG_INFO);
	char *out = capture_log(log_secret_line);
	ck_assert_ptr_null(strstr(out, "hunter2secret"));
	ck_assert_ptr_null(strstr(out, "tok-ABCDEF"));
	ck_assert_ptr_nonnull(strstr(out, "password=*** and token ***"));
	ck_assert_ptr_nonnull(strstr(out, "info  rds:"));
	ck_assert_ptr_null(strstr(out, "debug lines"));
	free(out);
	char *r = pw_redact("abc hunter2secret hunter2secret");
	ck_assert_str_eq(r, "abc *** ***");
	free(r);
	pw_secret_clear();
}
END_TEST

/* An RDS auth token contains its signature; the signature is registered
 * first (by the AWS library), the token later (by the plugin). The whole
 * token must disappear, not only the signature inside it. */
START_TEST(a_secret_inside_a_longer_secret_hides_the_longer_one)
{
	pw_secret_clear();
	pw_secret_add("sig0123456789");
	pw_secret_add("host:5432/?Action=connect&X-Amz-Signature=sig0123456789");
	char *r = pw_redact("token=host:5432/?Action=connect&X-Amz-Signature=sig0123456789 sig=sig0123456789");
	ck_assert_str_eq(r, "token=*** sig=***");
	free(r);
	pw_secret_clear();
}
END_TEST

/* json-c escapes "/" when it serializes parameters into a log line: the
 * escaped spelling of a secret is redacted too. */
START_TEST(a_secret_serialized_as_json_is_redacted)
{
	pw_secret_clear();
	pw_secret_add("host:5432/?Action=connect&sig=abc\"def");
	json_object *o = json_object_new_object();
	json_object_object_add(o, "password", json_object_new_string("host:5432/?Action=connect&sig=abc\"def"));
	char *r = pw_redact(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	ck_assert_str_eq(r, "{\"password\":\"***\"}");
	free(r);
	json_object_put(o);
	pw_secret_clear();
}
END_TEST

START_TEST(json_format_is_one_object_per_line)
{
	pw_secret_clear();
	pw_secret_add("hunter2secret");
	pw_log_setup(PW_LOG_JSON, PW_LOG_INFO);
	char *out = capture_log(log_secret_line);
	char *nl = strchr(out, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_str_eq(nl + 1, "");
	*nl = '\0';
	json_object *o = json_tokener_parse(out);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(rt_str(o, "level"), "info");
	ck_assert_str_eq(rt_str(o, "component"), "rds");
	ck_assert_ptr_nonnull(strstr(rt_str(o, "msg"), "password=***"));
	ck_assert_ptr_nonnull(rt_str(o, "time"));
	json_object_put(o);
	free(out);
	pw_secret_clear();
}
END_TEST

static pw_registry *reg;
static void plugin_logs_secret(void)
{
	json_object *p = json_tokener_parse("{\"Secret\":\"s3cr3t-from-plugin\"}"), *res = NULL;
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(pw_registry_call(reg, "counter:Secret", p, NULL, &res, &err), PW_OK);
	json_object_put(p);
	json_object_put(res);
}

START_TEST(plugin_secrets_are_redacted_in_logs_and_journal)
{
	pw_error err = {{0}, {0}};
	pw_secret_clear();
	pw_log_setup(PW_LOG_TEXT, PW_LOG_INFO);
	ck_assert_int_eq(pw_registry_open(PW_TEST_PLUGIN_DIR, NULL, &reg, &err), PW_OK);
	char *out = capture_log(plugin_logs_secret);
	ck_assert_ptr_null(strstr(out, "s3cr3t-from-plugin"));
	ck_assert_ptr_nonnull(strstr(out, "using secret ***"));
	free(out);
	pw_registry_close(reg);

	char *dir = rt_tmpdir();
	pw_journal *j = NULL;
	ck_assert_int_eq(pw_journal_create(dir, "exec-1", NULL, &j, &err), PW_OK);
	json_object *d = json_tokener_parse("{\"output\":{\"Token\":\"s3cr3t-from-plugin\"}}");
	ck_assert_int_eq(pw_journal_append(j, "TaskSucceeded", "S", d, &err), PW_OK);
	json_object_put(d);
	pw_journal_close(j);
	char path[700];
	snprintf(path, sizeof(path), "%s/executions/exec-1.jsonl", dir);
	char *text = rt_read(path);
	ck_assert_ptr_null(strstr(text, "s3cr3t-from-plugin"));
	ck_assert_ptr_nonnull(strstr(text, "\"Token\":\"***\""));
	free(text);
	rt_rmdir(dir);
	pw_secret_clear();
}
END_TEST

START_TEST(format_and_level_words_parse)
{
	enum pw_log_format f;
	enum pw_log_level l;
	ck_assert_int_eq(pw_log_format_parse("json", &f), 0);
	ck_assert_int_eq(f, PW_LOG_JSON);
	ck_assert_int_eq(pw_log_format_parse("xml", &f), -1);
	ck_assert_int_eq(pw_log_level_parse("warn", &l), 0);
	ck_assert_int_eq(l, PW_LOG_WARN);
	ck_assert_int_eq(pw_log_level_parse("loud", &l), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");
	tcase_add_test(tc, registered_secrets_never_reach_the_log);
	tcase_add_test(tc, a_secret_inside_a_longer_secret_hides_the_longer_one);
	tcase_add_test(tc, a_secret_serialized_as_json_is_redacted);
	tcase_add_test(tc, json_format_is_one_object_per_line);
	tcase_add_test(tc, plugin_secrets_are_redacted_in_logs_and_journal);
	tcase_add_test(tc, format_and_level_words_parse);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

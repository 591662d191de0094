/* check_config - the config file: keys, types, errors with positions. */
#include "../plugins/rt_test.h"
#include "pw_config.h"
#include "pw_exec.h"
#include "pw_redact.h"

static char *dir;

static void setup(void)
{
	dir = rt_tmpdir();
}

static void teardown(void)
{
	rt_rmdir(dir);
}

START_TEST(full_config_loads)
{
	char *path = rt_write(dir, "prewarm.yaml",
			      "plugin_path: [/opt/a, /opt/b]\n"
			      "state_dir: /var/tmp/pw\n"
			      "log_format: json\n"
			      "vars:\n  cluster: prod\n  threshold: 30\n"
			      "plugins:\n  rds:\n    region: eu-west-1\n"
			      "resource_map:\n  \"arn:aws:lambda:eu-west-1:1:function:f\": lua:f.lua\n"
			      "map_max_concurrency: 3\n");
	struct pw_config *c = NULL;
	pw_diag diag;
	ck_assert_int_eq(pw_config_load(path, &c, &diag), 0);
	ck_assert_str_eq(c->plugin_path, "/opt/a:/opt/b");
	ck_assert_str_eq(c->state_dir, "/var/tmp/pw");
	ck_assert_str_eq(c->log_format, "json");
	ck_assert_str_eq(rt_str(c->vars, "cluster"), "prod");
	ck_assert_int_eq(pw_config_set_var(c, "cluster", "staging"), 0);
	ck_assert_str_eq(rt_str(c->vars, "cluster"), "staging");
	json_object *rds = json_object_object_get(json_object_object_get(c->root, "plugins"), "rds");
	ck_assert_str_eq(rt_str(rds, "region"), "eu-west-1");
	ck_assert_int_eq(pw_exec_default_concurrency(), 3);
	pw_config_free(c);
	free(path);
	/* a config without the key restores the default */
	ck_assert_int_eq(pw_config_load(NULL, &c, &diag), 0);
	pw_config_free(c);
	ck_assert_int_eq(pw_exec_default_concurrency(), PW_MAP_DEFAULT_CONCURRENCY);
}
END_TEST

START_TEST(unknown_key_names_file_and_line)
{
	char *path = rt_write(dir, "bad.yaml", "state_dir: /x\nplugin_paht: /y\n");
	struct pw_config *c = NULL;
	pw_diag diag;
	ck_assert_int_eq(pw_config_load(path, &c, &diag), -1);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(diag.line, 2);
	ck_assert_msg(strstr(diag.message, "unknown key 'plugin_paht'"), "%s", diag.message);
	ck_assert_msg(strstr(diag.file, "bad.yaml"), "%s", diag.file);
	free(path);
}
END_TEST

START_TEST(wrong_types_are_refused)
{
	static const char *const bad[] = {
		"log_format: xml\n", "vars: [1, 2]\n", "vars:\n  a: {b: 1}\n",
		"vars:\n  a: {value: x, secret: yes please}\n", "vars:\n  a: {secret: true}\n",
		"vars:\n  a: {value: [1], secret: true}\n",
		"vars:\n  a: {value: x, secret: true, other: 1}\n",
		"plugins:\n  rds: 3\n", "resource_map:\n  x: 1\n", "plugin_path: 3\n",
		"map_max_concurrency: 0\n", "map_max_concurrency: 1025\n",
		"map_max_concurrency: four\n",
		"- just\n- a list\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *path = rt_write(dir, "t.yaml", bad[i]);
		struct pw_config *c = NULL;
		pw_diag diag;
		ck_assert_msg(pw_config_load(path, &c, &diag) == -1, "accepted: %s", bad[i]);
		ck_assert_msg(diag.message[0] != '\0', "no message for %s", bad[i]);
		free(path);
	}
}
END_TEST

static void assert_redacted(const char *secret)
{
	char *r = pw_redact(secret);
	ck_assert_msg(strcmp(r, "***") == 0, "%s not registered as a secret", secret);
	free(r);
}

/* Values marked `secret: true` and vars named like a secret are
 * registered, from the file and from --var; other vars are not. */
START_TEST(secret_vars_are_registered)
{
	pw_secret_clear();
	char *path = rt_write(dir, "s.yaml",
			      "vars:\n"
			      "  api_key: {value: \"k/e\\\\y\\\"1\", secret: true}\n"
			      "  db_password: \"pw/\\\"\\\\2\"\n"
			      "  Slack_TOKEN: 12345678\n"
			      "  cluster: {value: prod-cluster, secret: false}\n"
			      "  password_hint: not-a-secret\n");
	struct pw_config *c = NULL;
	pw_diag diag;
	ck_assert_msg(pw_config_load(path, &c, &diag) == 0, "%s", diag.message);
	ck_assert_str_eq(rt_str(c->vars, "api_key"), "k/e\\y\"1");
	ck_assert_str_eq(rt_str(c->vars, "cluster"), "prod-cluster");
	assert_redacted("k/e\\y\"1");
	assert_redacted("pw/\"\\2");
	assert_redacted("12345678");
	char *r = pw_redact("prod-cluster not-a-secret");
	ck_assert_str_eq(r, "prod-cluster not-a-secret");
	free(r);
	ck_assert_int_eq(pw_config_set_var(c, "target_secret", "from-the-command-line"), 0);
	ck_assert_int_eq(pw_config_set_var(c, "region", "eu-west-1b"), 0);
	assert_redacted("from-the-command-line");
	r = pw_redact("eu-west-1b");
	ck_assert_str_eq(r, "eu-west-1b");
	free(r);
	pw_config_free(c);
	free(path);
	pw_secret_clear();
	ck_assert_int_eq(pw_config_var_name_is_secret("password"), 1);
	ck_assert_int_eq(pw_config_var_name_is_secret("DB_PASSWORD"), 1);
	ck_assert_int_eq(pw_config_var_name_is_secret("_token"), 1);
	ck_assert_int_eq(pw_config_var_name_is_secret("clusters.a.database.Password"), 1);
	ck_assert_int_eq(pw_config_var_name_is_secret("slack-token"), 1);
	ck_assert_int_eq(pw_config_var_name_is_secret("clusters.a.database.secret_id"), 0);
	ck_assert_int_eq(pw_config_var_name_is_secret("token_ttl"), 0);
	ck_assert_int_eq(pw_config_var_name_is_secret("mytoken"), 0);
	ck_assert_int_eq(pw_config_var_name_is_secret("secrets"), 0);
}
END_TEST

/* Issue 8: native code never loads relative to the current directory, and
 * a resource_map target is checked by the plugin name rule. */
START_TEST(relative_plugin_dirs_and_path_resources_are_refused)
{
	static const struct {
		const char *text, *says;
		int line;
	} bad[] = {
		{"plugin_path: /opt/a:plugins\n", "entry 'plugins' is a relative path", 1},
		{"vars: {}\nplugin_path:\n  - /opt/a\n  - ../x\n", "entry '../x' is a relative path", 4},
		{"resource_map:\n  arn:aws:lambda:x:1:function:f: ../../tmp/evil:Act\n",
		 "'../../tmp/evil' is not a plugin name", 2},
		{"resource_map:\n  arn:aws:lambda:x:1:function:f: arn:aws:states:::aws-sdk:/tmp/e:a\n",
		 "'/tmp/e' is not a plugin name", 2},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *path = rt_write(dir, "t.yaml", bad[i].text);
		struct pw_config *c = NULL;
		pw_diag diag;
		ck_assert_msg(pw_config_load(path, &c, &diag) == -1, "accepted: %s", bad[i].text);
		ck_assert_msg(strstr(diag.message, bad[i].says), "%s", diag.message);
		ck_assert_int_eq(diag.line, bad[i].line);
		free(path);
	}
}
END_TEST

START_TEST(syntax_error_has_a_position)
{
	char *path = rt_write(dir, "syn.yaml", "vars:\n  a: [1, 2\n");
	struct pw_config *c = NULL;
	pw_diag diag;
	ck_assert_int_eq(pw_config_load(path, &c, &diag), -1);
	ck_assert_int_gt(diag.line, 0);
	free(path);
}
END_TEST

START_TEST(no_file_is_an_empty_config)
{
	struct pw_config *c = NULL;
	pw_diag diag;
	ck_assert_int_eq(pw_config_load(NULL, &c, &diag), 0);
	ck_assert_ptr_null(c->plugin_path);
	ck_assert_ptr_nonnull(c->vars);
	pw_config_free(c);
	pw_config_free(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, secret_vars_are_registered);
	tcase_add_test(tc, full_config_loads);
	tcase_add_test(tc, unknown_key_names_file_and_line);
	tcase_add_test(tc, wrong_types_are_refused);
	tcase_add_test(tc, relative_plugin_dirs_and_path_resources_are_refused);
	tcase_add_test(tc, syntax_error_has_a_position);
	tcase_add_test(tc, no_file_is_an_empty_config);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

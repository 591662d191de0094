/* check_config - the config file: keys, types, errors with positions. */
#include "../plugins/rt_test.h"
#include "pw_config.h"

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
			      "resource_map:\n  \"arn:aws:lambda:eu-west-1:1:function:f\": lua:f.lua\n");
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
	pw_config_free(c);
	free(path);
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
		"plugins:\n  rds: 3\n", "resource_map:\n  x: 1\n", "plugin_path: 3\n",
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

/*
 * check_loader - issue 8 items 1 and 2: a plugin name is a name, never a
 * path; plugins load only from trusted absolute directories; a malformed
 * descriptor is refused by the loader with a clear error.
 */
#include <sys/stat.h>

#include "../plugins/rt_test.h"
#include "pw_log.h"
#include "pw_registry.h"
#include "pw_resource.h"
#include "pw_trust.h"

static char *tmp;
static char marker[700];
static FILE *log_sink;

static void setup(void)
{
	tmp = rt_tmpdir();
	snprintf(marker, sizeof(marker), "%s/evil-ran", tmp);
	setenv("PW_EVIL_MARKER", marker, 1);
	unsetenv("PREWARM_PLUGIN_PATH");
	log_sink = tmpfile();
	pw_log_set_stream(log_sink);
}

static void teardown(void)
{
	pw_log_set_stream(NULL);
	fclose(log_sink);
	unsetenv("PW_EVIL_MARKER");
	unsetenv("PW_MALFORMED");
	unsetenv("PREWARM_PLUGIN_PATH");
	rt_rmdir(tmp);
}

static int marker_exists(void)
{
	return access(marker, F_OK) == 0;
}

/* dir/sub made with mode, counter.so copied into it (mode 0755). */
static char *plugin_dir(const char *sub, mode_t mode)
{
	char *dir = malloc(900), cmd[2000];
	snprintf(dir, 900, "%s/%s", tmp, sub);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && cp '%s/counter.so' '%s/' && chmod 0755 '%s/counter.so'",
		 dir, PW_TEST_PLUGIN_DIR, dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(chmod(dir, mode), 0);
	return dir;
}

static int open_fails(const char *path, pw_error *err)
{
	pw_registry *r = NULL;
	int rc = pw_registry_open(path, NULL, &r, err);
	pw_registry_close(r);
	return rc != PW_OK;
}

static int call(const char *path, const char *resource, pw_error *err)
{
	pw_registry *r = NULL;
	json_object *res = NULL;
	ck_assert_int_eq(pw_registry_open(path, NULL, &r, err), PW_OK);
	int rc = pw_registry_call(r, resource, NULL, NULL, &res, err);
	json_object_put(res);
	pw_registry_close(r);
	return rc;
}

START_TEST(name_rule)
{
	ck_assert(pw_plugin_name_ok("postgres-warm", 13));
	ck_assert(pw_plugin_name_ok("s3", 2));
	static const char *const bad[] = {"", "..", "../x", "a/b", "Rds", "rds.so", "a b",
					  "a_b", "x\n", "/tmp/evil"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!pw_plugin_name_ok(bad[i], strlen(bad[i])), "%s", bad[i]);
	char longname[PW_PLUGIN_NAME_MAX + 2];
	memset(longname, 'a', sizeof(longname));
	ck_assert(pw_plugin_name_ok(longname, PW_PLUGIN_NAME_MAX));
	ck_assert(!pw_plugin_name_ok(longname, PW_PLUGIN_NAME_MAX + 1));
	ck_assert(pw_action_name_ok("describeDBInstances", 19));
	ck_assert(!pw_action_name_ok("Act.sync", 8));
}
END_TEST

/* Every resource form that names a plugin: the evil constructor never runs. */
START_TEST(a_path_in_a_resource_never_loads_anything)
{
	char abs_evil[1200];
	snprintf(abs_evil, sizeof(abs_evil), "../../../../../../../../../..%s/evil:Act",
		 PW_BAD_PLUGIN_DIR);
	const char *const resources[] = {
		"../../badplugins/.libs/evil:Act",
		abs_evil,
		"arn:aws:states:::aws-sdk:../../badplugins/.libs/evil:act",
		"arn:aws:states:::../../badplugins/.libs/evil:act",
		"./counter:Echo",
		"Counter:Echo",
	};
	for (size_t i = 0; i < sizeof(resources) / sizeof(resources[0]); i++) {
		pw_error err = {{0}, {0}};
		ck_assert_int_eq(call(PW_TEST_PLUGIN_DIR, resources[i], &err), PW_ERR);
		ck_assert_msg(strstr(err.cause, "is not a plugin name"), "%s: %s", resources[i],
			      err.cause);
		ck_assert_msg(!marker_exists(), "evil constructor ran for %s", resources[i]);
	}
	/* check_resource (what `prewarm validate` calls) refuses it too */
	pw_registry *r = NULL;
	pw_error err = {{0}, {0}};
	char why[512];
	ck_assert_int_eq(pw_registry_open(PW_TEST_PLUGIN_DIR, NULL, &r, &err), PW_OK);
	ck_assert_int_eq(pw_registry_check_resource(r, resources[0], ".", NULL, why, sizeof(why)),
			 -1);
	ck_assert_msg(strstr(why, "is not a plugin name"), "%s", why);
	pw_registry_close(r);
	ck_assert(!marker_exists());
}
END_TEST

START_TEST(relative_search_path_entries_are_errors)
{
	pw_error err = {{0}, {0}};
	ck_assert(open_fails("tests/plugins/.libs", &err));
	ck_assert_str_eq(err.name, "Plugin.Refused");
	ck_assert_msg(strstr(err.cause, "'tests/plugins/.libs' is a relative path"), "%s",
		      err.cause);
	char env[1200];
	snprintf(env, sizeof(env), "%s:.:/nonexistent-dir", PW_TEST_PLUGIN_DIR);
	setenv("PREWARM_PLUGIN_PATH", env, 1);
	ck_assert(open_fails(NULL, &err));
	ck_assert_msg(strstr(err.cause, "PREWARM_PLUGIN_PATH: entry '.' is a relative path"), "%s",
		      err.cause);
	/* absolute, missing directories are skipped; empty entries too */
	snprintf(env, sizeof(env), "/nonexistent-dir::%s:", PW_TEST_PLUGIN_DIR);
	setenv("PREWARM_PLUGIN_PATH", env, 1);
	ck_assert_int_eq(call(NULL, "counter:Echo", &err), PW_OK);
}
END_TEST

START_TEST(writable_plugin_dirs_are_refused)
{
	pw_error err = {{0}, {0}};
	char *dir = plugin_dir("ww", 0777);
	ck_assert(open_fails(dir, &err));
	ck_assert_str_eq(err.name, "Plugin.Refused");
	ck_assert_msg(strstr(err.cause, "world-writable"), "%s", err.cause);
	ck_assert_int_eq(chmod(dir, 0775), 0);
	ck_assert(open_fails(dir, &err));
	ck_assert_msg(strstr(err.cause, "group-writable"), "%s", err.cause);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(call(dir, "counter:Echo", &err), PW_OK);
	free(dir);
}
END_TEST

START_TEST(a_writable_so_is_refused)
{
	pw_error err = {{0}, {0}};
	char *dir = plugin_dir("gw", 0755), so[1000];
	snprintf(so, sizeof(so), "%s/counter.so", dir);
	ck_assert_int_eq(chmod(so, 0775), 0);
	ck_assert_int_eq(call(dir, "counter:Echo", &err), PW_ERR);
	ck_assert_str_eq(err.name, "Plugin.Refused");
	ck_assert_msg(strstr(err.cause, "counter.so is group-writable"), "%s", err.cause);
	free(dir);
}
END_TEST

/* Ancestors: a world-writable directory above the plugin directory lets
 * anyone swap it, unless it is sticky (like /tmp) and owned by root or us. */
START_TEST(ancestors_are_checked_sticky_ones_pass)
{
	pw_error err = {{0}, {0}};
	char *dir = plugin_dir("open/plugins", 0755), open_dir[800];
	snprintf(open_dir, sizeof(open_dir), "%s/open", tmp);
	ck_assert_int_eq(chmod(open_dir, 0777), 0);
	ck_assert(open_fails(dir, &err));
	ck_assert_msg(strstr(err.cause, "/open is world-writable"), "%s", err.cause);
	ck_assert_int_eq(chmod(open_dir, 01777), 0);
	ck_assert_int_eq(call(dir, "counter:Echo", &err), PW_OK);
	/* a symlink is judged by what it points to */
	char link[800];
	snprintf(link, sizeof(link), "%s/link", tmp);
	ck_assert_int_eq(symlink(dir, link), 0);
	ck_assert_int_eq(call(link, "counter:Echo", &err), PW_OK);
	ck_assert_int_eq(chmod(open_dir, 0777), 0);
	ck_assert(open_fails(link, &err));
	ck_assert_msg(strstr(err.cause, "/open is world-writable"), "%s", err.cause);
	free(dir);
}
END_TEST

START_TEST(other_owners_are_refused)
{
	if (geteuid() != 0) {
		/* Only root can give a directory to another user. */
		fprintf(stderr, "other_owners_are_refused: not root, not run\n");
		return;
	}
	pw_error err = {{0}, {0}};
	char *dir = plugin_dir("theirs", 0755), so[1000];
	ck_assert_int_eq(chown(dir, 4242, 4242), 0);
	ck_assert(open_fails(dir, &err));
	ck_assert_msg(strstr(err.cause, "owned by uid 4242"), "%s", err.cause);
	ck_assert_int_eq(chown(dir, 0, 0), 0);
	snprintf(so, sizeof(so), "%s/counter.so", dir);
	ck_assert_int_eq(chown(so, 4242, 4242), 0);
	ck_assert_int_eq(call(dir, "counter:Echo", &err), PW_ERR);
	ck_assert_msg(strstr(err.cause, "counter.so is owned by uid 4242"), "%s", err.cause);
	/* a sticky ancestor owned by someone else is no protection */
	char *d2 = plugin_dir("sticky/plugins", 0755), sticky[800];
	snprintf(sticky, sizeof(sticky), "%s/sticky", tmp);
	ck_assert_int_eq(chmod(sticky, 01777), 0);
	ck_assert_int_eq(chown(sticky, 4242, 4242), 0);
	ck_assert(open_fails(d2, &err));
	ck_assert_msg(strstr(err.cause, "/sticky is owned by uid 4242"), "%s", err.cause);
	free(dir);
	free(d2);
}
END_TEST

START_TEST(the_build_tree_plugin_dirs_are_trusted)
{
	char why[4200];
	ck_assert_msg(pw_trust_path(PW_TEST_PLUGIN_DIR, 1, NULL, 0, why, sizeof(why), NULL) == 0,
		      "%s", why);
	ck_assert_msg(pw_trust_path(PW_TEST_PLUGIN_DIR "/counter.so", 0, NULL, 0, why,
				    sizeof(why), NULL) == 0, "%s", why);
	ck_assert_int_eq(pw_trust_path(PW_TEST_PLUGIN_DIR "/counter.so", 1, NULL, 0, why,
				       sizeof(why), NULL), -1);
	ck_assert_int_eq(pw_trust_path("relative", 1, NULL, 0, why, sizeof(why), NULL), -1);
}
END_TEST

/* Item 2: each broken descriptor is refused by name, never crashes. */
START_TEST(malformed_descriptors_are_refused)
{
	static const struct {
		const char *defect, *says;
	} cases[] = {
		{"null-name", "action 1 has a NULL name"},
		{"null-help", "action Act has no summary"},
		{"bad-flags", "unknown flags 0x80"},
		{"duplicate", "two actions are named act"},
		{"no-run", "action Act has no run function"},
		{"path-action", "invalid name '../Act'"},
		{"empty-required", "required list entry 0"},
		{"no-actions", "has no action table"},
		{"null-plugin-name", "plugin name NULL"},
		{"path-plugin-name", "plugin name '../../tmp/x'"},
		{"bad-service", "sdk_services entry 0 ('../rds')"},
		{"null-summary", "has no summary"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setenv("PW_MALFORMED", cases[i].defect, 1);
		pw_error err = {{0}, {0}};
		ck_assert_int_eq(call(PW_BAD_PLUGIN_DIR, "malformed:Act", &err), PW_ERR);
		ck_assert_str_eq(err.name, "Plugin.Refused");
		ck_assert_msg(strstr(err.cause, cases[i].says), "%s: %s", cases[i].defect, err.cause);
	}
	setenv("PW_MALFORMED", "good", 1);
	pw_error err = {{0}, {0}};
	ck_assert_int_eq(call(PW_BAD_PLUGIN_DIR, "malformed:Act", &err), PW_OK);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loader");
	TCase *tc = tcase_create("loader");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, name_rule);
	tcase_add_test(tc, a_path_in_a_resource_never_loads_anything);
	tcase_add_test(tc, relative_search_path_entries_are_errors);
	tcase_add_test(tc, writable_plugin_dirs_are_refused);
	tcase_add_test(tc, a_writable_so_is_refused);
	tcase_add_test(tc, ancestors_are_checked_sticky_ones_pass);
	tcase_add_test(tc, other_owners_are_refused);
	tcase_add_test(tc, the_build_tree_plugin_dirs_are_trusted);
	tcase_add_test(tc, malformed_descriptors_are_refused);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

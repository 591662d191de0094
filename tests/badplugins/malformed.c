/*
 * malformed - one plugin file, many broken descriptors: $PW_MALFORMED
 * picks which one pw_plugin_entry() returns, so a test can show the loader
 * refuses each with a clear error instead of crashing later (a NULL action
 * name made find_action() call strcmp on NULL).
 */
#include <stdlib.h>
#include <string.h>

#include <prewarm/plugin.h>

static int act(void *state, pw_call *call, json_object *params, json_object **result,
	       pw_error *err)
{
	(void)state; (void)call; (void)params; (void)err;
	*result = json_object_new_object();
	return PW_OK;
}

static const char *const bad_services[] = {"../rds", NULL};
static const char *const bad_required[] = {"", NULL};

static const struct pw_action null_name[] = {{"Ok", "fine", 0, act, NULL, NULL},
					     {NULL, "no name", 0, act, NULL, NULL}};
static const struct pw_action null_help[] = {{"Act", NULL, 0, act, NULL, NULL}};
static const struct pw_action bad_flags[] = {{"Act", "flags", 0x80u, act, NULL, NULL}};
static const struct pw_action duplicate[] = {{"Act", "one", 0, act, NULL, NULL},
					     {"act", "two", 0, act, NULL, NULL}};
static const struct pw_action no_run[] = {{"Act", "no run", 0, NULL, NULL, NULL}};
static const struct pw_action path_name[] = {{"../Act", "a path", 0, act, NULL, NULL}};
static const struct pw_action empty_required[] = {{"Act", "req", 0, act, NULL, bad_required}};
static const struct pw_action good[] = {{"Act", "fine", 0, act, NULL, NULL}};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct pw_plugin plugin = {
	PW_PLUGIN_HEADER,
	.name = "malformed",
	.version = "1.0",
	.summary = "broken on purpose",
};

PW_EXPORT const struct pw_plugin *pw_plugin_entry(void)
{
	const char *which = getenv("PW_MALFORMED");
	which = which ? which : "null-name";
	/* the library may stay loaded between tests: start clean each time */
	plugin.name = "malformed";
	plugin.summary = "broken on purpose";
	plugin.sdk_services = NULL;
	plugin.actions = good;
	plugin.n_actions = N(good);
	if (strcmp(which, "null-name") == 0) {
		plugin.actions = null_name;
		plugin.n_actions = N(null_name);
	} else if (strcmp(which, "null-help") == 0) {
		plugin.actions = null_help;
	} else if (strcmp(which, "bad-flags") == 0) {
		plugin.actions = bad_flags;
	} else if (strcmp(which, "duplicate") == 0) {
		plugin.actions = duplicate;
		plugin.n_actions = N(duplicate);
	} else if (strcmp(which, "no-run") == 0) {
		plugin.actions = no_run;
	} else if (strcmp(which, "path-action") == 0) {
		plugin.actions = path_name;
	} else if (strcmp(which, "empty-required") == 0) {
		plugin.actions = empty_required;
	} else if (strcmp(which, "no-actions") == 0) {
		plugin.actions = NULL;
		plugin.n_actions = 3;
	} else if (strcmp(which, "null-plugin-name") == 0) {
		plugin.name = NULL;
	} else if (strcmp(which, "path-plugin-name") == 0) {
		plugin.name = "../../tmp/x";
	} else if (strcmp(which, "bad-service") == 0) {
		plugin.sdk_services = bad_services;
	} else if (strcmp(which, "null-summary") == 0) {
		plugin.summary = NULL;
	}
	return &plugin;
}

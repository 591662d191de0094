/*
 * pw_resource - the one place that says what a Task Resource names and
 * what a plugin name may be. Every entry point that names a plugin (a
 * workflow's Resource, the config's resource_map, Lua's prewarm.call,
 * `prewarm warm`, the plugin descriptors the loader reads) goes through
 * these functions before anything touches the file system.
 */
#ifndef PW_RESOURCE_H
#define PW_RESOURCE_H

#include <stddef.h>

/* A plugin name (and an AWS service name in an aws-sdk ARN) is 1 to
 * PW_PLUGIN_NAME_MAX characters of [a-z0-9-]: a name, never a path. */
#define PW_PLUGIN_NAME_MAX 64
/* An action name is 1 to PW_ACTION_NAME_MAX characters of [A-Za-z0-9_-]. */
#define PW_ACTION_NAME_MAX 127

int pw_plugin_name_ok(const char *s, size_t len);
int pw_action_name_ok(const char *s, size_t len);

enum pw_resource_kind {
	PW_RESOURCE_LUA,       /* lua:PATH */
	PW_RESOURCE_PLUGIN,    /* PLUGIN:Action */
	PW_RESOURCE_AWS_SDK,   /* arn:aws:states:::aws-sdk:SERVICE:action */
	PW_RESOURCE_AWS_OPT,   /* arn:aws:states:::SERVICE:action */
	PW_RESOURCE_OTHER_ARN, /* any other arn: (only through resource_map) */
};

struct pw_resource_ref {
	enum pw_resource_kind kind;
	const char *lua_path;                 /* into the string, for lua: */
	char name[PW_PLUGIN_NAME_MAX + 1];    /* plugin or AWS service */
	char action[PW_ACTION_NAME_MAX + 1];
};

/* Splits and checks `resource`. 0, or -1 with why (one sentence; the
 * caller names the resource). PW_RESOURCE_OTHER_ARN is returned, not refused:
 * the caller decides (the registry maps it through resource_map). */
int pw_resource_parse(const char *resource, struct pw_resource_ref *out, char *why,
		      size_t why_len);

#endif

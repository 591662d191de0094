/* pw_resource - resource strings and the plugin name rule. */
#include "pw_resource.h"

#include <stdio.h>
#include <string.h>

int pw_plugin_name_ok(const char *s, size_t len)
{
	if (s == NULL || len == 0 || len > PW_PLUGIN_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return 1;
}

int pw_action_name_ok(const char *s, size_t len)
{
	if (s == NULL || len == 0 || len > PW_ACTION_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* NAME:action after a prefix; fills out->name and out->action. */
static int split(const char *rest, const char *what,
		 struct pw_resource_ref *out, char *why, size_t why_len)
{
	const char *colon = strchr(rest, ':');
	if (colon == NULL || colon == rest || colon[1] == '\0') {
		snprintf(why, why_len, "expected %s", what);
		return -1;
	}
	size_t nlen = (size_t)(colon - rest);
	const char *action = colon + 1;
	if (!pw_plugin_name_ok(rest, nlen)) {
		snprintf(why, why_len,
			 "'%.*s' is not a plugin name (1 to %d of a-z, 0-9 and '-'; "
			 "plugins load only from the plugin path, never by path)",
			 (int)(nlen > 200 ? 200 : nlen), rest, PW_PLUGIN_NAME_MAX);
		return -1;
	}
	if (out->kind != PW_RESOURCE_PLUGIN &&
	    (strchr(action, '.') != NULL || strchr(action, ':') != NULL)) {
		snprintf(why, why_len,
			 "integration patterns (.sync, .waitForTaskToken) are not supported");
		return -1;
	}
	if (!pw_action_name_ok(action, strlen(action))) {
		snprintf(why, why_len,
			 "'%.200s' is not an action name (1 to %d of A-Z, a-z, 0-9, '_' and '-')",
			 action, PW_ACTION_NAME_MAX);
		return -1;
	}
	memcpy(out->name, rest, nlen);
	out->name[nlen] = '\0';
	snprintf(out->action, sizeof(out->action), "%s", action);
	return 0;
}

int pw_resource_parse(const char *resource, struct pw_resource_ref *out, char *why,
		      size_t why_len)
{
	static const char sdk[] = "arn:aws:states:::aws-sdk:";
	static const char opt[] = "arn:aws:states:::";
	static const char expected[] =
		"PLUGIN:Action, lua:PATH or arn:aws:states:::aws-sdk:SERVICE:action";
	memset(out, 0, sizeof(*out));
	if (strncmp(resource, "lua:", 4) == 0) {
		out->kind = PW_RESOURCE_LUA;
		out->lua_path = resource + 4;
		return 0;
	}
	if (strncmp(resource, sdk, sizeof(sdk) - 1) == 0) {
		out->kind = PW_RESOURCE_AWS_SDK;
		return split(resource + sizeof(sdk) - 1,
			     "arn:aws:states:::aws-sdk:SERVICE:action", out, why, why_len);
	}
	if (strncmp(resource, opt, sizeof(opt) - 1) == 0) {
		out->kind = PW_RESOURCE_AWS_OPT;
		return split(resource + sizeof(opt) - 1,
			     "arn:aws:states:::SERVICE:action", out, why, why_len);
	}
	if (strncmp(resource, "arn:", 4) == 0) {
		out->kind = PW_RESOURCE_OTHER_ARN;
		return 0;
	}
	out->kind = PW_RESOURCE_PLUGIN;
	return split(resource, expected, out, why, why_len);
}

/*
 * lang_fake_resources - a stand-in for the runtime's resource resolver in
 * the language's tests: a few plugin actions, and lua: scripts resolved
 * against the workflow's directory like the runtime does.
 * Owner: engine-language.
 */
#ifndef LANG_FAKE_RESOURCES_H
#define LANG_FAKE_RESOURCES_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const lt_req_instance[] = {"DBInstanceIdentifier", NULL};

static int lt_fake_check(void *ud, const char *resource,
			 const char *workflow_dir, const char *const **required,
			 char *why, size_t why_len)
{
	static const struct {
		const char *resource;
		const char *const *required;
	} known[] = {
		{"rds:DescribeDBInstances", lt_req_instance},
		{"rds:AddStaticMember", lt_req_instance},
		{"postgres-warm:Warm", NULL},
		{"notify:Publish", NULL},
	};
	(void)ud;
	if (strncmp(resource, "lua:", 4) == 0) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", workflow_dir, resource + 4);
		if (access(path, R_OK) == 0)
			return 0;
		snprintf(why, why_len, "no Lua script %s", path);
		return -1;
	}
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
		if (strcmp(known[k].resource, resource) == 0) {
			if (required)
				*required = known[k].required;
			return 0;
		}
	const char *colon = strchr(resource, ':');
	size_t plen = colon ? (size_t)(colon - resource) : strlen(resource);
	static const char *const plugins[] = {"rds", "notify", "postgres-warm"};
	for (size_t k = 0; k < 3; k++)
		if (strlen(plugins[k]) == plen &&
		    strncmp(plugins[k], resource, plen) == 0) {
			snprintf(why, why_len, "plugin '%s' has no action '%s'",
				 plugins[k], colon ? colon + 1 : "");
			return -1;
		}
	snprintf(why, why_len, "no plugin '%.*s' in the plugin path", (int)plen,
		 resource);
	return -1;
}

#endif

/*
 * evil - a shared object that must never be loaded: its constructor runs at
 * dlopen(), before any descriptor check, and writes the file named by
 * $PW_EVIL_MARKER. Tests reach for it with a plugin "name" that is a path
 * ("../../badplugins/.libs/evil") and assert the marker never appears.
 * Built outside tests/plugins so no plugin directory ever holds it.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <prewarm/plugin.h>

__attribute__((constructor)) static void evil_constructor(void)
{
	const char *marker = getenv("PW_EVIL_MARKER");
	if (marker != NULL) {
		int fd = open(marker, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			(void)!write(fd, "pwned\n", 6);
			close(fd);
		}
	}
}

static int act(void *state, pw_call *call, json_object *params, json_object **result,
	       pw_error *err)
{
	(void)state; (void)call; (void)params; (void)err;
	*result = json_object_new_object();
	return PW_OK;
}

static const struct pw_action actions[] = {{"Act", "does harm", 0, act, NULL, NULL}};
static const char *const services[] = {"evil", NULL};

static const struct pw_plugin plugin = {
	PW_PLUGIN_HEADER,
	.name = "evil",
	.version = "1.0",
	.summary = "must never load",
	.sdk_services = services,
	.actions = actions,
	.n_actions = 1,
};

PW_EXPORT const struct pw_plugin *pw_plugin_entry(void)
{
	return &plugin;
}

/* badabi - a test plugin built for a future ABI major: must be refused. */
#include <prewarm/plugin.h>

static int noop(void *state, pw_call *call, json_object *params, json_object **result,
		pw_error *err)
{
	(void)state; (void)call; (void)params; (void)err;
	*result = json_object_new_object();
	return PW_OK;
}

static const struct pw_action actions[] = {{"Noop", "does nothing", 0, noop, NULL, NULL}};

static const struct pw_plugin plugin = {
	.abi_major = PW_PLUGIN_ABI_MAJOR + 98,
	.abi_minor = 0,
	.struct_size = sizeof(struct pw_plugin),
	.name = "badabi",
	.version = "1.0",
	.summary = "built for ABI 99",
	.actions = actions,
	.n_actions = 1,
};

PW_EXPORT const struct pw_plugin *pw_plugin_entry(void)
{
	return &plugin;
}

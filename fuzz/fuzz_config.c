/*
 * fuzz_config - the prewarm config file (--config / prewarm.yaml): loaded
 * from a file the way the CLI loads it and checked (plugin_path, vars,
 * plugins, resource_map, lua settings), then a --var set on top.
 */
#include "fuzz_common.h"
#include "pw_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_scratch_file("prewarm.yaml", data, size);
	if (path == NULL)
		return 0;
	struct pw_config *c = NULL;
	pw_diag diag;
	if (pw_config_load(path, &c, &diag) == 0) {
		pw_config_set_var(c, "cluster", "fuzz-cluster");
		pw_config_free(c);
	}
	return 0;
}

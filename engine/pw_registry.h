/*
 * pw_registry - finding, loading and calling plugins.
 * Search path: the config's plugin_path, else $PREWARM_PLUGIN_PATH
 * (colon-separated), else the compiled-in $(pkglibdir). World-writable
 * directories are refused.
 * Owner: engine-runtime.
 */
#ifndef PW_REGISTRY_H
#define PW_REGISTRY_H

#include <prewarm/plugin.h>

typedef struct pw_registry pw_registry;

/* Options for one call outside a workflow (e.g. `prewarm warm`). */
struct pw_call_opts {
	int dry_run;
	int64_t timeout_ms; /* <= 0: none */
	const char *label;  /* shown in logs, e.g. "warm" */
};

/* search_path NULL: the default described above. config may be NULL (the
 * config file's root; plugins get their `plugins: NAME:` section). */
int pw_registry_open(const char *search_path, json_object *config,
		     pw_registry **out, pw_error *err);
void pw_registry_close(pw_registry *r); /* calls every fini; NULL no-op */

/* Calls resource ("postgres-warm:Warm", "arn:aws:states:::aws-sdk:rds:
 * describeDBInstances") once, with the same dry-run, deadline and
 * redaction handling as a Task. *result is a NEW reference. */
int pw_registry_call(pw_registry *r, const char *resource, json_object *params,
		     const struct pw_call_opts *opts, json_object **result,
		     pw_error *err);

#endif

/*
 * pw_registry - finding, loading and calling plugins.
 * Search path: the config's plugin_path, else $PREWARM_PLUGIN_PATH
 * (colon-separated), else the compiled-in $(pkglibdir). Entries must be
 * absolute; directories and files must pass pw_trust_path (owner root or
 * us, not group/world-writable, ancestors too). Plugin names follow
 * pw_resource.h's rule, checked before any file is touched.
 * Owner: engine-runtime.
 */
#ifndef PW_REGISTRY_H
#define PW_REGISTRY_H

#include <prewarm/plugin.h>

#include "pw_clock.h"

typedef struct pw_registry pw_registry;

/* Options for one call outside a workflow (e.g. `prewarm warm`). */
struct pw_call_opts {
	int dry_run;
	int64_t timeout_ms; /* <= 0: none */
	const char *label;  /* shown in logs, e.g. "warm" */
};

/* search_path NULL: the default described above. config may be NULL (the
 * config file's root; plugins get their `plugins: NAME:` section, and its
 * `resource_map:` maps Lambda ARNs to other resources). The registry takes
 * its own reference to config. *out: pw_registry_close() it. */
int pw_registry_open(const char *search_path, json_object *config,
		     pw_registry **out, pw_error *err);
/* The same; `from` names where a non-NULL search_path came from
 * ("--plugin-path", "prewarm.yaml: plugin_path") in errors. */
int pw_registry_open_from(const char *search_path, const char *from, json_object *config,
			  pw_registry **out, pw_error *err);
void pw_registry_close(pw_registry *r); /* calls every fini; NULL no-op */

/* Calls resource ("postgres-warm:Warm", "arn:aws:states:::aws-sdk:rds:
 * describeDBInstances") once, with the same dry-run, deadline and
 * redaction handling as a Task. *result is a NEW reference. */
int pw_registry_call(pw_registry *r, const char *resource, json_object *params,
		     const struct pw_call_opts *opts, json_object **result,
		     pw_error *err);

/*
 * The host side of one action call (the opaque pw_call of plugin.h).
 * The executor fills one per Task; pw_registry_invoke copies it for the
 * callee and sets plugin/action/sdk_names. All pointers are borrowed.
 */
struct pw_call {
	pw_registry *reg;
	const struct pw_clock *clock; /* NULL: the system clock */
	const char *state;        /* state name for log lines (may be NULL) */
	const char *plugin;       /* set by pw_registry_invoke */
	const char *action;       /* set by pw_registry_invoke */
	const char *workflow_dir; /* base of lua: paths (NULL: cwd) */
	json_object *vars;        /* workflow variables (object or NULL) */
	int dry_run;
	int sdk_names;
	int depth;                /* nested invoke depth (loop guard) */
	int64_t deadline;         /* clock mono ms; INT64_MAX: none */
	int64_t last_progress;    /* rate limit of progress() */
	/* The Map iteration / Parallel branch the call runs in (NULL: the
	 * calling thread's, pw_cancel_current()); once set, is_cancelled()
	 * is true and remaining_ms() 0, also in the plugin's own threads. */
	const struct pw_cancel *cancel;
	/* Called with each progress() line that passed the rate limit
	 * (after it was logged): the executor keeps it in the history. */
	void (*on_progress)(void *ud, const char *msg);
	void *progress_ud;
};

/* Calls `resource` (any form, including lua:) under `call` (borrowed).
 * *result is a NEW reference on PW_OK. */
int pw_registry_invoke(struct pw_call *call, const char *resource,
		       json_object *params, json_object **result,
		       pw_error *err);

/* The pw_resource_check_fn of pw_validate.h with ud = the registry:
 * resolves the resource (loading only the plugin it names), compiles lua:
 * scripts, and hands back the action's required parameter list. */
int pw_registry_check_resource(void *ud, const char *resource,
			       const char *workflow_dir,
			       const char *const **required, char *why,
			       size_t why_len);

/* Nonzero when `resource` resolves to a mutating plugin action. */
int pw_registry_mutates(pw_registry *r, const char *resource);

/* Loads every plugin file on the search path (for `prewarm plugins`);
 * on_refused (may be NULL) hears about each file that was refused. */
void pw_registry_scan(pw_registry *r,
		      void (*on_refused)(const char *path, const pw_error *e,
					 void *ud),
		      void *ud);
size_t pw_registry_count(const pw_registry *r);
/* The i-th loaded plugin's descriptor and file (borrowed). */
const struct pw_plugin *pw_registry_plugin_at(const pw_registry *r, size_t i,
					      const char **path);

/* The host API table handed to plugins (static storage). */
const struct pw_host_api *pw_registry_host_api(void);

#endif

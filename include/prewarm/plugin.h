/*
 * prewarm/plugin.h - the plugin ABI of aurora-prewarm.
 *
 * A plugin is a shared object that exports exactly one symbol:
 *
 *     const struct pw_plugin *pw_plugin_entry(void);
 *
 * The host dlopen()s the file (RTLD_NOW | RTLD_LOCAL), calls the entry,
 * refuses a descriptor whose abi_major differs from PW_PLUGIN_ABI_MAJOR or
 * whose struct_size is smaller than the host knows, and then calls init().
 * Fields are only ever appended to the structs below; nothing is reordered
 * or renumbered, so a plugin built against an older minor version loads.
 *
 * Data crosses the boundary as json-c objects (both sides link the same
 * shared libjson-c, so reference counts and allocation are shared).
 *
 * Ownership rules, for every call in this header:
 *   - json_object parameters are BORROWED: the callee must not put them and
 *     must take its own reference (json_object_get) to keep one.
 *   - json_object ** results are NEW references the callee hands over; the
 *     caller puts them. On failure the callee leaves *result NULL.
 *   - strings passed in are borrowed and valid only during the call.
 *   - the struct pw_error is caller-owned storage; fill it with
 *     pw_error_set() on failure.
 *
 * Errors are data: a name (matched by Retry/Catch ErrorEquals, e.g.
 * "RDS.DBInstanceNotFound", "Postgres.ConnectionFailed", "States.Timeout")
 * and a human-readable cause. Calls return PW_OK or PW_ERR.
 */
#ifndef PREWARM_PLUGIN_H
#define PREWARM_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PW_PLUGIN_ABI_MAJOR 1
#define PW_PLUGIN_ABI_MINOR 2
#define PW_PLUGIN_ENTRY_SYMBOL "pw_plugin_entry"

#define PW_OK 0
#define PW_ERR (-1)

#if defined(__GNUC__)
#define PW_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define PW_EXPORT __attribute__((visibility("default")))
#else
#define PW_PRINTF(fmt, args)
#define PW_EXPORT
#endif

#define PW_ERROR_NAME_MAX 128
#define PW_ERROR_CAUSE_MAX 2048

/* A named error. Caller-owned; plugins fill it with pw_error_set(). */
typedef struct pw_error {
	char name[PW_ERROR_NAME_MAX];
	char cause[PW_ERROR_CAUSE_MAX];
} pw_error;

/* Fills err (if not NULL) with a name and a printf-formatted cause, and
 * returns PW_ERR so a failing path can end with `return pw_error_set(...)`.
 * Long causes are truncated. */
static inline PW_PRINTF(3, 4) int pw_error_set(pw_error *err, const char *name,
					       const char *fmt, ...)
{
	if (err != NULL) {
		va_list ap;
		snprintf(err->name, sizeof(err->name), "%s", name);
		va_start(ap, fmt);
		vsnprintf(err->cause, sizeof(err->cause), fmt, ap);
		va_end(ap);
	}
	return PW_ERR;
}

/* Log levels for pw_host_api.log. */
enum pw_log_level {
	PW_LOG_DEBUG = 0,
	PW_LOG_INFO = 1,
	PW_LOG_WARN = 2,
	PW_LOG_ERROR = 3,
};

/* One action call in progress. Opaque, host-owned, valid only until the
 * action function returns. May be NULL in init()/fini() contexts. */
typedef struct pw_call pw_call;

/*
 * What the host offers a plugin. Passed to init(); valid until fini()
 * returns. Append-only: check struct_size before using a field added after
 * abi_minor 0.
 */
struct pw_host_api {
	uint32_t abi_major;
	uint32_t abi_minor;
	size_t struct_size;

	/* Log a line, prefixed by the host with plugin, action and state name.
	 * Registered secrets are redacted before anything is written. */
	void (*log)(pw_call *call, enum pw_log_level level, const char *fmt, ...)
		PW_PRINTF(3, 4);

	/* Register a secret (password, token, signature, secret key): from now
	 * on the host replaces it with "***" in logs, history and outputs it
	 * prints. The string is copied. Strings shorter than 4 bytes are
	 * ignored (they would redact everything). */
	void (*add_secret)(const char *secret);

	/* Nonzero when this call runs under --dry-run. Only matters for
	 * actions that mutate: the host never calls their run() in a dry run,
	 * but a read-only action may want to know (e.g. to skip a cache). */
	int (*is_dry_run)(pw_call *call);

	/* Milliseconds left before the step's deadline (TimeoutSeconds or the
	 * execution's), or INT64_MAX when there is none. <= 0 means: stop now
	 * and fail with "States.Timeout". 0 as well once the call's Map
	 * iteration or Parallel branch is cancelled (a sibling failed). */
	int64_t (*remaining_ms)(pw_call *call);

	/* Nonzero when the host wants the call to stop (deadline passed, a
	 * signal asked the process to stop, or the call's Map iteration or
	 * Parallel branch was cancelled). Long loops poll it; safe to call
	 * from the plugin's own threads. */
	int (*is_cancelled)(pw_call *call);

	/* Sleep up to ms milliseconds on the host's clock (tests inject a fake
	 * one; a dry run does not wait). Returns PW_OK, or PW_ERR when the
	 * call was cancelled or its deadline passed while waiting. */
	int (*sleep_ms)(pw_call *call, int64_t ms);

	/* Report progress of a long step ("1200/5000 blocks"). Rate-limited
	 * and formatted by the host. */
	void (*progress)(pw_call *call, const char *fmt, ...) PW_PRINTF(2, 3);

	/* Nonzero when the action was reached through an
	 * arn:aws:states:::aws-sdk:SERVICE:action resource: parameters and
	 * results then use Step Functions' aws-sdk member names
	 * (DbInstanceIdentifier instead of DBInstanceIdentifier). */
	int (*sdk_names)(pw_call *call);

	/* Call another action by resource ("rds:DescribeDBInstances"),
	 * honouring dry-run, deadline and redaction like a Task would. */
	int (*invoke)(pw_call *call, const char *resource, json_object *params,
		      json_object **result, pw_error *err);

	/* A workflow variable (config file `vars:` or --var KEY=VALUE), or
	 * NULL. Borrowed; valid during the call. */
	const char *(*var)(pw_call *call, const char *name);

	/* ABI 1.1. A malloc'd copy of text in which every registered secret,
	 * in every spelling (JSON-escaped, URL-encoded, base64...), is "***",
	 * as in the host's own outputs; NULL when out of memory. For what a
	 * plugin sends out of the process itself (a notification's text).
	 * Check PW_HOST_HAS(host, redact) before use. */
	char *(*redact)(const char *text);
};

/* Nonzero when host (a const struct pw_host_api *) is recent enough to
 * have the member named field, and set it. */
#define PW_HOST_HAS(host, field)                                               \
	((host) != NULL &&                                                     \
	 (host)->struct_size >= offsetof(struct pw_host_api, field) +          \
					sizeof((host)->field) &&               \
	 (host)->field != NULL)

/* An action's entry point. params is the step's effective parameters
 * (borrowed, never NULL: {} when absent). On success set *result to a new
 * reference (never NULL: use an empty object) and return PW_OK. */
typedef int (*pw_action_fn)(void *state, pw_call *call, json_object *params,
			    json_object **result, pw_error *err);

/* Action flags. */
#define PW_ACTION_MUTATES 0x1u /* changes something outside the process */
/* ABI 1.2. run (and dry_run) may be called from several threads at once,
 * also while other actions of the plugin run: Map iterations and Parallel
 * branches run concurrently, and the host calls an action without this
 * flag under a per-plugin lock (one such call of the plugin at a time).
 * Set it only when the action keeps no unguarded state between calls
 * (one connection per thread, nothing static that changes). A host older
 * than 1.2 refuses the flag as unknown. */
#define PW_ACTION_THREAD_SAFE 0x2u
#define PW_ACTION_KNOWN_FLAGS (PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE)

struct pw_action {
	/* "DescribeDBInstances": 1-127 of [A-Za-z0-9_-], unique in the
	 * plugin ignoring case. name, summary and run are required; the host
	 * refuses a descriptor that lacks one or sets an unknown flag. */
	const char *name;
	const char *summary; /* one line for `prewarm plugins` */
	unsigned flags;      /* PW_ACTION_* */
	pw_action_fn run;
	/* For a mutating action: returns the result the action would have
	 * returned, without changing anything. NULL: the host returns
	 * {"DryRun": true, "Action": NAME, "Parameters": params}. */
	pw_action_fn dry_run;
	/* NULL-terminated list of required parameter names (NULL for none).
	 * `prewarm validate` checks a Task's Parameters supply each (as KEY
	 * or KEY.$) before anything runs. */
	const char *const *required;
};

struct pw_plugin {
	uint32_t abi_major; /* PW_PLUGIN_ABI_MAJOR the plugin was built with */
	uint32_t abi_minor;
	size_t struct_size; /* sizeof(struct pw_plugin) at build time */

	/* Resource prefix: "rds" in "rds:Describe...". 1-64 of [a-z0-9-]:
	 * a name, never a path. name, version and summary are required. */
	const char *name;
	const char *version;
	const char *summary;
	/* NULL-terminated AWS service names (each 1-64 of [a-z0-9-]) whose
	 * arn:aws:states:::aws-sdk:SERVICE:action and arn:aws:states:::SERVICE:action
	 * resources map to this plugin (e.g. {"rds", NULL}); may be NULL. */
	const char *const *sdk_services;

	/* Called once after loading. config is the config file's
	 * `plugins: NAME:` object (borrowed, may be NULL). *state is passed
	 * to every action and to fini. May be NULL. */
	int (*init)(const struct pw_host_api *host, json_object *config,
		    void **state, pw_error *err);
	/* Called once before unloading; frees state. May be NULL. */
	void (*fini)(void *state);

	const struct pw_action *actions;
	size_t n_actions;
};

/* The one symbol a plugin exports. */
typedef const struct pw_plugin *(*pw_plugin_entry_fn)(void);

/* Fill the version fields of a descriptor:
 *   static const struct pw_plugin desc = { PW_PLUGIN_HEADER, .name = ... }; */
#define PW_PLUGIN_HEADER                                                     \
	.abi_major = PW_PLUGIN_ABI_MAJOR, .abi_minor = PW_PLUGIN_ABI_MINOR,  \
	.struct_size = sizeof(struct pw_plugin)

#ifdef __cplusplus
}
#endif

#endif /* PREWARM_PLUGIN_H */

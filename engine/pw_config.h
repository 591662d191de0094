/*
 * pw_config - the config file (YAML or JSON, loaded through pw_doc):
 *   plugin_path: "/dir1:/dir2"   (or a list of directories)
 *   state_dir: /var/lib/prewarm
 *   log_format: text | json | auto
 *   vars: {KEY: VALUE, ...}       workflow variables ($$.Vars.KEY); a
 *         VALUE may be {value: V, secret: true}: V is registered as a
 *         secret (redacted in every output), as is the value of a var
 *         whose name is password/secret/token or ends in one of them
 *         after "_", "." or "-" (any case), from the file or --var
 *   plugins: {NAME: {...}, ...}   each plugin's init() config
 *   resource_map: {ARN: RESOURCE} Lambda ARNs -> lua: or PLUGIN:Action
 *   lua_timeout_seconds: N       budget of an unbounded lua: step
 *   payload_limit_bytes: N       States.DataLimitExceeded above it (256 KiB)
 *   map_max_concurrency: N       Map items at once without MaxConcurrency (16)
 * Owner: engine-runtime.
 */
#ifndef PW_CONFIG_H
#define PW_CONFIG_H

#include "pw_doc.h"

struct pw_config {
	pw_doc *doc;             /* NULL for the empty default config */
	json_object *root;       /* owned reference; {} when no file */
	char *plugin_path;       /* malloc'd or NULL */
	const char *state_dir;   /* borrowed from root, or NULL */
	const char *log_format;  /* borrowed from root, or NULL */
	json_object *vars;       /* borrowed object (never NULL) */
};

/* path NULL: an empty config. On a bad file returns -1 with *diag naming
 * file, line and field. *out: pw_config_free() it. */
int pw_config_load(const char *path, struct pw_config **out, pw_diag *diag);
void pw_config_free(struct pw_config *c); /* NULL is a no-op */

/* Sets vars[key] = value (a string; --var KEY=VALUE), registered as a
 * secret when the name says so. 0 or -1. */
int pw_config_set_var(struct pw_config *c, const char *key, const char *value);

/* 1 when a var of this name holds a secret: password, secret, token, or a
 * name ending in one of them after "_", "." or "-" (db_password,
 * clusters.x.database.password, slack-token); case-insensitive. */
int pw_config_var_name_is_secret(const char *name);

#endif

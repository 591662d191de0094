/*
 * pgw.h - the warming core (libpgwarm): what the postgres-warm plugin and
 * the test driver tests/unit/pgwarm-cli.c share.
 *
 * The core never calls the engine directly: it talks to its caller through
 * struct pgw_env (logging, secret registration, deadline, cancellation and
 * invoking another action), so it can be driven without the engine.
 *
 * Error names raised here: Postgres.ConnectionFailed, Postgres.AuthFailed,
 * Postgres.TargetIsWriter, Postgres.InvalidParameter, Postgres.QueryFailed,
 * Postgres.ExtensionMissing, Postgres.SnapshotInvalid, States.Timeout.
 */
#ifndef PGW_H
#define PGW_H

#include <stdint.h>
#include <json-c/json.h>
#include <prewarm/plugin.h>

/* How the core reaches its caller. Every callback may be NULL. Callbacks
 * are only ever called from the thread that called the pgw_action_*. */
typedef struct pgw_env {
	void *ud;
	void (*log)(void *ud, enum pw_log_level level, const char *msg);
	void (*add_secret)(void *ud, const char *secret);
	int64_t (*remaining_ms)(void *ud); /* INT64_MAX: no deadline */
	int (*is_cancelled)(void *ud);
	void (*progress)(void *ud, const char *msg);
	int (*invoke)(void *ud, const char *resource, json_object *params,
		      json_object **result, pw_error *err);
} pgw_env;

/* Logs through env (printf-style); never pass a secret. */
void pgw_log(const pgw_env *env, enum pw_log_level level, const char *fmt, ...)
	PW_PRINTF(3, 4);

/*
 * The actions. params is borrowed; on PW_OK *result is a new reference the
 * caller puts; on PW_ERR *result stays NULL and err is filled.
 */
int pgw_action_warm(const pgw_env *env, json_object *params,
		    json_object **result, pw_error *err);
int pgw_action_cache_stats(const pgw_env *env, json_object *params,
			   json_object **result, pw_error *err);
int pgw_action_snapshot_buffers(const pgw_env *env, json_object *params,
				json_object **result, pw_error *err);
int pgw_action_restore_buffers(const pgw_env *env, json_object *params,
			       json_object **result, pw_error *err);
int pgw_action_export_top_queries(const pgw_env *env, json_object *params,
				  json_object **result, pw_error *err);

#endif

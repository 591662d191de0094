/*
 * pgw_plugin.c - the postgres-warm plugin: adapts the host API to the
 * warming core's pgw_env and exports the actions.
 */
#include <stdlib.h>

#include "pgw.h"

struct ctx {
	const struct pw_host_api *host;
	pw_call *call;
};

static void env_log(void *ud, enum pw_log_level level, const char *msg)
{
	struct ctx *c = ud;
	c->host->log(c->call, level, "%s", msg);
}

static void env_add_secret(void *ud, const char *secret)
{
	struct ctx *c = ud;
	c->host->add_secret(secret);
}

static int64_t env_remaining_ms(void *ud)
{
	struct ctx *c = ud;
	return c->host->remaining_ms(c->call);
}

static int env_is_cancelled(void *ud)
{
	struct ctx *c = ud;
	return c->host->is_cancelled(c->call);
}

static void env_progress(void *ud, const char *msg)
{
	struct ctx *c = ud;
	c->host->progress(c->call, "%s", msg);
}

static int env_invoke(void *ud, const char *resource, json_object *params,
		      json_object **result, pw_error *err)
{
	struct ctx *c = ud;
	return c->host->invoke(c->call, resource, params, result, err);
}

typedef int (*core_fn)(const pgw_env *, json_object *, json_object **,
		       pw_error *);

static int dispatch(core_fn fn, void *state, pw_call *call,
		    json_object *params, json_object **result, pw_error *err)
{
	struct ctx c = {.host = state, .call = call};
	pgw_env env = {
		.ud = &c,
		.log = c.host->log != NULL ? env_log : NULL,
		.add_secret = c.host->add_secret != NULL ? env_add_secret : NULL,
		.remaining_ms =
			c.host->remaining_ms != NULL ? env_remaining_ms : NULL,
		.is_cancelled =
			c.host->is_cancelled != NULL ? env_is_cancelled : NULL,
		.progress = c.host->progress != NULL ? env_progress : NULL,
		.invoke = c.host->invoke != NULL ? env_invoke : NULL,
	};
	return fn(&env, params, result, err);
}

#define ACTION_FN(name, core)                                                \
	static int name(void *state, pw_call *call, json_object *params,     \
			json_object **result, pw_error *err)                 \
	{                                                                    \
		return dispatch(core, state, call, params, result, err);     \
	}

ACTION_FN(act_warm, pgw_action_warm)
ACTION_FN(act_cache_stats, pgw_action_cache_stats)
ACTION_FN(act_snapshot, pgw_action_snapshot_buffers)
ACTION_FN(act_restore, pgw_action_restore_buffers)
ACTION_FN(act_export, pgw_action_export_top_queries)

static int plugin_init(const struct pw_host_api *host, json_object *config,
		       void **state, pw_error *err)
{
	(void)config;
	if (host == NULL)
		return pw_error_set(err, "States.Runtime",
				    "postgres-warm: no host API");
	*state = (void *)host;
	return PW_OK;
}

static const char *const req_target[] = {"target", NULL};
static const char *const req_source[] = {"source", NULL};

/* Warming changes a server's cache (what the --dry-run user asks about),
 * and the snapshot/export actions write files: all but CacheStats count as
 * mutating, so a dry run only reports what would be called. */
static const struct pw_action actions[] = {
	{"Warm",
	 "Load a reader's buffer cache (mirror | queries | relations), "
	 "read-only, within a time and shared_buffers budget",
	 PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE, act_warm, NULL, req_target},
	{"CacheStats",
	 "Buffer cache hit ratio, buffers in use and recovery state", PW_ACTION_THREAD_SAFE,
	 act_cache_stats, NULL, req_target},
	{"SnapshotBuffers",
	 "Write a source's hot-block list (pg_buffercache) to a file or S3",
	 PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE, act_snapshot, NULL, req_source},
	{"RestoreBuffers", "Load a SnapshotBuffers file or S3 object on a target",
	 PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE, act_restore, NULL, req_target},
	{"ExportTopQueries",
	 "pg_stat_statements top-N SELECTs to CSV (the pg_cron job's format)",
	 PW_ACTION_MUTATES | PW_ACTION_THREAD_SAFE, act_export, NULL, req_source},
};

static const struct pw_plugin descriptor = {
	PW_PLUGIN_HEADER,
	.name = "postgres-warm",
	.version = "0.1.0",
	.summary = "Warm an Aurora PostgreSQL reader's buffer cache safely",
	.sdk_services = NULL,
	.init = plugin_init,
	.fini = NULL,
	.actions = actions,
	.n_actions = sizeof(actions) / sizeof(actions[0]),
};

PW_EXPORT const struct pw_plugin *pw_plugin_entry(void)
{
	return &descriptor;
}

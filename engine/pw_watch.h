/*
 * pw_watch - `prewarm watch`: the long-running service that turns
 * EventBridge events from an SQS queue into executions (engine/WATCH.md).
 *
 *   pw_watch.c      the `watch:` config section and event classification
 *                   (which workflow, which idempotency key, or why not);
 *   watch_loop.c    the service: receive, one child process per execution,
 *                   visibility extension, delete after the journal says
 *                   finished, poison messages moved aside, SIGTERM, resume;
 *   cli_watch.c     the command line, and the child's `--execute` mode.
 * Owner: watch.
 */
#ifndef PW_WATCH_H
#define PW_WATCH_H

#include <json-c/json.h>
#include <stdio.h>

#include "pw_config.h"
#include "pw_doc.h"

/* What an event asks for. The first PW_WATCH_N_ROUTES kinds start a
 * workflow (watch.workflows.<kind name>). */
enum pw_watch_kind {
	PW_WATCH_INSTANCE_CREATED = 0, /* aurora-replica-prewarm */
	PW_WATCH_FAILOVER = 1,         /* aurora-failover-adjust */
	PW_WATCH_RECONCILE = 2,        /* reconcile (schedule, timer) */
	PW_WATCH_N_ROUTES = 3,
	PW_WATCH_IGNORED = 3,   /* well-formed, not ours: deleted, no execution */
	PW_WATCH_MALFORMED = 4, /* poison: moved aside, then deleted */
};

/* "instance-created", "failover", "reconcile", "ignored", "malformed". */
const char *pw_watch_kind_name(enum pw_watch_kind kind);

struct pw_watch_event {
	enum pw_watch_kind kind;
	json_object *body;    /* the parsed message body (NEW ref) or NULL */
	char key[201];        /* idempotency key: EventBridge id, else MessageId */
	char cluster[64];     /* the cluster the event names (lower case), or "" */
	char instance[64];    /* the instance it names (lower case), or "" */
	char reason[512];     /* why IGNORED or MALFORMED */
};

/*
 * Classifies one SQS message body (len bytes, need not be NUL-terminated).
 * message_id (borrowed) is the key when the body carries no EventBridge id.
 * Never fails: bad input is kind MALFORMED with a reason. Release ev with
 * pw_watch_event_clear().
 */
void pw_watch_classify(const char *body, size_t len, const char *message_id,
		       struct pw_watch_event *ev);
void pw_watch_event_clear(struct pw_watch_event *ev); /* NULL: no-op */

/* The `watch:` section of the config file, with defaults filled in. */
struct pw_watch_config {
	char *queue_url;       /* QueueUrl or QueueName (malloc'd); NULL: RDS polling only */
	char *aside_queue_url; /* poison messages go here; NULL: STATE_DIR/rejected/ */
	char *workflows[PW_WATCH_N_ROUTES]; /* absolute or config-relative paths */
	int visibility_timeout; /* s: set on receive, renewed at half-time */
	int receive_wait;       /* s: long-poll wait while idle (0..20) */
	int max_concurrent;     /* executions at once */
	int max_receives;       /* deliveries before an unfinished one goes aside */
	int reconcile_interval; /* s; 0: no timer */
	int rds_poll_interval;  /* s; 0: no RDS polling (watch_rds.c) */
	json_object *clusters;  /* array of cluster ids (NEW ref) or NULL: all */
	char *metrics_file;     /* Prometheus textfile (watch_metrics.c); NULL: none */
};

/*
 * Reads cfg->root's `watch:` section into *out (zeroed first). Relative
 * workflow paths are taken relative to config_path's directory (cwd when
 * NULL). On a bad value returns -1 with *diag naming file, line and field.
 * Release with pw_watch_config_clear() (also after a failure).
 */
int pw_watch_config_load(const struct pw_config *cfg, const char *config_path,
			 struct pw_watch_config *out, pw_diag *diag);
void pw_watch_config_clear(struct pw_watch_config *c);

/* Runs the service until SIGTERM/SIGINT (watch_loop.c). cli is the set-up
 * command (borrowed); self_argv the options to pass on to each execution's
 * child (`prewarm watch --execute FILE` + these, NULL-terminated, borrowed).
 * Returns the exit code: 0 after a clean stop. */
struct pw_cli;
int pw_watch_serve(struct pw_cli *cli, const struct pw_watch_config *wc,
		   char *const *self_argv);

/* The child's side: runs the execution described by the in-flight record
 * `record` (a JSON file written by the service) with its idempotency key,
 * prints one JSON line on stdout ({"execution", "finished", "status",
 * "error", "cause", "reused", "resumed"}) and returns the exit code
 * (0 finished, 3 not finished, 2 could not start). */
int pw_watch_execute(struct pw_cli *cli, const char *record);

/* RDS polling (watch_rds.c): reports each new instance and each writer
 * change since the last poll (state in STATE_DIR/watch/rds-poll.json) to
 * found(ud, kind, key, input) (input borrowed). clusters (borrowed, NULL:
 * all) limits the writer check. 0, or -1 when the state was not saved. */
#include "pw_registry.h"
typedef void (*pw_watch_found_fn)(void *ud, enum pw_watch_kind kind, const char *key,
				  json_object *input);
int pw_watch_rds_poll(pw_registry *reg, const char *state_dir, json_object *clusters,
		      pw_watch_found_fn found, void *ud);

/* Liveness (watch_health.c). The service calls pw_watch_health_beat()
 * whenever its loop makes progress (why: "receive", "busy", "rds-poll");
 * it rewrites STATE_DIR/watch/health.json. pw_watch_health_check() prints
 * one line to out and returns 0 when that file names a live process and
 * is at most max_age_seconds old, 1 otherwise. */
int pw_watch_health_beat(const char *state_dir, const char *why);
int pw_watch_health_check(const char *state_dir, int max_age_seconds, FILE *out);

/* Prometheus textfile metrics (watch_metrics.c), rewritten atomically
 * (temporary file, rename) for a node exporter's textfile collector. The
 * service reports what happens; pw_watch_metrics_flush() writes the file
 * when something changed. NULL path: every call is a no-op. */
struct pw_watch_metrics;
struct pw_watch_metrics *pw_watch_metrics_new(const char *path, const struct pw_watch_config *wc);
void pw_watch_metrics_free(struct pw_watch_metrics *m);
/* An execution ended: outcome "succeeded", "failed" or "interrupted";
 * output (borrowed, may be NULL) is its result: a warm report in it
 * (Report.seconds, with DBClusterIdentifier) updates the cluster's last
 * warm; a succeeded reconcile stamps the last reconcile. */
void pw_watch_metrics_execution(struct pw_watch_metrics *m, const char *workflow, int is_reconcile,
				const char *outcome, json_object *output);
void pw_watch_metrics_polled(struct pw_watch_metrics *m); /* a receive or RDS poll answered */
/* Writes the file if anything changed (in_flight: messages being worked
 * on; running: executions). 0, or -1 (logged once per failure streak). */
int pw_watch_metrics_flush(struct pw_watch_metrics *m, int in_flight, int running);

/* `prewarm watch` (cli_watch.c), dispatched from main.c. */
int pw_cli_watch(int argc, char **argv);

#endif

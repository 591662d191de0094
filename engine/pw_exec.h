/*
 * pw_exec - the executor: runs one execution of a workflow (Amazon States
 * Language semantics) step by step, with Retry/Catch, TimeoutSeconds,
 * dry-run, the context object, and the durable journal.
 * Owner: engine-runtime.
 */
#ifndef PW_EXEC_H
#define PW_EXEC_H

#include <prewarm/plugin.h>

#include "pw_clock.h"
#include "pw_doc.h"
#include "pw_registry.h"

#define PW_DRY_RUN_MAX_VISITS 3

struct pw_exec_opts {
	pw_registry *registry;        /* borrowed; required for Task states */
	const struct pw_clock *clock; /* NULL: the system clock */
	int dry_run;                  /* --dry-run (also turns the journal off) */
	/* Dry run: the visit of a state past this many ends the run with a
	 * "loop would repeat" plan entry (0: PW_DRY_RUN_MAX_VISITS). */
	int dry_run_max_visits;
	const char *state_dir;        /* NULL: no journal (not resumable) */
	const char *name;             /* Execution.Name; NULL: the id */
	json_object *vars;            /* workflow variables (borrowed, may be NULL) */
	/* Jitter source in [0,1]; NULL: random(). */
	double (*random01)(void *ud);
	void *random_ud;
	/* A keyed run whose key belongs to a running execution: nonzero waits
	 * for it to end (then resumes it if it died); zero fails with
	 * Journal.Busy. */
	int wait_for_running;
};

enum pw_exec_status {
	PW_EXEC_SUCCEEDED = 0,
	PW_EXEC_FAILED = 1,
	PW_EXEC_INTERRUPTED = 2 /* stopped by a signal; resumable */
};

struct pw_exec_result {
	char id[160];               /* execution id */
	enum pw_exec_status status;
	json_object *output;        /* NEW reference when SUCCEEDED */
	pw_error error;             /* when FAILED or INTERRUPTED */
	int reused;                 /* 1: an earlier execution's result (key) */
	int resumed;                /* 1: continued from a journal */
};

/* Puts res->output. NULL is a no-op. */
void pw_exec_result_clear(struct pw_exec_result *res);

/*
 * Runs a new execution of doc (a validated workflow; borrowed) on input
 * (borrowed). Returns PW_OK when the execution ran (res->status says how
 * it ended) or PW_ERR when it could not start (err: journal unavailable).
 */
int pw_exec_run(const pw_doc *doc, json_object *input,
		const struct pw_exec_opts *o, struct pw_exec_result *res,
		pw_error *err);

/*
 * Same with an idempotency key (needs o->state_dir): the first run with
 * key K runs; a later one returns that execution's result (res->reused),
 * waiting for it if it is still running (o->wait_for_running) and
 * resuming it if its process died. This is the API `prewarm watch` uses.
 */
int pw_exec_run_keyed(const pw_doc *doc, json_object *input, const char *key,
		      const struct pw_exec_opts *o, struct pw_exec_result *res,
		      pw_error *err);

/* The workflow file (absolute path) execution id ran, from its journal. */
int pw_exec_workflow_of(const char *state_dir, const char *id, char *path,
			size_t len, pw_error *err);

/*
 * Continues execution id (o->state_dir required) from its last finished
 * state; doc is its workflow (pw_exec_workflow_of). A finished execution
 * just reports its result. A Task that was scheduled but never finished
 * runs again (at-least-once for the step in flight). When the state data
 * to continue from lost a secret to redaction, it continues from an
 * earlier state whose data is whole (the read-only steps in between run
 * again); when that would run a finished mutating Task again, the
 * execution fails with Prewarm.ResumeLostSecret (RUNTIME.md).
 */
int pw_exec_resume(const pw_doc *doc, const char *id,
		   const struct pw_exec_opts *o, struct pw_exec_result *res,
		   pw_error *err);

/* Config `map_max_concurrency` (process-wide, like the Lua budget): how
 * many Map items / Parallel branches run at once when MaxConcurrency is
 * absent or 0. n <= 0 restores PW_MAP_DEFAULT_CONCURRENCY. */
#define PW_MAP_DEFAULT_CONCURRENCY 16
void pw_exec_set_default_concurrency(int n);
int pw_exec_default_concurrency(void);

/* The worker threads one execution's Map and Parallel states may hold at
 * once, nested ones together (process-wide; tests lower it). A fan-out
 * takes what is free up to its width and runs the rest of its items in
 * its own thread. n <= 0 restores PW_EXEC_MAX_THREADS. */
#define PW_EXEC_MAX_THREADS 1024
void pw_exec_set_max_threads(int n);
int pw_exec_max_threads(void);

#endif

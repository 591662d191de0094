/*
 * pw_exec_int - the executor's internals shared by pw_exec.c (states,
 * executions, resume) and pw_exec_map.c (Map and Parallel, run
 * concurrently). Not installed; not an API.
 *
 * One `struct exec` is one execution context: the top level has one, and
 * each Map iteration or Parallel branch runs in its own copy (its own
 * context object, vars, definition and simulated clock), so no JSON
 * object is shared between threads (json-c's reference counts are not
 * atomic). What the copies share lives in `struct exec_shared`, under
 * its lock. Owner: engine-runtime.
 */
#ifndef PW_EXEC_INT_H
#define PW_EXEC_INT_H

#include <pthread.h>
#include <string.h>

#include "pw_exec.h"
#include "pw_pool.h"
#include "pw_journal.h"
#include "pw_jsonata.h"
#include "pw_vars.h"

#define CANCELLED (-2) /* run_machine: stopped by a signal or a sibling, resumable */

/* State every context of one execution shares (held by the top level). */
struct exec_shared {
	pthread_mutex_t lock; /* journal appends, events, replay_used, visits, loop_cut */
	int64_t events;       /* history events so far */
	int loop_cut;         /* dry run: the plan ended at a loop */
	/* Worker threads of all its Map/Parallel states together
	 * (pw_exec_max_threads), nested ones included. */
	struct pw_pool_budget threads;
};

struct exec {
	const struct pw_exec_opts *o;
	const struct pw_clock *clk;
	const pw_doc *doc;
	pw_journal *j;          /* shared: append under sh->lock */
	json_object *ctx;       /* the context object ($$), owned */
	json_object *state_ctx; /* ctx.State, borrowed from ctx */
	char dir[4096];         /* the workflow's directory */
	int64_t deadline;       /* execution deadline (mono ms), INT64_MAX */
	int exiting_work_state; /* the StateExited being written ends a Task/Map/Parallel */
	/* On resume: the TaskSucceeded events of Tasks that finished inside
	 * the unfinished Map/Parallel state, "scope\x1fstate" -> [event, ...]
	 * in order, and how many of each were handed out again (shared). */
	json_object *replay;
	json_object *replay_used;
	/* Dry run: Wait advances sim instead of sleeping; visits counts the
	 * entries of each state ("scope\x1fstate", shared). */
	struct pw_sim_clock sim;
	json_object *visits;
	/* The id of the last history event this context wrote: AWS-style
	 * event ids in runtime error causes ("entered at the event id #N"). */
	int64_t events;
	char id[160];
	struct exec_shared *sh;      /* the top-level context owns it */
	/* Workflow variables: the scope the running state reads and assigns
	 * (an iteration's own while it runs, reading its parent's), and the
	 * Assign of the state being run, evaluated and committed when it
	 * exits. */
	pw_vars *vars;
	json_object *pending;
};

/* What a JSONata field of state `name` sees (pw_jsonata.h): $states.input
 * is raw, $states.context the context object, $name the variables; the
 * execution's deadline interrupts an evaluation. */
static inline void pw_exec_jx_init(struct exec *x, const char *name, json_object *raw,
				   struct pw_jsonata_ctx *j)
{
	memset(j, 0, sizeof(*j));
	j->state = name;
	j->input = raw;
	j->context = x->ctx;
	j->vars = x->vars;
	j->clk = x->clk;
	j->deadline_ms = x->deadline;
}

/* Runs a state machine (the workflow or a branch/item processor) from
 * `start` (NULL: StartAt) on input (borrowed). *out: NEW reference. */
int pw_exec_machine(struct exec *x, json_object *machine, const char *start,
		    const char *scope, json_object *input, json_object **out, pw_error *err);

/* pw_exec_map.c: a Parallel state's branches / a Map state's items, run
 * concurrently (MaxConcurrency), results in order, the first failure
 * cancelling the rest. eff is the state's effective input (borrowed);
 * *result: NEW reference on PW_OK. PW_OK, PW_ERR (err) or CANCELLED. */
int pw_exec_parallel(struct exec *x, const char *name, const char *scope, json_object *state,
		     json_object *eff, json_object **result, pw_error *err);
int pw_exec_map(struct exec *x, const char *name, const char *scope, json_object *state,
		json_object *eff, json_object **result, pw_error *err);

#endif

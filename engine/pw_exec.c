/*
 * pw_exec - runs ASL state machines: Task, Choice, Wait, Pass, Succeed,
 * Fail, Map and Parallel (their items and branches run concurrently, in
 * pw_exec_map.c), with Retry/Catch, TimeoutSeconds, dry-run, the context
 * object and the journal.
 */
#include "pw_exec.h"
#include "pw_exec_int.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "pw_choice.h"
#include "pw_dataflow.h"
#include "pw_journal.h"
#include "pw_jsonata.h"
#include "pw_log.h"
#include "pw_path.h"
#include "pw_retry.h"
#include "pw_secret_scan.h"
#include "pw_vars.h"
#include "pw_wait.h"

#define MAX_RETRIERS 64

/* ---- small helpers ------------------------------------------------ */

static json_object *field(json_object *o, const char *key)
{
	json_object *v = NULL;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *str_field(json_object *o, const char *key)
{
	json_object *v = field(o, key);
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* A path field: absent -> NULL (means "$"), JSON null -> *is_null. */
static const char *path_field(json_object *state, const char *key, int *is_null)
{
	json_object *v;
	*is_null = 0;
	if (!json_object_object_get_ex(state, key, &v))
		return NULL;
	if (v == NULL) {
		*is_null = 1;
		return NULL;
	}
	return json_object_get_string(v);
}

static int64_t now_ms(struct exec *x)
{
	return x->clk->mono_ms(x->clk->ud);
}

static double rand01(struct exec *x)
{
	if (x->o->random01)
		return x->o->random01(x->o->random_ud);
	return (double)random() / (double)RAND_MAX;
}

static json_object *error_object(const pw_error *e)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "Error", json_object_new_string(e->name));
	json_object_object_add(o, "Cause", json_object_new_string(e->cause));
	return o;
}

static void set_wall_time(struct exec *x, json_object *obj, const char *key)
{
	char ts[40];
	pw_clock_format_rfc3339(x->clk->wall_ms(x->clk->ud), ts, sizeof(ts));
	json_object_object_add(obj, key, json_object_new_string(ts));
}

/* Appends one journal event; details is consumed (put). A no-op without
 * a journal. */
static int journal(struct exec *x, const char *type, const char *state, const char *scope,
		   json_object *details, pw_error *err)
{
	pthread_mutex_lock(&x->sh->lock); /* Map iterations append from several threads */
	x->events = ++x->sh->events;
	if (x->j == NULL) {
		pthread_mutex_unlock(&x->sh->lock);
		json_object_put(details);
		return PW_OK;
	}
	if (details == NULL)
		details = json_object_new_object();
	if (scope)
		json_object_object_add(details, "scope", json_object_new_string(scope));
	/* Group commit: events of pure states (StateEntered, and StateExited
	 * of Pass/Choice/Wait/Succeed) are only write()n; every other event
	 * is fsync'd, which also flushes them. So everything before a side
	 * effect (a Task call, a Wait's sleep) is durable before it starts,
	 * and a crash can only lose pure steps, which resume runs again. */
	int lazy = strcmp(type, "StateEntered") == 0 || strcmp(type, "TaskProgress") == 0 ||
		   (strcmp(type, "StateExited") == 0 && !x->exiting_work_state);
	int rc = pw_journal_append_nosync(x->j, type, state, details, err);
	pthread_mutex_unlock(&x->sh->lock);
	/* fsync outside the lock: Map items journaling at once share it
	 * (it flushes every line written before it, theirs too). */
	if (rc == PW_OK && !lazy)
		rc = pw_journal_sync(x->j, err);
	json_object_put(details);
	return rc;
}

/* A Task's progress lines (host->progress, one a second at most) become
 * TaskProgress events: `prewarm history` shows how far a long call got.
 * Written without fsync, like StateEntered; a lost one costs nothing. */
struct task_progress {
	struct exec *x;
	const char *name, *scope;
};

static void task_progress(void *ud, const char *msg)
{
	struct task_progress *tp = ud;
	pw_error err;
	json_object *d = json_object_new_object();
	json_object_object_add(d, "message", json_object_new_string(msg));
	if (journal(tp->x, "TaskProgress", tp->name, tp->scope, d, &err) != PW_OK)
		pw_log(PW_LOG_WARN, "engine", "%s: progress not kept in the history: %s",
		       tp->name, err.cause);
}

/* Builds {k1: v1, k2: v2} taking references of the values. */
static json_object *details2(const char *k1, json_object *v1, const char *k2, json_object *v2)
{
	json_object *d = json_object_new_object();
	if (k1)
		json_object_object_add(d, k1, json_object_get(v1));
	if (k2)
		json_object_object_add(d, k2, json_object_get(v2));
	return d;
}

/* Evaluates obj's Assign (a state, a matched Choice rule or a catcher;
 * none: nothing) on input into x->pending, which run_machine commits when
 * the state exits: every `$name` of the state reads the values before it. */
static int eval_assign(struct exec *x, json_object *obj, json_object *input, const char *where,
		       pw_error *err)
{
	json_object *a = field(obj, "Assign");
	json_object_put(x->pending);
	x->pending = NULL;
	if (a == NULL)
		return PW_OK;
	if (x->vars == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	return pw_vars_eval(x->vars, a, input, x->ctx, where, &x->pending, err);
}

/* A JSONata Assign: every member's value evaluated (with the variables
 * from before this state), into x->pending as eval_assign does. */
static int jx_assign(struct exec *x, const struct pw_jsonata_ctx *j, json_object *obj,
		     const char *where, pw_error *err)
{
	json_object *a = field(obj, "Assign"), *vals = NULL;
	json_object_put(x->pending);
	x->pending = NULL;
	if (a == NULL)
		return PW_OK;
	if (pw_jsonata_value(j, a, where, &vals, err) != PW_OK)
		return PW_ERR;
	int rc = json_object_is_type(vals, json_type_object)
			 ? pw_vars_prepare(vals, where, &x->pending, err)
			 : pw_error_set(err, PW_QUERY_ERROR, "%s must be an object", where);
	json_object_put(vals);
	return rc;
}

static int timed_out(struct exec *x, pw_error *err)
{
	if (x->deadline != INT64_MAX && now_ms(x) >= x->deadline)
		return pw_error_set(err, "States.Timeout",
				    "the execution exceeded its TimeoutSeconds"), 1;
	return 0;
}

/* Sleeps ms on the engine clock, bounded by the execution deadline.
 * 0, CANCELLED, or PW_ERR (States.Timeout). */
static int engine_sleep(struct exec *x, int64_t ms, pw_error *err)
{
	if (ms <= 0)
		return PW_OK;
	int64_t left = x->deadline == INT64_MAX ? INT64_MAX : x->deadline - now_ms(x);
	int cut = ms > left;
	if (cut)
		ms = left > 0 ? left : 0;
	if (ms > 0 && x->clk->sleep_ms(x->clk->ud, ms) != 0)
		return CANCELLED;
	if (cut)
		return pw_error_set(err, "States.Timeout", "the execution exceeded its TimeoutSeconds");
	return PW_OK;
}

/* Parses TimeoutSeconds / TimeoutSecondsPath of a Task into ms (0: none). */
static int task_timeout_ms(struct exec *x, const char *name, json_object *state,
			   json_object *raw, int64_t *ms, pw_error *err)
{
	json_object *v = field(state, "TimeoutSeconds");
	const char *p = str_field(state, "TimeoutSecondsPath");
	*ms = 0;
	if (v != NULL && pw_jsonata_mode(pw_doc_root(x->doc), state)) {
		struct pw_jsonata_ctx j;
		double s;
		pw_exec_jx_init(x, name, raw, &j);
		if (pw_jsonata_number(&j, state, "TimeoutSeconds", 1, 99999999, 1, &s, err) != PW_OK)
			return PW_ERR;
		*ms = (int64_t)s * 1000;
	} else if (p != NULL) {
		if (pw_path_get(p, raw, x->ctx, &v, "States.Runtime", err) != 0)
			return PW_ERR;
		int ok = json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0;
		int64_t s = json_object_get_int64(v);
		json_object_put(v);
		if (!ok)
			return pw_error_set(err, "States.Runtime",
					    "TimeoutSecondsPath %s is not a positive integer", p);
		*ms = s * 1000;
	} else if (v != NULL) {
		*ms = (int64_t)(json_object_get_double(v) * 1000.0);
	}
	return PW_OK;
}

/* ---- state types -------------------------------------------------- */

static int run_machine(struct exec *x, json_object *machine, const char *start,
		       const char *scope, json_object *input, json_object **out, pw_error *err);

/* The context object's State fields for the state being run. */
static void enter_state(struct exec *x, const char *name, int64_t retry)
{
	json_object_object_add(x->state_ctx, "Name", json_object_new_string(name));
	set_wall_time(x, x->state_ctx, "EnteredTime");
	json_object_object_add(x->state_ctx, "RetryCount", json_object_new_int64(retry));
}

/* Resume of a Map/Parallel state: the n-th visit of Task `name` in
 * `scope` gets the n-th output it had before the crash, so a Task that
 * finished never runs again. 1 when *result was set. An output that lost
 * a secret to redaction is not handed out: that (read-only, checked by
 * build_replay) Task runs again and yields the real data. */
static int replay_task(struct exec *x, const char *name, const char *scope,
		       json_object **result)
{
	char key[1024];
	snprintf(key, sizeof(key), "%s\x1f%s", scope, name);
	pthread_mutex_lock(&x->sh->lock); /* shared by the Map's iterations */
	json_object *list = field(x->replay, key);
	int used = json_object_get_int(field(x->replay_used, key));
	if (list == NULL || (size_t)used >= json_object_array_length(list)) {
		pthread_mutex_unlock(&x->sh->lock);
		return 0;
	}
	json_object *ev = json_object_array_get_idx(list, (size_t)used);
	json_object *copy = NULL, *src = field(ev, "output");
	json_object_object_add(x->replay_used, key, json_object_new_int(used + 1));
	int redacted = pw_journal_event_redacted(ev);
	int failed = !redacted && src != NULL && json_object_deep_copy(src, &copy, NULL) != 0;
	pthread_mutex_unlock(&x->sh->lock);
	if (redacted) {
		pw_log(PW_LOG_INFO, "engine",
		       "%s (%s): its journaled output held a secret, running it again", name,
		       scope);
		return 0;
	}
	if (failed)
		return 0;
	pw_log(PW_LOG_INFO, "engine", "%s (%s): finished before the resume, not run again", name,
	       scope);
	*result = copy;
	return 1;
}

static int do_task(struct exec *x, const char *name, const char *scope, json_object *state,
		   json_object *raw, json_object *eff, int attempt, json_object **result,
		   pw_error *err)
{
	const char *resource = str_field(state, "Resource");
	int64_t timeout = 0;
	*result = NULL;
	if (resource == NULL)
		return pw_error_set(err, "States.Runtime", "state %s has no Resource", name);
	if (task_timeout_ms(x, name, state, raw, &timeout, err) != PW_OK)
		return PW_ERR;
	if (x->o->registry == NULL)
		return pw_error_set(err, "States.Runtime", "no plugin registry to run %s", resource);
	if (x->replay != NULL && scope != NULL && replay_task(x, name, scope, result))
		return PW_OK;
	struct pw_call call;
	struct task_progress tp = {x, name, scope};
	memset(&call, 0, sizeof(call));
	call.on_progress = task_progress;
	call.progress_ud = &tp;
	call.reg = x->o->registry;
	call.clock = x->clk;
	call.state = name;
	call.workflow_dir = x->dir;
	call.vars = x->o->vars;
	call.dry_run = x->o->dry_run;
	call.deadline = x->deadline;
	if (timeout > 0 && now_ms(x) + timeout < call.deadline)
		call.deadline = now_ms(x) + timeout;
	{
		json_object *d = details2("resource", NULL, "parameters", eff);
		json_object_object_add(d, "resource", json_object_new_string(resource));
		json_object_object_add(d, "attempt", json_object_new_int(attempt));
		if (journal(x, "TaskScheduled", name, scope, d, err) != PW_OK)
			return PW_ERR;
	}
	pw_log(PW_LOG_INFO, "engine", "%s: calling %s%s", name, resource,
	       attempt > 1 ? " again" : "");
	int rc = pw_registry_invoke(&call, resource, eff, result, err);
	pw_error jerr;
	if (rc != PW_OK && pw_cancel_requested())
		return CANCELLED; /* not a Task failure: resume runs it again */
	if (rc == PW_OK) {
		if (journal(x, "TaskSucceeded", name, scope, details2("output", *result, NULL, NULL),
			    &jerr) != PW_OK) {
			json_object_put(*result);
			*result = NULL;
			*err = jerr;
			return PW_ERR;
		}
	} else {
		json_object *d = json_object_new_object();
		json_object_object_add(d, "error", json_object_new_string(err->name));
		json_object_object_add(d, "cause", json_object_new_string(err->cause));
		if (journal(x, "TaskFailed", name, scope, d, &jerr) != PW_OK)
			*err = jerr;
		pw_log(PW_LOG_WARN, "engine", "%s: %s failed: %s: %s", name, resource, err->name,
		       err->cause);
	}
	return rc;
}

/* A state's output over the payload limit is States.DataLimitExceeded. */
static int work_output_fits(const char *name, json_object *out, pw_error *err)
{
	return pw_payload_check_result(out, name, err);
}

/*
 * Task, Parallel and Map: effective input, the work with Retry, output
 * processing, and Catch. Sets *next (borrowed from state; NULL at End)
 * and *out. Returns PW_OK, PW_ERR (uncaught error in err) or CANCELLED.
 */
static int run_work_state(struct exec *x, const char *name, const char *scope,
			  json_object *state, const char *type, json_object *raw,
			  const char **next, json_object **out, pw_error *err)
{
	json_object *eff = NULL, *result = NULL, *retry = field(state, "Retry");
	int counts[MAX_RETRIERS] = {0};
	int attempt = 1, rc;
	int jx = pw_jsonata_mode(pw_doc_root(x->doc), state);
	struct pw_jsonata_ctx j;
	*out = NULL;
	pw_exec_jx_init(x, name, raw, &j);
	if (jx) {
		/* Map has no Arguments: its Items read $states.input */
		rc = strcmp(type, "Map") == 0 ? (eff = json_object_get(raw), PW_OK)
					      : pw_jsonata_field(&j, state, "Arguments", raw, &eff, err);
	} else if (strcmp(type, "Map") == 0) {
		int is_null;
		const char *ip = path_field(state, "InputPath", &is_null);
		rc = pw_apply_path(ip, is_null, raw, x->ctx, &eff, err);
	} else {
		rc = pw_state_effective_input(state, raw, x->ctx, &eff, err);
	}
	if (rc != 0)
		goto caught;
	for (;;) {
		if (strcmp(type, "Task") == 0)
			rc = do_task(x, name, scope, state, raw, eff, attempt, &result, err);
		else if (strcmp(type, "Parallel") == 0)
			rc = pw_exec_parallel(x, name, scope, state, eff, &result, err);
		else
			rc = pw_exec_map(x, name, scope, state, eff, &result, err);
		if (rc == CANCELLED)
			goto done;
		if (rc == PW_OK) {
			if (pw_payload_check_result(result, name, err) == PW_OK)
				break;
			rc = PW_ERR;
			goto caught; /* terminal: no retry */
		}
		int idx = pw_retry_find(retry, err->name);
		if (idx < 0 || idx >= MAX_RETRIERS)
			goto caught;
		struct pw_retrier r;
		pw_retrier_parse(json_object_array_get_idx(retry, (size_t)idx), &r);
		if (counts[idx] >= r.max_attempts)
			goto caught;
		counts[idx]++;
		int64_t delay = pw_retry_delay_ms(&r, counts[idx], rand01(x));
		pw_log(PW_LOG_INFO, "engine", "%s: retry %d/%d of %s in %lld ms", name, counts[idx],
		       r.max_attempts, err->name, (long long)delay);
		if (!x->o->dry_run) {
			pw_error serr;
			int src = engine_sleep(x, delay, &serr);
			if (src == CANCELLED) {
				rc = CANCELLED;
				goto done;
			}
			if (src != PW_OK) {
				*err = serr;
				rc = PW_ERR;
				goto done; /* execution timeout: not catchable */
			}
		}
		if (pw_cancel_requested()) {
			rc = CANCELLED;
			goto done;
		}
		attempt++;
		json_object_object_add(x->state_ctx, "RetryCount", json_object_new_int(attempt - 1));
	}
	if (jx) { /* Output and Assign read $states.result */
		j.vars = x->vars;
		j.result = result;
		j.has_result = 1;
		rc = pw_jsonata_field(&j, state, "Output", result, out, err);
		if (rc == 0)
			rc = jx_assign(x, &j, state, "Assign", err);
	} else {
		json_object *sel = NULL;
		rc = pw_state_output_sel(state, raw, result, x->ctx, &sel, out, err);
		if (rc == 0)
			rc = eval_assign(x, state, sel, "Assign", err);
		json_object_put(sel);
	}
	if (rc != 0) {
		json_object_put(*out);
		*out = NULL;
		goto caught;
	}
	if (rc == 0 && work_output_fits(name, *out, err) != PW_OK) {
		json_object_put(*out);
		*out = NULL;
		goto caught;
	}
	if (rc == 0) {
		*next = str_field(state, "Next");
		goto done;
	}
caught:
	rc = PW_ERR;
	if (strcmp(err->name, PW_JSONATA_CANCELLED) == 0) {
		rc = CANCELLED; /* resume evaluates again */
		goto done;
	}
	if (strcmp(err->name, "States.Timeout") == 0 && x->deadline != INT64_MAX &&
	    now_ms(x) >= x->deadline)
		goto done; /* the execution's own timeout is final */
	json_object *catchers = field(state, "Catch");
	size_t nc = json_object_is_type(catchers, json_type_array)
			    ? json_object_array_length(catchers) : 0;
	for (size_t i = 0; i < nc; i++) {
		json_object *c = json_object_array_get_idx(catchers, i);
		if (!pw_error_matches(field(c, "ErrorEquals"), err->name))
			continue;
		int is_null;
		const char *rp = path_field(c, "ResultPath", &is_null);
		json_object *eo = error_object(err);
		pw_error perr;
		char where[64];
		snprintf(where, sizeof(where), "Catch[%zu].Assign", i);
		/* The catcher's Assign reads the error output; the state's own
		 * Assign does not apply. */
		if (jx) { /* Output and Assign read $states.errorOutput */
			j.vars = x->vars;
			j.result = NULL;
			j.has_result = 0;
			j.error_output = eo;
			j.has_error_output = 1;
			json_object *ov;
			snprintf(where, sizeof(where), "Catch[%zu].Output", i);
			rc = PW_OK;
			if (json_object_object_get_ex(c, "Output", &ov))
				rc = pw_jsonata_value(&j, ov, where, out, &perr);
			else
				*out = json_object_get(eo);
			snprintf(where, sizeof(where), "Catch[%zu].Assign", i);
			if (rc == 0)
				rc = jx_assign(x, &j, c, where, &perr);
		} else {
			rc = pw_apply_result_path(rp, is_null, raw, eo, out, &perr);
			if (rc == 0)
				rc = eval_assign(x, c, eo, where, &perr);
		}
		json_object_put(eo);
		if (rc != 0) {
			json_object_put(*out);
			*out = NULL;
			*err = perr;
			rc = PW_ERR;
			goto done;
		}
		pw_log(PW_LOG_INFO, "engine", "%s: caught %s, going to %s", name, err->name,
		       str_field(c, "Next"));
		*next = str_field(c, "Next");
		rc = PW_OK;
		goto done;
	}
done:
	json_object_put(eff);
	json_object_put(result);
	return rc;
}

static int wait_for(struct exec *x, const char *name, double wait_s, pw_error *err);

static int run_wait(struct exec *x, const char *name, json_object *state, json_object *eff,
		    pw_error *err)
{
	json_object *v;
	const char *p = NULL;
	double wait_s = 0;
	int rc;
	if ((v = field(state, "Seconds")) != NULL) {
		wait_s = json_object_get_double(v);
	} else if ((p = str_field(state, "SecondsPath")) != NULL) {
		if (pw_path_get(p, eff, x->ctx, &v, "States.Runtime", err) != 0)
			return PW_ERR;
		rc = pw_wait_seconds_check(p, v, err); /* an integer >= 0, as Step Functions */
		wait_s = json_object_get_double(v);
		json_object_put(v);
		if (rc != PW_OK)
			return PW_ERR;
	} else {
		const char *ts = str_field(state, "Timestamp");
		json_object *tv = NULL;
		if (ts == NULL && (p = str_field(state, "TimestampPath")) != NULL) {
			if (pw_path_get(p, eff, x->ctx, &tv, "States.Runtime", err) != 0)
				return PW_ERR;
			ts = json_object_get_string(tv);
		}
		double epoch;
		int bad = ts == NULL || pw_timestamp_parse(ts, &epoch) != 0;
		if (bad)
			pw_error_set(err, "States.Runtime",
				     "The TimestampPath parameter does not reference a valid ISO-8601 "
				     "extended offset date-time format string: %s == %s",
				     p ? p : "Timestamp", ts ? ts : json_object_to_json_string(tv));
		json_object_put(tv);
		if (bad)
			return PW_ERR;
		wait_s = epoch - (double)x->clk->wall_ms(x->clk->ud) / 1000.0;
	}
	return wait_for(x, name, wait_s, err);
}

/* Waits wait_s seconds (dry run: the simulated clock) once what was
 * journaled so far is durable. */
static int wait_for(struct exec *x, const char *name, double wait_s, pw_error *err)
{
	if (wait_s > PW_WAIT_MAX_SECONDS)
		return pw_error_set(err, "States.Runtime", "Wait state delay is too long.");
	if (wait_s <= 0)
		return PW_OK;
	if (x->o->dry_run) /* the simulated clock moves on, nothing sleeps */
		pw_log(PW_LOG_INFO, "dry-run", "%s: would wait %.3f s", name, wait_s);
	if (x->j && pw_journal_sync(x->j, err) != PW_OK)
		return PW_ERR; /* progress so far is durable before a long wait */
	return engine_sleep(x, (int64_t)llround(wait_s * 1000.0), err);
}

/* Fail: Error/Cause, or ErrorPath/CausePath (a path or an intrinsic call,
 * as ASL allows). A path that resolves to nothing is States.Runtime. */
static int run_fail(struct exec *x, json_object *state, json_object *raw, pw_error *err)
{
	const char *error = str_field(state, "Error");
	const char *cause = str_field(state, "Cause");
	json_object *ev = NULL, *cv = NULL;
	const char *p;
	int rc = PW_ERR;
	if ((p = str_field(state, "ErrorPath")) != NULL) {
		if (pw_eval_dynamic_field(p, "ErrorPath", raw, x->ctx, &ev, err) != 0)
			goto out;
		error = json_object_get_string(ev);
	}
	if ((p = str_field(state, "CausePath")) != NULL) {
		if (pw_eval_dynamic_field(p, "CausePath", raw, x->ctx, &cv, err) != 0)
			goto out;
		cause = json_object_get_string(cv);
	}
	/* no Error: no error name, as in Step Functions */
	pw_error_set(err, error ? error : "", "%s", cause ? cause : "");
out:
	json_object_put(ev);
	json_object_put(cv);
	return rc;
}

/* A JSONata Wait: Seconds (a non-negative integer) or Timestamp (RFC
 * 3339), each a literal or an expression. */
static int jx_wait(struct exec *x, const struct pw_jsonata_ctx *j, json_object *state,
		   pw_error *err)
{
	double wait_s = 0, epoch;
	if (field(state, "Seconds") != NULL || !json_object_object_get_ex(state, "Timestamp", NULL)) {
		if (pw_jsonata_number(j, state, "Seconds", 0, 99999999, 1, &wait_s, err) != PW_OK)
			return PW_ERR;
	} else {
		json_object *ts = NULL;
		if (pw_jsonata_field(j, state, "Timestamp", NULL, &ts, err) != PW_OK)
			return PW_ERR;
		if (!json_object_is_type(ts, json_type_string)) {
			pw_jsonata_type_error(field(state, "Timestamp"), "Timestamp", "string", ts,
					      err);
			json_object_put(ts);
			return PW_ERR;
		}
		int bad = pw_timestamp_parse(json_object_get_string(ts), &epoch) != 0;
		if (bad) /* AWS's words */
			pw_error_set(err, PW_QUERY_ERROR,
				     "The Timestamp field cannot be parsed as an ISO-8601 extended "
				     "offset date-time format string: %.200s",
				     json_object_get_string(ts));
		json_object_put(ts);
		if (bad)
			return PW_ERR;
		wait_s = epoch - (double)x->clk->wall_ms(x->clk->ud) / 1000.0;
	}
	return wait_for(x, j->state, wait_s, err);
}

/* A JSONata Choice: the first rule whose Condition is true; *rule gets
 * it (NULL: Default). Returns the next state or NULL (err set). */
static const char *jx_choice(const struct pw_jsonata_ctx *j, json_object *state,
			     json_object **rule, pw_error *err)
{
	json_object *rules = field(state, "Choices");
	size_t n = json_object_is_type(rules, json_type_array) ? json_object_array_length(rules)
							       : 0;
	*rule = NULL;
	for (size_t i = 0; i < n; i++) {
		json_object *r = json_object_array_get_idx(rules, i), *v = NULL, *cond = NULL;
		json_object_object_get_ex(r, "Condition", &cond);
		if (pw_jsonata_value(j, cond, "Condition", &v, err) != PW_OK)
			return NULL;
		int ok = json_object_is_type(v, json_type_boolean), yes = json_object_get_boolean(v);
		if (!ok)
			pw_jsonata_type_error(cond, "Condition", "boolean", v, err);
		json_object_put(v);
		if (!ok)
			return NULL;
		if (yes) {
			*rule = r;
			return str_field(r, "Next");
		}
	}
	const char *def = str_field(state, "Default");
	if (def == NULL)
		pw_error_set(err, "States.NoChoiceMatched",
			     "No Choice Rule matched and there was no Default in state '%s'",
			     j->state);
	return def;
}

/* Fail's Error or Cause in a JSONata state: a string or an expression
 * that yields one. *out NEW (NULL when absent). */
static int jx_fail_field(const struct pw_jsonata_ctx *j, json_object *state, const char *f,
			 json_object **out, pw_error *err)
{
	*out = NULL;
	if (field(state, f) == NULL)
		return PW_OK;
	if (pw_jsonata_field(j, state, f, NULL, out, err) != PW_OK)
		return PW_ERR;
	if (!json_object_is_type(*out, json_type_string)) {
		pw_jsonata_type_error(field(state, f), f, "string", *out, err);
		json_object_put(*out);
		*out = NULL;
		return PW_ERR;
	}
	return PW_OK;
}

/* Pass, Choice, Wait, Succeed and Fail in JSONata mode: no paths; the
 * output is Output (default: the input). */
static int jx_simple_state(struct exec *x, const char *name, json_object *state,
			   const char *type, json_object *raw, const char **next,
			   json_object **out, pw_error *err)
{
	struct pw_jsonata_ctx j;
	json_object *rule = NULL, *oobj = state;
	pw_exec_jx_init(x, name, raw, &j);
	if (strcmp(type, "Fail") == 0) {
		json_object *e = NULL, *c = NULL;
		if (jx_fail_field(&j, state, "Error", &e, err) == PW_OK &&
		    jx_fail_field(&j, state, "Cause", &c, err) == PW_OK)
			pw_error_set(err, e ? json_object_get_string(e) : "", "%s",
				     c ? json_object_get_string(c) : "");
		json_object_put(e);
		json_object_put(c);
		return PW_ERR;
	}
	if (strcmp(type, "Choice") == 0) {
		if ((*next = jx_choice(&j, state, &rule, err)) == NULL)
			return PW_ERR;
		if (rule != NULL && json_object_object_get_ex(rule, "Output", NULL))
			oobj = rule;
	} else if (strcmp(type, "Wait") == 0) {
		int rc = jx_wait(x, &j, state, err);
		if (rc != PW_OK)
			return rc;
		*next = str_field(state, "Next");
	} else if (strcmp(type, "Pass") == 0) {
		*next = str_field(state, "Next");
	} else if (strcmp(type, "Succeed") != 0) {
		return pw_error_set(err, "States.Runtime", "state %s has unknown Type %s", name,
				    type);
	}
	if (pw_jsonata_field(&j, oobj, "Output", raw, out, err) != PW_OK ||
	    (strcmp(type, "Succeed") != 0 &&
	     jx_assign(x, &j, rule ? rule : state, "Assign", err) != PW_OK)) {
		json_object_put(*out);
		*out = NULL;
		*next = NULL;
		return PW_ERR;
	}
	return PW_OK;
}

/* Runs one state. *next NULL means the machine ends with *out. */
static int run_state(struct exec *x, const char *name, const char *scope, json_object *state,
		     json_object *raw, const char **next, json_object **out, pw_error *err)
{
	const char *type = str_field(state, "Type");
	json_object *eff = NULL;
	int is_null, rc = PW_ERR;
	const char *ip, *op;
	*next = NULL;
	*out = NULL;
	if (type == NULL)
		return pw_error_set(err, "States.Runtime", "state %s has no Type", name);
	if (strcmp(type, "Task") == 0 || strcmp(type, "Parallel") == 0 || strcmp(type, "Map") == 0)
		return run_work_state(x, name, scope, state, type, raw, next, out, err);
	if (pw_jsonata_mode(pw_doc_root(x->doc), state))
		return jx_simple_state(x, name, state, type, raw, next, out, err);
	if (strcmp(type, "Pass") == 0) {
		json_object *result = field(state, "Result");
		if (pw_state_effective_input(state, raw, x->ctx, &eff, err) != 0)
			return PW_ERR;
		rc = eval_assign(x, state, result ? result : eff, "Assign", err);
		if (rc == 0)
			rc = pw_state_output(state, raw, result ? result : eff, x->ctx, out, err);
		json_object_put(eff);
		*next = str_field(state, "Next");
		return rc == 0 ? PW_OK : PW_ERR;
	}
	if (strcmp(type, "Fail") == 0)
		return run_fail(x, state, raw, err);
	ip = path_field(state, "InputPath", &is_null);
	if (pw_apply_path(ip, is_null, raw, x->ctx, &eff, err) != 0)
		return PW_ERR;
	if (strcmp(type, "Choice") == 0) {
		json_object *rule = NULL;
		*next = pw_choice_pick(state, eff, x->ctx, &rule, err);
		/* A matched rule's Assign, or the state's when Default is taken */
		if (*next == NULL || eval_assign(x, rule ? rule : state, eff, "Assign", err) != 0) {
			*next = NULL;
			goto out;
		}
	} else if (strcmp(type, "Wait") == 0) {
		if ((rc = run_wait(x, name, state, eff, err)) != PW_OK ||
		    (rc = eval_assign(x, state, eff, "Assign", err)) != PW_OK)
			goto out;
		*next = str_field(state, "Next");
	} else if (strcmp(type, "Succeed") != 0) {
		pw_error_set(err, "States.Runtime", "state %s has unknown Type %s", name, type);
		goto out;
	}
	op = path_field(state, "OutputPath", &is_null);
	rc = pw_apply_path(op, is_null, eff, x->ctx, out, err) == 0 ? PW_OK : PW_ERR;
out:
	json_object_put(eff);
	return rc;
}

/* Dry run: 1 when the plan stops before entering `name`, because it (or
 * a state before it) was entered more than the visit bound: a polling
 * loop would repeat until something outside changes. */
static int dry_run_loop(struct exec *x, const char *scope, const char *name)
{
	char key[1024];
	snprintf(key, sizeof(key), "%s\x1f%s", scope ? scope : "", name);
	int max = x->o->dry_run_max_visits > 0 ? x->o->dry_run_max_visits : PW_DRY_RUN_MAX_VISITS;
	pthread_mutex_lock(&x->sh->lock); /* shared by the Map's iterations */
	int cut = x->sh->loop_cut, seen = 0;
	if (!cut) {
		seen = json_object_get_int(field(x->visits, key)) + 1;
		json_object_object_add(x->visits, key, json_object_new_int(seen));
		if (seen > max)
			x->sh->loop_cut = 1;
	}
	pthread_mutex_unlock(&x->sh->lock);
	if (cut)
		return 1;
	if (seen <= max)
		return 0;
	pw_log(PW_LOG_INFO, "dry-run",
	       "loop would repeat: state %s%s%s visited %d times; the dry run ends here "
	       "(a real run goes on until the loop's exit condition holds)",
	       name, scope ? " in " : "", scope ? scope : "", max);
	return 1;
}

/* A runtime error's cause in Step Functions' words: "An error occurred
 * while executing the state 'S' (entered at the event id #N). ..." (once:
 * a Map/Parallel keeps the cause its inner state gave). */
static void aws_runtime_cause(const char *name, int64_t entered, pw_error *err)
{
	static const char head[] = "An error occurred while executing the state '";
	if ((strcmp(err->name, "States.Runtime") != 0 &&
	     strcmp(err->name, PW_QUERY_ERROR) != 0) ||
	    strncmp(err->cause, head, sizeof(head) - 1) == 0)
		return;
	char prefix[400];
	int n = snprintf(prefix, sizeof(prefix), "%s%.256s' (entered at the event id #%lld). ",
			 head, name, (long long)entered);
	size_t plen = strlen(prefix), clen = strlen(err->cause);
	if (n < 0 || plen + 1 >= sizeof(err->cause))
		return;
	if (plen + clen + 1 > sizeof(err->cause))
		clen = sizeof(err->cause) - plen - 1; /* the cause's tail is cut */
	memmove(err->cause + plen, err->cause, clen);
	memcpy(err->cause, prefix, plen);
	err->cause[plen + clen] = '\0';
}

static int is_work_state(json_object *state)
{
	const char *type = str_field(state, "Type");
	return type != NULL && (strcmp(type, "Task") == 0 || strcmp(type, "Map") == 0 ||
				strcmp(type, "Parallel") == 0);
}

/* Runs a state machine (the workflow or a branch/iterator) from `start`
 * (NULL: StartAt) on input (borrowed). *out: NEW reference on PW_OK. */
static int run_machine(struct exec *x, json_object *machine, const char *start,
		       const char *scope, json_object *input, json_object **out, pw_error *err)
{
	json_object *states = field(machine, "States");
	json_object *cur = json_object_get(input);
	const char *name = start ? start : str_field(machine, "StartAt");
	int rc;
	*out = NULL;
	for (;;) {
		json_object *state = name ? field(states, name) : NULL;
		json_object *output = NULL;
		const char *next = NULL;
		if (state == NULL) {
			rc = pw_error_set(err, "States.Runtime", "no state named '%s'",
					  name ? name : "(StartAt missing)");
			break;
		}
		if (pw_cancel_requested()) {
			rc = CANCELLED;
			break;
		}
		if (timed_out(x, err)) {
			rc = PW_ERR;
			break;
		}
		if (x->o->dry_run && dry_run_loop(x, scope, name)) {
			*out = cur; /* the plan ends here, successfully */
			return PW_OK;
		}
		char what[300];
		snprintf(what, sizeof(what), "the input of state '%s'", name);
		if ((rc = pw_payload_check(cur, what, err)) != PW_OK)
			break;
		enter_state(x, name, 0);
		if ((rc = journal(x, "StateEntered", name, scope,
				  details2("input", cur, NULL, NULL), err)) != PW_OK)
			break;
		int64_t entered = x->events;
		pw_vars_bind(x->vars);
		rc = run_state(x, name, scope, state, cur, &next, &output, err);
		if (rc == PW_ERR && strcmp(err->name, PW_JSONATA_CANCELLED) == 0)
			rc = CANCELLED;
		/* The state's assignments take effect as it exits. */
		json_object *assigned = x->pending, *lost = NULL;
		x->pending = NULL;
		if (rc == PW_OK && assigned != NULL &&
		    (rc = pw_vars_commit(x->vars, assigned, &lost, err)) != PW_OK)
			json_object_put(output);
		if (rc == PW_ERR)
			aws_runtime_cause(name, entered, err);
		if (rc == PW_OK && !is_work_state(state) &&
		    (rc = work_output_fits(name, output, err)) != PW_OK)
			json_object_put(output);
		if (rc != PW_OK) {
			json_object_put(assigned);
			break;
		}
		if (next == NULL && !json_object_get_boolean(field(state, "End")) &&
		    strcmp(str_field(state, "Type"), "Succeed") != 0) {
			json_object_put(output);
			json_object_put(assigned);
			json_object_put(lost);
			rc = pw_error_set(err, "States.Runtime", "state %s has neither Next nor End",
					  name);
			break;
		}
		{
			const char *type = str_field(state, "Type");
			json_object *d = details2("output", output, NULL, NULL);
			json_object_object_add(d, "next", next ? json_object_new_string(next) : NULL);
			if (assigned != NULL && json_object_object_length(assigned) > 0)
				json_object_object_add(d, "assignedVariables", json_object_get(assigned));
			if (lost != NULL) /* which values the journal line will not keep */
				json_object_object_add(d, "variablesRedacted", json_object_get(lost));
			json_object_put(assigned);
			json_object_put(lost);
			x->exiting_work_state = strcmp(type, "Task") == 0 ||
						strcmp(type, "Map") == 0 ||
						strcmp(type, "Parallel") == 0;
			rc = journal(x, "StateExited", name, scope, d, err);
			x->exiting_work_state = 0;
			if (rc != PW_OK) {
				json_object_put(output);
				break;
			}
		}
		json_object_put(cur);
		cur = output;
		if (next == NULL) {
			*out = cur;
			return PW_OK;
		}
		name = next;
	}
	json_object_put(cur);
	return rc;
}

int pw_exec_machine(struct exec *x, json_object *machine, const char *start, const char *scope,
		    json_object *input, json_object **out, pw_error *err)
{
	return run_machine(x, machine, start, scope, input, out, err);
}

/* ---- executions --------------------------------------------------- */

void pw_exec_result_clear(struct pw_exec_result *res)
{
	if (res == NULL)
		return;
	json_object_put(res->output);
	res->output = NULL;
}

static void new_id(char *out, size_t len)
{
	uuid_t u;
	char s[40];
	uuid_generate_random(u);
	uuid_unparse_lower(u, s);
	snprintf(out, len, "%s", s);
}

static void workflow_dir(const pw_doc *doc, char *out, size_t len)
{
	const char *file = pw_doc_file(doc);
	const char *slash = file ? strrchr(file, '/') : NULL;
	if (slash == NULL)
		snprintf(out, len, ".");
	else if (slash == file)
		snprintf(out, len, "/");
	else
		snprintf(out, len, "%.*s", (int)(slash - file), file);
}

static void machine_name(const char *file, char *out, size_t len)
{
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	const char *dot = strrchr(base, '.');
	snprintf(out, len, "%.*s", dot ? (int)(dot - base) : (int)strlen(base), base);
}

static int exec_init(struct exec *x, const pw_doc *doc, const struct pw_exec_opts *o,
		     const char *id, json_object *input, const char *start_time)
{
	char abs[4096], name[300];
	memset(x, 0, sizeof(*x));
	/* Not inside *x: an iteration's context is a copy of its parent's,
	 * made while the other iterations update this. */
	x->sh = calloc(1, sizeof(*x->sh));
	if (x->sh == NULL)
		abort(); /* a few bytes at start: no sane way on */
	pthread_mutex_init(&x->sh->lock, NULL);
	x->sh->threads.limit = (size_t)pw_exec_max_threads();
	x->o = o;
	x->doc = doc;
	x->clk = o->clock ? o->clock : pw_clock_system();
	if (o->dry_run) {
		pw_sim_clock_init(&x->sim, x->clk);
		x->clk = &x->sim.clock;
		x->visits = json_object_new_object();
	}
	x->deadline = INT64_MAX;
	snprintf(x->id, sizeof(x->id), "%s", id);
	workflow_dir(doc, x->dir, sizeof(x->dir));
	const char *file = pw_doc_file(doc) ? pw_doc_file(doc) : "workflow";
	if (realpath(file, abs) == NULL)
		snprintf(abs, sizeof(abs), "%s", file);
	machine_name(abs, name, sizeof(name));
	json_object *root = pw_doc_root(doc);
	/* Before ExecutionStarted journals the input: what a secret-named
	 * variable will take from it is a secret already. */
	pw_secret_scan_assigns(root, input);
	json_object *t = field(root, "TimeoutSeconds");
	if (t != NULL && json_object_get_double(t) > 0)
		x->deadline = now_ms(x) + (int64_t)(json_object_get_double(t) * 1000.0);

	x->ctx = json_object_new_object();
	json_object *e = json_object_new_object();
	json_object_object_add(e, "Id", json_object_new_string(id));
	json_object_object_add(e, "Name", json_object_new_string(o->name ? o->name : id));
	json_object_object_add(e, "Input", json_object_get(input));
	if (start_time)
		json_object_object_add(e, "StartTime", json_object_new_string(start_time));
	else
		set_wall_time(x, e, "StartTime");
	json_object_object_add(x->ctx, "Execution", e);
	json_object *sm = json_object_new_object();
	json_object_object_add(sm, "Id", json_object_new_string(abs));
	json_object_object_add(sm, "Name", json_object_new_string(name));
	json_object_object_add(x->ctx, "StateMachine", sm);
	x->state_ctx = json_object_new_object();
	json_object_object_add(x->ctx, "State", x->state_ctx);
	json_object_object_add(x->ctx, "Vars",
			       o->vars ? json_object_get(o->vars) : json_object_new_object());
	x->vars = pw_vars_new(NULL);
	return x->vars != NULL ? PW_OK : PW_ERR;
}

static void exec_fini(struct exec *x)
{
	json_object_put(x->visits);
	x->visits = NULL;
	json_object_put(x->replay);
	json_object_put(x->replay_used);
	x->replay = x->replay_used = NULL;
	json_object_put(x->ctx);
	pw_journal_close(x->j);
	x->j = NULL;
	json_object_put(x->pending);
	x->pending = NULL;
	pw_vars_free(x->vars);
	x->vars = NULL;
	pthread_mutex_destroy(&x->sh->lock);
	free(x->sh);
	x->sh = NULL;
}

/* Runs from `start` (NULL: StartAt) and records the end in the journal. */
static int exec_finish(struct exec *x, const char *start, json_object *input,
		       struct pw_exec_result *res)
{
	pw_error err = {{0}, {0}};
	json_object *out = NULL;
	snprintf(res->id, sizeof(res->id), "%s", x->id);
	int rc = run_machine(x, pw_doc_root(x->doc), start, NULL, input, &out, &err);
	if (rc == CANCELLED) {
		res->status = PW_EXEC_INTERRUPTED;
		pw_error_set(&res->error, "Prewarm.Interrupted",
			     "stopped by a signal; continue with: prewarm resume %s", x->id);
		return PW_OK;
	}
	pw_error jerr;
	if (rc == PW_OK) {
		if (journal(x, "ExecutionSucceeded", NULL, NULL, details2("output", out, NULL, NULL),
			    &jerr) != PW_OK) {
			json_object_put(out);
			out = NULL;
			err = jerr;
			rc = PW_ERR;
		}
	} else {
		json_object *d = json_object_new_object();
		json_object_object_add(d, "error", json_object_new_string(err.name));
		json_object_object_add(d, "cause", json_object_new_string(err.cause));
		journal(x, "ExecutionFailed", NULL, NULL, d, &jerr);
	}
	if (rc == PW_OK) {
		res->status = PW_EXEC_SUCCEEDED;
		res->output = out;
	} else {
		res->status = PW_EXEC_FAILED;
		res->error = err;
	}
	return PW_OK;
}

static json_object *started_details(struct exec *x, json_object *input)
{
	json_object *d = json_object_new_object();
	json_object *e = field(x->ctx, "Execution");
	json_object_object_add(d, "execution", json_object_new_string(x->id));
	json_object_object_add(d, "name", json_object_get(field(e, "Name")));
	json_object_object_add(d, "workflow",
			       json_object_get(field(field(x->ctx, "StateMachine"), "Id")));
	json_object_object_add(d, "input", json_object_get(input));
	json_object_object_add(d, "startTime", json_object_get(field(e, "StartTime")));
	json_object_object_add(d, "vars", json_object_get(field(x->ctx, "Vars")));
	return d;
}

/* Starts a new execution with a fresh id; keeps the journal open in *x. */
static int exec_start(struct exec *x, const pw_doc *doc, json_object *input,
		      const struct pw_exec_opts *o, pw_error *err)
{
	char id[64];
	new_id(id, sizeof(id));
	exec_init(x, doc, o, id, input, NULL);
	if (o->state_dir != NULL && !o->dry_run) {
		if (pw_journal_create(o->state_dir, id, x->clk, &x->j, err) != PW_OK) {
			exec_fini(x);
			return PW_ERR;
		}
	}
	return PW_OK;
}

int pw_exec_run(const pw_doc *doc, json_object *input, const struct pw_exec_opts *o,
		struct pw_exec_result *res, pw_error *err)
{
	struct exec x;
	memset(res, 0, sizeof(*res));
	if (exec_start(&x, doc, input, o, err) != PW_OK)
		return PW_ERR;
	if (journal(&x, "ExecutionStarted", NULL, NULL, started_details(&x, input), err) != PW_OK) {
		exec_fini(&x);
		return PW_ERR;
	}
	pw_log(PW_LOG_INFO, "engine", "execution %s started%s", x.id,
	       o->dry_run ? " (dry run)" : "");
	int rc = exec_finish(&x, NULL, input, res);
	exec_fini(&x);
	return rc;
}

int pw_exec_workflow_of(const char *state_dir, const char *id, char *path, size_t len,
			pw_error *err)
{
	json_object *events;
	struct pw_journal_summary s;
	if (pw_journal_read(state_dir, id, &events, err) != PW_OK)
		return PW_ERR;
	pw_journal_summarize(events, &s);
	const char *wf = s.started ? str_field(s.started, "workflow") : NULL;
	int rc = PW_OK;
	if (wf == NULL)
		rc = pw_error_set(err, "Journal.Corrupt", "execution %s has no ExecutionStarted event",
				  id);
	else
		snprintf(path, len, "%s", wf);
	json_object_put(events);
	return rc;
}

/* Fills res from a finished execution's last event. */
static void result_from_event(json_object *ev, struct pw_exec_result *res)
{
	if (strcmp(str_field(ev, "type"), "ExecutionSucceeded") == 0) {
		res->status = PW_EXEC_SUCCEEDED;
		res->output = json_object_get(field(ev, "output"));
	} else {
		res->status = PW_EXEC_FAILED;
		pw_error_set(&res->error, str_field(ev, "error") ? str_field(ev, "error") : "States.Runtime",
			     "%s", str_field(ev, "cause") ? str_field(ev, "cause") : "");
	}
}

/* Nonzero when resource may change something outside the process. A
 * lua: step counts as read-only (the registry cannot tell what its
 * prewarm.call()s do); without a registry, assume it mutates. */
static int resource_mutates(struct exec *x, const char *resource)
{
	if (resource == NULL)
		return 1;
	if (x->o->registry == NULL)
		return 1;
	return pw_registry_mutates(x->o->registry, resource);
}

/* The refusal of a resume that would have to run a finished mutating
 * Task again, or go on with "***" where a secret was. */
static int lost_secret(pw_error *err, const char *state, const char *resource,
		       const char *what)
{
	return pw_error_set(err, "Prewarm.ResumeLostSecret",
			    "cannot resume: %s a secret, which the history does not keep "
			    "(redacted), and getting it again means running state %s (%s) again, "
			    "which changes something outside and had already run; start a new "
			    "execution", what, state ? state : "?", resource ? resource : "?");
}

/* Collects the scoped TaskSucceeded events after the last top-level
 * StateExited: the Tasks that finished inside the Map/Parallel state that
 * was running when the process died. A redacted output of a read-only
 * Task is kept as such (replay_task runs it again); of a mutating one it
 * is Prewarm.ResumeLostSecret. */
static int build_replay(struct exec *x, json_object *events, pw_error *err)
{
	size_t n = json_object_array_length(events), from = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *ev = json_object_array_get_idx(events, i);
		const char *type = str_field(ev, "type");
		if (type && strcmp(type, "StateExited") == 0 && field(ev, "scope") == NULL)
			from = i + 1;
	}
	/* scope -> resource of its latest TaskScheduled: items run at once,
	 * but one scope runs one Task at a time. */
	json_object *scheduled = json_object_new_object();
	for (size_t i = from; i < n; i++) {
		json_object *ev = json_object_array_get_idx(events, i);
		const char *type = str_field(ev, "type"), *scope = str_field(ev, "scope");
		const char *state = str_field(ev, "state");
		if (type == NULL || scope == NULL || state == NULL)
			continue;
		if (strcmp(type, "TaskScheduled") == 0)
			json_object_object_add(scheduled, scope,
					       json_object_get(field(ev, "resource")));
		if (strcmp(type, "TaskSucceeded") != 0)
			continue;
		const char *resource = str_field(scheduled, scope);
		if (pw_journal_event_redacted(ev) && resource_mutates(x, resource)) {
			lost_secret(err, state, resource, "its output held");
			json_object_put(scheduled);
			return PW_ERR;
		}
		char key[1024];
		snprintf(key, sizeof(key), "%s\x1f%s", scope, state);
		if (x->replay == NULL) {
			x->replay = json_object_new_object();
			x->replay_used = json_object_new_object();
		}
		json_object *list = field(x->replay, key);
		if (list == NULL) {
			list = json_object_new_array();
			json_object_object_add(x->replay, key, list);
		}
		json_object_array_add(list, json_object_get(ev));
	}
	json_object_put(scheduled);
	return PW_OK;
}

/* Index of the top-level StateExited before events[i] (exclusive), or
 * -1 when there is none. */
static long prev_top_exit(json_object *events, long i)
{
	while (--i >= 0) {
		json_object *ev = json_object_array_get_idx(events, (size_t)i);
		const char *type = str_field(ev, "type");
		if (type && strcmp(type, "StateExited") == 0 && field(ev, "scope") == NULL)
			return i;
	}
	return -1;
}

/*
 * Where a resume continues: after the last top-level StateExited, unless
 * its data lost a secret to redaction. Then it walks back over the states
 * before it to the latest top-level StateExited (or the start) whose data
 * is whole, and those states run again, so read-only steps fetch fresh
 * secrets. Walking back over a mutating Task that finished (succeeded or
 * failed) is refused (Prewarm.ResumeLostSecret), as is an ExecutionStarted that lost
 * a secret. *next: NULL from StartAt; *data: borrowed from events;
 * *last: the StateExited it continues after (NULL: the start).
 */
static int resume_point(struct exec *x, json_object *events, const struct pw_journal_summary *s,
			const char **next, json_object **data, json_object **last, pw_error *err)
{
	long n = (long)json_object_array_length(events), k = -1;
	*next = NULL;
	*data = field(s->started, "input");
	*last = NULL;
	if (pw_journal_event_redacted(s->started))
		return pw_error_set(err, "Prewarm.ResumeLostSecret",
				    "cannot resume: the execution's input or variables held a secret, "
				    "which the history does not keep (redacted); start a new execution");
	for (long i = 0; i < n && s->last_exit != NULL; i++)
		if (json_object_array_get_idx(events, (size_t)i) == s->last_exit)
			k = i;
	while (k >= 0 && (pw_journal_event_redacted(json_object_array_get_idx(events, (size_t)k)) ||
			  pw_vars_lost_at(events, k))) {
		long prev = prev_top_exit(events, k);
		/* scope ("" at the top) -> its latest TaskScheduled's resource */
		json_object *scheduled = json_object_new_object();
		for (long i = prev + 1; i <= k; i++) {
			json_object *ev = json_object_array_get_idx(events, (size_t)i);
			const char *type = str_field(ev, "type");
			const char *scope = str_field(ev, "scope") ? str_field(ev, "scope") : "";
			if (type && strcmp(type, "TaskScheduled") == 0)
				json_object_object_add(scheduled, scope,
						       json_object_get(field(ev, "resource")));
			const char *resource = str_field(scheduled, scope);
			/* A call still in flight when a process died runs
			 * again anyway; one that finished must not. */
			if (type && (strcmp(type, "TaskSucceeded") == 0 ||
				     strcmp(type, "TaskFailed") == 0) &&
			    resource_mutates(x, resource)) {
				lost_secret(err, str_field(ev, "state"), resource,
					    "the state data to continue from held");
				json_object_put(scheduled);
				return PW_ERR;
			}
		}
		json_object_put(scheduled);
		pw_log(PW_LOG_INFO, "engine",
		       "%s: its output or a variable held a secret the history does not keep: "
		       "it runs again",
		       str_field(json_object_array_get_idx(events, (size_t)k), "state"));
		k = prev;
	}
	if (k >= 0) {
		*last = json_object_array_get_idx(events, (size_t)k);
		*next = str_field(*last, "next");
		*data = field(*last, "output");
	}
	return PW_OK;
}

/* keyed (may be NULL): the run_keyed caller's input and key. With it, a
 * journal whose process died before ExecutionStarted is started afresh,
 * and a journal of another workflow is refused. */
struct keyed_run {
	json_object *input;
	const char *key;
};

static int resume_locked(const pw_doc *doc, const char *id, const struct pw_exec_opts *o,
			 int wait, const struct keyed_run *keyed, struct pw_exec_result *res,
			 pw_error *err)
{
	struct exec x;
	pw_journal *j = NULL;
	json_object *events = NULL;
	struct pw_journal_summary s;
	int rc = PW_ERR;
	memset(res, 0, sizeof(*res));
	snprintf(res->id, sizeof(res->id), "%s", id);
	/* Lock first, then read: no other process can append meanwhile. */
	if (pw_journal_reopen(o->state_dir, id, o->clock, wait, &j, err) != PW_OK)
		return PW_ERR;
	if (pw_journal_read(o->state_dir, id, &events, err) != PW_OK)
		goto out;
	pw_journal_summarize(events, &s);
	if (s.started == NULL && keyed != NULL) {
		/* Its process died between binding the key and journaling
		 * ExecutionStarted: nothing ran, so start it now. */
		exec_init(&x, doc, o, id, keyed->input, NULL);
		x.j = j;
		j = NULL;
		json_object *d = started_details(&x, keyed->input);
		json_object_object_add(d, "key", json_object_new_string(keyed->key));
		if (journal(&x, "ExecutionStarted", NULL, NULL, d, err) == PW_OK)
			rc = exec_finish(&x, NULL, keyed->input, res);
		exec_fini(&x);
		goto out;
	}
	if (s.started == NULL) {
		pw_error_set(err, "Journal.Corrupt", "execution %s has no ExecutionStarted event", id);
		goto out;
	}
	char mine[4096];
	const char *theirs = str_field(s.started, "workflow");
	if (keyed != NULL && theirs != NULL && realpath(pw_doc_file(doc), mine) != NULL &&
	    strcmp(theirs, mine) != 0) {
		pw_error_set(err, "States.Runtime",
			     "key '%s' belongs to execution %s of another workflow (%s)", keyed->key,
			     id, theirs);
		goto out;
	}
	if (s.finished != NULL) {
		result_from_event(s.finished, res);
		rc = PW_OK;
		goto out;
	}
	struct pw_exec_opts ro = *o;
	ro.vars = field(s.started, "vars");
	ro.name = str_field(s.started, "name");
	ro.dry_run = 0;
	json_object *input = field(s.started, "input");
	exec_init(&x, doc, &ro, id, input, str_field(s.started, "startTime"));
	x.events = x.sh->events = (int64_t)json_object_array_length(events);
	x.j = j;
	j = NULL;
	res->resumed = 1;
	const char *next = NULL;
	json_object *from = input, *last = NULL;
	pw_error lost = {{0}, {0}};
	if (resume_point(&x, events, &s, &next, &from, &last, &lost) != PW_OK ||
	    build_replay(&x, events, &lost) != PW_OK) {
		/* Final: the same history would be refused again. */
		pw_log(PW_LOG_ERROR, "engine", "execution %s: %s", id, lost.cause);
		json_object *d = json_object_new_object();
		json_object_object_add(d, "error", json_object_new_string(lost.name));
		json_object_object_add(d, "cause", json_object_new_string(lost.cause));
		rc = journal(&x, "ExecutionFailed", NULL, NULL, d, err);
		res->status = PW_EXEC_FAILED;
		res->error = lost;
		exec_fini(&x);
		goto out;
	}
	pw_log(PW_LOG_INFO, "engine", "execution %s resumed at %s", id,
	       next ? next : last ? "its end" : "the start");
	json_object *d = json_object_new_object();
	json_object_object_add(d, "next", next ? json_object_new_string(next) : NULL);
	if (pw_vars_resume(x.vars, events, last, d, err) != PW_OK) {
		json_object_put(d);
		exec_fini(&x);
		goto out;
	}
	if (journal(&x, "ExecutionResumed", NULL, NULL, d, err) != PW_OK) {
		exec_fini(&x);
		goto out;
	}
	if (last != NULL && next == NULL) {
		/* Died between the last StateExited and ExecutionSucceeded. */
		pw_error jerr;
		res->status = PW_EXEC_SUCCEEDED;
		res->output = json_object_get(from);
		journal(&x, "ExecutionSucceeded", NULL, NULL, details2("output", from, NULL, NULL),
			&jerr);
		rc = PW_OK;
	} else {
		rc = exec_finish(&x, next, from, res);
	}
	exec_fini(&x);
out:
	pw_journal_close(j);
	json_object_put(events);
	return rc;
}

int pw_exec_resume(const pw_doc *doc, const char *id, const struct pw_exec_opts *o,
		   struct pw_exec_result *res, pw_error *err)
{
	if (o->state_dir == NULL)
		return pw_error_set(err, "States.Runtime", "resume needs a state directory");
	return resume_locked(doc, id, o, 0, NULL, res, err);
}

int pw_exec_run_keyed(const pw_doc *doc, json_object *input, const char *key,
		      const struct pw_exec_opts *o, struct pw_exec_result *res, pw_error *err)
{
	struct exec x;
	char existing[200];
	memset(res, 0, sizeof(*res));
	if (key == NULL || o->dry_run)
		return pw_exec_run(doc, input, o, res, err);
	if (o->state_dir == NULL)
		return pw_error_set(err, "States.Runtime", "an idempotency key needs a state directory");
	/* Create (and lock) the journal before binding the key, so whoever
	 * finds the key also finds a locked or finished journal. */
	if (exec_start(&x, doc, input, o, err) != PW_OK)
		return PW_ERR;
	int claimed = pw_journal_key_claim(o->state_dir, key, x.id, existing, sizeof(existing), err);
	if (claimed == PW_ERR) {
		pw_journal_discard(x.j);
		x.j = NULL;
		exec_fini(&x);
		return PW_ERR;
	}
	if (claimed == 1) {
		pw_journal_discard(x.j);
		x.j = NULL;
		exec_fini(&x);
		pw_log(PW_LOG_INFO, "engine", "key %s already ran as execution %s%s", key, existing,
		       pw_journal_is_running(o->state_dir, existing) ? " (still running: waiting)" : "");
		struct keyed_run kr = {input, key};
		int rc = resume_locked(doc, existing, o, o->wait_for_running, &kr, res, err);
		res->reused = 1;
		return rc;
	}
	json_object *d = started_details(&x, input);
	json_object_object_add(d, "key", json_object_new_string(key));
	if (journal(&x, "ExecutionStarted", NULL, NULL, d, err) != PW_OK) {
		exec_fini(&x);
		return PW_ERR;
	}
	pw_log(PW_LOG_INFO, "engine", "execution %s started (key %s)", x.id, key);
	int rc = exec_finish(&x, NULL, input, res);
	exec_fini(&x);
	return rc;
}

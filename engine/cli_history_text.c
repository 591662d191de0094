/* cli_history_text - `prewarm history ID --format text`: the journal as a
 * timeline people read, one row per state visited (nested ones indented
 * with their scope): when it began after the start, how long it took,
 * the size of its result, and its error. Read from the journal alone. */
#include "pw_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_clock.h"
#include "pw_history.h"
#include "pw_out.h"

struct visit {
	const char *state, *scope; /* borrowed from the events */
	double entered, exited;    /* epoch s; exited < 0: still open */
	long long result_bytes;    /* -1: none */
	int attempts;
	const char *error;         /* the last error seen in this visit */
	int resumed_before;        /* an ExecutionResumed came just before it */
	int killed;                /* never exited: the process died in it */
	int task_ok;               /* a TaskSucceeded: errors before it were retried */
	const char *next;          /* where it went (a Catch's target after an error) */
};

static const char *str_field(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static int same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* The latest open visit of state in scope, or NULL. */
static struct visit *open_visit(struct visit *v, size_t n, const char *state, const char *scope)
{
	for (size_t i = n; i-- > 0;)
		if (v[i].exited < 0 && same(v[i].state, state) && same(v[i].scope, scope))
			return &v[i];
	return NULL;
}

static long long json_size(json_object *ev, const char *field)
{
	json_object *v;
	if (!json_object_object_get_ex(ev, field, &v))
		return -1;
	size_t len = 0;
	json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN, &len);
	return (long long)len;
}

static void size_text(long long b, char *buf, size_t len)
{
	if (b < 0)
		snprintf(buf, len, "-");
	else if (b < 10000)
		snprintf(buf, len, "%lld B", b);
	else if (b < 10000000)
		snprintf(buf, len, "%.1f KiB", (double)b / 1024);
	else
		snprintf(buf, len, "%.1f MiB", (double)b / 1048576);
}

/* One row, without trailing blanks. */
static void print_row(const char *at, const char *state, const char *dur, const char *size,
		      const char *err)
{
	char line[1200];
	snprintf(line, sizeof(line), "  %-10s %-36s %10s %10s  %s", at, state, dur, size, err);
	size_t n = strlen(line);
	while (n > 0 && line[n - 1] == ' ')
		line[--n] = '\0';
	pw_out_printf(stdout, "%s\n", line);
}

static void print_visit(const struct visit *v, double start, double last, int status)
{
	char off[32], dur[32], size[32], name[400], err[300] = "";
	if (v->entered >= 0 && start >= 0)
		snprintf(off, sizeof(off), "+%.3fs", v->entered - start);
	else
		snprintf(off, sizeof(off), "?");
	int ended = status == PW_HISTORY_SUCCEEDED || status == PW_HISTORY_FAILED;
	if (v->killed || (v->exited < 0 && status == PW_HISTORY_INTERRUPTED))
		snprintf(dur, sizeof(dur), "?"); /* the process died in it: unknown */
	else if (v->exited >= 0 && v->entered >= 0)
		pw_history_format_duration(v->exited - v->entered, dur, sizeof(dur));
	else if (v->entered >= 0 && last >= v->entered) {
		pw_history_format_duration(last - v->entered, dur, sizeof(dur) - 1);
		if (!ended)
			strcat(dur, "+"); /* still open: so far */
	} else
		snprintf(dur, sizeof(dur), "-");
	size_text(v->result_bytes, size, sizeof(size));
	if (v->scope)
		snprintf(name, sizeof(name), "  %s %s", v->scope, v->state ? v->state : "?");
	else
		snprintf(name, sizeof(name), "%s", v->state ? v->state : "?");
	if (v->killed)
		snprintf(err, sizeof(err), "%s", v->error);
	else if (v->error && v->exited >= 0 && v->task_ok)
		snprintf(err, sizeof(err), "%s, retried: succeeded on attempt %d", v->error, v->attempts);
	else if (v->error && v->exited >= 0)
		snprintf(err, sizeof(err), "%s, caught: went to %s", v->error, v->next ? v->next : "the end");
	else if (v->exited < 0 && status == PW_HISTORY_INTERRUPTED && v->error == NULL)
		snprintf(err, sizeof(err), "(interrupted here)");
	else if (v->error)
		snprintf(err, sizeof(err), "%s%s", v->error, v->attempts > 1 ? " (after retries)" : "");
	else if (v->attempts > 1)
		snprintf(err, sizeof(err), "(%d attempts)", v->attempts);
	if (v->resumed_before)
		pw_out_printf(stdout, "  -- resumed --\n");
	print_row(off, name, dur, size, err);
}

int pw_cli_history_text(const char *state_dir, const char *id, json_object *events)
{
	struct pw_history_summary s;
	char wf[128], started[40] = "?", dur[32];
	size_t n = json_object_array_length(events), n_visits = 0;
	struct visit *visits = calloc(n ? n : 1, sizeof(*visits));
	if (visits == NULL)
		return PW_EXIT_FAILED;
	pw_history_summarize(state_dir, id, events, &s);
	if (s.status == PW_HISTORY_RUNNING) /* durations so far: up to now */
		s.last = (double)pw_clock_system()->wall_ms(NULL) / 1000.0;
	pw_history_workflow_name(s.workflow, wf, sizeof(wf));
	int resumed = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *ev = json_object_array_get_idx(events, i), *a;
		const char *type = str_field(ev, "type"), *state = str_field(ev, "state");
		const char *scope = str_field(ev, "scope");
		double t = pw_history_event_time(ev);
		struct visit *v = state ? open_visit(visits, n_visits, state, scope) : NULL;
		if (type == NULL)
			continue;
		if (strcmp(type, "ExecutionResumed") == 0) {
			resumed = 1;
		} else if (strcmp(type, "StateEntered") == 0) {
			/* A resume enters its state again: the killed visit ends there. */
			if (v != NULL)
				v->killed = 1, v->exited = v->entered;
			v = &visits[n_visits++];
			v->state = state;
			v->scope = scope;
			v->entered = t;
			v->exited = -1;
			v->result_bytes = -1;
			v->resumed_before = resumed;
			resumed = 0;
		} else if (v == NULL) {
			continue;
		} else if (strcmp(type, "TaskScheduled") == 0) {
			if (json_object_object_get_ex(ev, "attempt", &a))
				v->attempts = json_object_get_int(a);
			else
				v->attempts++;
		} else if (strcmp(type, "TaskSucceeded") == 0) {
			v->result_bytes = json_size(ev, "output");
			v->task_ok = 1;
		} else if (strcmp(type, "TaskFailed") == 0) {
			v->error = str_field(ev, "error");
		} else if (strcmp(type, "StateExited") == 0) {
			v->exited = t >= 0 ? t : v->entered;
			v->next = str_field(ev, "next");
			if (v->result_bytes < 0)
				v->result_bytes = json_size(ev, "output");
		}
	}
	if (s.started >= 0)
		pw_clock_format_rfc3339((int64_t)(s.started * 1000), started, sizeof(started));
	pw_out_printf(stdout, "execution %s  workflow %s  started %s%s%s\n", id, wf, started,
		      s.key ? "  key " : "", s.key ? s.key : "");
	print_row("AT", "STATE", "DURATION", "RESULT", "ERROR");
	for (size_t i = 0; i < n_visits; i++) {
		struct visit *v = &visits[i];
		if (v->killed && v->error == NULL)
			v->error = "(interrupted: the process died here)";
		if (v->exited < 0 && v->error == NULL && s.status == PW_HISTORY_FAILED &&
		    v->scope == NULL && same(v->state, s.state))
			v->error = s.error;
		print_visit(v, s.started, s.last, s.status);
	}
	pw_history_format_duration(s.started >= 0 && s.last >= s.started ? s.last - s.started : -1, dur,
				   sizeof(dur));
	switch (s.status) {
	case PW_HISTORY_SUCCEEDED:
		pw_out_printf(stdout, "SUCCEEDED after %s\n", dur);
		break;
	case PW_HISTORY_FAILED:
		pw_out_printf(stdout, "FAILED after %s in %s: %s: %s\n", dur, s.state ? s.state : "?",
			      s.error ? s.error : "?", s.cause ? s.cause : "");
		break;
	case PW_HISTORY_RUNNING:
		pw_out_printf(stdout, "RUNNING for %s so far, in %s\n", dur, s.state ? s.state : "?");
		break;
	default:
		pw_out_printf(stdout, "INTERRUPTED after %s in %s (no process holds it: prewarm resume %s)\n",
			      dur, s.state ? s.state : "?", id);
	}
	free(visits);
	return PW_EXIT_OK;
}

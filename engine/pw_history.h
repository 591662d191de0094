/*
 * pw_history - what operators read from journals: the list of executions
 * in a state directory and one execution's summary (status, failing or
 * current state, error, the states it went through). Reads journals only
 * through pw_journal's reading API; fields it does not know are ignored.
 *
 * Running versus crashed: an execution whose journal has no end event is
 * RUNNING while a process holds the journal's flock (pw_journal_is_running)
 * and INTERRUPTED otherwise: the kernel drops the lock when its holder
 * dies, so a SIGKILLed or crashed execution never looks running, and
 * `prewarm resume ID` continues it.
 * Owner: engine-runtime.
 */
#ifndef PW_HISTORY_H
#define PW_HISTORY_H

#include <json-c/json.h>
#include <stddef.h>
#include <prewarm/plugin.h>

enum pw_history_status {
	PW_HISTORY_RUNNING,
	PW_HISTORY_SUCCEEDED,
	PW_HISTORY_FAILED,
	PW_HISTORY_INTERRUPTED,
};

/* "running", "succeeded", "failed", "interrupted". */
const char *pw_history_status_name(enum pw_history_status s);

struct pw_history_summary {
	const char *id;            /* borrowed from the caller */
	const char *workflow;      /* the workflow file as journaled, or NULL */
	const char *key;           /* idempotency key, or NULL */
	enum pw_history_status status;
	double started;            /* epoch seconds; < 0 when unknown */
	double last;               /* the last event's time; < 0 when unknown */
	const char *state;         /* failed: the state it failed in; running or
				    * interrupted: the state it is in; else NULL */
	const char *error, *cause; /* failed: the execution's error */
	size_t n_events;
};

/*
 * Summarises execution id from its events (a pw_journal_read array; the
 * summary borrows strings from it). state_dir is asked whether a process
 * holds the journal (NULL: unfinished means interrupted).
 */
void pw_history_summarize(const char *state_dir, const char *id, json_object *events,
			  struct pw_history_summary *out);

/* Every journal in STATE_DIR/executions (NEW ref): an array of {"id",
 * "mtime"} (the journal's last write, epoch seconds: an execution started
 * no later than that), the most recently written first. A missing
 * directory is an empty list. */
int pw_history_list(const char *state_dir, json_object **list, pw_error *err);

/* The workflow's display name: the file's base name without .yaml, .yml,
 * .json or .lua, into buf. */
void pw_history_workflow_name(const char *path, char *buf, size_t len);

/* An event's time (its "timestamp") in epoch seconds, or -1. */
double pw_history_event_time(json_object *ev);

/* Nonzero when ev belongs to a nested machine (Map iteration, Parallel
 * branch): it carries a "scope". */
int pw_history_event_nested(json_object *ev);

/* A duration for people: "0.004s", "12.3s", "4m05s", "2h07m". */
void pw_history_format_duration(double seconds, char *buf, size_t len);

/* The path an execution took, for drawing it (pw_graph_marks): adds each
 * state entered (at any depth) to visited, and each transition taken to
 * edges as "FROM\x1fTO" ("FROM\x1f": to the end; "X\x1fX": X retried). */
void pw_history_path(json_object *events, json_object *visited, json_object *edges);

/* Parses "90s", "15m", "2h", "7d" (or plain seconds) into seconds; -1 if bad. */
double pw_history_parse_duration(const char *s);

#endif

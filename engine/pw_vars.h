/*
 * pw_vars - Step Functions workflow variables (JSONPath states): the
 * scopes that hold them, Assign evaluation, `$name` lookup, the size
 * limits, and what the journal keeps of them.
 *
 * An execution's top-level states share one scope; each Parallel branch
 * and Map iteration runs in an inner scope whose outer scopes it may read
 * but not assign. While iterations run, nothing writes an outer scope
 * (the Map/Parallel's own Assign commits after they all ended), so one
 * iteration per thread may read it at the same time: lookups only read
 * (hash lookup, deep copy), and each thread binds the scope its state
 * runs in (pw_vars_bind) for the path evaluator (`$name` in pw_path_get).
 * Owner: engine-language.
 */
#ifndef PW_VARS_H
#define PW_VARS_H

#include <stddef.h>
#include <prewarm/plugin.h>

/* Step Functions' limits (workflow-variables, "size limits"), in bytes
 * of compact UTF-8 JSON. Above them: States.DataLimitExceeded. */
#define PW_VARS_MAX_VALUE 262144      /* one variable's value */
#define PW_VARS_MAX_ASSIGN 262144     /* all values of one Assign */
#define PW_VARS_MAX_TOTAL 10485760    /* every variable of an execution */

typedef struct pw_vars pw_vars;

/* A new empty scope; outer (borrowed, may be NULL: an execution's top
 * scope) must outlive it and stays read-only while it lives. */
pw_vars *pw_vars_new(const pw_vars *outer);
void pw_vars_free(pw_vars *v); /* NULL is a no-op */

/* The scope `$name` paths read on this thread (NULL: none, every
 * variable is undefined). */
void pw_vars_bind(const pw_vars *v);
const pw_vars *pw_vars_bound(void);

/* Looks name up in v, then its outer scopes. 1 with *copy a NEW deep copy
 * (NULL for JSON null), or 0 when it was never assigned. */
int pw_vars_get(const pw_vars *v, const char *name, json_object **copy);

/*
 * Evaluates an Assign object (its "name.$" values as paths or intrinsic
 * calls on input and context, `$name` reading the values before this
 * Assign) into *pending (NEW, {name: value}); nothing is assigned yet.
 * Fails with States.Runtime (a path that matches nothing, an undefined
 * variable) or States.DataLimitExceeded (a value or the whole Assign
 * over its limit). where names the field for messages ("Assign",
 * "Catch[0].Assign").
 */
int pw_vars_eval(const pw_vars *v, json_object *assign, json_object *input,
		 json_object *context, const char *where, json_object **pending,
		 pw_error *err);

/*
 * Assigns every member of pending (borrowed) in v at once. A name that
 * belongs to an outer scope is refused (States.Runtime), as is a total
 * over PW_VARS_MAX_TOTAL (States.DataLimitExceeded); then nothing is
 * assigned. A name that says it holds a secret (pw_secret_scan_name_is_secret,
 * the rule of the shape scan's member names: *_password, PGPASSWORD,
 * db_pwd, privateKey...) gets its string values registered as secrets.
 * *lost (may be NULL) gets a NEW array of the names whose value would be
 * redacted from an output (they held a registered secret), or NULL.
 */
int pw_vars_commit(pw_vars *v, json_object *pending, json_object **lost,
		   pw_error *err);

/* Every variable v can read (its outer scopes' and its own, the inner
 * name winning) as a NEW object of deep copies: JSONata's $name
 * bindings. */
json_object *pw_vars_visible(const pw_vars *v);

/* The checks of an Assign's evaluated values vals (borrowed, {name:
 * value}) against the value and Assign limits; *pending gets a NEW
 * owned copy for pw_vars_commit. JSONata states evaluate their Assign
 * themselves (pw_jsonata.h) and end here. */
int pw_vars_prepare(json_object *vals, const char *where, json_object **pending,
		    pw_error *err);

/* v's own variables as a NEW object {name: value} (deep copies). */
json_object *pw_vars_snapshot(const pw_vars *v);

/* Bytes held by v's own variables, and by the whole execution. */
size_t pw_vars_size(const pw_vars *v);
size_t pw_vars_total(const pw_vars *v);

/*
 * Resume: the top scope as the journal says it was after event number
 * upto (inclusive) of events (a journal, pw_journal_read): the
 * "assignedVariables" of each top-level StateExited in order, restarting
 * from the "variables" an ExecutionResumed recorded. *lost gets the
 * names whose live value lost a secret to redaction (NEW array, maybe
 * empty). Returns a NEW object {name: value}.
 */
json_object *pw_vars_replay(json_object *events, long upto, json_object **lost);

/* Puts every member of values (borrowed) into v as it is: no checks
 * beyond the sizes (resume restores what a run had assigned). */
int pw_vars_restore(pw_vars *v, json_object *values, pw_error *err);

/* Nonzero when a variable live after events[k] lost its value to
 * redaction: a resume must not continue there (it would read "***"). */
int pw_vars_lost_at(json_object *events, long k);

/* Resume: fills the top scope v with the variables as they were after
 * event `last` of events (NULL: the start, none) and records them in
 * the ExecutionResumed details `resumed` ("variables"), from which a
 * later resume rebuilds them. */
int pw_vars_resume(pw_vars *v, json_object *events, json_object *last, json_object *resumed,
		   pw_error *err);

#endif

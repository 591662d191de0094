/*
 * pw_validate - static checks of a workflow before anything runs.
 * Owner: engine-language.
 */
#ifndef PW_VALIDATE_H
#define PW_VALIDATE_H

#include "pw_doc.h"

/* Asked for each Task Resource; returns 0 when it resolves, or -1 with a
 * reason ("no plugin 'rds' in PATH", "plugin 'rds' has no action 'Foo'").
 * `required` (may be NULL) receives the NULL-terminated list of required
 * parameter names of the action (borrowed). */
typedef int (*pw_resource_check_fn)(void *ud, const char *resource,
				    const char *workflow_dir,
				    const char *const **required, char *why,
				    size_t why_len);

typedef struct pw_diag_list {
	pw_diag *items;
	size_t count;
	size_t cap;
} pw_diag_list;

void pw_diag_list_free(pw_diag_list *l); /* frees items, not l itself */

/*
 * Checks doc as an ASL state machine: StartAt names a state; every state
 * has a known Type and only the fields its type allows; Next/Default/
 * Catch Next name existing states; every state is reachable from StartAt;
 * terminal states (End/Succeed/Fail) are consistent; paths, intrinsic
 * calls, Choice rules, Retry/Catch fields, TimeoutSeconds, Wait fields are
 * well formed; each Task Resource resolves through check (if not NULL).
 * Nested Map/Parallel state machines are checked the same way.
 * Appends one diagnostic per problem (with file:line:column from doc) and
 * returns the number of errors (0 = valid). Warnings are appended with a
 * "warning: " message prefix and not counted.
 */
int pw_workflow_validate(const pw_doc *doc, pw_resource_check_fn check,
			 void *check_ud, pw_diag_list *out);

#endif

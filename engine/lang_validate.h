/*
 * lang_validate - what pw_validate.c (states, machines, reachability) and
 * lang_validate_fields.c (field checks) share. Not part of the engine's
 * contract.
 * Owner: engine-language.
 */
#ifndef LANG_VALIDATE_H
#define LANG_VALIDATE_H

#include <json-c/json.h>

#include "pw_validate.h"

struct lang_vctx {
	const pw_doc *doc;
	pw_resource_check_fn check;
	void *check_ud;
	pw_diag_list *out;
	char *workflow_dir;
	int errors;
	json_object *all_names; /* every state name in the document */
};


/* The state being checked. */
struct lang_sctx {
	struct lang_vctx *c;
	const char *name;      /* state name, for messages */
	const char *ptr;       /* pointer of the state object */
	json_object *states;   /* the enclosing machine's States */
	json_object *edges;    /* array of target names (for reachability) */
	int jsonata;           /* the state is in JSONata mode */
};

/* Append an error / a warning ("warning: " prefix, not counted) at the
 * node of JSON pointer ptr. */
void lang_verr(struct lang_vctx *c, const char *ptr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void lang_vwarn(struct lang_vctx *c, const char *ptr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* base + "/" + key (RFC 6901 escaped) or + "/" + index. Caller frees. */
char *lang_pj(const char *base, const char *key);
char *lang_pji(const char *base, size_t i);

/* Member name of o (borrowed); *present says whether it exists. */
json_object *lang_vfield(json_object *o, const char *name, int *present);
int lang_is_int_value(json_object *v);

/* Field checks of state s (each appends its own diagnostics).
 * reference: 0 any path, 1 reference path, 2 reference path not into $$. */
void lang_check_target(struct lang_sctx *s, const char *ptr, const char *what,
		       json_object *v);
void lang_check_path_field(struct lang_sctx *s, json_object *state,
			   const char *fname, int reference, int allow_null);
void lang_check_template_field(struct lang_sctx *s, json_object *state,
			       const char *fname);
void lang_check_positive_int(struct lang_sctx *s, json_object *state,
			     const char *fname, int allow_zero);
void lang_check_unknown_fields(struct lang_sctx *s, json_object *rule,
			       const char *ptr, const char *what,
			       const char *const *allowed);
void lang_check_retry(struct lang_sctx *s, json_object *state);
void lang_check_catch(struct lang_sctx *s, json_object *state);
void lang_check_next_end(struct lang_sctx *s, json_object *state);
void lang_check_string_field(struct lang_sctx *s, json_object *state,
			     const char *fname);
/* Exactly one (required) or at most one of the NULL-terminated names. */
void lang_one_of(struct lang_sctx *s, json_object *state,
		 const char *const *names, int required);
void lang_check_dynamic_field(struct lang_sctx *s, json_object *state,
			      const char *fname);

/* Workflow variables (lang_validate_vars.c). The Assign field of obj (a
 * state, a catcher or a Choice rule whose pointer is ptr), if present:
 * an object of "name" / "name.$" members, names valid and not reserved. */
void lang_check_assign(struct lang_sctx *s, json_object *obj, const char *ptr);
/* Scopes of the whole workflow: an inner machine (Map iteration, Parallel
 * branch) assigning a name an outer scope assigns is an error; a
 * `$name` that no visible scope assigns is a warning. */
void lang_check_var_scopes(struct lang_vctx *c, json_object *root);
/* Nonzero when path text expr reads $$ or a variable, not the input. */
int lang_path_reads_other(const char *expr);

/* JSONata states (lang_validate_jsonata.c). Whether a JSONata state of
 * type takes key: 1 yes, -1 no (a JSONPath field), 0 unknown. */
int lang_jsonata_field_allowed(const char *type, const char *key);
/* 1 for a field only JSONata states have (Arguments, Output, Items). */
int lang_jsonata_only_field(const char *key);
/* The fields of a JSONata state: expressions, literal types, Choice
 * rules, catchers' Output/Assign. */
void lang_check_jsonata_state(struct lang_sctx *s, json_object *state, const char *type);

#endif

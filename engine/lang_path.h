/*
 * lang_path - the parsed form of an ASL path, shared by pw_path (which
 * evaluates and writes) and pw_intrinsic (which finds where a path
 * argument ends). Not part of the engine's contract.
 * Owner: engine-language.
 */
#ifndef LANG_PATH_H
#define LANG_PATH_H

#include <stdarg.h>
#include <stddef.h>
#include <json-c/json.h>

enum lang_step_kind {
	LANG_STEP_NAME,     /* .name or ['name'] */
	LANG_STEP_INDEX,    /* [n] or [-n] */
	LANG_STEP_WILDCARD, /* .* or [*] */
	LANG_STEP_SLICE,    /* [start:end] */
	LANG_STEP_FILTER,   /* [?(@.k OP literal)] or [?(@.k)] */
};

enum lang_filter_op {
	LANG_OP_EXISTS,
	LANG_OP_EQ,
	LANG_OP_NE,
	LANG_OP_LT,
	LANG_OP_LE,
	LANG_OP_GT,
	LANG_OP_GE,
};

struct lang_path;

struct lang_step {
	enum lang_step_kind kind;
	int recursive; /* preceded by ".." */
	char *name;
	long index;
	long start, end;
	int has_start, has_end;
	/* filter: the relative path after @, operator and literal */
	struct lang_path *filter_path;
	enum lang_filter_op op;
	json_object *literal;
};

struct lang_path {
	int context; /* "$$" */
	char *var;   /* "$name...": a workflow variable (pw_vars.h), else NULL */
	struct lang_step *steps;
	size_t n;
};

/* Parses expr[0..len) as a whole path. 0, or -1 with a reason in why.
 * *out is owned by the caller: lang_path_free() it. */
int lang_path_parse(const char *expr, size_t len, struct lang_path **out,
		    char *why, size_t why_len);

/* Length of the path that starts at s (at "$"), stopping before a
 * character that cannot continue a path (',', ')', whitespace outside
 * brackets and quotes). */
size_t lang_path_span(const char *s);

void lang_path_free(struct lang_path *p);

/* Writes "MESSAGE (at offset AT)" into why[0..why_len) (nothing when why
 * is NULL) for the path and intrinsic parsers; returns -1. */
int lang_parse_verror(char *why, size_t why_len, size_t at, const char *fmt,
		      va_list ap) __attribute__((format(printf, 4, 0)));

/* Nonzero when every step is a member or an index (selects one node). */
int lang_path_is_definite(const struct lang_path *p);

#endif

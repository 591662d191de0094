/*
 * pw_path - ASL paths: JsonPath over the state input ("$...") and over the
 * context object ("$$..."). Supports $, .name, ['name'], [index], [-index],
 * [*], [start:end], ..name (recursive descent) and [?(@.k OP value)]
 * filters. Reference paths (ResultPath, the *Path operators of Choice) only
 * allow single-node paths: use pw_path_is_reference().
 * Owner: engine-language.
 */
#ifndef PW_PATH_H
#define PW_PATH_H

#include <prewarm/plugin.h>

/* Nonzero if expr is syntactically a valid path ("$" or "$$" prefix).
 * On error writes a one-line reason into why (if not NULL). */
int pw_path_valid(const char *expr, char *why, size_t why_len);

/* Nonzero if expr is a valid Reference Path (no wildcards, filters,
 * slices or recursive descent; selects at most one node). */
int pw_path_is_reference(const char *expr);

/*
 * Evaluates expr against input ("$...") or context ("$$..."). A path that
 * can select several nodes (wildcard, filter, slice, recursive descent)
 * yields an array of them; a single-node path yields the node itself.
 * *out is a NEW reference (may be NULL for JSON null). Fails with
 * States.Runtime (bad syntax) or, when nothing matches, with
 * `missing_error` (ASL uses States.Runtime for InputPath/Parameters and
 * States.ResultPathMatchFailure for ResultPath); missing_error NULL means
 * "not found is not an error": returns 1 and *out = NULL.
 * Returns 0 when found.
 */
int pw_path_get(const char *expr, json_object *input, json_object *context,
		json_object **out, const char *missing_error, pw_error *err);

/*
 * pw_path_get for a path a state field holds, raising States.Runtime in
 * Step Functions' words when nothing matches. field NULL (InputPath,
 * OutputPath): "Invalid path '$.a' : No results for path: $['a']";
 * otherwise "The JSONPath '$.a' specified for the field 'F' could not be
 * found in the input '{...}'" (the input is the context object for $$).
 * A variable path ($name...) fails as pw_path_get does.
 */
int pw_path_get_field(const char *expr, const char *field, json_object *input,
		      json_object *context, json_object **out, pw_error *err);

/*
 * Writes value (a NEW reference taken over by this call) at reference path
 * expr inside *doc, creating intermediate objects as ASL ResultPath does.
 * "$" replaces *doc. *doc may be replaced (old root put). Fails with
 * States.ResultPathMatchFailure when a step of the path crosses a
 * non-object (e.g. writing $.a.b when $.a is a string).
 */
int pw_path_set(const char *expr, json_object **doc, json_object *value,
		pw_error *err);

#endif

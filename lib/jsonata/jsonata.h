/* JSONata evaluator: a C11 library on json-c values.
 *
 * Compile an expression once, evaluate it many times. Each evaluation
 * allocates from its own arena, freed before jsonata_eval returns; the
 * result is a fresh json-c value owned by the caller. Errors carry
 * JSONata's codes (T2001, D3001, S0201, ...) and the character position
 * in the expression. Bounds (depth, time, memory) stop runaway
 * expressions with a clear error instead of exhausting the process. */
#ifndef JSONATA_H
#define JSONATA_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jsonata_expr jsonata_expr;

typedef struct jsonata_error {
	char code[8];      /* "S0201", "T2001", "U1001" ... ("" when none) */
	int position;      /* character offset in the expression, -1 if unknown */
	char token[64];    /* the offending token when known */
	char message[256]; /* human-readable, starts with the code */
} jsonata_error;

/* A host function callable from expressions as $name (natives.c). Its
 * arguments are checked against signature (JSONata's syntax, as the
 * built-ins write it: "a<n>n:a", "" for none) before fn sees them as
 * json-c values (NULL: JSON null or undefined). fn returns 0 with *out
 * set, 1 for an undefined result, or -1 with err->code/message set. */
typedef struct jsonata_native {
	const char *name; /* without the $; NULL ends a list */
	const char *signature;
	int (*fn)(void *arg, struct json_object *const *args, int nargs,
		  struct json_object **out, jsonata_error *err);
	void *arg;
} jsonata_native;

typedef struct jsonata_limits {
	int max_depth;          /* nesting of evaluation; 0: default 1000 */
	uint64_t timeout_ms;    /* wall clock per evaluation; 0: none */
	size_t max_memory;      /* arena bytes per evaluation; 0: 256 MiB */
	uint64_t max_steps;     /* evaluation steps; 0: none */
	/* Optional deadline callback, polled every few thousand steps: a
	 * non-zero return aborts the evaluation with U1002. */
	int (*interrupt)(void *arg);
	void *interrupt_arg;
	/* Optional host functions, looked up before the built-ins (so one
	 * may replace a built-in such as $random); NULL: none. */
	const jsonata_native *natives;
} jsonata_limits;

/* Parses expr; NULL with err set on a syntax error (S0xxx codes). */
jsonata_expr *jsonata_compile(const char *expr, jsonata_error *err);
void jsonata_free(jsonata_expr *e);

/* Evaluates against input (may be NULL: JSONata's "undefined" input).
 * bindings: NULL or a json object whose members become $name variables.
 * Returns 0 and sets *out to the result (json-c's NULL is JSON null),
 * 1 when the result is undefined (*out NULL), or -1 with err set.
 * limits may be NULL for the defaults. */
int jsonata_eval(const jsonata_expr *e, struct json_object *input,
		 struct json_object *bindings, const jsonata_limits *limits,
		 struct json_object **out, jsonata_error *err);

#ifdef __cplusplus
}
#endif
#endif

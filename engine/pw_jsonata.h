/*
 * pw_jsonata - Step Functions' JSONata mode for one state: which states
 * use it (QueryLanguage), "{% expression %}" values at any depth of a
 * field, the reserved $states (input, result, errorOutput, context) and
 * the workflow variables as $name, the evaluator's bounds, and
 * States.QueryEvaluationError. The evaluator is lib/jsonata.
 * Owner: engine-language.
 */
#ifndef PW_JSONATA_H
#define PW_JSONATA_H

#include <stdint.h>
#include <prewarm/plugin.h>

#include "pw_clock.h"
#include "pw_vars.h"

#define PW_QUERY_ERROR "States.QueryEvaluationError"
/* An evaluation stopped by a cancel (SIGTERM): not the state's error;
 * the executor stops resumably, no catcher sees it. */
#define PW_JSONATA_CANCELLED "Prewarm.Cancelled"

/* Bounds of one evaluation: nesting depth and arena bytes. */
#define PW_JSONATA_MAX_DEPTH 500
#define PW_JSONATA_MAX_MEMORY ((size_t)64 << 20)
/* Wall-clock budget of one evaluation when no deadline is nearer. */
#define PW_JSONATA_MAX_MS 10000

/* What one field of a JSONata state sees. */
struct pw_jsonata_ctx {
	const char *state;        /* the state's name, for messages */
	json_object *input;       /* $states.input (borrowed) */
	json_object *context;     /* $states.context (borrowed) */
	json_object *result;      /* $states.result; NULL: not in this field */
	json_object *error_output;/* $states.errorOutput; NULL: not here */
	int has_result, has_error_output; /* result may be JSON null */
	const pw_vars *vars;      /* $name */
	const struct pw_clock *clk; /* NULL: no deadline but the budget */
	int64_t deadline_ms;      /* on clk's monotonic clock; INT64_MAX: none */
};

/* 1 when the state (of the workflow whose top level is root) is in
 * JSONata mode: its own QueryLanguage, else the top level's. */
int pw_jsonata_mode(json_object *root, json_object *state);

/* 1 when s is one expression: "{%" ... "%}" (the whole string). */
int pw_jsonata_is_expr(const char *s);

/* Copies v with every "{% expr %}" string (at any depth of objects and
 * arrays) replaced by its value. field names it in messages
 * ("Arguments", "Output"). An expression that fails or yields nothing
 * (undefined) is States.QueryEvaluationError with the JSONata code and
 * position in the cause. *out is NEW (NULL for JSON null). */
int pw_jsonata_value(const struct pw_jsonata_ctx *j, json_object *v, const char *field,
		     json_object **out, pw_error *err);

/* obj's field fname through pw_jsonata_value; absent: *out is a new
 * reference to dflt (may be NULL). */
int pw_jsonata_field(const struct pw_jsonata_ctx *j, json_object *obj, const char *fname,
		     json_object *dflt, json_object **out, pw_error *err);

/* obj's field fname (a literal or an expression) as a number from min
 * to max (an integer when integer is set); absent: PW_ERR as a wrong
 * type. States.QueryEvaluationError otherwise. */
int pw_jsonata_number(const struct pw_jsonata_ctx *j, json_object *obj, const char *fname,
		      double min, double max, int integer, double *v, pw_error *err);

/* A field whose value must be of JSON type `want` ("array", "boolean",
 * "number", "string") got `got`: States.QueryEvaluationError in AWS's
 * words when the field was an expression v ("The JSONata expression 'E'
 * specified for the field 'F' returned an unexpected result type.
 * Expected 'array', but was 'number' for value: 1"). Returns PW_ERR. */
int pw_jsonata_type_error(json_object *v, const char *field, const char *want,
			  json_object *got, pw_error *err);

/* Validation: 0 when the expression inside "{% %}" of s compiles, else
 * -1 with why and *offset the character offset in s (-1 unknown). */
int pw_jsonata_check(const char *s, char *why, size_t why_len, int *offset);

/* Step Functions' own functions ($partition, $range, $hash, $random,
 * $uuid, $parse; pw_jsonata_fns.c), a list for jsonata_limits.natives. */
const struct jsonata_native *pw_jsonata_sfn_natives(void);

#endif

/*
 * pw_lambda - Step Functions' Lambda integrations, served by the config's
 * resource_map instead of AWS Lambda:
 *   Resource: arn:aws:states:::lambda:invoke      (optimized integration,
 *             Parameters.FunctionName names the function, .Payload is the
 *             event; the result is Lambda's Invoke response)
 *   Resource: arn:aws:lambda:REGION:ACCT:function:NAME[:QUALIFIER]
 *             (legacy form: the effective input is the event, the result is
 *             the bare payload)
 * A function is found under resource_map key `NAME:QUALIFIER`, then `NAME`,
 * whatever form (ARN, partial ARN, name) named it, as Lambda resolves names.
 * Owner: engine-runtime.
 */
#ifndef PW_LAMBDA_H
#define PW_LAMBDA_H

#include <stddef.h>
#include <stdint.h>

#include <prewarm/plugin.h>

#define PW_LAMBDA_INVOKE "arn:aws:states:::lambda:invoke"
#define PW_LAMBDA_NAME_MAX 64       /* Lambda: function names are 1-64 chars */
#define PW_LAMBDA_QUALIFIER_MAX 128 /* $LATEST, a version or an alias */

struct pw_lambda_fn {
	char name[PW_LAMBDA_NAME_MAX + 1];
	char qualifier[PW_LAMBDA_QUALIFIER_MAX + 1]; /* "" when none */
};

/* Splits a FunctionName (NAME, NAME:QUALIFIER, ACCOUNT:function:NAME[:Q],
 * arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:Q]) into its parts.
 * 0, or -1 with why (one sentence). */
int pw_lambda_parse_name(const char *function_name, struct pw_lambda_fn *out, char *why,
			 size_t why_len);

/* 1 when resource is a Lambda function ARN (the legacy Task form). */
int pw_lambda_is_function_arn(const char *resource);
/* 1 when resource is arn:aws:states:::lambda:invoke[.SUFFIX]. */
int pw_lambda_is_invoke(const char *resource);

/* The resource_map target (lua:PATH or PLUGIN:Action, borrowed from map)
 * of fn, or NULL with why: the missing mapping and the config lines that
 * would add it. */
const char *pw_lambda_lookup(json_object *resource_map, const struct pw_lambda_fn *fn,
			     char *why, size_t why_len);

/* Checks a lambda:invoke Task's literal Parameters (NULL: none): a
 * FunctionName (or FunctionName.$), a supported InvocationType. On 0 and a
 * literal FunctionName, *fn is filled and *has_fn set. */
int pw_lambda_check_params(json_object *params, struct pw_lambda_fn *fn, int *has_fn,
			   char *why, size_t why_len);

/* Lambda's Invoke response as Step Functions returns it, around payload
 * (taken over; NULL is JSON null), dated wall_ms (the engine clock's). A
 * NEW object. */
json_object *pw_lambda_response(json_object *payload, const struct pw_lambda_fn *fn,
				int64_t wall_ms);

/* Turns the mapped step's error into the error Step Functions raises for
 * a Lambda function error: the errorType is the error name, the cause is
 * {"errorMessage","errorType","trace"}. Engine errors (States.Timeout,
 * States.Runtime) stay as they are. */
void pw_lambda_function_error(pw_error *err);

struct pw_call;
/* Runs a Lambda Task resource (either form) through resource_map (the
 * config's, may be NULL): resolves, calls the target with the event,
 * shapes the result and the errors. *result: NEW reference on PW_OK. */
int pw_lambda_invoke(struct pw_call *call, json_object *resource_map, const char *resource,
		     json_object *params, json_object **result, pw_error *err);

#endif

/*
 * pw_jsonata - evaluation of JSONata fields ("{% expr %}") for the
 * executor and their syntax check for the validator.
 */
#include "pw_jsonata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonata.h"
#include "pw_log.h"

int pw_jsonata_mode(json_object *root, json_object *state)
{
	json_object *q = NULL;
	if (!json_object_object_get_ex(state, "QueryLanguage", &q))
		json_object_object_get_ex(root, "QueryLanguage", &q);
	return json_object_is_type(q, json_type_string) &&
	       strcmp(json_object_get_string(q), "JSONata") == 0;
}

int pw_jsonata_is_expr(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 4 && strncmp(s, "{%", 2) == 0 && strcmp(s + n - 2, "%}") == 0;
}

/* The expression between the delimiters (NEW). */
static char *inner(const char *s)
{
	size_t n = strlen(s);
	return strndup(s + 2, n - 4);
}

/* The expression as messages show it: without the padding (in place). */
static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	for (size_t n = strlen(s); n > 0 && strchr(" \t\n", s[n - 1]); n--)
		s[n - 1] = '\0';
	return s;
}

int pw_jsonata_check(const char *s, char *why, size_t why_len, int *offset)
{
	jsonata_error e;
	char *src = inner(s);
	*offset = -1;
	if (src == NULL) {
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	jsonata_expr *x = jsonata_compile(src, &e);
	free(src);
	if (x != NULL) {
		jsonata_free(x);
		return 0;
	}
	if (e.position >= 0)
		*offset = e.position + 2;
	snprintf(why, why_len, "%s", e.message[0] ? e.message : "syntax error");
	return -1;
}

/* The evaluator's interrupt: the step's deadline, or a cancel. */
static int interrupted(void *arg)
{
	const struct pw_jsonata_ctx *j = arg;
	if (pw_cancel_requested())
		return 1;
	return j->clk != NULL && j->deadline_ms != INT64_MAX &&
	       j->clk->mono_ms(j->clk->ud) >= j->deadline_ms;
}

/* $name bindings: the variables and the reserved $states. */
static json_object *bindings(const struct pw_jsonata_ctx *j)
{
	json_object *b = pw_vars_visible(j->vars);
	json_object *st = json_object_new_object(), *c = NULL;
	if (b == NULL || st == NULL) {
		json_object_put(b);
		json_object_put(st);
		return NULL;
	}
	if (j->input != NULL && json_object_deep_copy(j->input, &c, NULL) != 0)
		c = NULL;
	json_object_object_add(st, "input", c);
	c = NULL;
	if (j->context != NULL && json_object_deep_copy(j->context, &c, NULL) == 0)
		json_object_object_add(st, "context", c);
	if (j->has_result) {
		c = NULL;
		if (j->result == NULL || json_object_deep_copy(j->result, &c, NULL) == 0)
			json_object_object_add(st, "result", c);
	}
	if (j->has_error_output) {
		c = NULL;
		if (j->error_output == NULL ||
		    json_object_deep_copy(j->error_output, &c, NULL) == 0)
			json_object_object_add(st, "errorOutput", c);
	}
	json_object_object_add(b, "states", st);
	return b;
}

/* AWS's "threw an error during evaluation. T2001: The left side ...": the
 * library's message without its "CODE at position N: " head; the
 * position (not in AWS's cause) goes to the log. */
static void eval_error(const struct pw_jsonata_ctx *j, const jsonata_error *e,
		       const char *shown, const char *field, pw_error *err)
{
	const char *txt = e->message;
	size_t cl = strlen(e->code);
	if (cl > 0 && strncmp(txt, e->code, cl) == 0) {
		const char *colon = strstr(txt + cl, ": ");
		txt = colon ? colon + 2 : txt + cl;
	}
	if (e->position >= 0)
		pw_log(PW_LOG_INFO, "engine", "%s: %s: JSONata %s at character %d of '%.200s'",
		       j->state ? j->state : "?", field, e->code, e->position, shown);
	pw_error_set(err, PW_QUERY_ERROR,
		     "The JSONata expression '%.300s' specified for the field '%.100s' threw an "
		     "error during evaluation. %s%s%.400s", shown, field, e->code,
		     cl ? ": " : "", txt);
}

/* One expression string s of field: evaluated on $states.input. */
static int eval_one(const struct pw_jsonata_ctx *j, json_object *binds, const char *s,
		    const char *field, json_object **out, pw_error *err)
{
	jsonata_error e;
	char *src = inner(s);
	if (src == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	jsonata_expr *x = jsonata_compile(src, &e);
	int rc = -1;
	if (x != NULL) {
		jsonata_limits lim;
		memset(&lim, 0, sizeof(lim));
		lim.max_depth = PW_JSONATA_MAX_DEPTH;
		lim.max_memory = PW_JSONATA_MAX_MEMORY;
		lim.timeout_ms = PW_JSONATA_MAX_MS;
		lim.interrupt = interrupted;
		lim.interrupt_arg = (void *)j;
		lim.natives = pw_jsonata_sfn_natives();
		rc = jsonata_eval(x, j->input, binds, &lim, out, &e);
		jsonata_free(x);
	}
	char *shown = trim(src);
	/* AWS's words: "The JSONata expression '...' specified for the field
	 * '...' returned nothing (undefined)." / "threw an error ...". */
	if (rc == 1)
		pw_error_set(err, PW_QUERY_ERROR,
			     "The JSONata expression '%.300s' specified for the field '%.100s' "
			     "returned nothing (undefined).", shown, field);
	else if (rc < 0 && strcmp(e.code, "U1002") == 0 && pw_cancel_requested())
		pw_error_set(err, PW_JSONATA_CANCELLED, "cancelled during a JSONata evaluation");
	else if (rc < 0 && strcmp(e.code, "U1002") == 0 && interrupted((void *)j))
		pw_error_set(err, "States.Timeout",
			     "the JSONata expression '%.300s' of field '%.100s' ran past the "
			     "state's deadline", shown, field);
	else if (rc < 0 && strcmp(e.code, "U1002") == 0)
		pw_error_set(err, PW_QUERY_ERROR,
			     "The JSONata expression '%.300s' specified for the field '%.100s' "
			     "ran longer than %d ms, the bound of one evaluation", shown, field,
			     PW_JSONATA_MAX_MS);
	else if (rc < 0)
		eval_error(j, &e, shown, field, err);
	free(src);
	return rc == 0 ? PW_OK : PW_ERR;
}

static const char *type_name(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null: return "null";
	case json_type_boolean: return "boolean";
	case json_type_int:
	case json_type_double: return "number";
	case json_type_string: return "string";
	case json_type_array: return "array";
	default: return "object";
	}
}

int pw_jsonata_type_error(json_object *v, const char *field, const char *want,
			  json_object *got, pw_error *err)
{
	const char *text = json_object_get_string(got);
	if (got != NULL) /* compact JSON, as AWS prints the value */
		text = json_object_to_json_string_ext(got, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!json_object_is_type(v, json_type_string) ||
	    !pw_jsonata_is_expr(json_object_get_string(v)))
		return pw_error_set(err, PW_QUERY_ERROR,
				    "The field '%.100s' must be of type '%s', but was '%s' for "
				    "value: %.300s", field, want, type_name(got), text ? text : "null");
	char *src = inner(json_object_get_string(v));
	if (src == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	const char *shown = trim(src);
	pw_error_set(err, PW_QUERY_ERROR,
		     "The JSONata expression '%.300s' specified for the field '%.100s' returned an "
		     "unexpected result type. Expected '%s', but was '%s' for value: %.300s",
		     shown, field, want, type_name(got), text ? text : "null");
	free(src);
	return PW_ERR;
}

#define MAX_NEST 64

static int walk(const struct pw_jsonata_ctx *j, json_object *binds, json_object *v,
		const char *field, int depth, json_object **out, pw_error *err)
{
	*out = NULL;
	if (depth > MAX_NEST)
		return pw_error_set(err, PW_QUERY_ERROR, "field '%.100s' nests deeper than %d",
				    field, MAX_NEST);
	if (json_object_is_type(v, json_type_string) &&
	    pw_jsonata_is_expr(json_object_get_string(v)))
		return eval_one(j, binds, json_object_get_string(v), field, out, err);
	char sub[256];
	if (json_object_is_type(v, json_type_object)) {
		json_object *o = json_object_new_object();
		json_object_object_foreach(v, key, val) {
			json_object *c = NULL;
			snprintf(sub, sizeof(sub), "%s/%s", field, key); /* AWS: Output/a */
			if (walk(j, binds, val, sub, depth + 1, &c, err) != PW_OK) {
				json_object_put(o);
				return PW_ERR;
			}
			json_object_object_add(o, key, c);
		}
		*out = o;
		return PW_OK;
	}
	if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		json_object *a = json_object_new_array_ext((int)n);
		for (size_t i = 0; i < n; i++) {
			json_object *c = NULL;
			snprintf(sub, sizeof(sub), "%s[%zu]", field, i);
			if (walk(j, binds, json_object_array_get_idx(v, i), sub, depth + 1, &c,
				 err) != PW_OK) {
				json_object_put(a);
				return PW_ERR;
			}
			json_object_array_add(a, c);
		}
		*out = a;
		return PW_OK;
	}
	if (v != NULL && json_object_deep_copy(v, out, NULL) != 0)
		return pw_error_set(err, "States.Runtime", "out of memory");
	return PW_OK;
}

int pw_jsonata_value(const struct pw_jsonata_ctx *j, json_object *v, const char *field,
		     json_object **out, pw_error *err)
{
	json_object *binds = bindings(j);
	if (binds == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	int rc = walk(j, binds, v, field, 0, out, err);
	json_object_put(binds);
	return rc;
}

int pw_jsonata_field(const struct pw_jsonata_ctx *j, json_object *obj, const char *fname,
		     json_object *dflt, json_object **out, pw_error *err)
{
	json_object *v;
	if (!json_object_object_get_ex(obj, fname, &v)) {
		*out = json_object_get(dflt);
		return PW_OK;
	}
	return pw_jsonata_value(j, v, fname, out, err);
}

int pw_jsonata_number(const struct pw_jsonata_ctx *j, json_object *obj, const char *fname,
		      double min, double max, int integer, double *v, pw_error *err)
{
	json_object *r = NULL, *src = NULL;
	json_object_object_get_ex(obj, fname, &src);
	if (pw_jsonata_field(j, obj, fname, NULL, &r, err) != PW_OK)
		return PW_ERR;
	if (!json_object_is_type(r, json_type_int) && !json_object_is_type(r, json_type_double)) {
		pw_jsonata_type_error(src, fname, "number", r, err);
		json_object_put(r);
		return PW_ERR;
	}
	*v = json_object_get_double(r);
	json_object_put(r);
	if ((integer && *v != (double)(int64_t)*v) || !(*v >= min && *v <= max))
		return pw_error_set(err, PW_QUERY_ERROR, "The field '%s' must be %s from %.0f to %.0f",
				    fname, integer ? "an integer" : "a number", min, max);
	return PW_OK;
}

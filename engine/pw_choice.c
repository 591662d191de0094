/*
 * pw_choice - ASL Choice rules: evaluation, shape checks for validate,
 * and RFC 3339 timestamps.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_choice.h"
#include "pw_path.h"

enum optype { T_STRING, T_NUMERIC, T_BOOLEAN, T_TIMESTAMP, T_MATCH, T_IS };
enum cmp { C_EQ, C_LT, C_GT, C_LE, C_GE, C_NONE };

struct op {
	const char *name;
	enum optype type;
	enum cmp cmp;
	int is_path;
};

static const struct op OPS[] = {
	{"StringEquals", T_STRING, C_EQ, 0},
	{"StringEqualsPath", T_STRING, C_EQ, 1},
	{"StringLessThan", T_STRING, C_LT, 0},
	{"StringLessThanPath", T_STRING, C_LT, 1},
	{"StringGreaterThan", T_STRING, C_GT, 0},
	{"StringGreaterThanPath", T_STRING, C_GT, 1},
	{"StringLessThanEquals", T_STRING, C_LE, 0},
	{"StringLessThanEqualsPath", T_STRING, C_LE, 1},
	{"StringGreaterThanEquals", T_STRING, C_GE, 0},
	{"StringGreaterThanEqualsPath", T_STRING, C_GE, 1},
	{"StringMatches", T_MATCH, C_NONE, 0},
	{"NumericEquals", T_NUMERIC, C_EQ, 0},
	{"NumericEqualsPath", T_NUMERIC, C_EQ, 1},
	{"NumericLessThan", T_NUMERIC, C_LT, 0},
	{"NumericLessThanPath", T_NUMERIC, C_LT, 1},
	{"NumericGreaterThan", T_NUMERIC, C_GT, 0},
	{"NumericGreaterThanPath", T_NUMERIC, C_GT, 1},
	{"NumericLessThanEquals", T_NUMERIC, C_LE, 0},
	{"NumericLessThanEqualsPath", T_NUMERIC, C_LE, 1},
	{"NumericGreaterThanEquals", T_NUMERIC, C_GE, 0},
	{"NumericGreaterThanEqualsPath", T_NUMERIC, C_GE, 1},
	{"BooleanEquals", T_BOOLEAN, C_EQ, 0},
	{"BooleanEqualsPath", T_BOOLEAN, C_EQ, 1},
	{"TimestampEquals", T_TIMESTAMP, C_EQ, 0},
	{"TimestampEqualsPath", T_TIMESTAMP, C_EQ, 1},
	{"TimestampLessThan", T_TIMESTAMP, C_LT, 0},
	{"TimestampLessThanPath", T_TIMESTAMP, C_LT, 1},
	{"TimestampGreaterThan", T_TIMESTAMP, C_GT, 0},
	{"TimestampGreaterThanPath", T_TIMESTAMP, C_GT, 1},
	{"TimestampLessThanEquals", T_TIMESTAMP, C_LE, 0},
	{"TimestampLessThanEqualsPath", T_TIMESTAMP, C_LE, 1},
	{"TimestampGreaterThanEquals", T_TIMESTAMP, C_GE, 0},
	{"TimestampGreaterThanEqualsPath", T_TIMESTAMP, C_GE, 1},
	{"IsNull", T_IS, C_NONE, 0},
	{"IsPresent", T_IS, C_NONE, 0},
	{"IsNumeric", T_IS, C_NONE, 0},
	{"IsString", T_IS, C_NONE, 0},
	{"IsBoolean", T_IS, C_NONE, 0},
	{"IsTimestamp", T_IS, C_NONE, 0},
};
#define N_OPS (sizeof(OPS) / sizeof(OPS[0]))

static const struct op *op_find(const char *name)
{
	for (size_t k = 0; k < N_OPS; k++)
		if (strcmp(OPS[k].name, name) == 0)
			return &OPS[k];
	return NULL;
}

/* --- StringMatches -------------------------------------------------------- */

/* '*' matches any run of characters; "\*" a literal '*', "\\" a
 * literal backslash. Greedy with one backtrack point: linear-ish. */
static int wildcard_match(const char *pat, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;
	while (*s) {
		if (*pat == '*') {
			star_p = ++pat;
			star_s = s;
			continue;
		}
		char want = *pat;
		int adv = 1;
		if (want == '\\' && (pat[1] == '*' || pat[1] == '\\')) {
			want = pat[1];
			adv = 2;
		}
		if (want != '\0' && want == *s) {
			pat += adv;
			s++;
			continue;
		}
		if (star_p == NULL)
			return 0;
		pat = star_p;
		s = ++star_s;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

/* --- evaluation ----------------------------------------------------------- */

static int is_num(json_object *v)
{
	return json_object_is_type(v, json_type_int) ||
	       json_object_is_type(v, json_type_double);
}

static int cmp_result(enum cmp c, int order)
{
	switch (c) {
	case C_EQ: return order == 0;
	case C_LT: return order < 0;
	case C_GT: return order > 0;
	case C_LE: return order <= 0;
	case C_GE: return order >= 0;
	default: return 0;
	}
}

/* Compares value (from Variable) with operand; a type mismatch does not
 * match. */
static int compare(const struct op *op, json_object *value,
		   json_object *operand)
{
	int order;
	switch (op->type) {
	case T_STRING:
		if (!json_object_is_type(value, json_type_string) ||
		    !json_object_is_type(operand, json_type_string))
			return 0;
		order = strcmp(json_object_get_string(value),
			       json_object_get_string(operand));
		return cmp_result(op->cmp, order);
	case T_NUMERIC:
		if (!is_num(value) || !is_num(operand))
			return 0;
		if (json_object_is_type(value, json_type_int) &&
		    json_object_is_type(operand, json_type_int)) {
			int64_t a = json_object_get_int64(value);
			int64_t b = json_object_get_int64(operand);
			order = a < b ? -1 : a > b;
		} else {
			double a = json_object_get_double(value);
			double b = json_object_get_double(operand);
			order = a < b ? -1 : a > b;
		}
		return cmp_result(op->cmp, order);
	case T_BOOLEAN:
		if (!json_object_is_type(value, json_type_boolean) ||
		    !json_object_is_type(operand, json_type_boolean))
			return 0;
		return json_object_get_boolean(value) ==
		       json_object_get_boolean(operand);
	case T_TIMESTAMP: {
		double a, b;
		if (!json_object_is_type(value, json_type_string) ||
		    !json_object_is_type(operand, json_type_string) ||
		    pw_timestamp_parse(json_object_get_string(value), &a) ||
		    pw_timestamp_parse(json_object_get_string(operand), &b))
			return 0;
		order = a < b ? -1 : a > b;
		return cmp_result(op->cmp, order);
	}
	case T_MATCH:
		if (!json_object_is_type(value, json_type_string) ||
		    !json_object_is_type(operand, json_type_string))
			return 0;
		return wildcard_match(json_object_get_string(operand),
				      json_object_get_string(value));
	case T_IS:
		break;
	}
	return 0;
}

static int type_test(const char *name, json_object *value)
{
	if (strcmp(name, "IsNull") == 0)
		return value == NULL;
	if (strcmp(name, "IsNumeric") == 0)
		return is_num(value);
	if (strcmp(name, "IsString") == 0)
		return json_object_is_type(value, json_type_string);
	if (strcmp(name, "IsBoolean") == 0)
		return json_object_is_type(value, json_type_boolean);
	if (strcmp(name, "IsTimestamp") == 0)
		return json_object_is_type(value, json_type_string) &&
		       pw_timestamp_parse(json_object_get_string(value),
					  NULL) == 0;
	return 0;
}

static int rule_eval(json_object *rule, json_object *input,
		     json_object *context, int *matched, pw_error *err,
		     int depth)
{
	json_object *v = NULL;
	*matched = 0;
	if (depth > 64)
		return pw_error_set(err, "States.Runtime",
				    "Choice rule nested too deeply");
	if (!json_object_is_type(rule, json_type_object))
		return pw_error_set(err, "States.Runtime",
				    "a Choice rule must be an object");
	int is_and = json_object_object_get_ex(rule, "And", &v);
	if (is_and || json_object_object_get_ex(rule, "Or", &v)) {
		if (!json_object_is_type(v, json_type_array))
			return pw_error_set(err, "States.Runtime",
					    "%s must be an array of rules",
					    is_and ? "And" : "Or");
		size_t n = json_object_array_length(v);
		/* short-circuit: And stops at the first false, Or at the
		 * first true */
		for (size_t i = 0; i < n; i++) {
			int m = 0;
			if (rule_eval(json_object_array_get_idx(v, i), input,
				      context, &m, err, depth + 1) != PW_OK)
				return PW_ERR;
			if (is_and && !m)
				return PW_OK;
			if (!is_and && m) {
				*matched = 1;
				return PW_OK;
			}
		}
		*matched = is_and;
		return PW_OK;
	}
	if (json_object_object_get_ex(rule, "Not", &v)) {
		int m = 0;
		if (rule_eval(v, input, context, &m, err, depth + 1) != PW_OK)
			return PW_ERR;
		*matched = !m;
		return PW_OK;
	}

	json_object *varj = NULL;
	if (!json_object_object_get_ex(rule, "Variable", &varj) ||
	    !json_object_is_type(varj, json_type_string))
		return pw_error_set(err, "States.Runtime",
				    "a Choice comparison needs a Variable path");
	const char *var = json_object_get_string(varj);
	const struct op *op = NULL;
	json_object *operand = NULL;
	json_object_object_foreach(rule, key, val)
	{
		const struct op *o = op_find(key);
		if (o != NULL) {
			op = o;
			operand = val;
			break;
		}
	}
	if (op == NULL)
		return pw_error_set(err, "States.Runtime",
				    "Choice rule on %s has no comparison "
				    "operator",
				    var);

	json_object *value = NULL;
	int found = pw_path_get(var, input, context, &value, NULL, err);
	if (found == PW_ERR)
		return PW_ERR;
	if (strcmp(op->name, "IsPresent") == 0) {
		*matched = (found == 0) == json_object_get_boolean(operand);
		json_object_put(value);
		return PW_OK;
	}
	if (found == 1)
		return pw_error_set(err, "States.Runtime",
				    "Invalid path '%s': the Choice rule's "
				    "Variable is not present in the input "
				    "(test it with IsPresent first)",
				    var);
	int rc = PW_OK;
	if (op->type == T_IS) {
		*matched = type_test(op->name, value) ==
			   json_object_get_boolean(operand);
	} else if (op->is_path) {
		json_object *other = NULL;
		if (!json_object_is_type(operand, json_type_string))
			rc = pw_error_set(err, "States.Runtime",
					  "%s must be a path", op->name);
		else
			rc = pw_path_get(json_object_get_string(operand),
					 input, context, &other,
					 "States.Runtime", err);
		if (rc == PW_OK)
			*matched = compare(op, value, other);
		json_object_put(other);
	} else {
		*matched = compare(op, value, operand);
	}
	json_object_put(value);
	return rc;
}

int pw_choice_rule_eval(json_object *rule, json_object *input,
			json_object *context, int *matched, pw_error *err)
{
	return rule_eval(rule, input, context, matched, err, 0);
}

const char *pw_choice_next(json_object *state, json_object *input,
			   json_object *context, pw_error *err)
{
	json_object *rule;
	return pw_choice_pick(state, input, context, &rule, err);
}

const char *pw_choice_pick(json_object *state, json_object *input,
			   json_object *context, json_object **matched,
			   pw_error *err)
{
	json_object *choices = NULL, *def = NULL;
	*matched = NULL;
	if (json_object_object_get_ex(state, "Choices", &choices) &&
	    json_object_is_type(choices, json_type_array)) {
		size_t n = json_object_array_length(choices);
		for (size_t i = 0; i < n; i++) {
			json_object *rule = json_object_array_get_idx(choices, i);
			json_object *next = NULL;
			int m = 0;
			if (pw_choice_rule_eval(rule, input, context, &m,
						err) != PW_OK)
				return NULL;
			if (m && json_object_object_get_ex(rule, "Next", &next)) {
				*matched = rule;
				return json_object_get_string(next);
			}
		}
	}
	if (json_object_object_get_ex(state, "Default", &def) &&
	    json_object_is_type(def, json_type_string))
		return json_object_get_string(def);
	pw_error_set(err, "States.NoChoiceMatched",
		     "no Choice rule matched and there is no Default");
	return NULL;
}

/* --- shape checks --------------------------------------------------------- */

struct rcheck {
	char *why;
	size_t why_len;
	char *where;
	size_t where_len;
};

static int rfail(struct rcheck *c, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int rfail(struct rcheck *c, const char *where, const char *fmt, ...)
{
	if (c->why && c->why_len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->why, c->why_len, fmt, ap);
		va_end(ap);
	}
	if (c->where && c->where_len)
		snprintf(c->where, c->where_len, "%s", where);
	return -1;
}

static int check_rule(struct rcheck *c, json_object *rule, const char *at,
		      int top, int depth)
{
	char sub[512];
	if (depth > 64)
		return rfail(c, at, "Choice rules nested too deeply");
	if (!json_object_is_type(rule, json_type_object))
		return rfail(c, at, "a Choice rule must be an object");
	const char *oper = NULL;
	json_object *operand = NULL;
	int has_var = 0;
	json_object_object_foreach(rule, key, val)
	{
		snprintf(sub, sizeof(sub), "%s/%s", at, key);
		if (strcmp(key, "Comment") == 0)
			continue;
		if (strcmp(key, "Next") == 0 || strcmp(key, "Assign") == 0) {
			if (!top)
				return rfail(c, sub,
					     "%s is only allowed in a "
					     "top-level Choice rule, not "
					     "inside And/Or/Not", key);
			continue; /* Assign: lang_check_assign */
		}
		if (strcmp(key, "Variable") == 0) {
			char why[256];
			has_var = 1;
			if (!json_object_is_type(val, json_type_string))
				return rfail(c, sub,
					     "Variable must be a path string");
			if (!pw_path_valid(json_object_get_string(val), why,
					   sizeof(why)))
				return rfail(c, sub, "Variable: bad path '%s': %s",
					     json_object_get_string(val), why);
			continue;
		}
		if (strcmp(key, "And") == 0 || strcmp(key, "Or") == 0 ||
		    strcmp(key, "Not") == 0 || op_find(key) != NULL) {
			if (oper != NULL)
				return rfail(c, sub,
					     "a Choice rule takes exactly one "
					     "operator, found %s and %s",
					     oper, key);
			oper = key;
			operand = val;
			continue;
		}
		return rfail(c, sub, "unknown field '%s' in a Choice rule",
			     key);
	}
	if (oper == NULL)
		return rfail(c, at,
			     "a Choice rule needs an operator (e.g. "
			     "StringEquals, NumericLessThan, IsPresent, And)");
	snprintf(sub, sizeof(sub), "%s/%s", at, oper);
	if (strcmp(oper, "And") == 0 || strcmp(oper, "Or") == 0) {
		if (has_var)
			return rfail(c, at, "%s does not take a Variable", oper);
		if (!json_object_is_type(operand, json_type_array) ||
		    json_object_array_length(operand) == 0)
			return rfail(c, sub,
				     "%s must be a non-empty array of rules",
				     oper);
		size_t n = json_object_array_length(operand);
		for (size_t i = 0; i < n; i++) {
			char elem[600];
			if (snprintf(elem, sizeof(elem), "%s/%zu", sub, i) >=
			    (int)sizeof(elem))
				return rfail(c, sub, "rule nested too deeply");
			if (check_rule(c, json_object_array_get_idx(operand, i),
				       elem, 0, depth + 1) != 0)
				return -1;
		}
		return 0;
	}
	if (strcmp(oper, "Not") == 0) {
		if (has_var)
			return rfail(c, at, "Not does not take a Variable");
		return check_rule(c, operand, sub, 0, depth + 1);
	}
	const struct op *op = op_find(oper);
	if (!has_var)
		return rfail(c, at, "%s needs a Variable", oper);
	if (op->is_path) {
		char why[256];
		if (!json_object_is_type(operand, json_type_string) ||
		    !pw_path_valid(json_object_get_string(operand), why,
				   sizeof(why)))
			return rfail(c, sub, "%s must be a valid path", oper);
		return 0;
	}
	switch (op->type) {
	case T_STRING:
	case T_MATCH:
		if (!json_object_is_type(operand, json_type_string))
			return rfail(c, sub, "%s must be a string", oper);
		if (op->type == T_MATCH) {
			const char *p = json_object_get_string(operand);
			size_t n = strlen(p), bs = 0;
			while (bs < n && p[n - 1 - bs] == '\\')
				bs++;
			if (bs % 2 == 1)
				return rfail(c, sub,
					     "StringMatches pattern ends with "
					     "a lone backslash");
		}
		return 0;
	case T_NUMERIC:
		if (!is_num(operand))
			return rfail(c, sub, "%s must be a number", oper);
		return 0;
	case T_BOOLEAN:
	case T_IS:
		if (!json_object_is_type(operand, json_type_boolean))
			return rfail(c, sub, "%s must be true or false", oper);
		return 0;
	case T_TIMESTAMP:
		if (!json_object_is_type(operand, json_type_string) ||
		    pw_timestamp_parse(json_object_get_string(operand),
				       NULL) != 0)
			return rfail(c, sub,
				     "%s must be an RFC 3339 timestamp such "
				     "as 2026-01-31T12:00:00Z",
				     oper);
		return 0;
	}
	return 0;
}

int pw_choice_rule_check(json_object *rule, char *why, size_t why_len,
			 char *where, size_t where_len)
{
	struct rcheck c = {why, why_len, where, where_len};
	if (where && where_len)
		where[0] = '\0';
	return check_rule(&c, rule, "", 1, 0);
}

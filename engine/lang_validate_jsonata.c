/*
 * lang_validate_jsonata - `prewarm validate` for JSONata states: which
 * fields each type takes (the JSONPath ones refused by name), every
 * "{% expression %}" compiled (a syntax error at its field's line:column
 * plus the offset in the expression), $states members used where Step
 * Functions provides them, literal types, Choice rules and catchers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <prewarm/timestamp.h>

#include "lang_validate.h"
#include "pw_ident.h"
#include "pw_jsonata.h"

static const char *const JSONPATH_ONLY[] = {
	"InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Result",
	"ItemsPath", "SecondsPath", "TimestampPath", "TimeoutSecondsPath",
	"HeartbeatSecondsPath", "MaxConcurrencyPath", "ErrorPath", "CausePath",
	"ToleratedFailureCountPath", "ToleratedFailurePercentagePath", NULL};

static const struct {
	const char *type;
	const char *const fields[16];
} FIELDS[] = {
	{"Task", {"Resource", "Arguments", "Output", "Assign", "Next", "End", "Retry", "Catch",
		  "TimeoutSeconds", "HeartbeatSeconds", NULL}},
	{"Pass", {"Output", "Assign", "Next", "End", NULL}},
	{"Choice", {"Choices", "Default", "Output", "Assign", NULL}},
	{"Wait", {"Seconds", "Timestamp", "Output", "Assign", "Next", "End", NULL}},
	{"Succeed", {"Output", NULL}},
	{"Fail", {"Error", "Cause", NULL}},
	{"Parallel", {"Branches", "Arguments", "Output", "Assign", "Next", "End", "Retry",
		      "Catch", NULL}},
	{"Map", {"ItemProcessor", "Iterator", "Items", "ItemSelector", "MaxConcurrency",
		 "ToleratedFailureCount", "ToleratedFailurePercentage", "Output", "Assign", "Next",
		 "End", "Retry", "Catch", NULL}},
};

static int in_list(const char *const *l, const char *key)
{
	for (size_t k = 0; l[k]; k++)
		if (strcmp(l[k], key) == 0)
			return 1;
	return 0;
}

int lang_jsonata_field_allowed(const char *type, const char *key)
{
	if (strcmp(key, "Type") == 0 || strcmp(key, "Comment") == 0 ||
	    strcmp(key, "QueryLanguage") == 0)
		return 1;
	for (size_t t = 0; t < sizeof(FIELDS) / sizeof(FIELDS[0]); t++)
		if (strcmp(FIELDS[t].type, type) == 0) {
			for (size_t k = 0; k < 16 && FIELDS[t].fields[k]; k++)
				if (strcmp(FIELDS[t].fields[k], key) == 0)
					return 1;
			break;
		}
	return in_list(JSONPATH_ONLY, key) ? -1 : 0;
}

int lang_jsonata_only_field(const char *key)
{
	static const char *const only[] = {"Arguments", "Output", "Items", NULL};
	return in_list(only, key);
}

/* Where $states.result / $states.errorOutput exist (the guide's table). */
enum { HAS_RESULT = 1, HAS_ERROR = 2 };

/* One "{% %}" string at ptr (field `what`): compiles, reads only the
 * $states members this field has. */
static void check_expr(struct lang_sctx *s, const char *ptr, const char *what, const char *str,
		       unsigned has)
{
	char why[300];
	int off;
	if (pw_jsonata_check(str, why, sizeof(why), &off) != 0) {
		if (off >= 0)
			lang_verr(s->c, ptr,
			    "state '%s': %s: JSONata syntax error at offset %d of '%.80s': %s",
			    s->name, what, off, str, why);
		else
			lang_verr(s->c, ptr, "state '%s': %s: JSONata syntax error in '%.80s': %s",
			    s->name, what, str, why);
		return;
	}
	if (!(has & HAS_RESULT) && strstr(str, "$states.result") != NULL)
		lang_verr(s->c, ptr,
		    "state '%s': %s reads $states.result, which only Output and Assign of a "
		    "Task, Map or Parallel have", s->name, what);
	if (!(has & HAS_ERROR) && strstr(str, "$states.errorOutput") != NULL)
		lang_verr(s->c, ptr,
		    "state '%s': %s reads $states.errorOutput, which only a catcher's "
		    "Output and Assign have", s->name, what);
}

/* Every string of v (any depth): an expression is checked; a string
 * that opens "{%" without closing it is an error. */
static void check_value(struct lang_sctx *s, const char *ptr, const char *what,
			json_object *v, unsigned has, int depth)
{
	if (depth > 64)
		return;
	if (json_object_is_type(v, json_type_string)) {
		const char *str = json_object_get_string(v);
		if (pw_jsonata_is_expr(str))
			check_expr(s, ptr, what, str, has);
		else if (strncmp(str, "{%", 2) == 0)
			lang_verr(s->c, ptr,
			    "state '%s': %s: '%.80s' starts with {%% but does not end with %%}",
			    s->name, what, str);
	} else if (json_object_is_type(v, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			char *p = lang_pji(ptr, i);
			check_value(s, p, what, json_object_array_get_idx(v, i), has, depth + 1);
			free(p);
		}
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val) {
			char *p = lang_pj(ptr, key);
			check_value(s, p, what, val, has, depth + 1);
			free(p);
		}
	}
}

static void check_field(struct lang_sctx *s, json_object *obj, const char *optr,
			const char *f, unsigned has)
{
	int present;
	json_object *v = lang_vfield(obj, f, &present);
	if (!present)
		return;
	char *p = lang_pj(optr, f);
	check_value(s, p, f, v, has, 0);
	free(p);
}

static int is_expr(json_object *v)
{
	return json_object_is_type(v, json_type_string) &&
	       pw_jsonata_is_expr(json_object_get_string(v));
}

/* A field that is a literal of some kind or an expression. */
static void check_literal(struct lang_sctx *s, json_object *obj, const char *optr,
			  const char *f, int (*ok)(json_object *), const char *want)
{
	int present;
	json_object *v = lang_vfield(obj, f, &present);
	if (!present || is_expr(v) || ok(v))
		return;
	char *p = lang_pj(optr, f);
	lang_verr(s->c, p, "state '%s': %s must be %s or a {%% JSONata expression %%}", s->name,
	    f, want);
	free(p);
}

static int ok_nonneg(json_object *v) { return lang_is_int_value(v) && json_object_get_int64(v) >= 0; }
static int ok_pos(json_object *v) { return lang_is_int_value(v) && json_object_get_int64(v) >= 1; }
static int ok_pct(json_object *v)
{
	return (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) &&
	       json_object_get_double(v) >= 0 && json_object_get_double(v) <= 100;
}
static int ok_bool(json_object *v) { return json_object_is_type(v, json_type_boolean); }
static int ok_array(json_object *v) { return json_object_is_type(v, json_type_array); }
static int ok_string(json_object *v) { return json_object_is_type(v, json_type_string); }
static int ok_object(json_object *v) { return json_object_is_type(v, json_type_object); }
static int ok_ts(json_object *v)
{
	return json_object_is_type(v, json_type_string) &&
	       pw_timestamp_parse(json_object_get_string(v), NULL) == 0;
}

/* Assign of obj (a state, rule or catcher at optr): an object whose
 * keys are variable names (no ".$" in JSONata), values checked. */
static void check_assign(struct lang_sctx *s, json_object *obj, const char *optr, unsigned has)
{
	int present;
	json_object *a = lang_vfield(obj, "Assign", &present);
	if (!present)
		return;
	char *pa = lang_pj(optr, "Assign");
	if (!json_object_is_type(a, json_type_object)) {
		lang_verr(s->c, pa, "state '%s': Assign must be an object", s->name);
		free(pa);
		return;
	}
	json_object_object_foreach(a, key, val) {
		char *pk = lang_pj(pa, key);
		if (strcmp(key, "states") == 0)
			lang_verr(s->c, pk,
			    "state '%s': Assign: $states is reserved (JSONata's state data): "
			    "choose another variable name", s->name);
		else if (!pw_ident_valid(key))
			lang_verr(s->c, pk,
			    "state '%s': Assign: '%s' is not a variable name (a JSONata state "
			    "writes \"name\": \"{%% expression %%}\", without .$)", s->name, key);
		check_value(s, pk, "Assign", val, has, 0);
		free(pk);
	}
	free(pa);
}

static void check_choice_rules(struct lang_sctx *s, json_object *state)
{
	static const char *const rule_fields[] = {"Condition", "Next", "Assign", "Output",
						  "Comment", NULL};
	json_object *rules = lang_vfield(state, "Choices", NULL);
	char *pc = lang_pj(s->ptr, "Choices");
	if (!json_object_is_type(rules, json_type_array) || json_object_array_length(rules) == 0) {
		lang_verr(s->c, json_object_object_get_ex(state, "Choices", NULL) ? pc : s->ptr,
		    "state '%s': a Choice needs Choices: a non-empty array of rules", s->name);
		free(pc);
		return;
	}
	for (size_t i = 0; i < json_object_array_length(rules); i++) {
		json_object *r = json_object_array_get_idx(rules, i);
		char *pr = lang_pji(pc, i);
		if (!json_object_is_type(r, json_type_object)) {
			lang_verr(s->c, pr, "state '%s': Choices[%zu] must be an object", s->name, i);
			free(pr);
			continue;
		}
		lang_check_unknown_fields(s, r, pr, "a JSONata Choice rule", rule_fields);
		int hn, hc;
		json_object *next = lang_vfield(r, "Next", &hn);
		lang_vfield(r, "Condition", &hc);
		if (!hc)
			lang_verr(s->c, pr, "state '%s': Choices[%zu] needs a Condition", s->name, i);
		check_literal(s, r, pr, "Condition", ok_bool, "true, false");
		check_field(s, r, pr, "Condition", 0);
		check_field(s, r, pr, "Output", 0);
		check_assign(s, r, pr, 0);
		if (!hn) {
			lang_verr(s->c, pr, "state '%s': Choices[%zu] needs Next", s->name, i);
		} else {
			char *pn = lang_pj(pr, "Next");
			lang_check_target(s, pn, "Choice rule Next", next);
			free(pn);
		}
		free(pr);
	}
	free(pc);
	int hd;
	json_object *def = lang_vfield(state, "Default", &hd);
	if (hd) {
		char *pd = lang_pj(s->ptr, "Default");
		lang_check_target(s, pd, "Default", def);
		free(pd);
	}
}

/* Catch[i].Output and .Assign read $states.errorOutput. */
static void check_catchers(struct lang_sctx *s, json_object *state)
{
	json_object *cs = lang_vfield(state, "Catch", NULL);
	if (!json_object_is_type(cs, json_type_array))
		return;
	char *pc = lang_pj(s->ptr, "Catch");
	for (size_t i = 0; i < json_object_array_length(cs); i++) {
		json_object *c = json_object_array_get_idx(cs, i);
		char *p = lang_pji(pc, i);
		if (json_object_is_type(c, json_type_object)) {
			check_field(s, c, p, "Output", HAS_ERROR);
			check_assign(s, c, p, HAS_ERROR);
		}
		free(p);
	}
	free(pc);
}

void lang_check_jsonata_state(struct lang_sctx *s, json_object *state, const char *type)
{
	int work = strcmp(type, "Task") == 0 || strcmp(type, "Map") == 0 ||
		   strcmp(type, "Parallel") == 0;
	unsigned after = work ? HAS_RESULT : 0; /* Output and Assign */
	check_field(s, state, s->ptr, "Arguments", 0);
	check_literal(s, state, s->ptr, "Arguments", ok_object, "an object");
	check_field(s, state, s->ptr, "Output", after);
	check_assign(s, state, s->ptr, after);
	check_catchers(s, state);
	static const struct {
		const char *f;
		int (*ok)(json_object *);
		const char *want;
	} lits[] = {
		{"TimeoutSeconds", ok_pos, "a positive integer"},
		{"HeartbeatSeconds", ok_pos, "a positive integer"},
		{"Seconds", ok_nonneg, "a non-negative integer"},
		{"Timestamp", ok_ts, "an RFC 3339 timestamp such as 2026-01-31T12:00:00Z"},
		{"MaxConcurrency", ok_nonneg, "a non-negative integer"},
		{"ToleratedFailureCount", ok_nonneg, "a non-negative integer"},
		{"ToleratedFailurePercentage", ok_pct, "a number from 0 to 100"},
		{"Items", ok_array, "an array"},
		{"Error", ok_string, "a string"},
		{"Cause", ok_string, "a string"},
	};
	for (size_t k = 0; k < sizeof(lits) / sizeof(lits[0]); k++) {
		check_literal(s, state, s->ptr, lits[k].f, lits[k].ok, lits[k].want);
		check_field(s, state, s->ptr, lits[k].f, 0);
	}
	check_field(s, state, s->ptr, "ItemSelector", 0);
	if (strcmp(type, "Wait") == 0) {
		static const char *const which[] = {"Seconds", "Timestamp", NULL};
		lang_one_of(s, state, which, 1);
	} else if (strcmp(type, "Choice") == 0) {
		check_choice_rules(s, state);
	}
}

/*
 * lang_validate_fields - the field-level checks behind pw_validate: one
 * diagnostic per problem, with the JSON pointer of the offending field.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang_validate.h"
#include "pw_intrinsic.h"
#include "pw_path.h"

/* --- diagnostics ---------------------------------------------------------- */

static void lang_vadd(struct lang_vctx *c, int warning, const char *ptr,
		      const char *fmt, va_list ap)
{
	char msg[sizeof(((pw_diag *)0)->message)];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (c->out != NULL) {
		if (c->out->count == c->out->cap) {
			size_t cap = c->out->cap ? c->out->cap * 2 : 16;
			pw_diag *d = realloc(c->out->items, cap * sizeof(*d));
			if (d == NULL) {
				c->errors += !warning;
				return;
			}
			c->out->items = d;
			c->out->cap = cap;
		}
		pw_diag *d = &c->out->items[c->out->count++];
		pw_doc_diag(c->doc, ptr, d, "%s%s", warning ? "warning: " : "",
			    msg);
	}
	if (!warning)
		c->errors++;
}

void lang_vwarn(struct lang_vctx *c, const char *ptr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lang_vadd(c, 1, ptr, fmt, ap);
	va_end(ap);
}

void lang_verr(struct lang_vctx *c, const char *ptr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lang_vadd(c, 0, ptr, fmt, ap);
	va_end(ap);
}

/* --- JSON pointers -------------------------------------------------------- */

/* base + "/" + key (RFC 6901 escaped). Caller frees. */
char *lang_pj(const char *base, const char *key)
{
	size_t n = strlen(base), k = strlen(key), extra = 0;
	for (size_t i = 0; i < k; i++)
		extra += key[i] == '~' || key[i] == '/';
	char *p = malloc(n + k + extra + 2);
	if (p == NULL)
		abort(); /* a few bytes; nothing sensible to do */
	memcpy(p, base, n);
	size_t o = n;
	p[o++] = '/';
	for (size_t i = 0; i < k; i++) {
		if (key[i] == '~') {
			p[o++] = '~';
			p[o++] = '0';
		} else if (key[i] == '/') {
			p[o++] = '~';
			p[o++] = '1';
		} else {
			p[o++] = key[i];
		}
	}
	p[o] = '\0';
	return p;
}

char *lang_pji(const char *base, size_t i)
{
	char num[32];
	snprintf(num, sizeof(num), "%zu", i);
	return lang_pj(base, num);
}

/* --- field helpers -------------------------------------------------------- */

json_object *lang_vfield(json_object *o, const char *name, int *present)
{
	json_object *v = NULL;
	int p = json_object_object_get_ex(o, name, &v);
	if (present)
		*present = p;
	return v;
}

int lang_is_int_value(json_object *v)
{
	if (json_object_is_type(v, json_type_int))
		return 1;
	if (json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);
		return d == floor(d) && fabs(d) < 9.0e15;
	}
	return 0;
}

static const char *const KNOWN_ERRORS[] = {
	"States.ALL",
	"States.DataLimitExceeded",
	"States.ExceedToleratedFailureThreshold",
	"States.HeartbeatTimeout",
	"States.IntrinsicFailure",
	"States.ItemReaderFailed",
	"States.NoChoiceMatched",
	"States.ParameterPathFailure",
	"States.QueryEvaluationError",
	"States.Permissions",
	"States.ResultPathMatchFailure",
	"States.ResultWriterFailed",
	"States.Runtime",
	"States.TaskFailed",
	"States.Timeout",
	"States.BranchFailed",
	NULL,
};


/* A field that must name a state of the same machine. */
void lang_check_target(struct lang_sctx *s, const char *ptr, const char *what,
		       json_object *v)
{
	if (!json_object_is_type(v, json_type_string)) {
		lang_verr(s->c, ptr, "state '%s': %s must be a state name (a string)",
		    s->name, what);
		return;
	}
	const char *t = json_object_get_string(v);
	if (!json_object_object_get_ex(s->states, t, NULL)) {
		lang_verr(s->c, ptr, "state '%s': %s names no state: '%s'", s->name,
		    what, t);
		return;
	}
	json_object_array_add(s->edges, json_object_new_string(t));
}

void lang_check_path_field(struct lang_sctx *s, json_object *state,
			   const char *fname, int reference, int allow_null)
{
	int present;
	json_object *v = lang_vfield(state, fname, &present);
	if (!present)
		return;
	char *ptr = lang_pj(s->ptr, fname);
	char why[256] = "";
	if (v == NULL) {
		if (!allow_null)
			lang_verr(s->c, ptr, "state '%s': %s must be a path, not null",
			    s->name, fname);
	} else if (!json_object_is_type(v, json_type_string)) {
		lang_verr(s->c, ptr, "state '%s': %s must be a path string%s",
		    s->name, fname, allow_null ? " or null" : "");
	} else if (!pw_path_valid(json_object_get_string(v), why,
				  sizeof(why))) {
		lang_verr(s->c, ptr, "state '%s': %s: bad path '%s': %s", s->name,
		    fname, json_object_get_string(v), why);
	} else if (reference &&
		   (!pw_path_is_reference(json_object_get_string(v)) ||
		    (reference == 2 &&
		     lang_path_reads_other(json_object_get_string(v))))) {
		lang_verr(s->c, ptr,
		    "state '%s': %s must be a reference path (only .name, "
		    "['name'] and [index] steps%s): '%s'",
		    s->name, fname,
		    reference == 2 ? ", not into $$ or a variable"
				   : "",
		    json_object_get_string(v));
	}
	free(ptr);
}

/* A payload template: every "key.$" holds a valid path or intrinsic. */
static void lang_check_template(struct lang_sctx *s, const char *ptr,
				json_object *t, const char *fname, int depth)
{
	if (depth > 64)
		return;
	if (json_object_is_type(t, json_type_array)) {
		size_t n = json_object_array_length(t);
		for (size_t i = 0; i < n; i++) {
			char *p = lang_pji(ptr, i);
			lang_check_template(s, p, json_object_array_get_idx(t, i),
				       fname, depth + 1);
			free(p);
		}
		return;
	}
	if (!json_object_is_type(t, json_type_object))
		return;
	json_object_object_foreach(t, key, val)
	{
		char *p = lang_pj(ptr, key);
		size_t klen = strlen(key);
		if (klen > 2 && strcmp(key + klen - 2, ".$") == 0) {
			char why[400] = "";
			const char *v = json_object_get_string(val);
			if (!json_object_is_type(val, json_type_string))
				lang_verr(s->c, p,
				    "state '%s': %s: '%s' must be a path or "
				    "an intrinsic function call (a string)",
				    s->name, fname, key);
			else if (pw_intrinsic_is_call(v)) {
				if (pw_intrinsic_check(v, why, sizeof(why)))
					lang_verr(s->c, p,
					    "state '%s': %s: '%s': %s",
					    s->name, fname, key, why);
			} else if (!pw_path_valid(v, why, sizeof(why))) {
				lang_verr(s->c, p,
				    "state '%s': %s: '%s': bad path '%s': %s",
				    s->name, fname, key, v, why);
			}
		} else {
			lang_check_template(s, p, val, fname, depth + 1);
		}
		free(p);
	}
}

void lang_check_template_field(struct lang_sctx *s, json_object *state,
			       const char *fname)
{
	int present;
	json_object *v = lang_vfield(state, fname, &present);
	if (!present)
		return;
	char *ptr = lang_pj(s->ptr, fname);
	if (!json_object_is_type(v, json_type_object))
		lang_verr(s->c, ptr, "state '%s': %s must be an object", s->name,
		    fname);
	else
		lang_check_template(s, ptr, v, fname, 0);
	free(ptr);
}

void lang_check_positive_int(struct lang_sctx *s, json_object *state,
			     const char *fname, int allow_zero)
{
	int present;
	json_object *v = lang_vfield(state, fname, &present);
	if (!present)
		return;
	char *ptr = lang_pj(s->ptr, fname);
	if (!lang_is_int_value(v) || json_object_get_int64(v) < (allow_zero ? 0 : 1))
		lang_verr(s->c, ptr, "state '%s': %s must be a %s integer", s->name,
		    fname, allow_zero ? "non-negative" : "positive");
	free(ptr);
}

/* ErrorEquals of a retrier or catcher. Returns 1 if it holds States.ALL. */
static int lang_check_error_equals(struct lang_sctx *s, const char *ptr,
				   json_object *rule, const char *what)
{
	int present, has_all = 0;
	json_object *ee = lang_vfield(rule, "ErrorEquals", &present);
	char *p = lang_pj(ptr, "ErrorEquals");
	if (!present) {
		lang_verr(s->c, ptr, "state '%s': %s needs ErrorEquals", s->name,
		    what);
	} else if (!json_object_is_type(ee, json_type_array) ||
		   json_object_array_length(ee) == 0) {
		lang_verr(s->c, p,
		    "state '%s': %s ErrorEquals must be a non-empty array of "
		    "error names",
		    s->name, what);
	} else {
		size_t n = json_object_array_length(ee);
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(ee, i);
			char *pe = lang_pji(p, i);
			const char *name = json_object_get_string(e);
			if (!json_object_is_type(e, json_type_string) ||
			    name[0] == '\0') {
				lang_verr(s->c, pe,
				    "state '%s': %s ErrorEquals entries must "
				    "be error names (strings)",
				    s->name, what);
			} else if (strncmp(name, "States.", 7) == 0) {
				int known = 0;
				for (size_t k = 0; KNOWN_ERRORS[k]; k++)
					known |= !strcmp(KNOWN_ERRORS[k], name);
				if (!known)
					lang_verr(s->c, pe,
					    "state '%s': %s ErrorEquals: '%s' "
					    "is not a predefined States.* error "
					    "name",
					    s->name, what, name);
				if (strcmp(name, "States.ALL") == 0) {
					has_all = 1;
					if (n > 1)
						lang_verr(s->c, pe,
						    "state '%s': States.ALL must "
						    "appear alone in ErrorEquals",
						    s->name);
				}
			}
			free(pe);
		}
	}
	free(p);
	return has_all;
}

void lang_check_unknown_fields(struct lang_sctx *s, json_object *rule,
			       const char *ptr, const char *what,
			       const char *const *allowed)
{
	json_object_object_foreach(rule, key, val)
	{
		(void)val;
		int ok = 0;
		for (size_t k = 0; allowed[k] && !ok; k++)
			ok = strcmp(allowed[k], key) == 0;
		if (!ok) {
			char *p = lang_pj(ptr, key);
			lang_verr(s->c, p, "state '%s': unknown field '%s' in %s",
			    s->name, key, what);
			free(p);
		}
	}
}

/* What Retry and Catch share: `field` must be an array of objects (each
 * a `noun`) with only the `allowed` fields and a valid ErrorEquals, the
 * one with States.ALL last; `each` then checks the rest of one element
 * (at pointer p). */
static void check_handlers(struct lang_sctx *s, json_object *state,
			   const char *field, const char *noun,
			   const char *const *allowed,
			   void (*each)(struct lang_sctx *s, json_object *elem,
					const char *p))
{
	int present;
	json_object *r = lang_vfield(state, field, &present);
	if (!present)
		return;
	char *ptr = lang_pj(s->ptr, field);
	if (!json_object_is_type(r, json_type_array)) {
		lang_verr(s->c, ptr, "state '%s': %s must be an array of %ss",
		    s->name, field, noun);
		free(ptr);
		return;
	}
	char a_noun[32];
	snprintf(a_noun, sizeof(a_noun), "a %s", noun);
	size_t n = json_object_array_length(r);
	for (size_t i = 0; i < n; i++) {
		json_object *elem = json_object_array_get_idx(r, i);
		char *p = lang_pji(ptr, i);
		if (!json_object_is_type(elem, json_type_object)) {
			lang_verr(s->c, p, "state '%s': %s must be an object",
			    s->name, a_noun);
			free(p);
			continue;
		}
		lang_check_unknown_fields(s, elem, p, a_noun, allowed);
		if (lang_check_error_equals(s, p, elem, field) && i + 1 != n)
			lang_verr(s->c, p,
			    "state '%s': the %s with States.ALL must be "
			    "the last one",
			    s->name, noun);
		each(s, elem, p);
		free(p);
	}
	free(ptr);
}

/* One retrier's own fields. */
static void check_retrier(struct lang_sctx *s, json_object *rt, const char *p)
{
	static const char *const ints[] = {"IntervalSeconds",
					   "MaxAttempts",
					   "MaxDelaySeconds"};
	for (int k = 0; k < 3; k++) {
		int pr;
		json_object *v = lang_vfield(rt, ints[k], &pr);
		if (!pr)
			continue;
		char *pf = lang_pj(p, ints[k]);
		int64_t min = k == 1 ? 0 : 1;
		if (!lang_is_int_value(v) || json_object_get_int64(v) < min)
			lang_verr(s->c, pf,
			    "state '%s': Retry %s must be a %s integer",
			    s->name, ints[k],
			    min ? "positive" : "non-negative");
		free(pf);
	}
	int pr;
	json_object *v = lang_vfield(rt, "BackoffRate", &pr);
	if (pr) {
		char *pf = lang_pj(p, "BackoffRate");
		if ((!json_object_is_type(v, json_type_int) &&
		     !json_object_is_type(v, json_type_double)) ||
		    json_object_get_double(v) < 1.0)
			lang_verr(s->c, pf,
			    "state '%s': Retry BackoffRate must be a "
			    "number >= 1.0",
			    s->name);
		free(pf);
	}
	v = lang_vfield(rt, "JitterStrategy", &pr);
	if (pr) {
		char *pf = lang_pj(p, "JitterStrategy");
		const char *js = json_object_get_string(v);
		if (!json_object_is_type(v, json_type_string) ||
		    (strcmp(js, "FULL") != 0 && strcmp(js, "NONE") != 0))
			lang_verr(s->c, pf,
			    "state '%s': Retry JitterStrategy must be "
			    "FULL or NONE",
			    s->name);
		free(pf);
	}
}

void lang_check_retry(struct lang_sctx *s, json_object *state)
{
	static const char *const allowed[] = {
		"ErrorEquals",	   "IntervalSeconds", "MaxAttempts",
		"BackoffRate",	   "MaxDelaySeconds", "JitterStrategy",
		"Comment",	   NULL};
	check_handlers(s, state, "Retry", "retrier", allowed, check_retrier);
}

/* One catcher's own fields. */
static void check_catcher(struct lang_sctx *s, json_object *ct, const char *p)
{
	int pr;
	json_object *next = lang_vfield(ct, "Next", &pr);
	char *pn = lang_pj(p, "Next");
	if (!pr)
		lang_verr(s->c, p, "state '%s': a catcher needs Next",
		    s->name);
	else
		lang_check_target(s, pn, "Catch Next", next);
	free(pn);
	if (s->jsonata)
		return; /* Output and Assign: lang_validate_jsonata.c */
	/* ResultPath of a catcher: same rules as the state's */
	struct lang_sctx sub = *s;
	sub.ptr = p;
	lang_check_path_field(&sub, ct, "ResultPath", 2, 1);
	lang_check_assign(&sub, ct, p);
}

void lang_check_catch(struct lang_sctx *s, json_object *state)
{
	static const char *const allowed[] = {"ErrorEquals", "Next",
					      "ResultPath", "Assign", "Comment",
					      NULL};
	static const char *const jsonata[] = {"ErrorEquals", "Next", "Output",
					      "Assign", "Comment", NULL};
	check_handlers(s, state, "Catch", "catcher", s->jsonata ? jsonata : allowed,
		       check_catcher);
}

/* Next / End for the state types that transition. */
void lang_check_next_end(struct lang_sctx *s, json_object *state)
{
	int has_next, has_end;
	json_object *next = lang_vfield(state, "Next", &has_next);
	json_object *end = lang_vfield(state, "End", &has_end);
	if (has_next && has_end) {
		char *p = lang_pj(s->ptr, "End");
		lang_verr(s->c, p, "state '%s': has both Next and End", s->name);
		free(p);
	} else if (!has_next && !has_end) {
		lang_verr(s->c, s->ptr,
		    "state '%s': needs Next (a state name) or \"End\": true",
		    s->name);
	}
	if (has_next) {
		char *p = lang_pj(s->ptr, "Next");
		lang_check_target(s, p, "Next", next);
		free(p);
	}
	if (has_end && (!json_object_is_type(end, json_type_boolean) ||
			!json_object_get_boolean(end))) {
		char *p = lang_pj(s->ptr, "End");
		lang_verr(s->c, p, "state '%s': End must be true (or left out)",
		    s->name);
		free(p);
	}
}

void lang_check_string_field(struct lang_sctx *s, json_object *state,
			     const char *fname)
{
	int present;
	json_object *v = lang_vfield(state, fname, &present);
	if (present && !json_object_is_type(v, json_type_string)) {
		char *p = lang_pj(s->ptr, fname);
		lang_verr(s->c, p, "state '%s': %s must be a string", s->name, fname);
		free(p);
	}
}

/* Exactly one (or at most one, if !required) of the fields. */
void lang_one_of(struct lang_sctx *s, json_object *state,
		 const char *const *names, int required)
{
	const char *first = NULL;
	for (size_t k = 0; names[k]; k++) {
		if (!json_object_object_get_ex(state, names[k], NULL))
			continue;
		if (first != NULL) {
			char *p = lang_pj(s->ptr, names[k]);
			lang_verr(s->c, p, "state '%s': %s and %s cannot both be set",
			    s->name, first, names[k]);
			free(p);
		} else {
			first = names[k];
		}
	}
	if (required && first == NULL) {
		char list[256] = "";
		for (size_t k = 0; names[k]; k++) {
			size_t l = strlen(list);
			snprintf(list + l, sizeof(list) - l, "%s%s",
				 k ? (names[k + 1] ? ", " : " or ") : "",
				 names[k]);
		}
		lang_verr(s->c, s->ptr, "state '%s': needs one of %s", s->name, list);
	}
}

/* A path-or-intrinsic field (Fail ErrorPath/CausePath). */
void lang_check_dynamic_field(struct lang_sctx *s, json_object *state,
			      const char *fname)
{
	int present;
	json_object *v = lang_vfield(state, fname, &present);
	if (!present)
		return;
	char *p = lang_pj(s->ptr, fname);
	char why[400] = "";
	const char *str = json_object_get_string(v);
	if (!json_object_is_type(v, json_type_string))
		lang_verr(s->c, p, "state '%s': %s must be a path or an intrinsic "
			     "function call",
		    s->name, fname);
	else if (pw_intrinsic_is_call(str)) {
		if (pw_intrinsic_check(str, why, sizeof(why)))
			lang_verr(s->c, p, "state '%s': %s: %s", s->name, fname, why);
	} else if (!pw_path_valid(str, why, sizeof(why)))
		lang_verr(s->c, p, "state '%s': %s: bad path '%s': %s", s->name,
		    fname, str, why);
	free(p);
}

/*
 * pw_validate - static checks of an ASL workflow: fields and their types
 * per state type, transitions, reachability, paths, intrinsic calls,
 * Choice rules, Retry/Catch, Task resources. Every problem is reported
 * with the position of the offending field; nothing stops at the first.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_choice.h"
#include "pw_intrinsic.h"
#include "pw_path.h"
#include "pw_validate.h"

#define MAX_NAME 80 /* ASL: state names are at most 80 characters */

struct vctx {
	const pw_doc *doc;
	pw_resource_check_fn check;
	void *check_ud;
	pw_diag_list *out;
	char *workflow_dir;
	int errors;
	json_object *all_names; /* every state name in the document */
};

/* --- diagnostics ---------------------------------------------------------- */

void pw_diag_list_free(pw_diag_list *l)
{
	if (l == NULL)
		return;
	free(l->items);
	l->items = NULL;
	l->count = l->cap = 0;
}

static void vadd(struct vctx *c, int warning, const char *ptr,
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

static void warn(struct vctx *c, const char *ptr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warn(struct vctx *c, const char *ptr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vadd(c, 1, ptr, fmt, ap);
	va_end(ap);
}

static void err(struct vctx *c, const char *ptr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void err(struct vctx *c, const char *ptr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vadd(c, 0, ptr, fmt, ap);
	va_end(ap);
}

/* --- JSON pointers -------------------------------------------------------- */

/* base + "/" + key (RFC 6901 escaped). Caller frees. */
static char *pj(const char *base, const char *key)
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

static char *pji(const char *base, size_t i)
{
	char num[32];
	snprintf(num, sizeof(num), "%zu", i);
	return pj(base, num);
}

/* --- field helpers -------------------------------------------------------- */

static json_object *field(json_object *o, const char *name, int *present)
{
	json_object *v = NULL;
	int p = json_object_object_get_ex(o, name, &v);
	if (present)
		*present = p;
	return v;
}

static int is_int_value(json_object *v)
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
	"States.Permissions",
	"States.ResultPathMatchFailure",
	"States.ResultWriterFailed",
	"States.Runtime",
	"States.TaskFailed",
	"States.Timeout",
	"States.BranchFailed",
	NULL,
};

struct sctx {
	struct vctx *c;
	const char *name;      /* state name, for messages */
	const char *ptr;       /* pointer of the state object */
	json_object *states;   /* the enclosing machine's States */
	json_object *edges;    /* array of target names (for reachability) */
};

/* A field that must name a state of the same machine. */
static void check_target(struct sctx *s, const char *ptr, const char *what,
			 json_object *v)
{
	if (!json_object_is_type(v, json_type_string)) {
		err(s->c, ptr, "state '%s': %s must be a state name (a string)",
		    s->name, what);
		return;
	}
	const char *t = json_object_get_string(v);
	if (!json_object_object_get_ex(s->states, t, NULL)) {
		err(s->c, ptr, "state '%s': %s names no state: '%s'", s->name,
		    what, t);
		return;
	}
	json_object_array_add(s->edges, json_object_new_string(t));
}

static void check_path_field(struct sctx *s, json_object *state,
			     const char *fname, int reference, int allow_null)
{
	int present;
	json_object *v = field(state, fname, &present);
	if (!present)
		return;
	char *ptr = pj(s->ptr, fname);
	char why[256] = "";
	if (v == NULL) {
		if (!allow_null)
			err(s->c, ptr, "state '%s': %s must be a path, not null",
			    s->name, fname);
	} else if (!json_object_is_type(v, json_type_string)) {
		err(s->c, ptr, "state '%s': %s must be a path string%s",
		    s->name, fname, allow_null ? " or null" : "");
	} else if (!pw_path_valid(json_object_get_string(v), why,
				  sizeof(why))) {
		err(s->c, ptr, "state '%s': %s: bad path '%s': %s", s->name,
		    fname, json_object_get_string(v), why);
	} else if (reference &&
		   (!pw_path_is_reference(json_object_get_string(v)) ||
		    (reference == 2 &&
		     strncmp(json_object_get_string(v), "$$", 2) == 0))) {
		err(s->c, ptr,
		    "state '%s': %s must be a reference path (only .name, "
		    "['name'] and [index] steps%s): '%s'",
		    s->name, fname, reference == 2 ? ", not into $$" : "",
		    json_object_get_string(v));
	}
	free(ptr);
}

/* A payload template: every "key.$" holds a valid path or intrinsic. */
static void check_template(struct sctx *s, const char *ptr, json_object *t,
			   const char *fname, int depth)
{
	if (depth > 64)
		return;
	if (json_object_is_type(t, json_type_array)) {
		size_t n = json_object_array_length(t);
		for (size_t i = 0; i < n; i++) {
			char *p = pji(ptr, i);
			check_template(s, p, json_object_array_get_idx(t, i),
				       fname, depth + 1);
			free(p);
		}
		return;
	}
	if (!json_object_is_type(t, json_type_object))
		return;
	json_object_object_foreach(t, key, val)
	{
		char *p = pj(ptr, key);
		size_t klen = strlen(key);
		if (klen > 2 && strcmp(key + klen - 2, ".$") == 0) {
			char why[400] = "";
			const char *v = json_object_get_string(val);
			if (!json_object_is_type(val, json_type_string))
				err(s->c, p,
				    "state '%s': %s: '%s' must be a path or "
				    "an intrinsic function call (a string)",
				    s->name, fname, key);
			else if (pw_intrinsic_is_call(v)) {
				if (pw_intrinsic_check(v, why, sizeof(why)))
					err(s->c, p,
					    "state '%s': %s: '%s': %s",
					    s->name, fname, key, why);
			} else if (!pw_path_valid(v, why, sizeof(why))) {
				err(s->c, p,
				    "state '%s': %s: '%s': bad path '%s': %s",
				    s->name, fname, key, v, why);
			}
		} else {
			check_template(s, p, val, fname, depth + 1);
		}
		free(p);
	}
}

static void check_template_field(struct sctx *s, json_object *state,
				 const char *fname)
{
	int present;
	json_object *v = field(state, fname, &present);
	if (!present)
		return;
	char *ptr = pj(s->ptr, fname);
	if (!json_object_is_type(v, json_type_object))
		err(s->c, ptr, "state '%s': %s must be an object", s->name,
		    fname);
	else
		check_template(s, ptr, v, fname, 0);
	free(ptr);
}

static void check_positive_int(struct sctx *s, json_object *state,
			       const char *fname, int allow_zero)
{
	int present;
	json_object *v = field(state, fname, &present);
	if (!present)
		return;
	char *ptr = pj(s->ptr, fname);
	if (!is_int_value(v) || json_object_get_int64(v) < (allow_zero ? 0 : 1))
		err(s->c, ptr, "state '%s': %s must be a %s integer", s->name,
		    fname, allow_zero ? "non-negative" : "positive");
	free(ptr);
}

/* ErrorEquals of a retrier or catcher. Returns 1 if it holds States.ALL. */
static int check_error_equals(struct sctx *s, const char *ptr,
			      json_object *rule, const char *what)
{
	int present, has_all = 0;
	json_object *ee = field(rule, "ErrorEquals", &present);
	char *p = pj(ptr, "ErrorEquals");
	if (!present) {
		err(s->c, ptr, "state '%s': %s needs ErrorEquals", s->name,
		    what);
	} else if (!json_object_is_type(ee, json_type_array) ||
		   json_object_array_length(ee) == 0) {
		err(s->c, p,
		    "state '%s': %s ErrorEquals must be a non-empty array of "
		    "error names",
		    s->name, what);
	} else {
		size_t n = json_object_array_length(ee);
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(ee, i);
			char *pe = pji(p, i);
			const char *name = json_object_get_string(e);
			if (!json_object_is_type(e, json_type_string) ||
			    name[0] == '\0') {
				err(s->c, pe,
				    "state '%s': %s ErrorEquals entries must "
				    "be error names (strings)",
				    s->name, what);
			} else if (strncmp(name, "States.", 7) == 0) {
				int known = 0;
				for (size_t k = 0; KNOWN_ERRORS[k]; k++)
					known |= !strcmp(KNOWN_ERRORS[k], name);
				if (!known)
					err(s->c, pe,
					    "state '%s': %s ErrorEquals: '%s' "
					    "is not a predefined States.* error "
					    "name",
					    s->name, what, name);
				if (strcmp(name, "States.ALL") == 0) {
					has_all = 1;
					if (n > 1)
						err(s->c, pe,
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

static void check_unknown_fields(struct sctx *s, json_object *rule,
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
			char *p = pj(ptr, key);
			err(s->c, p, "state '%s': unknown field '%s' in %s",
			    s->name, key, what);
			free(p);
		}
	}
}

static void check_retry(struct sctx *s, json_object *state)
{
	static const char *const allowed[] = {
		"ErrorEquals",	   "IntervalSeconds", "MaxAttempts",
		"BackoffRate",	   "MaxDelaySeconds", "JitterStrategy",
		"Comment",	   NULL};
	int present;
	json_object *r = field(state, "Retry", &present);
	if (!present)
		return;
	char *ptr = pj(s->ptr, "Retry");
	if (!json_object_is_type(r, json_type_array)) {
		err(s->c, ptr, "state '%s': Retry must be an array of retriers",
		    s->name);
		free(ptr);
		return;
	}
	size_t n = json_object_array_length(r);
	for (size_t i = 0; i < n; i++) {
		json_object *rt = json_object_array_get_idx(r, i);
		char *p = pji(ptr, i);
		if (!json_object_is_type(rt, json_type_object)) {
			err(s->c, p, "state '%s': a retrier must be an object",
			    s->name);
			free(p);
			continue;
		}
		check_unknown_fields(s, rt, p, "a retrier", allowed);
		if (check_error_equals(s, p, rt, "Retry") && i + 1 != n)
			err(s->c, p,
			    "state '%s': the retrier with States.ALL must be "
			    "the last one",
			    s->name);
		static const char *const ints[] = {"IntervalSeconds",
						   "MaxAttempts",
						   "MaxDelaySeconds"};
		for (int k = 0; k < 3; k++) {
			int pr;
			json_object *v = field(rt, ints[k], &pr);
			if (!pr)
				continue;
			char *pf = pj(p, ints[k]);
			int64_t min = k == 1 ? 0 : 1;
			if (!is_int_value(v) || json_object_get_int64(v) < min)
				err(s->c, pf,
				    "state '%s': Retry %s must be a %s integer",
				    s->name, ints[k],
				    min ? "positive" : "non-negative");
			free(pf);
		}
		int pr;
		json_object *v = field(rt, "BackoffRate", &pr);
		if (pr) {
			char *pf = pj(p, "BackoffRate");
			if ((!json_object_is_type(v, json_type_int) &&
			     !json_object_is_type(v, json_type_double)) ||
			    json_object_get_double(v) < 1.0)
				err(s->c, pf,
				    "state '%s': Retry BackoffRate must be a "
				    "number >= 1.0",
				    s->name);
			free(pf);
		}
		v = field(rt, "JitterStrategy", &pr);
		if (pr) {
			char *pf = pj(p, "JitterStrategy");
			const char *js = json_object_get_string(v);
			if (!json_object_is_type(v, json_type_string) ||
			    (strcmp(js, "FULL") != 0 && strcmp(js, "NONE") != 0))
				err(s->c, pf,
				    "state '%s': Retry JitterStrategy must be "
				    "FULL or NONE",
				    s->name);
			free(pf);
		}
		free(p);
	}
	free(ptr);
}

static void check_catch(struct sctx *s, json_object *state)
{
	static const char *const allowed[] = {"ErrorEquals", "Next",
					      "ResultPath", "Comment", NULL};
	int present;
	json_object *r = field(state, "Catch", &present);
	if (!present)
		return;
	char *ptr = pj(s->ptr, "Catch");
	if (!json_object_is_type(r, json_type_array)) {
		err(s->c, ptr, "state '%s': Catch must be an array of catchers",
		    s->name);
		free(ptr);
		return;
	}
	size_t n = json_object_array_length(r);
	for (size_t i = 0; i < n; i++) {
		json_object *ct = json_object_array_get_idx(r, i);
		char *p = pji(ptr, i);
		if (!json_object_is_type(ct, json_type_object)) {
			err(s->c, p, "state '%s': a catcher must be an object",
			    s->name);
			free(p);
			continue;
		}
		check_unknown_fields(s, ct, p, "a catcher", allowed);
		if (check_error_equals(s, p, ct, "Catch") && i + 1 != n)
			err(s->c, p,
			    "state '%s': the catcher with States.ALL must be "
			    "the last one",
			    s->name);
		int pr;
		json_object *next = field(ct, "Next", &pr);
		char *pn = pj(p, "Next");
		if (!pr)
			err(s->c, p, "state '%s': a catcher needs Next",
			    s->name);
		else
			check_target(s, pn, "Catch Next", next);
		free(pn);
		/* ResultPath of a catcher: same rules as the state's */
		struct sctx sub = *s;
		sub.ptr = p;
		check_path_field(&sub, ct, "ResultPath", 2, 1);
		free(p);
	}
	free(ptr);
}

/* Next / End for the state types that transition. */
static void check_next_end(struct sctx *s, json_object *state)
{
	int has_next, has_end;
	json_object *next = field(state, "Next", &has_next);
	json_object *end = field(state, "End", &has_end);
	if (has_next && has_end) {
		char *p = pj(s->ptr, "End");
		err(s->c, p, "state '%s': has both Next and End", s->name);
		free(p);
	} else if (!has_next && !has_end) {
		err(s->c, s->ptr,
		    "state '%s': needs Next (a state name) or \"End\": true",
		    s->name);
	}
	if (has_next) {
		char *p = pj(s->ptr, "Next");
		check_target(s, p, "Next", next);
		free(p);
	}
	if (has_end && (!json_object_is_type(end, json_type_boolean) ||
			!json_object_get_boolean(end))) {
		char *p = pj(s->ptr, "End");
		err(s->c, p, "state '%s': End must be true (or left out)",
		    s->name);
		free(p);
	}
}

static void check_string_field(struct sctx *s, json_object *state,
				const char *fname)
{
	int present;
	json_object *v = field(state, fname, &present);
	if (present && !json_object_is_type(v, json_type_string)) {
		char *p = pj(s->ptr, fname);
		err(s->c, p, "state '%s': %s must be a string", s->name, fname);
		free(p);
	}
}

/* Exactly one (or at most one, if !required) of the fields. */
static void one_of(struct sctx *s, json_object *state,
		   const char *const *names, int required)
{
	const char *first = NULL;
	for (size_t k = 0; names[k]; k++) {
		if (!json_object_object_get_ex(state, names[k], NULL))
			continue;
		if (first != NULL) {
			char *p = pj(s->ptr, names[k]);
			err(s->c, p, "state '%s': %s and %s cannot both be set",
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
		err(s->c, s->ptr, "state '%s': needs one of %s", s->name, list);
	}
}

/* A path-or-intrinsic field (Fail ErrorPath/CausePath). */
static void check_dynamic_field(struct sctx *s, json_object *state,
				const char *fname)
{
	int present;
	json_object *v = field(state, fname, &present);
	if (!present)
		return;
	char *p = pj(s->ptr, fname);
	char why[400] = "";
	const char *str = json_object_get_string(v);
	if (!json_object_is_type(v, json_type_string))
		err(s->c, p, "state '%s': %s must be a path or an intrinsic "
			     "function call",
		    s->name, fname);
	else if (pw_intrinsic_is_call(str)) {
		if (pw_intrinsic_check(str, why, sizeof(why)))
			err(s->c, p, "state '%s': %s: %s", s->name, fname, why);
	} else if (!pw_path_valid(str, why, sizeof(why)))
		err(s->c, p, "state '%s': %s: bad path '%s': %s", s->name,
		    fname, str, why);
	free(p);
}

static void validate_machine(struct vctx *c, const char *ptr,
			     json_object *m, int top);

static void check_task(struct sctx *s, json_object *state)
{
	int present;
	json_object *res = field(state, "Resource", &present);
	char *p = pj(s->ptr, "Resource");
	if (!present) {
		err(s->c, s->ptr, "state '%s': a Task needs a Resource",
		    s->name);
	} else if (!json_object_is_type(res, json_type_string) ||
		   json_object_get_string_len(res) == 0) {
		err(s->c, p, "state '%s': Resource must be a non-empty string",
		    s->name);
	} else if (s->c->check != NULL) {
		const char *const *required = NULL;
		char why[512] = "";
		const char *r = json_object_get_string(res);
		if (s->c->check(s->c->check_ud, r, s->c->workflow_dir,
				&required, why, sizeof(why)) != 0) {
			err(s->c, p, "state '%s': Resource '%s': %s", s->name,
			    r, why[0] ? why : "does not resolve");
		} else if (required != NULL) {
			/* only a literal Parameters object tells statically
			 * what the action receives */
			json_object *params = field(state, "Parameters", NULL);
			if (json_object_is_type(params, json_type_object)) {
				char *pp = pj(s->ptr, "Parameters");
				for (size_t k = 0; required[k]; k++) {
					char dyn[256];
					snprintf(dyn, sizeof(dyn), "%s.$",
						 required[k]);
					if (!json_object_object_get_ex(
						    params, required[k], NULL) &&
					    !json_object_object_get_ex(
						    params, dyn, NULL))
						err(s->c, pp,
						    "state '%s': Parameters "
						    "lack '%s', required by %s",
						    s->name, required[k], r);
				}
				free(pp);
			}
		}
	}
	free(p);
	static const char *const timeout[] = {"TimeoutSeconds",
					      "TimeoutSecondsPath", NULL};
	static const char *const heartbeat[] = {"HeartbeatSeconds",
						"HeartbeatSecondsPath", NULL};
	one_of(s, state, timeout, 0);
	one_of(s, state, heartbeat, 0);
	check_positive_int(s, state, "TimeoutSeconds", 0);
	check_positive_int(s, state, "HeartbeatSeconds", 0);
	check_path_field(s, state, "TimeoutSecondsPath", 1, 0);
	check_path_field(s, state, "HeartbeatSecondsPath", 1, 0);
	for (size_t k = 0; heartbeat[k]; k++)
		if (json_object_object_get_ex(state, heartbeat[k], NULL)) {
			char *ph = pj(s->ptr, heartbeat[k]);
			warn(s->c, ph,
			     "state '%s': %s is accepted but not enforced "
			     "(plugins send no heartbeats); TimeoutSeconds "
			     "bounds the step",
			     s->name, heartbeat[k]);
			free(ph);
		}
	json_object *to = field(state, "TimeoutSeconds", NULL);
	json_object *hb = field(state, "HeartbeatSeconds", NULL);
	if (is_int_value(to) && is_int_value(hb) &&
	    json_object_get_int64(hb) >= json_object_get_int64(to)) {
		char *ph = pj(s->ptr, "HeartbeatSeconds");
		err(s->c, ph,
		    "state '%s': HeartbeatSeconds must be smaller than "
		    "TimeoutSeconds",
		    s->name);
		free(ph);
	}
}

static void check_choice(struct sctx *s, json_object *state)
{
	int present;
	json_object *choices = field(state, "Choices", &present);
	char *p = pj(s->ptr, "Choices");
	if (!present) {
		err(s->c, s->ptr, "state '%s': a Choice needs Choices",
		    s->name);
	} else if (!json_object_is_type(choices, json_type_array) ||
		   json_object_array_length(choices) == 0) {
		err(s->c, p,
		    "state '%s': Choices must be a non-empty array of rules",
		    s->name);
	} else {
		size_t n = json_object_array_length(choices);
		for (size_t i = 0; i < n; i++) {
			json_object *rule = json_object_array_get_idx(choices, i);
			char *pr = pji(p, i);
			char why[400] = "", where[512] = "";
			if (pw_choice_rule_check(rule, why, sizeof(why), where,
						 sizeof(where)) != 0) {
				size_t need = strlen(pr) + strlen(where) + 1;
				char *full = malloc(need);
				if (full != NULL) {
					snprintf(full, need, "%s%s", pr, where);
					err(s->c, full,
					    "state '%s': Choices[%zu]: %s",
					    s->name, i, why);
					free(full);
				}
			}
			if (json_object_is_type(rule, json_type_object)) {
				int hn;
				json_object *next = field(rule, "Next", &hn);
				char *pn = pj(pr, "Next");
				if (!hn)
					err(s->c, pr,
					    "state '%s': Choices[%zu] needs "
					    "Next",
					    s->name, i);
				else
					check_target(s, pn, "Choice rule Next",
						     next);
				free(pn);
			}
			free(pr);
		}
	}
	free(p);
	json_object *def = field(state, "Default", &present);
	if (present) {
		char *pd = pj(s->ptr, "Default");
		check_target(s, pd, "Default", def);
		free(pd);
	}
}

static void check_wait(struct sctx *s, json_object *state)
{
	static const char *const which[] = {"Seconds", "SecondsPath",
					    "Timestamp", "TimestampPath", NULL};
	one_of(s, state, which, 1);
	check_positive_int(s, state, "Seconds", 1);
	check_path_field(s, state, "SecondsPath", 1, 0);
	check_path_field(s, state, "TimestampPath", 1, 0);
	int present;
	json_object *ts = field(state, "Timestamp", &present);
	if (present && (!json_object_is_type(ts, json_type_string) ||
			pw_timestamp_parse(json_object_get_string(ts), NULL))) {
		char *p = pj(s->ptr, "Timestamp");
		err(s->c, p,
		    "state '%s': Timestamp must be an RFC 3339 timestamp such "
		    "as 2026-01-31T12:00:00Z",
		    s->name);
		free(p);
	}
}

static void check_fail(struct sctx *s, json_object *state)
{
	static const char *const e[] = {"Error", "ErrorPath", NULL};
	static const char *const c[] = {"Cause", "CausePath", NULL};
	one_of(s, state, e, 0);
	one_of(s, state, c, 0);
	check_string_field(s, state, "Error");
	check_string_field(s, state, "Cause");
	check_dynamic_field(s, state, "ErrorPath");
	check_dynamic_field(s, state, "CausePath");
}

static void check_parallel(struct sctx *s, json_object *state)
{
	int present;
	json_object *b = field(state, "Branches", &present);
	char *p = pj(s->ptr, "Branches");
	if (!present)
		err(s->c, s->ptr, "state '%s': a Parallel needs Branches",
		    s->name);
	else if (!json_object_is_type(b, json_type_array) ||
		 json_object_array_length(b) == 0)
		err(s->c, p,
		    "state '%s': Branches must be a non-empty array of state "
		    "machines",
		    s->name);
	else
		for (size_t i = 0; i < json_object_array_length(b); i++) {
			char *pb = pji(p, i);
			validate_machine(s->c, pb,
					 json_object_array_get_idx(b, i), 0);
			free(pb);
		}
	free(p);
}

static void check_map(struct sctx *s, json_object *state)
{
	static const char *const proc[] = {"ItemProcessor", "Iterator", NULL};
	static const char *const sel[] = {"ItemSelector", "Parameters", NULL};
	static const char *const conc[] = {"MaxConcurrency",
					   "MaxConcurrencyPath", NULL};
	one_of(s, state, proc, 1);
	one_of(s, state, sel, 0);
	one_of(s, state, conc, 0);
	check_template_field(s, state, "ItemSelector");
	check_path_field(s, state, "ItemsPath", 1, 0);
	check_positive_int(s, state, "MaxConcurrency", 1);
	check_path_field(s, state, "MaxConcurrencyPath", 1, 0);
	for (size_t k = 0; proc[k]; k++) {
		json_object *m = field(state, proc[k], NULL);
		if (m == NULL)
			continue;
		char *p = pj(s->ptr, proc[k]);
		validate_machine(s->c, p, m, 0);
		free(p);
	}
}

enum { F_IO = 1, F_RESULT = 2, F_PARAMS = 4, F_TRANS = 8, F_ERRH = 16 };

struct state_type {
	const char *type;
	unsigned groups;
	const char *const extra[12];
};

static const struct state_type TYPES[] = {
	{"Task", F_IO | F_RESULT | F_PARAMS | F_TRANS | F_ERRH,
	 {"Resource", "TimeoutSeconds", "TimeoutSecondsPath",
	  "HeartbeatSeconds", "HeartbeatSecondsPath", NULL}},
	{"Pass", F_IO | F_PARAMS | F_TRANS, {"Result", "ResultPath", NULL}},
	{"Choice", F_IO, {"Choices", "Default", NULL}},
	{"Wait", F_IO | F_TRANS,
	 {"Seconds", "SecondsPath", "Timestamp", "TimestampPath", NULL}},
	{"Succeed", F_IO, {NULL}},
	{"Fail", 0, {"Error", "Cause", "ErrorPath", "CausePath", NULL}},
	{"Parallel", F_IO | F_RESULT | F_PARAMS | F_TRANS | F_ERRH,
	 {"Branches", NULL}},
	{"Map", F_IO | F_RESULT | F_PARAMS | F_TRANS | F_ERRH,
	 {"ItemProcessor", "Iterator", "ItemsPath", "ItemSelector",
	  "MaxConcurrency", "MaxConcurrencyPath", NULL}},
};

static int field_allowed(const struct state_type *t, const char *key)
{
	static const char *const io[] = {"InputPath", "OutputPath", NULL};
	static const char *const result[] = {"ResultPath", "ResultSelector",
					     NULL};
	static const char *const trans[] = {"Next", "End", NULL};
	static const char *const errh[] = {"Retry", "Catch", NULL};
	if (strcmp(key, "Type") == 0 || strcmp(key, "Comment") == 0)
		return 1;
	if ((t->groups & F_PARAMS) && strcmp(key, "Parameters") == 0)
		return 1;
	const struct {
		unsigned g;
		const char *const *names;
	} groups[] = {{F_IO, io}, {F_RESULT, result}, {F_TRANS, trans},
		      {F_ERRH, errh}};
	for (size_t g = 0; g < 4; g++)
		if (t->groups & groups[g].g)
			for (size_t k = 0; groups[g].names[k]; k++)
				if (strcmp(groups[g].names[k], key) == 0)
					return 1;
	for (size_t k = 0; t->extra[k]; k++)
		if (strcmp(t->extra[k], key) == 0)
			return 1;
	return 0;
}

static void validate_state(struct vctx *c, const char *ptr, const char *name,
			   json_object *state, json_object *states,
			   json_object *edges)
{
	struct sctx s = {c, name, ptr, states, edges};
	if (!json_object_is_type(state, json_type_object)) {
		err(c, ptr, "state '%s' must be an object", name);
		return;
	}
	int present;
	json_object *type = field(state, "Type", &present);
	char *ptype = pj(ptr, "Type");
	const struct state_type *t = NULL;
	if (!present) {
		err(c, ptr, "state '%s': missing Type", name);
	} else if (!json_object_is_type(type, json_type_string)) {
		err(c, ptype, "state '%s': Type must be a string", name);
	} else {
		for (size_t k = 0; k < sizeof(TYPES) / sizeof(TYPES[0]); k++)
			if (strcmp(TYPES[k].type, json_object_get_string(type)) ==
			    0)
				t = &TYPES[k];
		if (t == NULL)
			err(c, ptype,
			    "state '%s': unknown Type '%s' (Task, Choice, "
			    "Wait, Pass, Succeed, Fail, Parallel or Map)",
			    name, json_object_get_string(type));
	}
	free(ptype);
	if (t == NULL)
		return;

	json_object_object_foreach(state, key, val)
	{
		(void)val;
		if (field_allowed(t, key))
			continue;
		char *p = pj(ptr, key);
		err(c, p, "state '%s': unknown field '%s' in a %s state", name,
		    key, t->type);
		free(p);
	}

	check_string_field(&s, state, "Comment");
	if (t->groups & F_IO) {
		check_path_field(&s, state, "InputPath", 0, 1);
		check_path_field(&s, state, "OutputPath", 0, 1);
	}
	if (strcmp(t->type, "Pass") == 0 || (t->groups & F_RESULT))
		check_path_field(&s, state, "ResultPath", 2, 1);
	if (t->groups & F_RESULT)
		check_template_field(&s, state, "ResultSelector");
	if (t->groups & F_PARAMS)
		check_template_field(&s, state, "Parameters");
	if (t->groups & F_TRANS)
		check_next_end(&s, state);
	if (t->groups & F_ERRH) {
		check_retry(&s, state);
		check_catch(&s, state);
	}
	if (strcmp(t->type, "Task") == 0)
		check_task(&s, state);
	else if (strcmp(t->type, "Choice") == 0)
		check_choice(&s, state);
	else if (strcmp(t->type, "Wait") == 0)
		check_wait(&s, state);
	else if (strcmp(t->type, "Fail") == 0)
		check_fail(&s, state);
	else if (strcmp(t->type, "Parallel") == 0)
		check_parallel(&s, state);
	else if (strcmp(t->type, "Map") == 0)
		check_map(&s, state);
}

/* Map ItemProcessor.ProcessorConfig: only the inline Map exists here. */
static void check_processor_config(struct vctx *c, const char *ptr,
				   json_object *pc)
{
	if (!json_object_is_type(pc, json_type_object)) {
		err(c, ptr, "ProcessorConfig must be an object");
		return;
	}
	json_object_object_foreach(pc, key, val)
	{
		char *p = pj(ptr, key);
		if (strcmp(key, "Mode") == 0) {
			if (!json_object_is_type(val, json_type_string) ||
			    strcmp(json_object_get_string(val), "INLINE") != 0)
				err(c, p,
				    "ProcessorConfig Mode must be INLINE "
				    "(distributed Map is not supported)");
		} else if (strcmp(key, "ExecutionType") != 0) {
			err(c, p, "unknown field '%s' in ProcessorConfig", key);
		}
		free(p);
	}
}

static void validate_machine(struct vctx *c, const char *ptr, json_object *m,
			     int top)
{
	static const char *const top_fields[] = {
		"StartAt", "States", "Comment", "Version", "TimeoutSeconds",
		"QueryLanguage", NULL};
	static const char *const nested_fields[] = {
		"StartAt", "States", "Comment", "ProcessorConfig", NULL};
	const char *where = top ? "the workflow" : "a nested state machine";

	if (!json_object_is_type(m, json_type_object)) {
		err(c, ptr, "%s must be an object with StartAt and States",
		    top ? "the workflow" : "a nested state machine");
		return;
	}
	json_object_object_foreach(m, key, val)
	{
		const char *const *allowed = top ? top_fields : nested_fields;
		int ok = 0;
		for (size_t k = 0; allowed[k] && !ok; k++)
			ok = strcmp(allowed[k], key) == 0;
		char *p = pj(ptr, key);
		if (!ok)
			err(c, p, "unknown field '%s' in %s", key, where);
		else if (strcmp(key, "QueryLanguage") == 0 &&
			 (!json_object_is_type(val, json_type_string) ||
			  strcmp(json_object_get_string(val), "JSONPath") != 0))
			err(c, p, "QueryLanguage: only JSONPath is supported");
		else if ((strcmp(key, "Comment") == 0 ||
			  strcmp(key, "Version") == 0) &&
			 !json_object_is_type(val, json_type_string))
			err(c, p, "%s must be a string", key);
		else if (strcmp(key, "TimeoutSeconds") == 0 &&
			 (!is_int_value(val) || json_object_get_int64(val) < 1))
			err(c, p, "TimeoutSeconds must be a positive integer");
		else if (strcmp(key, "ProcessorConfig") == 0)
			check_processor_config(c, p, val);
		free(p);
	}

	int has_states, has_start;
	json_object *states = field(m, "States", &has_states);
	json_object *start = field(m, "StartAt", &has_start);
	char *pstates = pj(ptr, "States");
	char *pstart = pj(ptr, "StartAt");
	if (!has_states || !json_object_is_type(states, json_type_object) ||
	    json_object_object_length(states) == 0) {
		err(c, has_states ? pstates : ptr,
		    "%s needs States: an object with at least one state",
		    where);
		states = NULL;
	}
	if (!has_start)
		err(c, ptr, "%s needs StartAt", where);
	else if (!json_object_is_type(start, json_type_string))
		err(c, pstart, "StartAt must be a state name (a string)");
	else if (states != NULL &&
		 !json_object_object_get_ex(states, json_object_get_string(start),
					    NULL))
		err(c, pstart, "StartAt names no state: '%s'",
		    json_object_get_string(start));

	if (states != NULL) {
		/* edges[i]: the targets of the i-th state, for reachability */
		json_object *graph = json_object_new_object();
		json_object_object_foreach(states, name, st)
		{
			char *p = pj(pstates, name);
			if (strlen(name) == 0 || strlen(name) > MAX_NAME)
				err(c, p,
				    "state name '%s' must be 1 to %d "
				    "characters long",
				    name, MAX_NAME);
			if (json_object_object_get_ex(c->all_names, name, NULL))
				err(c, p,
				    "state name '%s' is used twice (names must "
				    "be unique in the whole workflow, nested "
				    "branches included)",
				    name);
			else
				json_object_object_add(c->all_names, name, NULL);
			json_object *edges = json_object_new_array();
			json_object_object_add(graph, name, edges);
			validate_state(c, p, name, st, states, edges);
			free(p);
		}
		/* reachability from StartAt */
		json_object *seen = json_object_new_object();
		json_object *todo = json_object_new_array();
		if (json_object_is_type(start, json_type_string) &&
		    json_object_object_get_ex(states,
					      json_object_get_string(start), NULL))
			json_object_array_add(todo, json_object_get(start));
		for (size_t i = 0; i < json_object_array_length(todo); i++) {
			const char *n = json_object_get_string(
				json_object_array_get_idx(todo, i));
			if (json_object_object_get_ex(seen, n, NULL))
				continue;
			json_object_object_add(seen, n, NULL);
			json_object *edges = NULL;
			if (!json_object_object_get_ex(graph, n, &edges))
				continue;
			for (size_t k = 0; k < json_object_array_length(edges);
			     k++)
				json_object_array_add(
					todo, json_object_get(
						      json_object_array_get_idx(
							      edges, k)));
		}
		/* without a valid StartAt every state would be reported */
		if (json_object_object_length(seen) > 0) {
			json_object_object_foreach(states, name2, st2)
			{
				(void)st2;
				if (json_object_object_get_ex(seen, name2, NULL))
					continue;
				char *p = pj(pstates, name2);
				err(c, p,
				    "state '%s' is unreachable from StartAt "
				    "'%s'",
				    name2, json_object_get_string(start));
				free(p);
			}
		}
		json_object_put(seen);
		json_object_put(todo);
		json_object_put(graph);
	}
	free(pstates);
	free(pstart);
}

/* Orders the diagnostics added since `from` by line and column (stable:
 * problems at the same place keep the order they were found in). */
static void sort_diags(pw_diag_list *l, size_t from)
{
	if (l == NULL)
		return;
	for (size_t i = from + 1; i < l->count; i++) {
		pw_diag d = l->items[i];
		size_t j = i;
		while (j > from && (l->items[j - 1].line > d.line ||
				    (l->items[j - 1].line == d.line &&
				     l->items[j - 1].column > d.column))) {
			l->items[j] = l->items[j - 1];
			j--;
		}
		l->items[j] = d;
	}
}

int pw_workflow_validate(const pw_doc *doc, pw_resource_check_fn check,
			 void *check_ud, pw_diag_list *out)
{
	struct vctx c = {doc, check, check_ud, out, NULL, 0, NULL};
	size_t first = out ? out->count : 0;
	const char *file = pw_doc_file(doc);
	const char *slash = file ? strrchr(file, '/') : NULL;

	c.workflow_dir = slash ? strndup(file, (size_t)(slash - file) + (slash == file))
			       : strdup(".");
	c.all_names = json_object_new_object();
	if (doc == NULL || pw_doc_root(doc) == NULL ||
	    !json_object_is_type(pw_doc_root(doc), json_type_object))
		err(&c, "", "the workflow must be an object with StartAt and "
			    "States");
	else
		validate_machine(&c, "", pw_doc_root(doc), 1);
	json_object_put(c.all_names);
	free(c.workflow_dir);
	sort_diags(out, first);
	return c.errors;
}

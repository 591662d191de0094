/*
 * pw_vars - workflow variables: scopes, Assign, limits, journal replay.
 */
#include <stdlib.h>
#include <string.h>

#include "pw_dataflow.h"
#include "pw_journal.h"
#include "pw_out.h"
#include "pw_redact.h"
#include "pw_secret_scan.h"
#include "pw_vars.h"

/* What every scope of one execution shares: the bytes all of them hold
 * (concurrent iterations add to it, hence the atomics). */
struct vars_root {
	size_t total;
};

struct pw_vars {
	const pw_vars *outer;
	struct vars_root *root;
	int owns_root;
	json_object *vals;  /* name -> value (deep copies, owned) */
	json_object *sizes; /* name -> bytes of its value */
	size_t bytes;
};

static _Thread_local const pw_vars *bound;

pw_vars *pw_vars_new(const pw_vars *outer)
{
	pw_vars *v = calloc(1, sizeof(*v));
	if (v == NULL)
		return NULL;
	v->outer = outer;
	if (outer != NULL) {
		v->root = outer->root;
	} else {
		v->root = calloc(1, sizeof(*v->root));
		v->owns_root = 1;
	}
	v->vals = json_object_new_object();
	v->sizes = json_object_new_object();
	if (v->root == NULL || v->vals == NULL || v->sizes == NULL) {
		pw_vars_free(v);
		return NULL;
	}
	return v;
}

void pw_vars_free(pw_vars *v)
{
	if (v == NULL)
		return;
	if (v->root != NULL)
		__atomic_sub_fetch(&v->root->total, v->bytes, __ATOMIC_RELAXED);
	if (v->owns_root)
		free(v->root);
	json_object_put(v->vals);
	json_object_put(v->sizes);
	if (bound == v)
		bound = NULL;
	free(v);
}

void pw_vars_bind(const pw_vars *v)
{
	bound = v;
}

const pw_vars *pw_vars_bound(void)
{
	return bound;
}

static const pw_vars *owner_of(const pw_vars *v, const char *name)
{
	for (; v != NULL; v = v->outer)
		if (json_object_object_get_ex(v->vals, name, NULL))
			return v;
	return NULL;
}

int pw_vars_get(const pw_vars *v, const char *name, json_object **copy)
{
	const pw_vars *s = owner_of(v, name);
	json_object *val = NULL;
	*copy = NULL;
	if (s == NULL)
		return 0;
	json_object_object_get_ex(s->vals, name, &val);
	/* A private copy: another thread may read the same value now, and
	 * json-c's reference counts are not atomic. */
	if (val != NULL && json_object_deep_copy(val, copy, NULL) != 0)
		*copy = NULL;
	return 1;
}

/* Compact JSON size of v (NULL: "null"). v must be private to the caller:
 * serializing writes into it. */
static size_t json_size(json_object *v)
{
	size_t n = 0;
	if (v == NULL)
		return 4;
	json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
					  &n);
	return n;
}

static int too_big(pw_error *err, const char *what, size_t n, size_t max)
{
	return pw_error_set(err, "States.DataLimitExceeded",
			    "%s is %zu bytes, over the %zu-byte limit of workflow variables", what,
			    n, max);
}

int pw_vars_eval(const pw_vars *v, json_object *assign, json_object *input,
		 json_object *context, const char *where, json_object **pending,
		 pw_error *err)
{
	json_object *vals = NULL;
	const pw_vars *was = bound;
	*pending = NULL;
	/* Every `$name` of this Assign reads the values from before it. */
	pw_vars_bind(v);
	int rc = pw_apply_template(assign, input, context, &vals, err);
	pw_vars_bind(was);
	if (rc != PW_OK)
		return PW_ERR;
	rc = pw_vars_prepare(vals, where, pending, err);
	json_object_put(vals);
	return rc;
}

static void add_visible(const pw_vars *v, json_object *all)
{
	if (v == NULL)
		return;
	add_visible(v->outer, all); /* outer first: an inner name wins */
	json_object_object_foreach(v->vals, name, val) {
		json_object *c = NULL;
		if (val != NULL && json_object_deep_copy(val, &c, NULL) != 0)
			continue;
		json_object_object_add(all, name, c);
	}
}

json_object *pw_vars_visible(const pw_vars *v)
{
	json_object *all = json_object_new_object();
	if (all != NULL)
		add_visible(v, all);
	return all;
}

int pw_vars_prepare(json_object *vals, const char *where, json_object **pending,
		    pw_error *err)
{
	*pending = NULL;
	/* Owned copies: a literal value is still the workflow's node. */
	json_object *own = json_object_new_object();
	size_t sum = 0;
	json_object_object_foreach(vals, name, val) {
		json_object *c = NULL;
		if (val != NULL && json_object_deep_copy(val, &c, NULL) != 0) {
			json_object_put(own);
			return pw_error_set(err, "States.Runtime", "out of memory");
		}
		json_object_object_add(own, name, c);
		size_t n = json_size(c);
		sum += n;
		if (n > PW_VARS_MAX_VALUE) {
			char what[200];
			snprintf(what, sizeof(what), "%s: the value of $%.80s", where, name);
			json_object_put(own);
			return too_big(err, what, n, PW_VARS_MAX_VALUE);
		}
	}
	if (sum > PW_VARS_MAX_ASSIGN) {
		json_object_put(own);
		char what[200];
		snprintf(what, sizeof(what), "%s: all its values together", where);
		return too_big(err, what, sum, PW_VARS_MAX_ASSIGN);
	}
	*pending = own;
	return PW_OK;
}

/* Registers the string and number leaves of a secret-named variable's value. */
static void register_secrets(json_object *val)
{
	if (json_object_is_type(val, json_type_string)) {
		pw_secret_add(json_object_get_string(val));
	} else if (json_object_is_type(val, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(val); i++)
			register_secrets(json_object_array_get_idx(val, i));
	} else if (json_object_is_type(val, json_type_object)) {
		json_object_object_foreach(val, k, m) {
			(void)k;
			register_secrets(m);
		}
	} else if (val != NULL && !json_object_is_type(val, json_type_boolean)) {
		/* A number's text: a PIN can be a secret. "true" and "false"
		 * cannot, and would be redacted from every later output. */
		pw_secret_add(json_object_get_string(val));
	}
}

/* 1 when val's JSON text holds a registered secret (an output would lose it). */
static int holds_secret(json_object *val)
{
	int changed = 0;
	char *t = pw_out_json_text(val, &changed);
	free(t);
	return changed;
}

int pw_vars_commit(pw_vars *v, json_object *pending, json_object **lost, pw_error *err)
{
	long delta = 0;
	if (lost != NULL)
		*lost = NULL;
	json_object_object_foreach(pending, name, val) {
		if (owner_of(v->outer, name) != NULL)
			return pw_error_set(err, "States.Runtime",
					    "cannot assign $%.80s here: it belongs to an outer scope "
					    "(a Map iteration or Parallel branch reads the variables "
					    "around it but cannot assign them)", name);
		json_object *old = NULL;
		if (json_object_object_get_ex(v->sizes, name, &old))
			delta -= (long)json_object_get_int64(old);
		delta += (long)json_size(val);
	}
	size_t total = __atomic_add_fetch(&v->root->total, (size_t)delta, __ATOMIC_RELAXED);
	if (delta > 0 && total > PW_VARS_MAX_TOTAL) {
		__atomic_sub_fetch(&v->root->total, (size_t)delta, __ATOMIC_RELAXED);
		return too_big(err, "the variables of this execution", total, PW_VARS_MAX_TOTAL);
	}
	v->bytes = (size_t)((long)v->bytes + delta);
	json_object_object_foreach(pending, name2, val2) {
		json_object *c = NULL;
		if (val2 != NULL)
			json_object_deep_copy(val2, &c, NULL);
		if (pw_secret_scan_name_is_secret(name2))
			register_secrets(c);
		json_object_object_add(v->sizes, name2, json_object_new_int64((int64_t)json_size(c)));
		json_object_object_add(v->vals, name2, c);
		if (lost != NULL && holds_secret(c)) {
			if (*lost == NULL)
				*lost = json_object_new_array();
			json_object_array_add(*lost, json_object_new_string(name2));
		}
	}
	return PW_OK;
}

json_object *pw_vars_snapshot(const pw_vars *v)
{
	json_object *o = NULL;
	if (json_object_deep_copy(v->vals, &o, NULL) != 0)
		return json_object_new_object();
	return o;
}

size_t pw_vars_size(const pw_vars *v)
{
	return v->bytes;
}

size_t pw_vars_total(const pw_vars *v)
{
	return __atomic_load_n(&v->root->total, __ATOMIC_RELAXED);
}

int pw_vars_restore(pw_vars *v, json_object *values, pw_error *err)
{
	return pw_vars_commit(v, values, NULL, err);
}

static const char *ev_str(json_object *ev, const char *key)
{
	json_object *s = NULL;
	return json_object_object_get_ex(ev, key, &s) ? json_object_get_string(s) : NULL;
}

/* Marks (or unmarks) each name of names in lostset. */
static void mark(json_object *lostset, json_object *names, json_object *assigned)
{
	json_object_object_foreach(assigned, name, val) {
		(void)val;
		json_object_object_del(lostset, name);
	}
	for (size_t i = 0; names != NULL && i < json_object_array_length(names); i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(names, i));
		if (n != NULL)
			json_object_object_add(lostset, n, json_object_new_boolean(1));
	}
}

json_object *pw_vars_replay(json_object *events, long upto, json_object **lost)
{
	json_object *vals = json_object_new_object(), *lostset = json_object_new_object();
	for (long i = 0; i <= upto && i < (long)json_object_array_length(events); i++) {
		json_object *ev = json_object_array_get_idx(events, (size_t)i);
		const char *type = ev_str(ev, "type");
		json_object *assigned = NULL, *names = NULL;
		if (type == NULL || json_object_object_get_ex(ev, "scope", NULL))
			continue;
		json_object_object_get_ex(ev, "variablesRedacted", &names);
		if (strcmp(type, "ExecutionResumed") == 0) {
			/* It continued from an earlier point: its snapshot is
			 * the whole scope then. */
			json_object_put(vals);
			json_object_put(lostset);
			vals = json_object_new_object();
			lostset = json_object_new_object();
			if (!json_object_object_get_ex(ev, "variables", &assigned))
				continue;
		} else if (strcmp(type, "StateExited") != 0 ||
			   !json_object_object_get_ex(ev, "assignedVariables", &assigned)) {
			continue;
		}
		json_object_object_foreach(assigned, name, val)
			json_object_object_add(vals, name, json_object_get(val));
		mark(lostset, names, assigned);
	}
	json_object *out = NULL;
	if (json_object_deep_copy(vals, &out, NULL) != 0)
		out = json_object_new_object();
	json_object_put(vals);
	*lost = json_object_new_array();
	json_object_object_foreach(lostset, n, b) {
		(void)b;
		json_object_array_add(*lost, json_object_new_string(n));
	}
	json_object_put(lostset);
	return out;
}

int pw_vars_lost_at(json_object *events, long k)
{
	json_object *lost = NULL;
	json_object_put(pw_vars_replay(events, k, &lost));
	int n = (int)json_object_array_length(lost);
	json_object_put(lost);
	return n > 0;
}

int pw_vars_resume(pw_vars *v, json_object *events, json_object *last, json_object *resumed,
		   pw_error *err)
{
	long k = -1, n = (long)json_object_array_length(events);
	if (v == NULL)
		return pw_error_set(err, "States.Runtime", "out of memory");
	for (long i = 0; i < n && last != NULL; i++)
		if (json_object_array_get_idx(events, (size_t)i) == last)
			k = i;
	json_object *lost = NULL, *vals = pw_vars_replay(events, k, &lost);
	json_object_put(lost); /* empty: the resume point is before any loss */
	int rc = pw_vars_restore(v, vals, err);
	if (rc == PW_OK && json_object_object_length(vals) > 0)
		json_object_object_add(resumed, "variables", json_object_get(vals));
	json_object_put(vals);
	return rc;
}

/*
 * pw_path - ASL JsonPath evaluation against the state input or the context
 * object, and writing at a reference path (ResultPath). Parsing is in
 * lang_path.c.
 */
#include <stdlib.h>
#include <string.h>

#include "lang_path.h"
#include "pw_path.h"
#include "pw_vars.h"

int pw_path_valid(const char *expr, char *why, size_t why_len)
{
	struct lang_path *p = NULL;
	if (lang_path_parse(expr, expr ? strlen(expr) : 0, &p, why,
			    why_len) != 0)
		return 0;
	lang_path_free(p);
	return 1;
}

int pw_path_is_reference(const char *expr)
{
	struct lang_path *p = NULL;
	if (lang_path_parse(expr, expr ? strlen(expr) : 0, &p, NULL, 0) != 0)
		return 0;
	int ok = lang_path_is_definite(p);
	for (size_t i = 0; ok && i < p->n; i++)
		if (p->steps[i].kind == LANG_STEP_INDEX &&
		    p->steps[i].index < 0)
			ok = 0;
	lang_path_free(p);
	return ok;
}

/* --- evaluation ----------------------------------------------------------- */

/* A list of selected nodes (borrowed; NULL entries are JSON null). */
struct nodes {
	json_object **v;
	size_t n, cap;
	int oom;
};

static void nodes_add(struct nodes *l, json_object *o)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		json_object **v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL) {
			l->oom = 1;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = o;
}

/* Resolves a definite relative path (a filter's @...) under node. */
static int rel_get(const struct lang_path *rel, json_object *node,
		   json_object **out)
{
	json_object *cur = node;
	for (size_t i = 0; i < rel->n; i++) {
		const struct lang_step *st = &rel->steps[i];
		if (st->kind == LANG_STEP_NAME) {
			if (!json_object_is_type(cur, json_type_object) ||
			    !json_object_object_get_ex(cur, st->name, &cur))
				return -1;
		} else {
			if (!json_object_is_type(cur, json_type_array))
				return -1;
			long len = (long)json_object_array_length(cur);
			long idx = st->index < 0 ? len + st->index : st->index;
			if (idx < 0 || idx >= len)
				return -1;
			cur = json_object_array_get_idx(cur, (size_t)idx);
		}
	}
	*out = cur;
	return 0;
}

static int is_number(json_object *o)
{
	return json_object_is_type(o, json_type_int) ||
	       json_object_is_type(o, json_type_double);
}

static int filter_match(const struct lang_step *st, json_object *elem)
{
	json_object *v = NULL;
	if (rel_get(st->filter_path, elem, &v) != 0)
		return 0;
	if (st->op == LANG_OP_EXISTS)
		return 1;
	int cmp;
	json_object *lit = st->literal;
	if (is_number(v) && is_number(lit)) {
		double a = json_object_get_double(v);
		double b = json_object_get_double(lit);
		cmp = a < b ? -1 : a > b ? 1 : 0;
	} else if (json_object_is_type(v, json_type_string) &&
		   json_object_is_type(lit, json_type_string)) {
		cmp = strcmp(json_object_get_string(v),
			     json_object_get_string(lit));
	} else if (json_object_is_type(v, json_type_boolean) &&
		   json_object_is_type(lit, json_type_boolean)) {
		cmp = json_object_get_boolean(v) != json_object_get_boolean(lit);
		if (st->op != LANG_OP_EQ && st->op != LANG_OP_NE)
			return 0;
	} else if (v == NULL && lit == NULL) {
		cmp = 0;
		if (st->op != LANG_OP_EQ && st->op != LANG_OP_NE)
			return 0;
	} else {
		/* different types: only "not equal" holds */
		return st->op == LANG_OP_NE;
	}
	switch (st->op) {
	case LANG_OP_EQ: return cmp == 0;
	case LANG_OP_NE: return cmp != 0;
	case LANG_OP_LT: return cmp < 0;
	case LANG_OP_LE: return cmp <= 0;
	case LANG_OP_GT: return cmp > 0;
	case LANG_OP_GE: return cmp >= 0;
	default: return 0;
	}
}

/* Applies one non-recursive step to node, appending matches to out. */
static void step_apply(const struct lang_step *st, json_object *node,
		       struct nodes *out)
{
	json_object *v = NULL;
	switch (st->kind) {
	case LANG_STEP_NAME:
		if (json_object_is_type(node, json_type_object) &&
		    json_object_object_get_ex(node, st->name, &v))
			nodes_add(out, v);
		break;
	case LANG_STEP_INDEX:
		if (json_object_is_type(node, json_type_array)) {
			long len = (long)json_object_array_length(node);
			long idx = st->index < 0 ? len + st->index : st->index;
			if (idx >= 0 && idx < len)
				nodes_add(out, json_object_array_get_idx(
						       node, (size_t)idx));
		}
		break;
	case LANG_STEP_WILDCARD:
		if (json_object_is_type(node, json_type_object)) {
			json_object_object_foreach(node, k, child)
			{
				(void)k;
				nodes_add(out, child);
			}
		} else if (json_object_is_type(node, json_type_array)) {
			size_t len = json_object_array_length(node);
			for (size_t i = 0; i < len; i++)
				nodes_add(out,
					  json_object_array_get_idx(node, i));
		}
		break;
	case LANG_STEP_SLICE:
		if (json_object_is_type(node, json_type_array)) {
			long len = (long)json_object_array_length(node);
			long a = st->has_start ? st->start : 0;
			long b = st->has_end ? st->end : len;
			if (a < 0)
				a = a + len < 0 ? 0 : a + len;
			if (b < 0)
				b = b + len < 0 ? 0 : b + len;
			if (a > len)
				a = len;
			if (b > len)
				b = len;
			for (long i = a; i < b; i++)
				nodes_add(out, json_object_array_get_idx(
						       node, (size_t)i));
		}
		break;
	case LANG_STEP_FILTER:
		if (json_object_is_type(node, json_type_array)) {
			size_t len = json_object_array_length(node);
			for (size_t i = 0; i < len; i++) {
				json_object *e =
					json_object_array_get_idx(node, i);
				if (filter_match(st, e))
					nodes_add(out, e);
			}
		} else if (json_object_is_type(node, json_type_object)) {
			json_object_object_foreach(node, k, child)
			{
				(void)k;
				if (filter_match(st, child))
					nodes_add(out, child);
			}
		}
		break;
	}
}

/* ..step: the step applied to node and to every descendant, pre-order. */
static void step_apply_recursive(const struct lang_step *st,
				 json_object *node, struct nodes *out,
				 int depth)
{
	if (depth > 256)
		return;
	step_apply(st, node, out);
	if (json_object_is_type(node, json_type_object)) {
		json_object_object_foreach(node, k, child)
		{
			(void)k;
			step_apply_recursive(st, child, out, depth + 1);
		}
	} else if (json_object_is_type(node, json_type_array)) {
		size_t len = json_object_array_length(node);
		for (size_t i = 0; i < len; i++)
			step_apply_recursive(
				st, json_object_array_get_idx(node, i), out,
				depth + 1);
	}
}

int pw_path_get(const char *expr, json_object *input, json_object *context,
		json_object **out, const char *missing_error, pw_error *err)
{
	struct lang_path *path = NULL;
	struct nodes cur = {0}, next = {0};
	char why[256];
	int rc = PW_ERR;

	*out = NULL;
	if (lang_path_parse(expr, expr ? strlen(expr) : 0, &path, why,
			    sizeof(why)) != 0)
		return pw_error_set(err, "States.Runtime",
				    "invalid path '%s': %s", expr ? expr : "",
				    why);
	json_object *var = NULL; /* a private copy of $name's value */
	if (path->var != NULL) {
		if (!pw_vars_get(pw_vars_bound(), path->var, &var)) {
			if (missing_error == NULL) {
				rc = 1;
				goto out;
			}
			pw_error_set(err, missing_error,
				     "path '%s': no variable named $%s has been "
				     "assigned", expr, path->var);
			goto out;
		}
		nodes_add(&cur, var);
	} else {
		nodes_add(&cur, path->context ? context : input);
	}
	for (size_t i = 0; i < path->n && !cur.oom; i++) {
		next.n = 0;
		for (size_t k = 0; k < cur.n; k++) {
			if (path->steps[i].recursive)
				step_apply_recursive(&path->steps[i],
						     cur.v[k], &next, 0);
			else
				step_apply(&path->steps[i], cur.v[k], &next);
		}
		struct nodes t = cur;
		cur = next;
		next = t;
	}
	if (cur.oom || next.oom) {
		pw_error_set(err, "States.Runtime", "out of memory");
		goto out;
	}
	if (lang_path_is_definite(path)) {
		if (cur.n == 0) {
			if (missing_error == NULL) {
				rc = 1;
				goto out;
			}
			pw_error_set(err, missing_error,
				     "path '%s' matched nothing in the %s",
				     expr,
				     path->var ? "variable"
				     : path->context ? "context object"
						     : "input");
			goto out;
		}
		*out = json_object_get(cur.v[0]);
	} else {
		json_object *arr = json_object_new_array_ext((int)cur.n);
		for (size_t k = 0; k < cur.n; k++)
			json_object_array_add(arr, json_object_get(cur.v[k]));
		*out = arr;
	}
	rc = PW_OK;
out:
	free(cur.v);
	free(next.v);
	json_object_put(var);
	lang_path_free(path);
	return rc;
}

/* The path in the bracket form Step Functions prints: $['a']['b'][0]. */
static void bracket_form(const char *expr, char *buf, size_t len)
{
	struct lang_path *path = NULL;
	size_t used = (size_t)snprintf(buf, len, "%s", "$");
	if (lang_path_parse(expr, strlen(expr), &path, NULL, 0) != 0)
		return;
	for (size_t i = 0; i < path->n && used < len; i++) {
		const struct lang_step *st = &path->steps[i];
		int n = st->kind == LANG_STEP_NAME
				? snprintf(buf + used, len - used, "['%s']", st->name)
				: snprintf(buf + used, len - used, "[%ld]", st->index);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	lang_path_free(path);
}

int pw_path_get_field(const char *expr, const char *field, json_object *input,
		      json_object *context, json_object **out, pw_error *err)
{
	/* $name: a variable keeps this engine's words (no variable named ...) */
	if (expr != NULL && expr[0] == '$' && expr[1] != '\0' && strchr(".[$", expr[1]) == NULL)
		return pw_path_get(expr, input, context, out, "States.Runtime", err);
	int rc = pw_path_get(expr, input, context, out, NULL, err);
	if (rc != 1)
		return rc;
	if (field == NULL) {
		char brackets[512];
		bracket_form(expr, brackets, sizeof(brackets));
		return pw_error_set(err, "States.Runtime",
				    "Invalid path '%s' : No results for path: %s", expr,
				    brackets);
	}
	json_object *doc = strncmp(expr, "$$", 2) == 0 ? context : input;
	return pw_error_set(err, "States.Runtime",
			    "The JSONPath '%s' specified for the field '%s' could not be found "
			    "in the input '%s'",
			    expr, field,
			    json_object_to_json_string_ext(
				    doc, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* --- writing (ResultPath) ------------------------------------------------- */

int pw_path_set(const char *expr, json_object **doc, json_object *value,
		pw_error *err)
{
	struct lang_path *path = NULL;
	char why[256];
	int rc = PW_ERR;

	if (lang_path_parse(expr, expr ? strlen(expr) : 0, &path, why,
			    sizeof(why)) != 0) {
		pw_error_set(err, "States.Runtime", "invalid path '%s': %s",
			     expr ? expr : "", why);
		goto fail;
	}
	if (path->context || path->var || !pw_path_is_reference(expr)) {
		pw_error_set(err, "States.Runtime",
			     "'%s' is not a reference path into the input "
			     "(no $$, variables, wildcards, filters, slices "
			     "or ..)",
			     expr);
		goto fail;
	}
	if (path->n == 0) {
		json_object_put(*doc);
		*doc = value;
		lang_path_free(path);
		return PW_OK;
	}
	json_object *cur = *doc;
	for (size_t i = 0; i < path->n; i++) {
		const struct lang_step *st = &path->steps[i];
		int last = i + 1 == path->n;
		if (st->kind == LANG_STEP_NAME) {
			if (!json_object_is_type(cur, json_type_object)) {
				pw_error_set(err, "States.ResultPathMatchFailure",
					     "cannot apply ResultPath '%s': "
					     "the value before '%s' is not an "
					     "object",
					     expr, st->name);
				goto fail;
			}
			if (last) {
				json_object_object_add(cur, st->name, value);
				value = NULL;
				break;
			}
			json_object *child = NULL;
			if (!json_object_object_get_ex(cur, st->name,
						       &child)) {
				child = json_object_new_object();
				json_object_object_add(cur, st->name, child);
			}
			cur = child;
		} else {
			long len = json_object_is_type(cur, json_type_array)
					   ? (long)json_object_array_length(cur)
					   : -1;
			if (st->index >= len) {
				pw_error_set(err, "States.ResultPathMatchFailure",
					     "cannot apply ResultPath '%s': "
					     "no array element [%ld] to write "
					     "into",
					     expr, st->index);
				goto fail;
			}
			if (last) {
				json_object_array_put_idx(cur, (size_t)st->index,
							  value);
				value = NULL;
				break;
			}
			cur = json_object_array_get_idx(cur, (size_t)st->index);
		}
	}
	rc = PW_OK;
fail:
	json_object_put(value);
	lang_path_free(path);
	return rc;
}

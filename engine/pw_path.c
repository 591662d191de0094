/*
 * pw_path - ASL JsonPath: parsing, evaluation against the state input or
 * the context object, and writing at a reference path (ResultPath).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lang_path.h"
#include "pw_path.h"

/* --- parsing ------------------------------------------------------------ */

struct pparse {
	const char *s;
	size_t i, len;
	char *why;
	size_t why_len;
};

static int perr(struct pparse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int perr(struct pparse *p, const char *fmt, ...)
{
	if (p->why != NULL && p->why_len > 0) {
		char msg[256];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		snprintf(p->why, p->why_len, "%s (at offset %zu)", msg, p->i);
	}
	return -1;
}

/* Characters that end a dotted name. */
static int name_char(char c)
{
	return c != '\0' && c != '.' && c != '[' && c != ']' && c != '(' &&
	       c != ')' && c != ',' && c != '\'' && c != '"' &&
	       !isspace((unsigned char)c);
}

static void step_clear(struct lang_step *st)
{
	free(st->name);
	lang_path_free(st->filter_path);
	json_object_put(st->literal);
}

void lang_path_free(struct lang_path *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++)
		step_clear(&p->steps[i]);
	free(p->steps);
	free(p);
}

static struct lang_step *add_step(struct lang_path *path)
{
	struct lang_step *s =
		realloc(path->steps, (path->n + 1) * sizeof(*path->steps));
	if (s == NULL)
		return NULL;
	path->steps = s;
	memset(&s[path->n], 0, sizeof(*s));
	return &s[path->n++];
}

static void skip_sp(struct pparse *p)
{
	while (p->i < p->len && isspace((unsigned char)p->s[p->i]))
		p->i++;
}

/* A quoted string ('...' or "...") with \ escapes; *out malloc'd. */
static int parse_quoted(struct pparse *p, char **out)
{
	char q = p->s[p->i++];
	size_t cap = 16, n = 0;
	char *b = malloc(cap);
	if (b == NULL)
		return perr(p, "out of memory");
	for (;;) {
		if (p->i >= p->len) {
			free(b);
			return perr(p, "unterminated quoted name");
		}
		char c = p->s[p->i++];
		if (c == q)
			break;
		if (c == '\\') {
			if (p->i >= p->len) {
				free(b);
				return perr(p, "unterminated quoted name");
			}
			c = p->s[p->i++];
		}
		if (n + 2 > cap) {
			cap *= 2;
			char *nb = realloc(b, cap);
			if (nb == NULL) {
				free(b);
				return perr(p, "out of memory");
			}
			b = nb;
		}
		b[n++] = c;
	}
	b[n] = '\0';
	*out = b;
	return 0;
}

static int parse_long(struct pparse *p, long *out)
{
	size_t start = p->i;
	if (p->i < p->len && p->s[p->i] == '-')
		p->i++;
	if (p->i >= p->len || !isdigit((unsigned char)p->s[p->i]))
		return -1;
	while (p->i < p->len && isdigit((unsigned char)p->s[p->i]))
		p->i++;
	char num[32];
	size_t n = p->i - start;
	if (n >= sizeof(num))
		return perr(p, "index too large");
	memcpy(num, p->s + start, n);
	num[n] = '\0';
	errno = 0;
	long v = strtol(num, NULL, 10);
	if (errno != 0)
		return perr(p, "index too large");
	*out = v;
	return 0;
}

static int parse_steps(struct pparse *p, struct lang_path *path, int depth);

/* A literal in a filter: number, 'string', "string", true, false, null. */
static int parse_literal(struct pparse *p, json_object **out)
{
	skip_sp(p);
	if (p->i >= p->len)
		return perr(p, "filter needs a value after the operator");
	char c = p->s[p->i];
	if (c == '\'' || c == '"') {
		char *s = NULL;
		if (parse_quoted(p, &s) != 0)
			return -1;
		*out = json_object_new_string(s);
		free(s);
		return 0;
	}
	static const char *const words[] = {"true", "false", "null"};
	for (int k = 0; k < 3; k++) {
		size_t wl = strlen(words[k]);
		if (p->len - p->i >= wl &&
		    strncmp(p->s + p->i, words[k], wl) == 0) {
			p->i += wl;
			*out = k == 2 ? NULL : json_object_new_boolean(k == 0);
			return 0;
		}
	}
	char num[64];
	size_t n = 0;
	while (p->i < p->len && n + 1 < sizeof(num) &&
	       strchr("+-0123456789.eE", p->s[p->i]) != NULL)
		num[n++] = p->s[p->i++];
	num[n] = '\0';
	char *end = NULL;
	if (n == 0)
		return perr(p, "filter value must be a number, a quoted "
			       "string, true, false or null");
	double d = strtod(num, &end);
	if (end == NULL || *end != '\0' || !isfinite(d))
		return perr(p, "bad number '%s' in filter", num);
	if (strpbrk(num, ".eE") == NULL)
		*out = json_object_new_int64((int64_t)strtoll(num, NULL, 10));
	else
		*out = json_object_new_double(d);
	return 0;
}

static int parse_filter(struct pparse *p, struct lang_step *st, int depth)
{
	/* at "?(" */
	p->i += 2;
	skip_sp(p);
	if (p->i >= p->len || p->s[p->i] != '@')
		return perr(p, "filter must start with @");
	p->i++;
	st->filter_path = calloc(1, sizeof(*st->filter_path));
	if (st->filter_path == NULL)
		return perr(p, "out of memory");
	if (parse_steps(p, st->filter_path, depth + 1) != 0)
		return -1;
	for (size_t k = 0; k < st->filter_path->n; k++) {
		enum lang_step_kind kd = st->filter_path->steps[k].kind;
		if ((kd != LANG_STEP_NAME && kd != LANG_STEP_INDEX) ||
		    st->filter_path->steps[k].recursive)
			return perr(p, "a filter may only use @.name and "
				       "@[index] steps");
	}
	skip_sp(p);
	static const struct {
		const char *tok;
		enum lang_filter_op op;
	} ops[] = {{"==", LANG_OP_EQ}, {"!=", LANG_OP_NE}, {"<=", LANG_OP_LE},
		   {">=", LANG_OP_GE}, {"<", LANG_OP_LT},  {">", LANG_OP_GT}};
	st->op = LANG_OP_EXISTS;
	for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		size_t tl = strlen(ops[k].tok);
		if (p->len - p->i >= tl &&
		    strncmp(p->s + p->i, ops[k].tok, tl) == 0) {
			st->op = ops[k].op;
			p->i += tl;
			break;
		}
	}
	if (st->op != LANG_OP_EXISTS && parse_literal(p, &st->literal) != 0)
		return -1;
	skip_sp(p);
	if (p->len - p->i < 2 || p->s[p->i] != ')' || p->s[p->i + 1] != ']')
		return perr(p, "filter must end with ')]'");
	p->i += 2;
	return 0;
}

static int parse_bracket(struct pparse *p, struct lang_step *st, int depth)
{
	p->i++; /* [ */
	skip_sp(p);
	if (p->i >= p->len)
		return perr(p, "unterminated '['");
	char c = p->s[p->i];
	if (c == '\'' || c == '"') {
		st->kind = LANG_STEP_NAME;
		if (parse_quoted(p, &st->name) != 0)
			return -1;
	} else if (c == '*') {
		st->kind = LANG_STEP_WILDCARD;
		p->i++;
	} else if (c == '?') {
		if (p->i + 1 >= p->len || p->s[p->i + 1] != '(')
			return perr(p, "filter must be [?(...)]");
		st->kind = LANG_STEP_FILTER;
		return parse_filter(p, st, depth);
	} else {
		long a = 0;
		int have_a = 0;
		if (c != ':') {
			if (parse_long(p, &a) != 0)
				return perr(p, "expected an index, 'name', * "
					       "or a slice in []");
			have_a = 1;
		}
		skip_sp(p);
		if (p->i < p->len && p->s[p->i] == ':') {
			p->i++;
			skip_sp(p);
			st->kind = LANG_STEP_SLICE;
			st->start = a;
			st->has_start = have_a;
			if (p->i < p->len && p->s[p->i] != ']') {
				if (parse_long(p, &st->end) != 0)
					return perr(p, "bad slice end");
				st->has_end = 1;
			}
		} else {
			st->kind = LANG_STEP_INDEX;
			st->index = a;
		}
	}
	skip_sp(p);
	if (p->i >= p->len || p->s[p->i] != ']')
		return perr(p, "expected ']'");
	p->i++;
	return 0;
}

static int parse_steps(struct pparse *p, struct lang_path *path, int depth)
{
	if (depth > 8)
		return perr(p, "filters nested too deeply");
	while (p->i < p->len) {
		char c = p->s[p->i];
		int recursive = 0;
		if (c != '.' && c != '[')
			break;
		struct lang_step *st = add_step(path);
		if (st == NULL)
			return perr(p, "out of memory");
		if (c == '.') {
			p->i++;
			if (p->i < p->len && p->s[p->i] == '.') {
				recursive = 1;
				p->i++;
			}
			if (p->i < p->len && p->s[p->i] == '[' && recursive) {
				if (parse_bracket(p, st, depth) != 0)
					return -1;
			} else if (p->i < p->len && p->s[p->i] == '*') {
				st->kind = LANG_STEP_WILDCARD;
				p->i++;
			} else {
				size_t start = p->i;
				while (p->i < p->len && name_char(p->s[p->i]))
					p->i++;
				if (p->i == start)
					return perr(p, "expected a name after "
						       "'.'");
				st->kind = LANG_STEP_NAME;
				st->name = strndup(p->s + start, p->i - start);
				if (st->name == NULL)
					return perr(p, "out of memory");
			}
		} else if (parse_bracket(p, st, depth) != 0) {
			return -1;
		}
		st->recursive = recursive;
	}
	return 0;
}

int lang_path_parse(const char *expr, size_t len, struct lang_path **out,
		    char *why, size_t why_len)
{
	struct pparse p = {expr, 0, len, why, why_len};
	struct lang_path *path = NULL;

	*out = NULL;
	if (expr == NULL || len == 0 || expr[0] != '$') {
		p.s = "";
		return perr(&p, "a path must start with '$'");
	}
	path = calloc(1, sizeof(*path));
	if (path == NULL)
		return perr(&p, "out of memory");
	p.i = 1;
	if (len > 1 && expr[1] == '$') {
		path->context = 1;
		p.i = 2;
	}
	if (parse_steps(&p, path, 0) != 0)
		goto fail;
	if (p.i != len) {
		perr(&p, "unexpected '%c'", expr[p.i]);
		goto fail;
	}
	*out = path;
	return 0;
fail:
	lang_path_free(path);
	return -1;
}

size_t lang_path_span(const char *s)
{
	size_t i = 0;
	int bracket = 0;
	char quote = 0;
	for (; s[i] != '\0'; i++) {
		char c = s[i];
		if (quote) {
			if (c == '\\' && s[i + 1] != '\0')
				i++;
			else if (c == quote)
				quote = 0;
			continue;
		}
		if (bracket > 0) {
			if (c == '\'' || c == '"')
				quote = c;
			else if (c == '[')
				bracket++;
			else if (c == ']')
				bracket--;
			continue;
		}
		if (c == '[')
			bracket++;
		else if (c == ',' || c == ')' || isspace((unsigned char)c))
			break;
	}
	return i;
}

int pw_path_valid(const char *expr, char *why, size_t why_len)
{
	struct lang_path *p = NULL;
	if (lang_path_parse(expr, expr ? strlen(expr) : 0, &p, why,
			    why_len) != 0)
		return 0;
	lang_path_free(p);
	return 1;
}

static int is_definite(const struct lang_path *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct lang_step *st = &p->steps[i];
		if (st->recursive ||
		    (st->kind != LANG_STEP_NAME && st->kind != LANG_STEP_INDEX))
			return 0;
	}
	return 1;
}

int pw_path_is_reference(const char *expr)
{
	struct lang_path *p = NULL;
	if (lang_path_parse(expr, expr ? strlen(expr) : 0, &p, NULL, 0) != 0)
		return 0;
	int ok = is_definite(p);
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
	nodes_add(&cur, path->context ? context : input);
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
	if (is_definite(path)) {
		if (cur.n == 0) {
			if (missing_error == NULL) {
				rc = 1;
				goto out;
			}
			pw_error_set(err, missing_error,
				     "path '%s' matched nothing in the %s",
				     expr,
				     path->context ? "context object"
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
	lang_path_free(path);
	return rc;
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
	if (path->context || !pw_path_is_reference(expr)) {
		pw_error_set(err, "States.Runtime",
			     "'%s' is not a reference path into the input "
			     "(no $$, wildcards, filters, slices or ..)",
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

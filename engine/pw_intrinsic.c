/*
 * pw_intrinsic - ASL intrinsic function calls: an expression is parsed
 * into a small tree (literals, paths, nested calls), checked against the
 * function table (lang_intrinsic_fns.c: name, argument count), then
 * evaluated.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang_intrinsic.h"
#include "lang_path.h"
#include "pw_intrinsic.h"
#include "pw_path.h"

/* --- parsing -------------------------------------------------------------- */

struct iparse {
	const char *s;
	size_t i;
	char *why;
	size_t why_len;
};

static int ierr(struct iparse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int ierr(struct iparse *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	lang_parse_verror(p->why, p->why_len, p->i, fmt, ap);
	va_end(ap);
	return -1;
}

static void node_free(struct lang_inode *n)
{
	if (n == NULL)
		return;
	free(n->raw);
	free(n->path);
	json_object_put(n->lit);
	for (size_t k = 0; k < n->nargs; k++)
		node_free(n->args[k]);
	free(n->args);
	free(n);
}

static void sp(struct iparse *p)
{
	while (isspace((unsigned char)p->s[p->i]))
		p->i++;
}

static int parse_call(struct iparse *p, int depth, struct lang_inode **out);

/* 'text' with the ASL escapes \' \{ \} \\ */
static int parse_string(struct iparse *p, struct lang_inode *n)
{
	size_t start = ++p->i, len = 0;
	char *cooked = malloc(strlen(p->s + start) + 1);
	if (cooked == NULL)
		return ierr(p, "out of memory");
	for (;;) {
		char c = p->s[p->i];
		if (c == '\0') {
			free(cooked);
			return ierr(p, "unterminated string literal");
		}
		if (c == '\'')
			break;
		if (c == '\\') {
			char e = p->s[p->i + 1];
			if (e != '\'' && e != '{' && e != '}' && e != '\\') {
				free(cooked);
				return ierr(p, "invalid escape '\\%c' (only "
					       "\\' \\{ \\} \\\\ are allowed)",
					    e ? e : ' ');
			}
			cooked[len++] = e;
			p->i += 2;
			continue;
		}
		cooked[len++] = c;
		p->i++;
	}
	n->kind = LANG_IA_STRING;
	n->raw = strndup(p->s + start, p->i - start);
	n->lit = json_object_new_string_len(cooked, (int)len);
	free(cooked);
	p->i++;
	return n->raw ? 0 : ierr(p, "out of memory");
}

static int parse_number(struct iparse *p, struct lang_inode *n)
{
	const char *start = p->s + p->i;
	char *end = NULL;
	int is_float = 0;
	size_t k = 0;
	if (start[k] == '-')
		k++;
	if (!isdigit((unsigned char)start[k]))
		return ierr(p, "unexpected '%c'", start[0]);
	while (isdigit((unsigned char)start[k]))
		k++;
	if (start[k] == '.' || start[k] == 'e' || start[k] == 'E')
		is_float = 1;
	n->kind = LANG_IA_NUMBER;
	if (is_float) {
		errno = 0;
		double d = strtod(start, &end);
		if (errno != 0 || !isfinite(d))
			return ierr(p, "bad number");
		n->lit = json_object_new_double(d);
	} else {
		errno = 0;
		long long v = strtoll(start, &end, 10);
		if (errno != 0)
			return ierr(p, "integer out of range");
		n->lit = json_object_new_int64(v);
	}
	p->i += (size_t)(end - start);
	return 0;
}

static int parse_arg(struct iparse *p, int depth, struct lang_inode **out)
{
	struct lang_inode *n = calloc(1, sizeof(*n));
	if (n == NULL)
		return ierr(p, "out of memory");
	*out = n;
	sp(p);
	const char *s = p->s + p->i;
	if (*s == '\'')
		return parse_string(p, n);
	if (*s == '$') {
		size_t len = lang_path_span(s);
		struct lang_path *lp = NULL;
		char why[200];
		if (lang_path_parse(s, len, &lp, why, sizeof(why)) != 0)
			return ierr(p, "bad path argument: %s", why);
		lang_path_free(lp);
		n->kind = LANG_IA_PATH;
		n->path = strndup(s, len);
		p->i += len;
		return n->path ? 0 : ierr(p, "out of memory");
	}
	if (strncmp(s, "States.", 7) == 0) {
		free(n);
		*out = NULL;
		return parse_call(p, depth + 1, out);
	}
	static const char *const words[] = {"true", "false", "null"};
	for (int k = 0; k < 3; k++) {
		size_t wl = strlen(words[k]);
		if (strncmp(s, words[k], wl) == 0 &&
		    !isalnum((unsigned char)s[wl])) {
			p->i += wl;
			n->kind = k == 2 ? LANG_IA_NULL : LANG_IA_BOOL;
			if (k < 2)
				n->lit = json_object_new_boolean(k == 0);
			return 0;
		}
	}
	return parse_number(p, n);
}

static int parse_call(struct iparse *p, int depth, struct lang_inode **out)
{
	struct lang_inode *n = NULL;
	*out = NULL;
	if (depth > LANG_IF_MAX_NEST)
		return ierr(p, "intrinsic calls nested too deeply");
	sp(p);
	const char *s = p->s + p->i;
	if (strncmp(s, "States.", 7) != 0)
		return ierr(p, "expected States.FunctionName(");
	size_t k = 7;
	while (isalnum((unsigned char)s[k]))
		k++;
	const struct lang_ifn *fn = lang_intrinsic_find(s, k);
	if (fn == NULL)
		return ierr(p, "unknown intrinsic function '%.*s'", (int)k, s);
	p->i += k;
	sp(p);
	if (p->s[p->i] != '(')
		return ierr(p, "expected '(' after %s", fn->name);
	p->i++;
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return ierr(p, "out of memory");
	n->kind = LANG_IA_CALL;
	n->fn = fn;
	*out = n;
	sp(p);
	if (p->s[p->i] == ')') {
		p->i++;
	} else {
		for (;;) {
			if (n->nargs == LANG_IF_MAX_ARGS)
				return ierr(p, "too many arguments");
			struct lang_inode **a = realloc(
				n->args, (n->nargs + 1) * sizeof(*n->args));
			if (a == NULL)
				return ierr(p, "out of memory");
			n->args = a;
			n->args[n->nargs] = NULL;
			int rc = parse_arg(p, depth, &n->args[n->nargs]);
			n->nargs++;
			if (rc != 0)
				return -1;
			sp(p);
			if (p->s[p->i] == ',') {
				p->i++;
				continue;
			}
			if (p->s[p->i] == ')') {
				p->i++;
				break;
			}
			return ierr(p, "expected ',' or ')' in %s", fn->name);
		}
	}
	if ((int)n->nargs < fn->min_args ||
	    (fn->max_args >= 0 && (int)n->nargs > fn->max_args)) {
		if (fn->min_args == fn->max_args)
			return ierr(p, "%s takes %d argument%s, not %zu",
				    fn->name, fn->min_args,
				    fn->min_args == 1 ? "" : "s", n->nargs);
		if (fn->max_args < 0)
			return ierr(p, "%s takes at least %d argument%s",
				    fn->name, fn->min_args,
				    fn->min_args == 1 ? "" : "s");
		return ierr(p, "%s takes %d to %d arguments, not %zu",
			    fn->name, fn->min_args, fn->max_args, n->nargs);
	}
	return 0;
}

/* Parses a whole expression; *out owned by the caller (node_free). */
static int parse_expr(const char *expr, struct lang_inode **out, char *why,
		      size_t why_len)
{
	struct iparse p = {expr ? expr : "", 0, why, why_len};
	*out = NULL;
	if (parse_call(&p, 0, out) != 0) {
		node_free(*out);
		*out = NULL;
		return -1;
	}
	sp(&p);
	if (p.s[p.i] != '\0') {
		ierr(&p, "unexpected text after the call");
		node_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int pw_intrinsic_is_call(const char *s)
{
	if (s == NULL || strncmp(s, "States.", 7) != 0)
		return 0;
	size_t k = 7;
	if (!isalpha((unsigned char)s[k]))
		return 0;
	while (isalnum((unsigned char)s[k]))
		k++;
	while (isspace((unsigned char)s[k]))
		k++;
	return s[k] == '(';
}

int pw_intrinsic_check(const char *expr, char *why, size_t why_len)
{
	struct lang_inode *n = NULL;
	if (parse_expr(expr, &n, why, why_len) != 0)
		return -1;
	node_free(n);
	return 0;
}

/* --- evaluation ------------------------------------------------------------ */

static int eval_node(struct lang_inode *n, json_object *input, json_object *context,
		     json_object **out, pw_error *err)
{
	*out = NULL;
	switch (n->kind) {
	case LANG_IA_STRING:
	case LANG_IA_NUMBER:
	case LANG_IA_BOOL:
		*out = json_object_get(n->lit);
		return PW_OK;
	case LANG_IA_NULL:
		return PW_OK;
	case LANG_IA_PATH:
		return pw_path_get(n->path, input, context, out,
				   "States.Runtime", err);
	case LANG_IA_CALL:
		break;
	}
	json_object *argv[LANG_IF_MAX_ARGS] = {0};
	int rc = PW_OK;
	for (size_t k = 0; k < n->nargs && rc == PW_OK; k++)
		rc = eval_node(n->args[k], input, context, &argv[k], err);
	if (rc == PW_OK)
		rc = n->fn->eval(n, argv, out, err);
	for (size_t k = 0; k < n->nargs; k++)
		json_object_put(argv[k]);
	return rc;
}

int pw_intrinsic_eval(const char *expr, json_object *input,
		      json_object *context, json_object **out, pw_error *err)
{
	struct lang_inode *n = NULL;
	char why[400];
	*out = NULL;
	if (parse_expr(expr, &n, why, sizeof(why)) != 0)
		return pw_error_set(err, "States.Runtime",
				    "invalid intrinsic function call '%s': %s",
				    expr ? expr : "", why);
	int rc = eval_node(n, input, context, out, err);
	node_free(n);
	return rc;
}

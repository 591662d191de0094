/*
 * lang_path - parsing ASL JsonPath expressions into steps (see lang_path.h).
 * Evaluation and writing are in pw_path.c.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang_path.h"
#include "pw_ident.h"
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
	va_list ap;
	va_start(ap, fmt);
	lang_parse_verror(p->why, p->why_len, p->i, fmt, ap);
	va_end(ap);
	return -1;
}

int lang_parse_verror(char *why, size_t why_len, size_t at, const char *fmt,
		      va_list ap)
{
	if (why != NULL && why_len > 0) {
		char msg[300];
		vsnprintf(msg, sizeof(msg), fmt, ap);
		snprintf(why, why_len, "%s (at offset %zu)", msg, at);
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
	free(p->var);
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

/*
 * A quoted string ('...' or "...") with \ escapes; *out malloc'd. Inside
 * single quotes only \' and \\ are escapes and any other backslash is kept,
 * as Step Functions reads $['Test\""Name"'] (the member Test\""Name").
 */
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
			char next = p->s[p->i];
			if (q == '"' || next == '\'' || next == '\\') {
				c = next;
				p->i++;
			}
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
	} else if (len > 1 && expr[1] != '.' && expr[1] != '[') {
		/* $name: a workflow variable, then the usual steps */
		size_t chars, n = pw_ident_span(expr + 1, len - 1, &chars);
		if (n == 0) {
			perr(&p, "a variable name must start with a letter");
			goto fail;
		}
		if (chars > PW_IDENT_MAX_CHARS) {
			perr(&p, "a variable name has at most %d characters", PW_IDENT_MAX_CHARS);
			goto fail;
		}
		path->var = strndup(expr + 1, n);
		if (path->var == NULL) {
			perr(&p, "out of memory");
			goto fail;
		}
		p.i = 1 + n;
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

int lang_path_is_definite(const struct lang_path *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct lang_step *st = &p->steps[i];
		if (st->recursive ||
		    (st->kind != LANG_STEP_NAME && st->kind != LANG_STEP_INDEX))
			return 0;
	}
	return 1;
}


/* Function signatures (<s-nn?:s> ...): parsed once, then used to check
 * the arguments of every call, supply the context for '-' parameters and
 * wrap single values given to array parameters, as JSONata does. */
#include <string.h>
#include "jn.h"

#define MAXP 12

typedef struct sparam {
	char types[12]; /* accepted symbols: b n s l a o f j x */
	char mod;       /* 0, '?', '+', '-' */
	char sub;       /* array element type, 0 for any */
} sparam;

struct jsig {
	sparam p[MAXP];
	int n;
};

/* arguments a higher-order function passes a native: its required ones */
int jn_sig_arity(jsig *s)
{
	int k = 0;
	for (int i = 0; s && i < s->n; i++)
		if (s->p[i].mod != '?')
			k++;
	return k;
}

jsig *jn_sig_parse(jn_ctx *c, const char *s, int pos)
{
	jsig *g = jn_alloc(c, sizeof(*g));
	for (const char *q = s; *q && *q != ':'; q++) {
		char ch = *q;
		if (strchr("bnslaofjxu", ch) || ch == '(') {
			if (g->n == MAXP)
				jn_fail(c, "S0401", pos, "function signature has too many parameters");
			sparam *p = &g->p[g->n++];
			if (ch == '(') {
				int k = 0;
				for (q++; *q && *q != ')'; q++) {
					if (*q == '<')
						jn_fail(c, "S0402", pos + (int)(q - s), "Choice groups containing parameterized types are not supported");
					if (k < 10) p->types[k++] = *q;
				}
				if (!*q)
					jn_fail(c, "S0401", pos, "unterminated choice group in signature");
			} else {
				p->types[0] = ch;
			}
			if (q[1] == '<') {
				if (ch != 'a' && ch != 'f')
					jn_fail(c, "S0401", pos + (int)(q - s) + 1, "Type parameters can only be applied to functions and arrays");
				int depth = 0;
				q++;
				if (ch == 'a' && q[1] && q[2] == '>')
					p->sub = q[1];
				for (; *q; q++) {
					if (*q == '<') depth++;
					else if (*q == '>' && --depth == 0) break;
				}
				if (!*q)
					jn_fail(c, "S0401", pos, "unterminated type parameter in signature");
			}
			continue;
		}
		if (ch == '?' || ch == '+' || ch == '-') {
			if (g->n)
				g->p[g->n - 1].mod = ch;
			continue;
		}
		if (ch == ' ' || ch == '>')
			continue;
		jn_fail(c, "S0401", pos + (int)(q - s), "invalid character '%c' in function signature", ch);
	}
	return g;
}

static char symbol(jv *v)
{
	if (!v) return 'm';
	switch (v->t) {
	case JT_NULL: return 'l';
	case JT_BOOL: return 'b';
	case JT_NUM: return 'n';
	case JT_STR: return 's';
	case JT_ARR: return 'a';
	case JT_OBJ: return 'o';
	default: return 'f';
	}
}

static bool accepts(const sparam *p, jv *v)
{
	char sy = symbol(v);
	if (sy == 'm')
		return true;
	for (const char *t = p->types; *t; t++) {
		if (*t == sy || *t == 'x')
			return true;
		if (*t == 'j' && sy != 'f')
			return true;
		if (*t == 'a' && !p->types[1]) /* a lone array parameter takes any value */
			return true;
	}
	return false;
}

typedef struct {
	jsig *g;
	jv **args;
	int nargs;
	int take[MAXP]; /* args consumed by each parameter */
	int best;       /* furthest argument reached, for the error */
} mstate;

static bool match(mstate *m, int i, int j)
{
	if (j > m->best)
		m->best = j;
	if (i == m->g->n)
		return j == m->nargs;
	const sparam *p = &m->g->p[i];
	if (p->mod == '+') {
		int k = 0;
		while (j + k < m->nargs && accepts(p, m->args[j + k]))
			k++;
		for (; k >= 1; k--) {
			m->take[i] = k;
			if (match(m, i + 1, j + k))
				return true;
		}
		return false;
	}
	if (j < m->nargs && accepts(p, m->args[j])) {
		m->take[i] = 1;
		if (match(m, i + 1, j + 1))
			return true;
	}
	if (p->mod == '?' || p->mod == '-') {
		m->take[i] = 0;
		return match(m, i + 1, j);
	}
	return false;
}

static bool elem_ok(char sub, jv *v)
{
	char sy = symbol(v);
	return sub == sy || sub == 'x' || (sub == 'j' && sy != 'f');
}

jv **jn_sig_validate(jn_ctx *c, jsig *g, jv **args, int *nargs, jv *in, int pos, const char *fname, bool compact)
{
	mstate m = { .g = g, .args = args, .nargs = *nargs, .best = 0 };
	const char *fn = fname ? fname : "lambda";
	if (!match(&m, 0, 0)) {
		int bad = m.best < *nargs ? m.best : *nargs - 1;
		jn_fail(c, "T0410", pos, "Argument %d of function %s does not match function signature", bad + 1, fn);
	}
	int total = 0;
	for (int i = 0; i < g->n; i++)
		total += m.take[i] > 1 ? m.take[i] : 1;
	jv **out = jn_alloc(c, (size_t)(total + 1) * sizeof(jv *));
	int k = 0, j = 0, last = 0;
	for (int i = 0; i < g->n; i++) {
		const sparam *p = &g->p[i];
		if (m.take[i] == 0) {
			if (p->mod == '-') {
				jv *ctx = in && in->t == JT_ARR && in->outer && in->u.a.n ? in->u.a.v[0] : in;
				if (!accepts(p, ctx))
					jn_fail(c, "T0411", pos, "Context value is not a compatible type with argument %d of function %s", i + 1, fn);
				out[k++] = ctx;
				last = k;
			} else if (!compact) {
				out[k++] = NULL;
			}
			continue;
		}
		for (int t = 0; t < m.take[i]; t++) {
			jv *v = args[j++];
			if (v && p->types[0] == 'a' && !p->types[1] && v->t != JT_ARR) {
				jv *a = jv_arr(c);
				jv_push(c, a, v);
				v = a;
			}
			if (v && p->sub && v->t == JT_ARR)
				for (size_t e = 0; e < v->u.a.n; e++)
					if (!elem_ok(p->sub, v->u.a.v[e]))
						jn_fail(c, "T0412", pos, "Argument %d of function %s must be an array of %c", i + 1, fn, p->sub);
			out[k++] = v;
			last = k;
		}
	}
	*nargs = last;
	return out;
}

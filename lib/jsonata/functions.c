/* JSONata's built-in functions: the registry, and the numeric, aggregate,
 * boolean, array, object and higher-order ones. String functions are in
 * strings.c, formatting and dates in format.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "jn.h"
#include "functions.h"

#define ARG(i) ((i) < n ? a[(i)] : NULL)

/* ---- conversions ---- */
jv *jn_to_string(jn_ctx *c, jv *v, int pos)
{
	if (!v)
		return NULL;
	if (v->t == JT_STR)
		return v;
	if (v->t == JT_FUNC)
		return jv_str(c, "", 0);
	if (v->t == JT_NUM && !isfinite(v->u.n))
		jn_fail(c, "D3001", pos, "Attempting to invoke string function on Infinity or NaN");
	jn_buf b = { .c = c };
	jn_stringify(&b, v, true, 0, 0);
	return jv_str(c, b.p, b.n);
}

static jv *f_string(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jv *v = ARG(0);
	if (!v)
		return NULL;
	if (n > 1 && a[1] && a[1]->u.b && v->t != JT_STR && v->t != JT_FUNC) {
		if (v->t == JT_NUM && !isfinite(v->u.n))
			jn_fail(c, "D3001", -1, "Attempting to invoke string function on Infinity or NaN");
		jn_buf b = { .c = c };
		jn_stringify(&b, v, true, 2, 0);
		return jv_str(c, b.p, b.n);
	}
	return jn_to_string(c, v, -1);
}

static bool parse_js_number(const char *s, size_t len, double *out)
{
	/* JSON number grammar, plus 0x/0o/0b integer prefixes */
	char buf[128];
	if (len == 0 || len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (len > 2 && buf[0] == '0' && strchr("xXoObB", buf[1])) {
		int base = (buf[1] == 'x' || buf[1] == 'X') ? 16 : (buf[1] == 'o' || buf[1] == 'O') ? 8 : 2;
		double v = 0;
		for (size_t i = 2; i < len; i++) {
			char ch = buf[i];
			int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : 99;
			if (d >= base)
				return false;
			v = v * base + d;
		}
		*out = v;
		return true;
	}
	const char *p = buf;
	if (*p == '-') p++;
	if (*p >= '0' && *p <= '9') while (*p >= '0' && *p <= '9') p++;
	else return false;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9')) return false;
		while (*p >= '0' && *p <= '9') p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-') p++;
		if (!(*p >= '0' && *p <= '9')) return false;
		while (*p >= '0' && *p <= '9') p++;
	}
	if (*p)
		return false;
	*out = strtod(buf, NULL);
	return isfinite(*out);
}

static jv *f_number(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jv *v = ARG(0);
	if (!v)
		return NULL;
	if (v->t == JT_NUM)
		return v;
	if (v->t == JT_BOOL)
		return jv_num(c, v->u.b ? 1 : 0);
	double d;
	if (v->t == JT_STR && parse_js_number(v->u.s.p, v->u.s.len, &d))
		return jv_num(c, d);
	jn_fail(c, "D3030", -1, "Unable to cast value to a number");
}

/* ---- numeric ---- */
static jv *f_sum(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jv *v = ARG(0);
	if (!v) return NULL;
	double s = 0;
	for (size_t i = 0; i < v->u.a.n; i++) s += v->u.a.v[i]->u.n;
	return jv_num(c, s);
}

static jv *f_count(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jv *v = ARG(0);
	return jv_num(c, v ? (double)v->u.a.n : 0);
}

static jv *minmax(jn_ctx *c, jv *v, int dir)
{
	if (!v || v->u.a.n == 0) return NULL;
	double m = v->u.a.v[0]->u.n;
	for (size_t i = 1; i < v->u.a.n; i++) {
		double x = v->u.a.v[i]->u.n;
		if ((dir > 0 && x > m) || (dir < 0 && x < m)) m = x;
	}
	return jv_num(c, m);
}

static jv *f_max(jn_ctx *c, jv **a, int n, jv *in, env *e) { (void)in; (void)e; return minmax(c, ARG(0), 1); }
static jv *f_min(jn_ctx *c, jv **a, int n, jv *in, env *e) { (void)in; (void)e; return minmax(c, ARG(0), -1); }

static jv *f_average(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jv *v = ARG(0);
	if (!v || v->u.a.n == 0) return NULL;
	double s = 0;
	for (size_t i = 0; i < v->u.a.n; i++) s += v->u.a.v[i]->u.n;
	return jv_num(c, s / (double)v->u.a.n);
}

#define MATH1(name, expr) \
	static jv *name(jn_ctx *c, jv **a, int n, jv *in, env *e) \
	{ (void)in; (void)e; jv *v = ARG(0); if (!v) return NULL; double x = v->u.n; return jv_num(c, (expr)); }
MATH1(f_floor, floor(x))
MATH1(f_ceil, ceil(x))
MATH1(f_abs, fabs(x))

static jv *f_sqrt(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jv *v = ARG(0);
	if (!v) return NULL;
	if (v->u.n < 0)
		jn_fail(c, "D3060", -1, "The sqrt function cannot be applied to a negative number: %g", v->u.n);
	return jv_num(c, sqrt(v->u.n));
}

static jv *f_power(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	if (!ARG(0) || !ARG(1)) return NULL;
	double r = pow(a[0]->u.n, ARG(1)->u.n);
	if (!isfinite(r))
		jn_fail(c, "D3061", -1, "The power function has resulted in a value that cannot be represented as a JSON number");
	return jv_num(c, r);
}

/* round half to even at the given number of decimal places */
static jv *f_round(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jv *v = ARG(0);
	if (!v) return NULL;
	double pd = ARG(1) ? a[1]->u.n : 0;
	int prec = pd > 400 ? 400 : pd < -400 ? -400 : (int)pd;
	char buf[64];
	double x = v->u.n;
	/* shift by the decimal exponent through text, as doubles lose the tie */
	snprintf(buf, sizeof buf, "%.14e", x);
	char *ep = strchr(buf, 'e');
	int ex = atoi(ep + 1) + prec;
	snprintf(ep, sizeof buf - (size_t)(ep - buf), "e%d", ex);
	double y = strtod(buf, NULL);
	double r = round(y);
	if (fabs(y - trunc(y)) == 0.5)
		r = 2.0 * round(y / 2.0);
	snprintf(buf, sizeof buf, "%.17e", r);
	ep = strchr(buf, 'e');
	ex = atoi(ep + 1) - prec;
	snprintf(ep, sizeof buf - (size_t)(ep - buf), "e%d", ex);
	double res = strtod(buf, NULL);
	if (res == 0) res = 0; /* no negative zero */
	return jv_num(c, res);
}

static jv *f_random(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)a; (void)n; (void)in; (void)e;
	c->rng = c->rng * 1103515245u + 12345u;
	unsigned hi = c->rng >> 8;
	c->rng = c->rng * 1103515245u + 12345u;
	double r = ((double)hi * 16777216.0 + (double)(c->rng >> 8)) / 281474976710656.0;
	return jv_num(c, r);
}

/* ---- boolean ---- */
static jv *f_boolean(jn_ctx *c, jv **a, int n, jv *in, env *e) { (void)c; (void)in; (void)e; return jn_boolean(ARG(0)); }

static jv *f_not(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)c; (void)in; (void)e;
	jv *b = jn_boolean(ARG(0));
	return b ? jv_bool(!b->u.b) : NULL;
}

static jv *f_exists(jn_ctx *c, jv **a, int n, jv *in, env *e) { (void)c; (void)in; (void)e; return jv_bool(ARG(0) != NULL); }

static jv *f_type(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	return ARG(0) ? jv_cstr(c, jn_typename(a[0])) : NULL;
}

/* ---- arrays ---- */
static jv *f_append(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jv *x = ARG(0), *y = ARG(1);
	if (!x) return y;
	if (!y) return x;
	jv *r = jv_arr(c);
	if (x->t == JT_ARR) for (size_t i = 0; i < x->u.a.n; i++) jv_push(c, r, x->u.a.v[i]);
	else jv_push(c, r, x);
	if (y->t == JT_ARR) for (size_t i = 0; i < y->u.a.n; i++) jv_push(c, r, y->u.a.v[i]);
	else jv_push(c, r, y);
	return r;
}

static jv *f_reverse(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jv *x = ARG(0);
	if (!x) return NULL;
	jv *r = jv_arr(c);
	for (size_t i = x->u.a.n; i > 0; i--) jv_push(c, r, x->u.a.v[i - 1]);
	return r;
}

static jv *f_shuffle(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jv *x = ARG(0);
	if (!x) return NULL;
	jv *r = jv_arr(c);
	for (size_t i = 0; i < x->u.a.n; i++) jv_push(c, r, x->u.a.v[i]);
	for (size_t i = r->u.a.n; i > 1; i--) {
		c->rng = c->rng * 1103515245u + 12345u;
		size_t j = (c->rng >> 8) % i;
		jv *t = r->u.a.v[i - 1]; r->u.a.v[i - 1] = r->u.a.v[j]; r->u.a.v[j] = t;
	}
	return r;
}

static jv *f_distinct(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jv *x = ARG(0);
	if (!x || x->t != JT_ARR) return x;
	jv *r = jv_arr(c);
	for (size_t i = 0; i < x->u.a.n; i++) {
		bool seen = false;
		for (size_t j = 0; j < r->u.a.n && !seen; j++)
			seen = jv_equal(r->u.a.v[j], x->u.a.v[i]);
		if (!seen) jv_push(c, r, x->u.a.v[i]);
	}
	return r;
}

static jv *f_zip(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jv *r = jv_arr(c);
	size_t len = (size_t)-1;
	for (int i = 0; i < n; i++) {
		if (!a[i]) { len = 0; break; }
		if (a[i]->u.a.n < len) len = a[i]->u.a.n;
	}
	if (n == 0) len = 0;
	for (size_t k = 0; k < len; k++) {
		jv *t = jv_arr(c);
		for (int i = 0; i < n; i++) jv_push(c, t, a[i]->u.a.v[k]);
		jv_push(c, r, t);
	}
	return r;
}

typedef struct { jn_ctx *c; jv *fn; env *e; } sctx;

static int default_cmp(void *ctx, jv *x, jv *y)
{
	(void)ctx;
	if (x->t == JT_NUM)
		return x->u.n > y->u.n;
	size_t m = x->u.s.len < y->u.s.len ? x->u.s.len : y->u.s.len;
	int r = memcmp(x->u.s.p, y->u.s.p, m);
	return r > 0 || (r == 0 && x->u.s.len > y->u.s.len);
}

static int fn_cmp(void *ctx, jv *x, jv *y)
{
	sctx *s = ctx;
	jv *args[2] = { x, y };
	return jn_truthy(jn_apply(s->c, s->fn, args, 2, NULL, s->e, -1));
}

static jv *f_sort(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in;
	jv *x = ARG(0);
	if (!x) return NULL;
	jv *r = jv_arr(c);
	for (size_t i = 0; i < x->u.a.n; i++) jv_push(c, r, x->u.a.v[i]);
	if (ARG(1)) {
		sctx s = { c, a[1], e };
		jn_msort(c, r->u.a.v, r->u.a.n, fn_cmp, &s);
	} else {
		bool nums = true, strs = true;
		for (size_t i = 0; i < r->u.a.n; i++) {
			jv *v = r->u.a.v[i];
			if (!v || v->t != JT_NUM) nums = false;
			if (!v || v->t != JT_STR) strs = false;
		}
		if (!nums && !strs)
			jn_fail(c, "D3070", -1, "The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function");
		jn_msort(c, r->u.a.v, r->u.a.n, default_cmp, NULL);
	}
	return r;
}

/* ---- higher-order ---- */
static jv *hof_call(jn_ctx *c, jv *fn, jv **args, int nargs, env *e)
{
	int ar = jn_func_arity(fn);
	if (fn->u.f->kind == JF_NATIVE && fn->u.f->sig == NULL)
		ar = nargs;
	if (ar < nargs) nargs = ar;
	return jn_apply(c, fn, args, nargs, NULL, e, -1);
}

static jv *f_map(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in;
	jv *x = ARG(0);
	if (!x || !ARG(1)) return NULL;
	jv *r = jv_seq(c);
	for (size_t i = 0; i < x->u.a.n; i++) {
		jv *args[3] = { x->u.a.v[i], jv_num(c, (double)i), x };
		jv *v = hof_call(c, a[1], args, 3, e);
		if (v) jv_push(c, r, v);
	}
	return r;
}

static jv *f_filter(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in;
	jv *x = ARG(0);
	if (!x || !ARG(1)) return NULL;
	jv *r = jv_seq(c);
	for (size_t i = 0; i < x->u.a.n; i++) {
		jv *args[3] = { x->u.a.v[i], jv_num(c, (double)i), x };
		if (jn_truthy(hof_call(c, a[1], args, 3, e)))
			jv_push(c, r, x->u.a.v[i]);
	}
	return r;
}

static jv *f_single(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in;
	jv *x = ARG(0);
	if (!x) return NULL;
	jv *found = NULL;
	bool have = false;
	for (size_t i = 0; i < x->u.a.n; i++) {
		bool ok = true;
		if (ARG(1)) {
			jv *args[3] = { x->u.a.v[i], jv_num(c, (double)i), x };
			ok = jn_truthy(hof_call(c, a[1], args, 3, e));
		}
		if (ok) {
			if (have)
				jn_fail(c, "D3138", -1, "The $single() function expected exactly 1 matching result.  Instead it matched more.");
			have = true;
			found = x->u.a.v[i];
		}
	}
	if (!have)
		jn_fail(c, "D3139", -1, "The $single() function expected exactly 1 matching result.  Instead it matched 0.");
	return found;
}

static jv *f_reduce(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in;
	jv *x = ARG(0);
	if (!x || !ARG(1)) return NULL;
	if (jn_func_arity(a[1]) < 2)
		jn_fail(c, "D3050", -1, "The second argument of reduce function must be a function with at least two arguments");
	size_t i = 0;
	jv *acc = ARG(2);
	if (!acc && x->u.a.n > 0) acc = x->u.a.v[i++];
	for (; i < x->u.a.n; i++) {
		jv *args[4] = { acc, x->u.a.v[i], jv_num(c, (double)i), x };
		acc = hof_call(c, a[1], args, 4, e);
	}
	return acc;
}

/* ---- objects ---- */
static jv *f_keys(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jv *x = ARG(0);
	jv *r = jv_seq(c);
	if (!x) return NULL;
	jv *objs = x;
	if (x->t != JT_ARR) { objs = jv_arr(c); jv_push(c, objs, x); }
	jv *seen = jv_obj(c);
	for (size_t i = 0; i < objs->u.a.n; i++) {
		jv *o = objs->u.a.v[i];
		if (!o || o->t != JT_OBJ) continue;
		for (size_t k = 0; k < o->u.o.n; k++) {
			jkv *kv = &o->u.o.e[k];
			if (jv_get(seen, kv->k, kv->klen)) continue;
			jv_set(c, seen, kv->k, kv->klen, &jn_true);
			jv_push(c, r, jv_str(c, kv->k, kv->klen));
		}
	}
	return r;
}

static jv *lookup_key(jn_ctx *c, jv *x, jv *k)
{
	if (!x) return NULL;
	if (x->t == JT_ARR) {
		jv *r = jv_seq(c);
		for (size_t i = 0; i < x->u.a.n; i++) {
			jv *v = lookup_key(c, x->u.a.v[i], k);
			if (!v) continue;
			if (v->t == JT_ARR) for (size_t j = 0; j < v->u.a.n; j++) jv_push(c, r, v->u.a.v[j]);
			else jv_push(c, r, v);
		}
		return r;
	}
	return jv_get(x, k->u.s.p, k->u.s.len);
}

static jv *f_lookup(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	return ARG(1) ? lookup_key(c, ARG(0), a[1]) : NULL;
}

static void spread_into(jn_ctx *c, jv *r, jv *x)
{
	if (x->t == JT_ARR) {
		for (size_t i = 0; i < x->u.a.n; i++) if (x->u.a.v[i]) spread_into(c, r, x->u.a.v[i]);
	} else if (x->t == JT_OBJ) {
		for (size_t k = 0; k < x->u.o.n; k++) {
			jv *o = jv_obj(c);
			jv_set(c, o, x->u.o.e[k].k, x->u.o.e[k].klen, x->u.o.e[k].v);
			jv_push(c, r, o);
		}
	} else {
		jv_push(c, r, x);
	}
}

static jv *f_spread(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jv *x = ARG(0);
	if (!x) return NULL;
	if (x->t != JT_ARR && x->t != JT_OBJ) return x;
	jv *r = jv_seq(c);
	spread_into(c, r, x);
	return r;
}

static jv *f_merge(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jv *x = ARG(0);
	if (!x) return NULL;
	jv *r = jv_obj(c);
	for (size_t i = 0; i < x->u.a.n; i++) {
		jv *o = x->u.a.v[i];
		for (size_t k = 0; o && k < o->u.o.n; k++)
			jv_set(c, r, o->u.o.e[k].k, o->u.o.e[k].klen, o->u.o.e[k].v);
	}
	return r;
}

static jv *f_each(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in;
	jv *x = ARG(0);
	if (!x || !ARG(1)) return NULL;
	jv *r = jv_seq(c);
	for (size_t k = 0; k < x->u.o.n; k++) {
		jv *args[3] = { x->u.o.e[k].v, jv_str(c, x->u.o.e[k].k, x->u.o.e[k].klen), x };
		jv *v = hof_call(c, a[1], args, 3, e);
		if (v) jv_push(c, r, v);
	}
	return r;
}

static jv *f_sift(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in;
	jv *x = ARG(0);
	if (!x || !ARG(1)) return NULL;
	jv *r = jv_obj(c);
	for (size_t k = 0; k < x->u.o.n; k++) {
		jv *args[3] = { x->u.o.e[k].v, jv_str(c, x->u.o.e[k].k, x->u.o.e[k].klen), x };
		if (jn_truthy(hof_call(c, a[1], args, 3, e)))
			jv_set(c, r, x->u.o.e[k].k, x->u.o.e[k].klen, x->u.o.e[k].v);
	}
	return r->u.o.n ? r : NULL;
}

static jv *f_clone(jn_ctx *c, jv **a, int n, jv *in, env *e) { (void)in; (void)e; return jv_clone(c, ARG(0)); }

/* ---- errors and evaluation ---- */
static jv *f_error(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jn_fail(c, "D3137", -1, "%s", ARG(0) ? a[0]->u.s.p : "$error() function evaluated");
}

static jv *f_assert(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	if (!ARG(0) || !a[0]->u.b)
		jn_fail(c, "D3141", -1, "%s", ARG(1) ? a[1]->u.s.p : "$assert() statement failed");
	return NULL;
}

static jv *f_eval(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	jv *x = ARG(0);
	if (!x) return NULL;
	jmp_buf saved;
	memcpy(&saved, &c->jb, sizeof saved);
	jsonata_error *olderr = c->err, tmp;
	c->err = &tmp;
	int saved_depth = c->depth;
	node *ast;
	if (setjmp(c->jb)) {
		memcpy(&c->jb, &saved, sizeof saved);
		c->err = olderr;
		c->depth = saved_depth;
		jn_fail(c, "D3120", -1, "Syntax error in expression passed to function eval: %s", tmp.message);
	}
	ast = jn_parse(c, x->u.s.p);
	memcpy(&c->jb, &saved, sizeof saved);
	c->err = olderr;
	c->depth = saved_depth;
	jv *volatile ctx = n > 1 ? a[1] : in;
	if (ctx && ctx->t == JT_ARR && !ctx->seq && n > 1) {
		jv *w = jv_seq(c);
		jv_push(c, w, ctx);
		w->outer = 1;
		ctx = w;
	}
	if (setjmp(c->jb)) {
		memcpy(&c->jb, &saved, sizeof saved);
		c->err = olderr;
		c->depth = saved_depth;
		if (tmp.code[0] == 'U') /* bounds stay what they are */
			jn_fail(c, tmp.code, tmp.position, "%s", tmp.message);
		jn_fail(c, "D3121", -1, "Dynamic error evaluating the expression passed to function eval: %s", tmp.message);
	}
	c->err = &tmp;
	jv *r = jn_eval(c, ast, ctx, e);
	memcpy(&c->jb, &saved, sizeof saved);
	c->err = olderr;
	return r;
}

static jv *f_millis(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)a; (void)n; (void)in; (void)e;
	return jv_num(c, c->now_ms);
}

/* ---- registry ---- */
static const struct bi {
	const char *name;
	jn_native fn;
	const char *sig;
} builtins[] = {
	{ "sum", f_sum, "a<n>:n" }, { "count", f_count, "a:n" }, { "max", f_max, "a<n>:n" },
	{ "min", f_min, "a<n>:n" }, { "average", f_average, "a<n>:n" },
	{ "string", f_string, "x-b?:s" }, { "number", f_number, "(nsb)-:n" },
	{ "floor", f_floor, "n-:n" }, { "ceil", f_ceil, "n-:n" }, { "abs", f_abs, "n-:n" },
	{ "sqrt", f_sqrt, "n-:n" }, { "power", f_power, "n-n:n" }, { "round", f_round, "n-n?:n" },
	{ "random", f_random, ":n" }, { "boolean", f_boolean, "x-:b" }, { "not", f_not, "x-:b" },
	{ "exists", f_exists, "x:b" }, { "type", f_type, "x:s" },
	{ "append", f_append, "xx:a" }, { "reverse", f_reverse, "a:a" }, { "shuffle", f_shuffle, "a:a" },
	{ "distinct", f_distinct, "x:x" }, { "zip", f_zip, "a+" }, { "sort", f_sort, "af?:a" },
	{ "map", f_map, "af" }, { "filter", f_filter, "af" }, { "single", f_single, "af?" },
	{ "reduce", f_reduce, "afj?:j" }, { "keys", f_keys, "x-:a<s>" }, { "lookup", f_lookup, "x-s:x" },
	{ "spread", f_spread, "x-:a<o>" }, { "merge", f_merge, "a<o>:o" }, { "each", f_each, "o-f:a" },
	{ "sift", f_sift, "o-f?:o" }, { "clone", f_clone, "(oa)-:o" },
	{ "error", f_error, "s?:x" }, { "assert", f_assert, "bs?:x" }, { "eval", f_eval, "sx?:x" },
	{ "millis", f_millis, ":n" },
	{ "substring", jn_f_substring, "s-nn?:s" }, { "substringBefore", jn_f_substringBefore, "s-s:s" },
	{ "substringAfter", jn_f_substringAfter, "s-s:s" }, { "lowercase", jn_f_lowercase, "s-:s" },
	{ "uppercase", jn_f_uppercase, "s-:s" }, { "length", jn_f_length, "s-:n" },
	{ "trim", jn_f_trim, "s-:s" }, { "pad", jn_f_pad, "s-ns?:s" },
	{ "match", jn_f_match, "s-f<s:o>n?:a<o>" }, { "contains", jn_f_contains, "s-(sf):b" },
	{ "replace", jn_f_replace, "s-(sf)(sf)n?:s" }, { "split", jn_f_split, "s-(sf)n?:a<s>" },
	{ "join", jn_f_join, "a<s>s?:s" },
	{ "base64encode", jn_f_base64encode, "s-:s" }, { "base64decode", jn_f_base64decode, "s-:s" },
	{ "encodeUrlComponent", jn_f_encodeUrlComponent, "s-:s" }, { "encodeUrl", jn_f_encodeUrl, "s-:s" },
	{ "decodeUrlComponent", jn_f_decodeUrlComponent, "s-:s" }, { "decodeUrl", jn_f_decodeUrl, "s-:s" },
	{ "formatNumber", jn_fn_formatNumber, "n-so?:s" }, { "formatBase", jn_f_formatBase, "n-n?:s" },
	{ "formatInteger", jn_fn_formatInteger, "n-s:s" }, { "parseInteger", jn_fn_parseInteger, "s-s:n" },
	{ "now", jn_fn_now, "s?s?:s" }, { "fromMillis", jn_fn_fromMillis, "n-s?s?:s" },
	{ "toMillis", jn_fn_toMillis, "s-s?:n" },
	{ NULL, NULL, NULL }
};

jv *jn_builtin(jn_ctx *c, const char *name)
{
	for (int i = 0; builtins[i].name; i++) {
		if (strcmp(builtins[i].name, name) != 0)
			continue;
		if (!c->bicache)
			c->bicache = jn_alloc(c, sizeof(builtins) / sizeof(builtins[0]) * sizeof(jv *));
		if (!c->bicache[i]) {
			jfunc *f = jn_alloc(c, sizeof(*f));
			f->kind = JF_NATIVE;
			f->name = builtins[i].name;
			f->fn = builtins[i].fn;
			f->sig = jn_sig_parse(c, builtins[i].sig, -1);
			c->bicache[i] = jv_func(c, f);
		}
		return c->bicache[i];
	}
	return NULL;
}

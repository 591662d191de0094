/* JSONata evaluator: walks the AST made by parser.c. Results of paths are
 * sequences (arrays flagged seq) that collapse to a single value or to
 * undefined (NULL) when an expression finishes, as the language does. */
#include <math.h>
#include <string.h>
#include "jn.h"

jv jn_placeholder = { .t = JT_NULL };

/* ---- environments ---- */
env *jn_env_new(jn_ctx *c, env *parent)
{
	env *e = jn_alloc(c, sizeof(*e));
	e->parent = parent;
	return e;
}

void jn_env_bind(jn_ctx *c, env *e, const char *name, jv *v)
{
	for (int i = 0; i < e->n; i++)
		if (strcmp(e->names[i], name) == 0) {
			e->vals[i] = v;
			return;
		}
	if (e->n == e->cap) {
		int nc = e->cap ? e->cap * 2 : 4;
		const char **nn = jn_alloc(c, (size_t)nc * sizeof(*nn));
		jv **nv = jn_alloc(c, (size_t)nc * sizeof(*nv));
		if (e->n) {
			memcpy(nn, e->names, (size_t)e->n * sizeof(*nn));
			memcpy(nv, e->vals, (size_t)e->n * sizeof(*nv));
		}
		e->names = nn;
		e->vals = nv;
		e->cap = nc;
	}
	e->names[e->n] = name;
	e->vals[e->n] = v;
	e->n++;
}

jv *jn_env_lookup(env *e, const char *name, bool *found)
{
	for (; e; e = e->parent)
		for (int i = e->n - 1; i >= 0; i--)
			if (strcmp(e->names[i], name) == 0) {
				*found = true;
				return e->vals[i];
			}
	*found = false;
	return NULL;
}

/* ---- truthiness ---- */
jv *jn_boolean(jv *v)
{
	if (!v)
		return NULL;
	switch (v->t) {
	case JT_NULL: return &jn_false;
	case JT_BOOL: return v;
	case JT_NUM: return jv_bool(v->u.n != 0);
	case JT_STR: return jv_bool(v->u.s.len > 0);
	case JT_OBJ: return jv_bool(v->u.o.n > 0);
	case JT_FUNC: return &jn_false;
	case JT_ARR:
		if (v->u.a.n == 1)
			return jn_boolean(v->u.a.v[0]);
		for (size_t i = 0; i < v->u.a.n; i++)
			if (jn_truthy(v->u.a.v[i]))
				return &jn_true;
		return &jn_false;
	}
	return &jn_false;
}

bool jn_truthy(jv *v)
{
	jv *b = jn_boolean(v);
	return b && b->u.b;
}

jv *jn_finish_seq(jv *v)
{
	if (v && v->t == JT_ARR && v->seq && !v->tuple) {
		if (v->u.a.n == 0)
			return NULL;
		if (v->u.a.n == 1 && !v->keep)
			return v->u.a.v[0];
	}
	return v;
}

static jv *seq1(jn_ctx *c, jv *v)
{
	jv *s = jv_seq(c);
	jv_push(c, s, v);
	return s;
}

static void flatten_into(jn_ctx *c, jv *out, jv *v)
{
	if (v && v->t == JT_ARR) {
		for (size_t i = 0; i < v->u.a.n; i++)
			flatten_into(c, out, v->u.a.v[i]);
	} else {
		jv_push(c, out, v);
	}
}

/* ---- navigation ---- */
static jv *lookup(jn_ctx *c, jv *in, const char *k, size_t klen)
{
	if (!in)
		return NULL;
	if (in->t == JT_ARR) {
		jv *r = jv_seq(c);
		for (size_t i = 0; i < in->u.a.n; i++) {
			jv *x = lookup(c, in->u.a.v[i], k, klen);
			if (!x)
				continue;
			if (x->t == JT_ARR)
				for (size_t j = 0; j < x->u.a.n; j++)
					jv_push(c, r, x->u.a.v[j]);
			else
				jv_push(c, r, x);
		}
		return r;
	}
	if (in->t == JT_OBJ)
		return jv_get(in, k, klen);
	return NULL;
}

static jv *wildcard(jn_ctx *c, jv *in)
{
	jv *r = jv_seq(c);
	if (!in)
		return r;
	if (in->t == JT_ARR && in->outer && in->u.a.n)
		in = in->u.a.v[0];
	if (in && in->t == JT_OBJ) {
		for (size_t i = 0; i < in->u.o.n; i++) {
			jv *v = in->u.o.e[i].v;
			if (v && v->t == JT_ARR)
				flatten_into(c, r, v);
			else if (v)
				jv_push(c, r, v);
		}
	} else if (in && in->t == JT_ARR) {
		for (size_t i = 0; i < in->u.a.n; i++) {
			jv *v = in->u.a.v[i];
			if (v && v->t == JT_ARR)
				flatten_into(c, r, v);
			else if (v)
				jv_push(c, r, v);
		}
	}
	return r;
}

static void descend(jn_ctx *c, jv *in, jv *out)
{
	jn_tick(c);
	if (!in)
		return;
	if (in->t != JT_ARR)
		jv_push(c, out, in);
	if (in->t == JT_ARR) {
		for (size_t i = 0; i < in->u.a.n; i++)
			descend(c, in->u.a.v[i], out);
	} else if (in->t == JT_OBJ) {
		for (size_t i = 0; i < in->u.o.n; i++)
			descend(c, in->u.o.e[i].v, out);
	}
}

/* ---- predicates ---- */
static bool all_numbers(jv *v)
{
	if (!v || v->t != JT_ARR || v->u.a.n == 0)
		return false;
	for (size_t i = 0; i < v->u.a.n; i++)
		if (!v->u.a.v[i] || v->u.a.v[i]->t != JT_NUM)
			return false;
	return true;
}

static jv *filter(jn_ctx *c, node *pred, jv *in, env *e)
{
	jv *r = jv_seq(c);
	if (!in)
		return r;
	if (in->t != JT_ARR)
		in = seq1(c, in);
	size_t n = in->u.a.n;
	if (pred->type == N_NUM) {
		double ix = floor(pred->num);
		if (ix < 0)
			ix += (double)n;
		if (ix >= 0 && ix < (double)n) {
			jv *item = in->u.a.v[(size_t)ix];
			if (item && item->t == JT_ARR)
				return item;
			jv_push(c, r, item);
		}
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		jv *item = in->u.a.v[i];
		jv *res = jn_eval(c, pred, item, e);
		if (res && res->t == JT_NUM)
			res = seq1(c, res);
		if (all_numbers(res)) {
			for (size_t j = 0; j < res->u.a.n; j++) {
				double ix = floor(res->u.a.v[j]->u.n);
				if (ix < 0)
					ix += (double)n;
				if (ix == (double)i) {
					jv_push(c, r, item);
					break;
				}
			}
		} else if (jn_truthy(res)) {
			jv_push(c, r, item);
		}
	}
	return r;
}

/* ---- grouping: {key: value} over each item of the input ---- */
static jv *group(jn_ctx *c, node **pairs, int npairs, jv *in, env *e)
{
	jv *res = jv_obj(c);
	jv *items = in;
	npairs /= 2; /* keys and values alternate */
	if (!items || items->t != JT_ARR) {
		items = jv_seq(c);
		jv_push(c, items, in);
	} else if (items->u.a.n == 0) {
		items = jv_seq(c);
		jv_push(c, items, NULL);
	}
	/* key -> (data, pair index) */
	jv *keys = jv_obj(c);
	int *pidx = NULL;
	size_t npidx = 0, cap = 0;
	for (size_t i = 0; i < items->u.a.n; i++) {
		jv *item = items->u.a.v[i];
		for (int p = 0; p < npairs; p++) {
			jv *k = jn_eval(c, pairs[2 * p], item, e);
			if (!k)
				continue;
			if (k->t != JT_STR)
				jn_fail(c, "T1003", pairs[2 * p]->pos, "Key in object structure must evaluate to a string; got: %s", jn_typename(k));
			jv *slot = jv_get(keys, k->u.s.p, k->u.s.len);
			if (slot) {
				int pi = pidx[(size_t)slot->u.n];
				if (pi != p)
					jn_fail(c, "D1009", pairs[2 * p]->pos, "Multiple key definitions evaluate to same key: %s", k->u.s.p);
				/* slot->u.a... kept in a parallel array: data is in res temp */
				jv *d = jv_get(res, k->u.s.p, k->u.s.len);
				if (!d || d->t != JT_ARR || !d->seq) {
					jv *s = jv_seq(c);
					if (d && d->t == JT_ARR) {
						for (size_t j = 0; j < d->u.a.n; j++) jv_push(c, s, d->u.a.v[j]);
					} else {
						jv_push(c, s, d);
					}
					d = s;
				}
				if (item && item->t == JT_ARR)
					for (size_t j = 0; j < item->u.a.n; j++) jv_push(c, d, item->u.a.v[j]);
				else
					jv_push(c, d, item);
				jv_set(c, res, k->u.s.p, k->u.s.len, d);
			} else {
				if (npidx == cap) {
					size_t nc = cap ? cap * 2 : 8;
					int *np = jn_alloc(c, nc * sizeof(int));
					if (npidx) memcpy(np, pidx, npidx * sizeof(int));
					pidx = np;
					cap = nc;
				}
				pidx[npidx] = p;
				jv_set(c, keys, k->u.s.p, k->u.s.len, jv_num(c, (double)npidx));
				npidx++;
				jv_set(c, res, k->u.s.p, k->u.s.len, item);
			}
		}
	}
	jv *out = jv_obj(c);
	for (size_t i = 0; i < res->u.o.n; i++) {
		jkv *kv = &res->u.o.e[i];
		int p = pidx[(size_t)jv_get(keys, kv->k, kv->klen)->u.n];
		jv *v = jn_eval(c, pairs[2 * p + 1], kv->v, e);
		if (v)
			jv_set(c, out, kv->k, kv->klen, v);
	}
	return out;
}

/* ---- sorting (stable merge sort on the terms of ^(...)) ---- */
typedef struct { jn_ctx *c; node *terms; env *e; } sortctx;

static int sort_cmp(sortctx *s, jv *a, jv *b)
{
	node *st = s->terms;
	for (int i = 0; i < st->nkids; i++) {
		node *t = st->kids[i];
		jv *av = jn_eval(s->c, t->lhs, a, s->e);
		jv *bv = jn_eval(s->c, t->lhs, b, s->e);
		if (!av && !bv) continue;
		if (!av) return 1;
		if (!bv) return -1;
		if ((av->t == JT_NUM || av->t == JT_STR) && (bv->t == JT_NUM || bv->t == JT_STR) && av->t != bv->t)
			jn_fail(s->c, "T2007", t->pos, "Type mismatch when comparing values in order-by clause");
		if (!((av->t == JT_NUM || av->t == JT_STR) && av->t == bv->t))
			jn_fail(s->c, "T2008", t->pos, "The expressions within an order-by clause must evaluate to numeric or string values");
		int r;
		if (av->t == JT_NUM)
			r = av->u.n < bv->u.n ? -1 : av->u.n > bv->u.n ? 1 : 0;
		else {
			size_t m = av->u.s.len < bv->u.s.len ? av->u.s.len : bv->u.s.len;
			r = memcmp(av->u.s.p, bv->u.s.p, m);
			if (!r) r = av->u.s.len < bv->u.s.len ? -1 : av->u.s.len > bv->u.s.len;
			r = r < 0 ? -1 : r > 0;
		}
		if (!r) continue;
		return t->ascending ? r : -r;
	}
	return 0;
}


void jn_msort(jn_ctx *c, jv **v, size_t n, jv_cmp cmp, void *ctx)
{
	if (n < 2) return;
	jv **tmp = jn_alloc(c, n * sizeof(*tmp));
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = cmp(ctx, v[i], v[j]) > 0 ? v[j++] : v[i++];
			while (i < mid) tmp[k++] = v[i++];
			while (j < hi) tmp[k++] = v[j++];
		}
		memcpy(v, tmp, n * sizeof(*v));
	}
}

static int sort_cmp_v(void *ctx, jv *a, jv *b) { return sort_cmp(ctx, a, b); }

static jv *sort_step(jn_ctx *c, node *st, jv *in, env *e)
{
	if (!in)
		return NULL;
	jv *r = jv_seq(c);
	if (in->t == JT_ARR)
		for (size_t i = 0; i < in->u.a.n; i++) jv_push(c, r, in->u.a.v[i]);
	else
		jv_push(c, r, in);
	sortctx s = { c, st, e };
	jn_msort(c, r->u.a.v, r->u.a.n, sort_cmp_v, &s);
	return r;
}

/* ---- paths ---- */
static jv *eval_step(jn_ctx *c, node *step, jv *in, env *e, bool last)
{
	if (step->type == N_SORT) {
		jv *r = sort_step(c, step, in, e);
		for (int s = 0; s < step->nstages; s++)
			if (step->stages[s]->type == N_FILTER)
				r = filter(c, step->stages[s]->lhs, r, e);
		return r;
	}
	jv *list = jv_arr(c);
	for (size_t i = 0; i < in->u.a.n; i++) {
		jv *res = jn_eval(c, step, in->u.a.v[i], e);
		for (int s = 0; s < step->nstages; s++)
			if (step->stages[s]->type == N_FILTER)
				res = filter(c, step->stages[s]->lhs, res, e);
		if (res)
			jv_push(c, list, res);
	}
	if (last && list->u.a.n == 1 && list->u.a.v[0]->t == JT_ARR && !list->u.a.v[0]->seq)
		return list->u.a.v[0];
	jv *r = jv_seq(c);
	for (size_t i = 0; i < list->u.a.n; i++) {
		jv *x = list->u.a.v[i];
		if (x->t != JT_ARR || x->cons)
			jv_push(c, r, x);
		else
			for (size_t j = 0; j < x->u.a.n; j++)
				jv_push(c, r, x->u.a.v[j]);
	}
	return r;
}

jv *jn_eval_tuple_path(jn_ctx *c, node *n, jv *in, env *e);

static jv *eval_path(jn_ctx *c, node *n, jv *in, env *e)
{
	if (n->tuple)
		return jn_eval_tuple_path(c, n, in, e);
	jv *seq;
	if (in && in->t == JT_ARR && n->kids[0]->type != N_VAR)
		seq = in;
	else
		seq = seq1(c, in);
	jv *r = NULL;
	for (int i = 0; i < n->nkids; i++) {
		/* a leading array constructor is the sequence itself */
		if (i == 0 && n->kids[0]->cons_array)
			r = jn_eval(c, n->kids[0], seq, e);
		else
			r = eval_step(c, n->kids[i], seq, e, i == n->nkids - 1);
		if (!r || (r->t == JT_ARR && r->u.a.n == 0))
			break;
		seq = r;
	}
	if (n->keep_single && r && r->t == JT_ARR) {
		if (r->cons && !r->seq)
			r = seq1(c, r);
		r->keep = 1;
	}
	if (n->has_group)
		r = group(c, n->group, n->ngroup, r, e);
	return r;
}

/* ---- operators ---- */
static double num_arg(jn_ctx *c, jv *v, const char *code, int pos, const char *op)
{
	if (v->t != JT_NUM)
		jn_fail(c, code, pos, "The %s side of the \"%s\" operator must evaluate to a number",
			code[4] == '1' ? "left" : "right", op);
	return v->u.n;
}

static int cmp_str(jv *a, jv *b)
{
	size_t m = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
	int r = memcmp(a->u.s.p, b->u.s.p, m);
	if (r) return r;
	return a->u.s.len < b->u.s.len ? -1 : a->u.s.len > b->u.s.len;
}

static bool comparable(jv *v) { return v->t == JT_NUM || v->t == JT_STR; }

static jv *binary(jn_ctx *c, node *n, jv *in, env *e)
{
	const char *op = n->str;
	int pos = n->pos;
	if (!strcmp(op, "and")) {
		if (!jn_truthy(jn_eval(c, n->lhs, in, e)))
			return &jn_false;
		return jv_bool(jn_truthy(jn_eval(c, n->rhs, in, e)));
	}
	if (!strcmp(op, "or")) {
		if (jn_truthy(jn_eval(c, n->lhs, in, e)))
			return &jn_true;
		return jv_bool(jn_truthy(jn_eval(c, n->rhs, in, e)));
	}
	if (!strcmp(op, "??")) {
		jv *l = jn_eval(c, n->lhs, in, e);
		return l ? l : jn_eval(c, n->rhs, in, e);
	}
	if (!strcmp(op, "?:")) {
		jv *l = jn_eval(c, n->lhs, in, e);
		return jn_truthy(l) ? l : jn_eval(c, n->rhs, in, e);
	}
	jv *l = jn_eval(c, n->lhs, in, e);
	jv *r = jn_eval(c, n->rhs, in, e);
	switch (op[0]) {
	case '+': case '-': case '*': case '/': case '%':
		if (op[1])
			break;
		if (l && l->t != JT_NUM)
			num_arg(c, l, "T2001", pos, op);
		if (r && r->t != JT_NUM)
			num_arg(c, r, "T2002", pos, op);
		if (!l || !r)
			return NULL;
		{
			double a = l->u.n, b = r->u.n, x;
			switch (op[0]) {
			case '+': x = a + b; break;
			case '-': x = a - b; break;
			case '*': x = a * b; break;
			case '/': x = a / b; break;
			default: x = fmod(a, b); break;
			}
			if (!isfinite(x))
				jn_fail(c, "D1001", pos, "Number out of range");
			return jv_num(c, x);
		}
	case '&': {
		jn_buf b = { .c = c };
		jb_add(&b, "", 0);
		jv *ls = l ? jn_to_string(c, l, pos) : NULL;
		jv *rs = r ? jn_to_string(c, r, pos) : NULL;
		if (ls) jb_add(&b, ls->u.s.p, ls->u.s.len);
		if (rs) jb_add(&b, rs->u.s.p, rs->u.s.len);
		return jv_str(c, b.p, b.n);
	}
	case '.':
		if (op[1] == '.') {
			if (l && !jv_isint(l))
				jn_fail(c, "T2003", pos, "The left side of the range operator (..) must evaluate to an integer");
			if (r && !jv_isint(r))
				jn_fail(c, "T2004", pos, "The right side of the range operator (..) must evaluate to an integer");
			if (!l || !r)
				return NULL;
			if (l->u.n > r->u.n)
				return jv_arr(c);
			double size = r->u.n - l->u.n + 1;
			if (size > 1e7)
				jn_fail(c, "D2014", pos, "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate %.0f", size);
			jv *a = jv_arr(c);
			a->u.a.v = jn_alloc(c, (size_t)size * sizeof(jv *));
			a->u.a.cap = (size_t)size;
			jv *nums = jn_alloc(c, (size_t)size * sizeof(jv));
			for (size_t i = 0; i < (size_t)size; i++) {
				nums[i].t = JT_NUM;
				nums[i].u.n = l->u.n + (double)i;
				a->u.a.v[i] = &nums[i];
			}
			a->u.a.n = (size_t)size;
			return a;
		}
		break;
	case '=':
		if (!l || !r) return &jn_false;
		return jv_bool(jv_equal(l, r));
	case '!':
		if (!l || !r) return &jn_false;
		return jv_bool(!jv_equal(l, r));
	case '<': case '>': {
		bool lc = !l || comparable(l), rc = !r || comparable(r);
		if (!lc || !rc)
			jn_fail(c, "T2010", pos, "The expressions either side of operator \"%s\" must evaluate to numeric or string values", op);
		if (!l || !r)
			return NULL;
		if (l->t != r->t)
			jn_fail(c, "T2009", pos, "The values either side of operator \"%s\" must be of the same data type", op);
		int cm = l->t == JT_NUM ? (l->u.n < r->u.n ? -1 : l->u.n > r->u.n ? 1 : 0) : cmp_str(l, r);
		if (op[0] == '<')
			return jv_bool(op[1] ? cm <= 0 : cm < 0);
		return jv_bool(op[1] ? cm >= 0 : cm > 0);
	}
	case 'i': /* in */
		if (!l || !r) return &jn_false;
		if (r->t != JT_ARR)
			return jv_bool(jv_equal(l, r));
		for (size_t i = 0; i < r->u.a.n; i++)
			if (jv_equal(l, r->u.a.v[i]))
				return &jn_true;
		return &jn_false;
	}
	jn_fail(c, "S0201", pos, "unknown operator %s", op);
}

/* ---- functions ---- */
typedef struct tcall { jv *f; jv **args; int nargs; jv *in; int pos; } tcall;

static jv *eval_args_call(jn_ctx *c, node *n, jv *in, env *e, bool chained, jv *first, tcall *tc)
{
	if (n->lhs->type == N_PATH && n->lhs->nkids == 1 && n->lhs->kids[0]->type == N_PARENT)
		jn_fail(c, "T1006", n->pos, "Attempted to invoke a non-function"); /* %(): a parent is never one */
	jv *f = jn_eval(c, n->lhs, in, e);
	int na = n->nkids + (chained ? 1 : 0);
	jv **args = jn_alloc(c, (size_t)(na ? na : 1) * sizeof(jv *));
	int k = 0;
	if (chained)
		args[k++] = first;
	for (int i = 0; i < n->nkids; i++)
		args[k++] = jn_eval(c, n->kids[i], in, e);
	if (!f || f->t != JT_FUNC) {
		if (n->lhs->type == N_PATH && n->lhs->kids[0]->type == N_NAME && jn_builtin(c, n->lhs->kids[0]->str)) {
			snprintf(c->err->token, sizeof(c->err->token), "%s", n->lhs->kids[0]->str);
			jn_fail(c, "T1005", n->pos, "Attempted to invoke a non-function. Did you mean $%s?", n->lhs->kids[0]->str);
		}
		if (n->lhs->type == N_VAR)
			snprintf(c->err->token, sizeof(c->err->token), "%s", n->lhs->str);
		jn_fail(c, "T1006", n->pos, "Attempted to invoke a non-function");
	}
	if (tc) {
		tc->f = f; tc->args = args; tc->nargs = na; tc->in = in; tc->pos = n->pos;
		return NULL;
	}
	return jn_apply(c, f, args, na, in, e, n->pos);
}

int jn_func_arity(jv *fv)
{
	jfunc *f = fv->u.f;
	switch (f->kind) {
	case JF_LAMBDA: return f->lam->nparams;
	case JF_PARTIAL: {
		int k = 0;
		for (int i = 0; i < f->npargs; i++)
			if (f->pargs[i] == &jn_placeholder) k++;
		return k;
	}
	case JF_NATIVE: return jn_sig_arity(f->sig);
	default: return 1;
	}
}

/* Evaluates a lambda body; a call in tail position is returned in tc
 * instead of being made, so tail recursion runs in constant depth. */
static jv *eval_tail(jn_ctx *c, node *n, jv *in, env *e, tcall *tc)
{
	switch (n->type) {
	case N_CALL:
		if (n->npreds || n->keep_array || n->has_group)
			break;
		return eval_args_call(c, n, in, e, false, NULL, tc);
	case N_COND:
		if (n->npreds || n->keep_array || n->has_group)
			break;
		if (jn_truthy(jn_eval(c, n->cond, in, e)))
			return eval_tail(c, n->lhs, in, e, tc);
		return n->els ? eval_tail(c, n->els, in, e, tc) : NULL;
	case N_BLOCK: {
		if (n->npreds || n->keep_array || n->has_group || !n->nkids)
			break;
		env *be = jn_env_new(c, e);
		for (int i = 0; i < n->nkids - 1; i++)
			jn_eval(c, n->kids[i], in, be);
		return eval_tail(c, n->kids[n->nkids - 1], in, be, tc);
	}
	default:
		break;
	}
	return jn_eval(c, n, in, e);
}

jv *jn_transform_apply(jn_ctx *c, jfunc *f, jv *arg);

static jv *apply_once(jn_ctx *c, jv *fv, jv **args, int nargs, jv *in, env *e, int pos, tcall *tc)
{
	jfunc *f = fv->u.f;
	tc->f = NULL;
	switch (f->kind) {
	case JF_NATIVE:
		if (f->sig)
			args = jn_sig_validate(c, f->sig, args, &nargs, in, pos, f->name, false);
		if (f->ext)
			return jn_ext_call(c, f, args, nargs, pos);
		return f->fn(c, args, nargs, in, e);
	case JF_LAMBDA: {
		if (f->sig)
			args = jn_sig_validate(c, f->sig, args, &nargs, in, pos, NULL, true);
		env *le = jn_env_new(c, f->closure);
		node *lam = f->lam;
		for (int i = 0; i < lam->nparams; i++)
			jn_env_bind(c, le, lam->params[i], i < nargs ? args[i] : NULL);
		return eval_tail(c, lam->lhs, f->input, le, tc);
	}
	case JF_PARTIAL: {
		jv **full = jn_alloc(c, (size_t)(f->npargs + 1) * sizeof(jv *));
		int k = 0;
		for (int i = 0; i < f->npargs; i++)
			full[i] = f->pargs[i] == &jn_placeholder ? (k < nargs ? args[k++] : NULL) : f->pargs[i];
		jv tv = { .t = JT_FUNC };
		tv.u.f = f->target;
		return jn_apply(c, &tv, full, f->npargs, in, e, pos);
	}
	case JF_TRANSFORM:
		return jn_transform_apply(c, f, nargs ? args[0] : NULL);
	case JF_REGEX:
		return jn_regex_call(c, f->re, nargs ? args[0] : NULL, pos);
	case JF_NEXT: /* next() of a regex match object: match again after it */
		return jn_match_object(c, f->re, f->pargs[0]->u.s.p, f->pargs[0]->u.s.len, (size_t)f->npargs, pos);
	case JF_COMPOSE: {
		jv *mid = jn_apply(c, f->pargs[0], args, nargs, in, e, pos);
		return jn_apply(c, f->pargs[1], &mid, 1, in, e, pos);
	}
	}
	return NULL;
}

jv *jn_apply(jn_ctx *c, jv *fv, jv **args, int nargs, jv *in, env *e, int pos)
{
	tcall tc;
	if (++c->depth > c->max_depth)
		jn_fail(c, "U1001", pos, "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.");
	jv *r = apply_once(c, fv, args, nargs, in, e, pos, &tc);
	while (tc.f) {
		jn_tick(c);
		jv *f = tc.f;
		r = apply_once(c, f, tc.args, tc.nargs, tc.in, e, tc.pos, &tc);
	}
	c->depth--;
	return r;
}

static jv *make_lambda(jn_ctx *c, node *n, jv *in, env *e)
{
	jfunc *f = jn_alloc(c, sizeof(*f));
	f->kind = JF_LAMBDA;
	f->lam = n;
	f->closure = e;
	f->input = in;
	f->sig = n->sig;
	return jv_func(c, f);
}

static jv *make_partial(jn_ctx *c, node *n, jv *in, env *e)
{
	jv *t = jn_eval(c, n->lhs, in, e);
	if (!t || t->t != JT_FUNC) {
		if (n->lhs->type == N_PATH && n->lhs->kids[0]->type == N_NAME && jn_builtin(c, n->lhs->kids[0]->str))
			jn_fail(c, "T1007", n->pos, "Attempted to partially apply a non-function. Did you mean $%s?", n->lhs->kids[0]->str);
		jn_fail(c, "T1008", n->pos, "Attempted to partially apply a non-function");
	}
	jfunc *f = jn_alloc(c, sizeof(*f));
	f->kind = JF_PARTIAL;
	f->target = t->u.f;
	f->npargs = n->nkids;
	f->pargs = jn_alloc(c, (size_t)(n->nkids + 1) * sizeof(jv *));
	for (int i = 0; i < n->nkids; i++)
		f->pargs[i] = n->kids[i]->type == N_PLACEHOLDER ? &jn_placeholder : jn_eval(c, n->kids[i], in, e);
	return jv_func(c, f);
}


static jv *apply_chain(jn_ctx *c, node *n, jv *in, env *e)
{
	jv *l = jn_eval(c, n->lhs, in, e);
	if (n->rhs->type == N_CALL) {
		node *call = n->rhs;
		jv *r = eval_args_call(c, call, in, e, true, l, NULL);
		for (int i = 0; i < call->npreds; i++)
			r = filter(c, call->preds[i]->lhs, r, e);
		if (call->keep_array && r && r->t == JT_ARR) {
			if (!r->seq) {
				jv *s = jv_seq(c);
				for (size_t j = 0; j < r->u.a.n; j++) jv_push(c, s, r->u.a.v[j]);
				r = s;
			}
			r->keep = 1;
		}
		return r;
	}
	jv *f = jn_eval(c, n->rhs, in, e);
	if (!f || f->t != JT_FUNC)
		jn_fail(c, "T2006", n->pos, "The right side of the function application operator ~> must be a function");
	if (l && l->t == JT_FUNC) {
		/* function composition: a new function x -> f(l(x)) */
		jfunc *cf = jn_alloc(c, sizeof(*cf));
		cf->kind = JF_COMPOSE;
		cf->pargs = jn_alloc(c, 2 * sizeof(jv *));
		cf->pargs[0] = l;
		cf->pargs[1] = f;
		cf->npargs = 2;
		return jv_func(c, cf);
	}
	jv *args[1] = { l };
	return jn_apply(c, f, args, 1, in, e, n->pos);
}

static jv *make_transform(jn_ctx *c, node *n, env *e)
{
	jfunc *f = jn_alloc(c, sizeof(*f));
	f->kind = JF_TRANSFORM;
	f->lam = n;
	f->closure = e;
	return jv_func(c, f);
}

jv *jn_transform_apply(jn_ctx *c, jfunc *f, jv *arg)
{
	node *n = f->lam;
	if (!arg)
		return NULL;
	if (arg->t != JT_OBJ && arg->t != JT_ARR)
		jn_fail(c, "T0410", n->pos, "Argument 1 of function transform does not match function signature");
	jv *res = jv_clone(c, arg);
	jv *m = jn_eval(c, n->lhs, res, f->closure);
	if (!m)
		return res;
	if (m->t != JT_ARR)
		m = seq1(c, m);
	for (size_t i = 0; i < m->u.a.n; i++) {
		jv *obj = m->u.a.v[i];
		if (!obj || obj->t != JT_OBJ)
			continue;
		jv *u = jn_eval(c, n->upd, obj, f->closure);
		if (u) {
			if (u->t != JT_OBJ)
				jn_fail(c, "T2011", n->upd->pos, "The insert/update clause of the transform expression must evaluate to an object");
			for (size_t j = 0; j < u->u.o.n; j++)
				jv_set(c, obj, u->u.o.e[j].k, u->u.o.e[j].klen, u->u.o.e[j].v);
		}
		if (n->del) {
			jv *d = jn_eval(c, n->del, obj, f->closure);
			if (d) {
				if (d->t != JT_ARR)
					d = seq1(c, d);
				for (size_t j = 0; j < d->u.a.n; j++) {
					jv *k = d->u.a.v[j];
					if (!k || k->t != JT_STR)
						jn_fail(c, "T2012", n->del->pos, "The delete clause of the transform expression must evaluate to a string or array of strings");
					jv_del(obj, k->u.s.p, k->u.s.len);
				}
			}
		}
	}
	return res;
}

static jv *eval_var(jn_ctx *c, node *n, jv *in, env *e)
{
	if (n->slen == 0) {
		if (in && in->t == JT_ARR && in->outer)
			return in->u.a.n ? in->u.a.v[0] : NULL;
		return in;
	}
	if (n->slen == 1 && n->str[0] == '$')
		return c->root;
	bool found;
	jv *v = jn_env_lookup(e, n->str, &found);
	if (!found && !(v = jn_ext_lookup(c, n->str)))
		v = jn_builtin(c, n->str);
	return v;
}

jv *jn_eval_parent(jn_ctx *c, node *n, jv *in, env *e);

jv *jn_eval(jn_ctx *c, node *n, jv *in, env *e)
{
	jv *r = NULL;
	jn_tick(c);
	if (++c->depth > c->max_depth)
		jn_fail(c, "U1001", n->pos, "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.");
	switch (n->type) {
	case N_NUM: case N_STR: case N_VAL:
		r = n->val;
		break;
	case N_REGEX: {
		jfunc *f = jn_alloc(c, sizeof(*f));
		f->kind = JF_REGEX;
		f->re = n->re;
		r = jv_func(c, f);
		break;
	}
	case N_NAME: r = lookup(c, in, n->str, n->slen); break;
	case N_VAR: r = eval_var(c, n, in, e); break;
	case N_WILD: r = wildcard(c, in); break;
	case N_DESC: {
		r = jv_seq(c);
		descend(c, in, r);
		break;
	}
	case N_PARENT: r = jn_eval_parent(c, n, in, e); break;
	case N_PATH: r = eval_path(c, n, in, e); break;
	case N_BIN: r = binary(c, n, in, e); break;
	case N_NEG:
		r = jn_eval(c, n->lhs, in, e);
		if (r) {
			if (r->t != JT_NUM)
				jn_fail(c, "D1002", n->pos, "Cannot negate a non-numeric value");
			r = jv_num(c, -r->u.n);
		}
		break;
	case N_ARRAY: {
		r = jv_arr(c);
		for (int i = 0; i < n->nkids; i++) {
			jv *v = jn_eval(c, n->kids[i], in, e);
			if (!v)
				continue;
			if (n->kids[i]->type == N_ARRAY || v->t != JT_ARR) {
				jv_push(c, r, v);
			} else if (r->u.a.n == 0 && i == n->nkids - 1) {
				/* the only contents: one exact copy, no regrowth ([1..1e7]) */
				r->u.a.v = jn_alloc(c, (v->u.a.n ? v->u.a.n : 1) * sizeof(jv *));
				if (v->u.a.n)
					memcpy(r->u.a.v, v->u.a.v, v->u.a.n * sizeof(jv *));
				r->u.a.n = r->u.a.cap = v->u.a.n;
				r->nest = v->nest;
			} else {
				for (size_t j = 0; j < v->u.a.n; j++)
					jv_push(c, r, v->u.a.v[j]);
			}
		}
		if (n->cons_array)
			r->cons = 1;
		break;
	}
	case N_OBJECT: r = group(c, n->group, n->ngroup, in, e); break;
	case N_BLOCK: {
		env *be = jn_env_new(c, e);
		for (int i = 0; i < n->nkids; i++)
			r = jn_eval(c, n->kids[i], in, be);
		break;
	}
	case N_COND:
		if (jn_truthy(jn_eval(c, n->cond, in, e)))
			r = jn_eval(c, n->lhs, in, e);
		else if (n->els)
			r = jn_eval(c, n->els, in, e);
		break;
	case N_BIND:
		r = jn_eval(c, n->rhs, in, e);
		jn_env_bind(c, e, n->lhs->str, r);
		break;
	case N_CALL: r = eval_args_call(c, n, in, e, false, NULL, NULL); break;
	case N_PARTIAL: r = make_partial(c, n, in, e); break;
	case N_LAMBDA: r = make_lambda(c, n, in, e); break;
	case N_APPLY: r = apply_chain(c, n, in, e); break;
	case N_TRANSFORM: r = make_transform(c, n, e); break;
	case N_SORT: r = sort_step(c, n, in, e); break;
	default:
		jn_fail(c, "S0201", n->pos, "unsupported expression");
	}
	for (int i = 0; i < n->npreds; i++)
		r = filter(c, n->preds[i]->lhs, r, e);
	if (n->has_group && n->type != N_PATH)
		r = group(c, n->group, n->ngroup, r, e);
	if (r && r->t == JT_ARR && r->seq && !r->tuple) {
		if (n->keep_array)
			r->keep = 1;
		r = jn_finish_seq(r);
	}
	c->depth--;
	return r;
}

/* Paths with focus (@$v), index (#$i) bindings or parent (%) references
 * run as streams of tuples: each tuple is a context value plus an
 * environment frame holding the variables bound along the path so far.
 * parser.c decides which step binds which parent label (jn_resolve_parents). */
#include <math.h>
#include <string.h>
#include "jn.h"

typedef struct tup { jv *ctx; env *bind; } tup;
typedef struct tlist { tup *v; size_t n, cap; } tlist;

static void tpush(jn_ctx *c, tlist *l, jv *ctx, env *bind)
{
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 8;
		tup *nv = jn_alloc(c, nc * sizeof(tup));
		if (l->n) memcpy(nv, l->v, l->n * sizeof(tup));
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n].ctx = ctx;
	l->v[l->n].bind = bind;
	l->n++;
}

static bool all_nums(jv *v)
{
	if (!v || v->t != JT_ARR || !v->u.a.n) return false;
	for (size_t i = 0; i < v->u.a.n; i++)
		if (!v->u.a.v[i] || v->u.a.v[i]->t != JT_NUM) return false;
	return true;
}

static tlist tfilter(jn_ctx *c, node *pred, tlist in)
{
	tlist out = { 0 };
	for (size_t i = 0; i < in.n; i++) {
		jv *res = jn_eval(c, pred, in.v[i].ctx, in.v[i].bind);
		if (res && res->t == JT_NUM) {
			jv *s = jv_seq(c);
			jv_push(c, s, res);
			res = s;
		}
		bool keep = false;
		if (all_nums(res)) {
			for (size_t j = 0; j < res->u.a.n && !keep; j++) {
				double ix = floor(res->u.a.v[j]->u.n);
				if (ix < 0) ix += (double)in.n;
				keep = ix == (double)i;
			}
		} else {
			keep = jn_truthy(res);
		}
		if (keep) tpush(c, &out, in.v[i].ctx, in.v[i].bind);
	}
	return out;
}

static void stages(jn_ctx *c, node *step, tlist *l)
{
	for (int s = 0; s < step->nstages; s++) {
		node *st = step->stages[s];
		if (st->type == N_FILTER) {
			*l = tfilter(c, st->lhs, *l);
		} else {
			for (size_t i = 0; i < l->n; i++) {
				env *nb = jn_env_new(c, l->v[i].bind);
				jn_env_bind(c, nb, st->str, jv_num(c, (double)i));
				l->v[i].bind = nb;
			}
		}
	}
}

typedef struct { jn_ctx *c; node *terms; } tsort;

static int cmp_tuple(tsort *s, tup *a, tup *b)
{
	for (int i = 0; i < s->terms->nkids; i++) {
		node *t = s->terms->kids[i];
		jv *av = jn_eval(s->c, t->lhs, a->ctx, a->bind);
		jv *bv = jn_eval(s->c, t->lhs, b->ctx, b->bind);
		if (!av && !bv) continue;
		if (!av) return 1;
		if (!bv) return -1;
		if ((av->t == JT_NUM || av->t == JT_STR) && (bv->t == JT_NUM || bv->t == JT_STR) && av->t != bv->t)
			jn_fail(s->c, "T2007", t->pos, "Type mismatch when comparing values in order-by clause");
		if (!((av->t == JT_NUM || av->t == JT_STR) && av->t == bv->t))
			jn_fail(s->c, "T2008", t->pos, "The expressions within an order-by clause must evaluate to numeric or string values");
		int r;
		if (av->t == JT_NUM) r = av->u.n < bv->u.n ? -1 : av->u.n > bv->u.n;
		else {
			size_t m = av->u.s.len < bv->u.s.len ? av->u.s.len : bv->u.s.len;
			r = memcmp(av->u.s.p, bv->u.s.p, m);
			if (!r) r = av->u.s.len < bv->u.s.len ? -1 : av->u.s.len > bv->u.s.len;
		}
		if (!r) continue;
		r = r < 0 ? -1 : 1;
		return t->ascending ? r : -r;
	}
	return 0;
}

static void sort_tuples(jn_ctx *c, node *terms, tlist *l)
{
	tsort s = { c, terms };
	tup *tmp = jn_alloc(c, (l->n + 1) * sizeof(tup));
	for (size_t w = 1; w < l->n; w *= 2) {
		for (size_t lo = 0; lo < l->n; lo += 2 * w) {
			size_t mid = lo + w < l->n ? lo + w : l->n, hi = lo + 2 * w < l->n ? lo + 2 * w : l->n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = cmp_tuple(&s, &l->v[i], &l->v[j]) > 0 ? l->v[j++] : l->v[i++];
			while (i < mid) tmp[k++] = l->v[i++];
			while (j < hi) tmp[k++] = l->v[j++];
		}
		memcpy(l->v, tmp, l->n * sizeof(tup));
	}
}

/* the variables a tuple's frames bind above the path's own environment */
static void merge_bindings(jn_ctx *c, env *dst, env *from, env *stop)
{
	for (env *f = from; f && f != stop; f = f->parent) {
		for (int i = 0; i < f->n; i++) {
			bool found = false;
			for (int k = 0; k < dst->n; k++)
				if (!strcmp(dst->names[k], f->names[i])) found = true;
			if (!found) jn_env_bind(c, dst, f->names[i], f->vals[i]);
		}
	}
}

static jv *append_val(jn_ctx *c, jv *acc, jv *v)
{
	if (!acc) return v;
	if (!v) return acc;
	jv *s = jv_seq(c);
	if (acc->t == JT_ARR && acc->seq) for (size_t i = 0; i < acc->u.a.n; i++) jv_push(c, s, acc->u.a.v[i]);
	else jv_push(c, s, acc);
	if (v->t == JT_ARR) for (size_t i = 0; i < v->u.a.n; i++) jv_push(c, s, v->u.a.v[i]);
	else jv_push(c, s, v);
	return s;
}

static jv *group_tuples(jn_ctx *c, node *n, tlist *l, env *e)
{
	int np = n->ngroup / 2;
	jv *out = jv_obj(c);
	/* keys in first-seen order, each with its pair and tuples */
	jv *keys = jv_obj(c);
	size_t nk = 0, cap = 0;
	struct g { int pair; jv *ctx; env *bind; } *gs = NULL;
	for (size_t i = 0; i < l->n; i++) {
		for (int p = 0; p < np; p++) {
			jv *k = jn_eval(c, n->group[2 * p], l->v[i].ctx, l->v[i].bind);
			if (!k) continue;
			if (k->t != JT_STR)
				jn_fail(c, "T1003", n->group[2 * p]->pos, "Key in object structure must evaluate to a string; got: %s", jn_typename(k));
			jv *slot = jv_get(keys, k->u.s.p, k->u.s.len);
			if (!slot) {
				if (nk == cap) {
					size_t nc = cap ? cap * 2 : 8;
					struct g *ng = jn_alloc(c, nc * sizeof(*ng));
					if (nk) memcpy(ng, gs, nk * sizeof(*ng));
					gs = ng;
					cap = nc;
				}
				gs[nk].pair = p;
				gs[nk].ctx = l->v[i].ctx;
				gs[nk].bind = jn_env_new(c, e);
				merge_bindings(c, gs[nk].bind, l->v[i].bind, e);
				jv_set(c, keys, k->u.s.p, k->u.s.len, jv_num(c, (double)nk));
				nk++;
				continue;
			}
			struct g *gg = &gs[(size_t)slot->u.n];
			if (gg->pair != p)
				jn_fail(c, "D1009", n->group[2 * p]->pos, "Multiple key definitions evaluate to same key: %s", k->u.s.p);
			gg->ctx = append_val(c, gg->ctx, l->v[i].ctx);
			env tmp = { 0 };
			merge_bindings(c, &tmp, l->v[i].bind, e);
			for (int v = 0; v < tmp.n; v++) {
				bool found;
				jv *old = jn_env_lookup(gg->bind, tmp.names[v], &found);
				jn_env_bind(c, gg->bind, tmp.names[v], append_val(c, found ? old : NULL, tmp.vals[v]));
			}
		}
	}
	for (size_t i = 0; i < keys->u.o.n; i++) {
		struct g *gg = &gs[(size_t)keys->u.o.e[i].v->u.n];
		jv *v = jn_eval(c, n->group[2 * gg->pair + 1], gg->ctx, gg->bind);
		if (v) jv_set(c, out, keys->u.o.e[i].k, keys->u.o.e[i].klen, v);
	}
	return out;
}

jv *jn_eval_tuple_path(jn_ctx *c, node *n, jv *in, env *e)
{
	tlist cur = { 0 };
	jv *seq = in;
	if (!(in && in->t == JT_ARR && n->kids[0]->type != N_VAR)) {
		seq = jv_seq(c);
		jv_push(c, seq, in);
	}
	for (size_t i = 0; i < seq->u.a.n; i++)
		tpush(c, &cur, seq->u.a.v[i], e);
	for (int k = 0; k < n->nkids; k++) {
		node *step = n->kids[k];
		if (step->type == N_SORT) {
			sort_tuples(c, step, &cur);
			stages(c, step, &cur);
			continue;
		}
		tlist next = { 0 };
		for (size_t t = 0; t < cur.n; t++) {
			jv *res = jn_eval(c, step, cur.v[t].ctx, cur.v[t].bind);
			if (!res) continue;
			size_t cnt = res->t == JT_ARR ? res->u.a.n : 1;
			for (size_t b = 0; b < cnt; b++) {
				jv *item = res->t == JT_ARR ? res->u.a.v[b] : res;
				env *nb = jn_env_new(c, cur.v[t].bind);
				jv *ctx = item;
				if (step->focus) {
					jn_env_bind(c, nb, step->focus, item);
					ctx = cur.v[t].ctx;
				}
				if (step->index)
					jn_env_bind(c, nb, step->index, jv_num(c, (double)b));
				for (int a = 0; a < step->nanc; a++)
					jn_env_bind(c, nb, step->ancestors[a]->slot_label, cur.v[t].ctx);
				tpush(c, &next, ctx, nb);
			}
		}
		stages(c, step, &next);
		cur = next;
		if (!cur.n) break;
	}
	if (n->has_group)
		return group_tuples(c, n, &cur, e);
	jv *r = jv_seq(c);
	for (size_t i = 0; i < cur.n; i++)
		jv_push(c, r, cur.v[i].ctx);
	if (n->keep_single)
		r->keep = 1;
	return r;
}

/* The object whose member (or member array's element) is target, searched
 * from v down; NULL when target is not inside v. */
static jv *find_parent(jn_ctx *c, jv *v, jv *target, jv *owner)
{
	jn_tick(c);
	if (!v)
		return NULL;
	if (v->t == JT_ARR) {
		for (size_t i = 0; i < v->u.a.n; i++) {
			if (v->u.a.v[i] == target && owner)
				return owner;
			jv *r = find_parent(c, v->u.a.v[i], target, owner);
			if (r) return r;
		}
	} else if (v->t == JT_OBJ) {
		for (size_t i = 0; i < v->u.o.n; i++) {
			if (v->u.o.e[i].v == target)
				return v;
			jv *r = find_parent(c, v->u.o.e[i].v, target, v);
			if (r) return r;
		}
	}
	return NULL;
}

/* % bound by a navigation step of its path (a tuple label), or else
 * found by searching the input and the bindings for the context's owner. */
jv *jn_eval_parent(jn_ctx *c, node *n, jv *in, env *e)
{
	bool found = false;
	jv *v = n->slot_label ? jn_env_lookup(e, n->slot_label, &found) : NULL;
	if (found)
		return v;
	if (in && in->t == JT_ARR && in->outer && in->u.a.n)
		in = in->u.a.v[0];
	if (in && (in->t == JT_ARR || in->t == JT_OBJ || in->t == JT_STR || in->t == JT_NUM)) {
		jv *p = find_parent(c, c->root, in, NULL);
		for (env *g = c->genv; !p && g; g = g->parent)
			for (int i = 0; !p && i < g->n; i++)
				p = g->vals[i] == in ? NULL : find_parent(c, g->vals[i], in, NULL);
		if (p)
			return p;
	}
	jn_fail(c, "S0217", n->pos, "The object representing the 'parent' cannot be derived from this expression");
}

/* JSONata values: constructors, equality, json-c conversion and the
 * JavaScript number and JSON text formats JSONata's output follows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jn.h"

jv jn_null = { .t = JT_NULL };
jv jn_true = { .t = JT_BOOL, .u.b = 1 };
jv jn_false = { .t = JT_BOOL, .u.b = 0 };

jv *jv_bool(bool b) { return b ? &jn_true : &jn_false; }

static jv *jv_new(jn_ctx *c, int t)
{
	jv *v = jn_alloc(c, sizeof(*v));
	v->t = (uint8_t)t;
	return v;
}

jv *jv_num(jn_ctx *c, double d)
{
	jv *v = jv_new(c, JT_NUM);
	v->u.n = d;
	return v;
}

jv *jv_str(jn_ctx *c, const char *s, size_t n)
{
	jv *v = jv_new(c, JT_STR);
	v->u.s.p = jn_strndup(c, s, n);
	v->u.s.len = n;
	return v;
}

jv *jv_cstr(jn_ctx *c, const char *s) { return jv_str(c, s, strlen(s)); }
jv *jv_arr(jn_ctx *c) { return jv_new(c, JT_ARR); }

jv *jv_seq(jn_ctx *c)
{
	jv *v = jv_new(c, JT_ARR);
	v->seq = 1;
	return v;
}

jv *jv_obj(jn_ctx *c) { return jv_new(c, JT_OBJ); }

jv *jv_func(jn_ctx *c, jfunc *f)
{
	jv *v = jv_new(c, JT_FUNC);
	v->u.f = f;
	return v;
}

bool jv_isarr(jv *v) { return v && v->t == JT_ARR; }

static void nest_into(jn_ctx *c, jv *container, jv *v)
{
	unsigned d = v ? (unsigned)v->nest + (v->t == JT_ARR || v->t == JT_OBJ) : 0;
	if (d > container->nest) {
		if (d > JN_MAX_NEST)
			jn_fail(c, "U1005", -1, "a value nests arrays/objects more than %d deep", JN_MAX_NEST);
		container->nest = (uint16_t)d;
	}
}

void jv_push(jn_ctx *c, jv *arr, jv *v)
{
	nest_into(c, arr, v);
	if (arr->u.a.n == arr->u.a.cap) {
		size_t nc = arr->u.a.cap ? arr->u.a.cap * 2 : 4;
		jv **nv = jn_alloc(c, nc * sizeof(*nv));
		if (arr->u.a.n)
			memcpy(nv, arr->u.a.v, arr->u.a.n * sizeof(*nv));
		arr->u.a.v = nv;
		arr->u.a.cap = nc;
	}
	arr->u.a.v[arr->u.a.n++] = v;
}

static long jv_find(jv *o, const char *k, size_t klen)
{
	for (size_t i = 0; i < o->u.o.n; i++)
		if (o->u.o.e[i].klen == klen && memcmp(o->u.o.e[i].k, k, klen) == 0)
			return (long)i;
	return -1;
}

jv *jv_get(jv *o, const char *k, size_t klen)
{
	if (!o || o->t != JT_OBJ)
		return NULL;
	long i = jv_find(o, k, klen);
	return i < 0 ? NULL : o->u.o.e[i].v;
}

void jv_set(jn_ctx *c, jv *o, const char *k, size_t klen, jv *v)
{
	nest_into(c, o, v);
	long i = jv_find(o, k, klen);
	if (i >= 0) {
		o->u.o.e[i].v = v;
		return;
	}
	if (o->u.o.n == o->u.o.cap) {
		size_t nc = o->u.o.cap ? o->u.o.cap * 2 : 4;
		jkv *ne = jn_alloc(c, nc * sizeof(*ne));
		if (o->u.o.n)
			memcpy(ne, o->u.o.e, o->u.o.n * sizeof(*ne));
		o->u.o.e = ne;
		o->u.o.cap = nc;
	}
	o->u.o.e[o->u.o.n].k = k;
	o->u.o.e[o->u.o.n].klen = klen;
	o->u.o.e[o->u.o.n].v = v;
	o->u.o.n++;
}

bool jv_del(jv *o, const char *k, size_t klen)
{
	long i = jv_find(o, k, klen);
	if (i < 0)
		return false;
	memmove(&o->u.o.e[i], &o->u.o.e[i + 1], (o->u.o.n - (size_t)i - 1) * sizeof(jkv));
	o->u.o.n--;
	return true;
}

bool jv_isint(jv *v)
{
	return v && v->t == JT_NUM && isfinite(v->u.n) && floor(v->u.n) == v->u.n;
}

bool jv_equal(jv *a, jv *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->t != b->t)
		return false;
	switch (a->t) {
	case JT_NULL: return true;
	case JT_BOOL: return a->u.b == b->u.b;
	case JT_NUM: return a->u.n == b->u.n;
	case JT_STR:
		return a->u.s.len == b->u.s.len && memcmp(a->u.s.p, b->u.s.p, a->u.s.len) == 0;
	case JT_ARR:
		if (a->u.a.n != b->u.a.n)
			return false;
		for (size_t i = 0; i < a->u.a.n; i++)
			if (!jv_equal(a->u.a.v[i], b->u.a.v[i]))
				return false;
		return true;
	case JT_OBJ:
		if (a->u.o.n != b->u.o.n)
			return false;
		for (size_t i = 0; i < a->u.o.n; i++) {
			jkv *e = &a->u.o.e[i];
			if (!jv_equal(e->v, jv_get(b, e->k, e->klen)))
				return false;
		}
		return true;
	default: return false;
	}
}

static jv *from_json(jn_ctx *c, struct json_object *o, int depth);

jv *jv_from_json(jn_ctx *c, struct json_object *o) { return from_json(c, o, 0); }

static jv *from_json(jn_ctx *c, struct json_object *o, int depth)
{
	if (depth > JN_MAX_NEST)
		jn_fail(c, "U1005", -1, "the input nests arrays/objects more than %d deep", JN_MAX_NEST);
	if (!o)
		return &jn_null;
	switch (json_object_get_type(o)) {
	case json_type_null: return &jn_null;
	case json_type_boolean: return jv_bool(json_object_get_boolean(o));
	case json_type_int: return jv_num(c, (double)json_object_get_int64(o));
	case json_type_double: return jv_num(c, json_object_get_double(o));
	case json_type_string:
		return jv_str(c, json_object_get_string(o), (size_t)json_object_get_string_len(o));
	case json_type_array: {
		jv *a = jv_arr(c);
		size_t n = json_object_array_length(o);
		for (size_t i = 0; i < n; i++)
			jv_push(c, a, from_json(c, json_object_array_get_idx(o, i), depth + 1));
		return a;
	}
	case json_type_object: {
		jv *r = jv_obj(c);
		json_object_object_foreach(o, k, val) {
			jv_set(c, r, k, strlen(k), from_json(c, val, depth + 1));
		}
		return r;
	}
	}
	return &jn_null;
}

struct json_object *jv_to_json(jv *v)
{
	if (!v)
		return NULL;
	switch (v->t) {
	case JT_BOOL: return json_object_new_boolean(v->u.b);
	case JT_NUM: {
		double d = v->u.n;
		if (floor(d) == d && fabs(d) < 9007199254740992.0)
			return json_object_new_int64((int64_t)d);
		return json_object_new_double(d);
	}
	case JT_STR: return json_object_new_string_len(v->u.s.p, (int)v->u.s.len);
	case JT_ARR: {
		struct json_object *a = json_object_new_array();
		for (size_t i = 0; i < v->u.a.n; i++) {
			jv *x = v->u.a.v[i];
			if (x && x->t == JT_FUNC)
				x = NULL;
			json_object_array_add(a, x ? jv_to_json(x) : NULL);
		}
		return a;
	}
	case JT_OBJ: {
		struct json_object *o = json_object_new_object();
		for (size_t i = 0; i < v->u.o.n; i++) {
			jkv *e = &v->u.o.e[i];
			if (!e->v || e->v->t == JT_FUNC)
				continue;
			char *k = strndup(e->k, e->klen);
			if (k) {
				json_object_object_add(o, k, jv_to_json(e->v));
				free(k);
			}
		}
		return o;
	}
	case JT_FUNC: return json_object_new_string("");
	default: return NULL; /* JSON null */
	}
}

jv *jv_clone(jn_ctx *c, jv *v)
{
	if (!v)
		return NULL;
	if (v->t == JT_ARR) {
		jv *a = jv_arr(c);
		a->seq = v->seq;
		a->cons = v->cons;
		for (size_t i = 0; i < v->u.a.n; i++)
			jv_push(c, a, jv_clone(c, v->u.a.v[i]));
		return a;
	}
	if (v->t == JT_OBJ) {
		jv *o = jv_obj(c);
		for (size_t i = 0; i < v->u.o.n; i++)
			jv_set(c, o, v->u.o.e[i].k, v->u.o.e[i].klen, jv_clone(c, v->u.o.e[i].v));
		return o;
	}
	return v;
}

/* ---- text buffers ---- */
void jb_add(jn_buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : 64;
		while (nc < b->n + n + 1)
			nc *= 2;
		char *np = jn_alloc(b->c, nc);
		if (b->n)
			memcpy(np, b->p, b->n);
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

void jb_adds(jn_buf *b, const char *s) { jb_add(b, s, strlen(s)); }
void jb_addc(jn_buf *b, char ch) { jb_add(b, &ch, 1); }

/* JavaScript's Number.prototype.toString; prec15 first rounds to 15
 * significant digits as JSONata's $string does. */
void jn_num_fmt(double d, bool prec15, char out[40])
{
	if (isnan(d)) { strcpy(out, "NaN"); return; }
	if (isinf(d)) { strcpy(out, d < 0 ? "-Infinity" : "Infinity"); return; }
	if (d == 0) { strcpy(out, "0"); return; }
	char tmp[40];
	int p;
	if (prec15 && floor(d) != d) {
		snprintf(tmp, sizeof tmp, "%.14e", d);
		d = strtod(tmp, NULL);
	}
	for (p = 1; p <= 17; p++) {
		snprintf(tmp, sizeof tmp, "%.*e", p - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	/* tmp: [-]d.ddde[+-]xx */
	char digits[24];
	int nd = 0, neg = 0;
	const char *s = tmp;
	if (*s == '-') { neg = 1; s++; }
	for (; *s && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9')
			digits[nd++] = *s;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = 0;
	int ex = atoi(s + 1);
	int n = ex + 1;
	char *o = out;
	if (neg) *o++ = '-';
	if (nd <= n && n <= 21) {
		memcpy(o, digits, (size_t)nd); o += nd;
		for (int i = nd; i < n; i++) *o++ = '0';
	} else if (0 < n && n <= 21) {
		memcpy(o, digits, (size_t)n); o += n;
		*o++ = '.';
		memcpy(o, digits + n, (size_t)(nd - n)); o += nd - n;
	} else if (-6 < n && n <= 0) {
		*o++ = '0'; *o++ = '.';
		for (int i = 0; i < -n; i++) *o++ = '0';
		memcpy(o, digits, (size_t)nd); o += nd;
	} else {
		*o++ = digits[0];
		if (nd > 1) {
			*o++ = '.';
			memcpy(o, digits + 1, (size_t)(nd - 1)); o += nd - 1;
		}
		o += sprintf(o, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
	}
	*o = 0;
}

static void str_quote(jn_buf *b, const char *s, size_t n)
{
	jb_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		switch (ch) {
		case '"': jb_adds(b, "\\\""); break;
		case '\\': jb_adds(b, "\\\\"); break;
		case '\n': jb_adds(b, "\\n"); break;
		case '\r': jb_adds(b, "\\r"); break;
		case '\t': jb_adds(b, "\\t"); break;
		case '\b': jb_adds(b, "\\b"); break;
		case '\f': jb_adds(b, "\\f"); break;
		default:
			if (ch < 0x20) {
				char u[8];
				snprintf(u, sizeof u, "\\u%04x", ch);
				jb_adds(b, u);
			} else {
				jb_addc(b, (char)ch);
			}
		}
	}
	jb_addc(b, '"');
}

static void nl(jn_buf *b, int indent, int level)
{
	if (!indent)
		return;
	jb_addc(b, '\n');
	for (int i = 0; i < indent * level; i++)
		jb_addc(b, ' ');
}

/* JSON.stringify as JSONata uses it: functions become "", undefined
 * members are dropped, numbers print as JavaScript prints them. */
void jn_stringify(jn_buf *b, jv *v, bool prec15, int indent, int level)
{
	if (!v) {
		jb_adds(b, "null");
		return;
	}
	switch (v->t) {
	case JT_NULL: jb_adds(b, "null"); break;
	case JT_BOOL: jb_adds(b, v->u.b ? "true" : "false"); break;
	case JT_NUM: {
		char t[40];
		if (!isfinite(v->u.n)) { jb_adds(b, "null"); break; }
		jn_num_fmt(v->u.n, prec15, t);
		jb_adds(b, t);
		break;
	}
	case JT_STR: str_quote(b, v->u.s.p, v->u.s.len); break;
	case JT_FUNC: jb_adds(b, "\"\""); break;
	case JT_ARR:
		jb_addc(b, '[');
		for (size_t i = 0; i < v->u.a.n; i++) {
			if (i) jb_addc(b, ',');
			nl(b, indent, level + 1);
			jn_stringify(b, v->u.a.v[i], prec15, indent, level + 1);
		}
		if (v->u.a.n) nl(b, indent, level);
		jb_addc(b, ']');
		break;
	case JT_OBJ: {
		jb_addc(b, '{');
		int k = 0;
		for (size_t i = 0; i < v->u.o.n; i++) {
			jkv *e = &v->u.o.e[i];
			if (!e->v)
				continue;
			if (k++) jb_addc(b, ',');
			nl(b, indent, level + 1);
			str_quote(b, e->k, e->klen);
			jb_addc(b, ':');
			if (indent) jb_addc(b, ' ');
			jn_stringify(b, e->v, prec15, indent, level + 1);
		}
		if (k) nl(b, indent, level);
		jb_addc(b, '}');
		break;
	}
	}
}

const char *jn_typename(jv *v)
{
	if (!v) return "undefined";
	switch (v->t) {
	case JT_NULL: return "null";
	case JT_BOOL: return "boolean";
	case JT_NUM: return "number";
	case JT_STR: return "string";
	case JT_ARR: return "array";
	case JT_OBJ: return "object";
	default: return "function";
	}
}

size_t jn_utf8_len(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			k++;
	return k;
}

size_t jn_utf8_off(const char *s, size_t n, size_t cp)
{
	size_t i = 0, k = 0;
	while (i < n) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (k == cp)
				return i;
			k++;
		}
		i++;
	}
	return n;
}

/* JSONata's string functions. Lengths and positions count Unicode code
 * points; regex-based ones use regex.c. */
#include <ctype.h>
#include <math.h>
#include <string.h>
#include "functions.h"

#define ARG(i) ((i) < n ? a[(i)] : NULL)

static bool is_regex_fn(jn_ctx *c, jv *v, const char *fname)
{
	if (!v || v->t != JT_FUNC)
		return false;
	if (v->u.f->kind != JF_REGEX)
		jn_fail(c, "T1010", -1, "The matcher function argument passed to function %s does not return the correct object structure", fname);
	return true;
}
#define is_regex(v) is_regex_fn(c, (v), __func__)

JN_NATIVE(jn_f_length)
{
	(void)in; (void)e;
	jv *s = ARG(0);
	return s ? jv_num(c, (double)jn_utf8_len(s->u.s.p, s->u.s.len)) : NULL;
}

JN_NATIVE(jn_f_substring)
{
	(void)in; (void)e;
	jv *s = ARG(0);
	if (!s) return NULL;
	double len = (double)jn_utf8_len(s->u.s.p, s->u.s.len);
	if (!ARG(1)) return NULL;
	double start = trunc(a[1]->u.n);
	if (start < 0) start = fmax(0, len + start);
	double end = len;
	if (ARG(2)) {
		double l = trunc(a[2]->u.n);
		if (l <= 0) return jv_str(c, "", 0);
		end = fmin(len, start + l);
	}
	if (start >= end) return jv_str(c, "", 0);
	size_t b0 = jn_utf8_off(s->u.s.p, s->u.s.len, (size_t)start);
	size_t b1 = jn_utf8_off(s->u.s.p, s->u.s.len, (size_t)end);
	return jv_str(c, s->u.s.p + b0, b1 - b0);
}

static const char *find(const char *h, size_t hn, const char *nd, size_t nn)
{
	if (nn == 0) return h;
	for (size_t i = 0; i + nn <= hn; i++)
		if (memcmp(h + i, nd, nn) == 0) return h + i;
	return NULL;
}

JN_NATIVE(jn_f_substringBefore)
{
	(void)in; (void)e;
	jv *s = ARG(0), *ch = ARG(1);
	if (!s) return NULL;
	if (!ch) return s;
	const char *p = find(s->u.s.p, s->u.s.len, ch->u.s.p, ch->u.s.len);
	return p ? jv_str(c, s->u.s.p, (size_t)(p - s->u.s.p)) : s;
}

JN_NATIVE(jn_f_substringAfter)
{
	(void)in; (void)e;
	jv *s = ARG(0), *ch = ARG(1);
	if (!s) return NULL;
	if (!ch) return s;
	const char *p = find(s->u.s.p, s->u.s.len, ch->u.s.p, ch->u.s.len);
	if (!p) return s;
	size_t off = (size_t)(p - s->u.s.p) + ch->u.s.len;
	return jv_str(c, s->u.s.p + off, s->u.s.len - off);
}

static jv *casemap(jn_ctx *c, jv *s, int up)
{
	if (!s) return NULL;
	jv *r = jv_str(c, s->u.s.p, s->u.s.len);
	for (size_t i = 0; i < r->u.s.len; i++) {
		unsigned char ch = (unsigned char)r->u.s.p[i];
		if (ch < 0x80)
			r->u.s.p[i] = (char)(up ? toupper(ch) : tolower(ch));
	}
	return r;
}

JN_NATIVE(jn_f_lowercase) { (void)in; (void)e; return casemap(c, ARG(0), 0); }
JN_NATIVE(jn_f_uppercase) { (void)in; (void)e; return casemap(c, ARG(0), 1); }

JN_NATIVE(jn_f_trim)
{
	(void)in; (void)e;
	jv *s = ARG(0);
	if (!s) return NULL;
	jn_buf b = { .c = c };
	jb_add(&b, "", 0);
	bool space = false;
	for (size_t i = 0; i < s->u.s.len; i++) {
		char ch = s->u.s.p[i];
		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			space = true;
			continue;
		}
		if (space && b.n) jb_addc(&b, ' ');
		space = false;
		jb_addc(&b, ch);
	}
	return jv_str(c, b.p, b.n);
}

JN_NATIVE(jn_f_pad)
{
	(void)in; (void)e;
	jv *s = ARG(0);
	if (!s) return NULL;
	if (!ARG(1)) return NULL;
	double w = trunc(a[1]->u.n);
	const char *pc = ARG(2) ? a[2]->u.s.p : " ";
	size_t pl = ARG(2) ? a[2]->u.s.len : 1;
	if (pl == 0) { pc = " "; pl = 1; }
	double len = (double)jn_utf8_len(s->u.s.p, s->u.s.len);
	double need = fabs(w) - len;
	if (need <= 0) return s;
	if (need > 1e9) /* beyond any arena: fail as memory does */
		jn_fail(c, "U1003", -1, "$pad width %.0f is too large", w);
	jn_buf pad = { .c = c };
	jb_add(&pad, "", 0);
	size_t pcl = jn_utf8_len(pc, pl);
	if (pcl == 0) { /* only stray continuation bytes: pad with spaces */
		pc = " ";
		pl = pcl = 1;
	}
	for (size_t k = 0; k < (size_t)need; k++) {
		size_t ci = k % pcl;
		size_t b0 = jn_utf8_off(pc, pl, ci), b1 = jn_utf8_off(pc, pl, ci + 1);
		jb_add(&pad, pc + b0, b1 - b0);
	}
	jn_buf b = { .c = c };
	jb_add(&b, "", 0);
	if (w < 0) jb_add(&b, pad.p, pad.n);
	jb_add(&b, s->u.s.p, s->u.s.len);
	if (w > 0) jb_add(&b, pad.p, pad.n);
	return jv_str(c, b.p, b.n);
}

/* match object for one match at caps */
static jv *match_obj(jn_ctx *c, jn_regex *re, const char *s, size_t len, long *caps)
{
	jv *o = jv_obj(c);
	jv_set(c, o, "match", 5, jv_str(c, s + caps[0], (size_t)(caps[1] - caps[0])));
	jv_set(c, o, "index", 5, jv_num(c, (double)jn_utf8_len(s, (size_t)caps[0])));
	jv *g = jv_arr(c);
	for (int i = 1; i <= jn_regex_ngroups(re); i++) {
		if (caps[2 * i] < 0)
			jv_push(c, g, jv_str(c, "", 0));
		else
			jv_push(c, g, jv_str(c, s + caps[2 * i], (size_t)(caps[2 * i + 1] - caps[2 * i])));
	}
	jv_set(c, o, "groups", 6, g);
	(void)len;
	return o;
}

static long *newcaps(jn_ctx *c, jn_regex *re)
{
	return jn_alloc(c, (size_t)(2 * (jn_regex_ngroups(re) + 1)) * sizeof(long));
}

jv *jn_regex_call(jn_ctx *c, jn_regex *re, jv *s, int pos)
{
	if (!s) return NULL;
	if (s->t != JT_STR)
		jn_fail(c, "T0410", pos, "Argument 1 of function regex does not match function signature");
	return jn_match_object(c, re, s->u.s.p, s->u.s.len, 0, pos);
}

jv *jn_match_object(jn_ctx *c, jn_regex *re, const char *s, size_t len, size_t start, int pos)
{
	(void)pos;
	long *caps = newcaps(c, re);
	if (start > len || !jn_regex_exec(c, re, s, len, start, caps))
		return NULL;
	jv *o = match_obj(c, re, s, len, caps);
	jv_set(c, o, "start", 5, jv_num(c, (double)jn_utf8_len(s, (size_t)caps[0])));
	jv_set(c, o, "end", 3, jv_num(c, (double)jn_utf8_len(s, (size_t)caps[1])));
	jfunc *f = jn_alloc(c, sizeof(*f));
	f->kind = JF_NEXT;
	f->re = re;
	f->pargs = jn_alloc(c, sizeof(jv *));
	f->pargs[0] = jv_str(c, s, len);
	f->npargs = (int)(caps[1] > caps[0] ? caps[1] : caps[1] + 1);
	f->input = o;
	jv_set(c, o, "next", 4, jv_func(c, f));
	return o;
}

JN_NATIVE(jn_f_contains)
{
	(void)in; (void)e;
	jv *s = ARG(0), *p = ARG(1);
	if (!s || !p) return NULL;
	if (is_regex(p)) {
		long *caps = newcaps(c, p->u.f->re);
		return jv_bool(jn_regex_exec(c, p->u.f->re, s->u.s.p, s->u.s.len, 0, caps));
	}
	return jv_bool(find(s->u.s.p, s->u.s.len, p->u.s.p, p->u.s.len) != NULL);
}

static size_t next_cp(const char *s, size_t len, size_t i)
{
	if (i >= len) return i + 1;
	i++;
	while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
	return i;
}

JN_NATIVE(jn_f_match)
{
	(void)in; (void)e;
	jv *s = ARG(0);
	if (!s) return NULL;
	if (!is_regex(ARG(1)))
		jn_fail(c, "T0410", -1, "Argument 2 of function match does not match function signature");
	jn_regex *re = a[1]->u.f->re;
	double limit = ARG(2) ? a[2]->u.n : INFINITY;
	if (limit < 0)
		jn_fail(c, "D3040", -1, "Third argument of match function must evaluate to a positive number");
	jv *r = jv_seq(c);
	size_t pos = 0;
	long *caps = newcaps(c, re);
	while (pos <= s->u.s.len && (double)r->u.a.n < limit && jn_regex_exec(c, re, s->u.s.p, s->u.s.len, pos, caps)) {
		jv_push(c, r, match_obj(c, re, s->u.s.p, s->u.s.len, caps));
		pos = caps[1] > caps[0] ? (size_t)caps[1] : next_cp(s->u.s.p, s->u.s.len, (size_t)caps[1]);
		caps = newcaps(c, re);
	}
	return r;
}

static void subst(jn_buf *b, jv *rep, const char *s, long *caps, int ng)
{
	const char *p = rep->u.s.p;
	size_t n = rep->u.s.len;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '$' && i + 1 < n) {
			if (p[i + 1] == '$') { jb_addc(b, '$'); i++; continue; }
			if (p[i + 1] >= '0' && p[i + 1] <= '9') {
				/* the longest group number that exists, else fewer digits */
				size_t j = i + 1;
				int g = 0, best = -1;
				size_t bestj = i + 1;
				while (j < n && p[j] >= '0' && p[j] <= '9') {
					g = g * 10 + (p[j] - '0');
					j++;
					if (g <= ng) { best = g; bestj = j; }
					else break;
				}
				if (best < 0) { /* no such group: $ and the first digit vanish */
					i++;
					continue;
				}
				if (caps[2 * best] >= 0)
					jb_add(b, s + caps[2 * best], (size_t)(caps[2 * best + 1] - caps[2 * best]));
				i = bestj - 1;
				continue;
			}
		}
		jb_addc(b, p[i]);
	}
}

JN_NATIVE(jn_f_replace)
{
	jv *s = ARG(0), *pat = ARG(1), *rep = ARG(2);
	if (!s || !pat) return NULL;
	if (pat && pat->t == JT_STR && pat->u.s.len == 0)
		jn_fail(c, "D3010", -1, "Second argument of replace function cannot be an empty string");
	double limit = ARG(3) ? a[3]->u.n : INFINITY;
	if (limit < 0)
		jn_fail(c, "D3011", -1, "Fourth argument of replace function must evaluate to a positive number");
	if (!rep)
		jn_fail(c, "T0410", -1, "Argument 3 of function replace does not match function signature");
	jn_buf b = { .c = c };
	jb_add(&b, "", 0);
	const char *p = s->u.s.p;
	size_t len = s->u.s.len, pos = 0;
	double count = 0;
	if (!is_regex(pat)) {
		while (count < limit) {
			const char *f = find(p + pos, len - pos, pat->u.s.p, pat->u.s.len);
			if (!f) break;
			jb_add(&b, p + pos, (size_t)(f - (p + pos)));
			if (rep->t == JT_STR) jb_add(&b, rep->u.s.p, rep->u.s.len);
			pos = (size_t)(f - p) + pat->u.s.len;
			count++;
		}
		jb_add(&b, p + pos, len - pos);
		return jv_str(c, b.p, b.n);
	}
	jn_regex *re = pat->u.f->re;
	long *caps = newcaps(c, re);
	while (count < limit && pos <= len && jn_regex_exec(c, re, p, len, pos, caps)) {
		if (caps[1] == caps[0])
			jn_fail(c, "D1004", -1, "Regular expression matches zero length string");
		jb_add(&b, p + pos, (size_t)caps[0] - pos);
		if (rep->t == JT_STR) {
			subst(&b, rep, p, caps, jn_regex_ngroups(re));
		} else {
			jv *mo = match_obj(c, re, p, len, caps);
			jv *r = jn_apply(c, rep, &mo, 1, NULL, e, -1);
			if (!r || r->t != JT_STR)
				jn_fail(c, "D3012", -1, "Attempted to replace a matched string with a non-string value");
			jb_add(&b, r->u.s.p, r->u.s.len);
		}
		pos = (size_t)caps[1];
		count++;
		caps = newcaps(c, re);
	}
	(void)in;
	if (pos < len) jb_add(&b, p + pos, len - pos);
	return jv_str(c, b.p, b.n);
}

JN_NATIVE(jn_f_split)
{
	(void)in; (void)e;
	jv *s = ARG(0), *sep = ARG(1);
	if (!s || !sep) return NULL;
	double limit = ARG(2) ? floor(a[2]->u.n) : INFINITY;
	if (limit < 0)
		jn_fail(c, "D3020", -1, "Third argument of split function must evaluate to a positive number");
	jv *r = jv_arr(c);
	const char *p = s->u.s.p;
	size_t len = s->u.s.len, pos = 0;
	if (!is_regex(sep)) {
		if (sep->u.s.len == 0) {
			for (size_t i = 0; i < len && (double)r->u.a.n < limit;) {
				size_t j = next_cp(p, len, i);
				jv_push(c, r, jv_str(c, p + i, j - i));
				i = j;
			}
			return r;
		}
		for (;;) {
			if ((double)r->u.a.n >= limit) return r;
			const char *f = find(p + pos, len - pos, sep->u.s.p, sep->u.s.len);
			if (!f) break;
			jv_push(c, r, jv_str(c, p + pos, (size_t)(f - (p + pos))));
			pos = (size_t)(f - p) + sep->u.s.len;
		}
		if ((double)r->u.a.n < limit)
			jv_push(c, r, jv_str(c, p + pos, len - pos));
		return r;
	}
	jn_regex *re = sep->u.f->re;
	long *caps = newcaps(c, re);
	size_t from = 0;
	while (from <= len && jn_regex_exec(c, re, p, len, from, caps)) {
		if ((double)r->u.a.n >= limit) return r;
		if (caps[1] == caps[0]) {
			if ((size_t)caps[0] >= len) break;
			if ((size_t)caps[0] == 0) { from = next_cp(p, len, 0); continue; }
		}
		jv_push(c, r, jv_str(c, p + pos, (size_t)caps[0] - pos));
		pos = (size_t)caps[1];
		from = caps[1] > caps[0] ? (size_t)caps[1] : next_cp(p, len, (size_t)caps[1]);
	}
	if ((double)r->u.a.n < limit)
		jv_push(c, r, jv_str(c, p + pos, len - pos));
	return r;
}

JN_NATIVE(jn_f_join)
{
	(void)in; (void)e;
	jv *arr = ARG(0);
	if (!arr) return NULL;
	jn_buf b = { .c = c };
	jb_add(&b, "", 0);
	for (size_t i = 0; i < arr->u.a.n; i++) {
		if (i && ARG(1)) jb_add(&b, a[1]->u.s.p, a[1]->u.s.len);
		jb_add(&b, arr->u.a.v[i]->u.s.p, arr->u.a.v[i]->u.s.len);
	}
	return jv_str(c, b.p, b.n);
}

/* ---- encodings ---- */
static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

JN_NATIVE(jn_f_base64encode)
{
	(void)in; (void)e;
	jv *s = ARG(0);
	if (!s) return NULL;
	jn_buf b = { .c = c };
	jb_add(&b, "", 0);
	const unsigned char *p = (const unsigned char *)s->u.s.p;
	size_t n0 = s->u.s.len;
	for (size_t i = 0; i < n0; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n0 ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n0 ? p[i + 2] : 0);
		jb_addc(&b, b64[(v >> 18) & 63]);
		jb_addc(&b, b64[(v >> 12) & 63]);
		jb_addc(&b, i + 1 < n0 ? b64[(v >> 6) & 63] : '=');
		jb_addc(&b, i + 2 < n0 ? b64[v & 63] : '=');
	}
	return jv_str(c, b.p, b.n);
}

JN_NATIVE(jn_f_base64decode)
{
	(void)in; (void)e;
	jv *s = ARG(0);
	if (!s) return NULL;
	jn_buf b = { .c = c };
	jb_add(&b, "", 0);
	unsigned v = 0;
	int bits = 0;
	for (size_t i = 0; i < s->u.s.len; i++) {
		const char *q = strchr(b64, s->u.s.p[i]);
		if (!q || !s->u.s.p[i]) continue;
		v = v << 6 | (unsigned)(q - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			jb_addc(&b, (char)((v >> bits) & 0xFF));
		}
	}
	return jv_str(c, b.p, b.n);
}

static jv *url_encode(jn_ctx *c, jv *s, const char *keep)
{
	if (!s) return NULL;
	jn_buf b = { .c = c };
	jb_add(&b, "", 0);
	const unsigned char *p = (const unsigned char *)s->u.s.p;
	for (size_t i = 0; i < s->u.s.len; i++) {
		unsigned char ch = p[i];
		/* a lone surrogate cannot be encoded (URIError in JavaScript) */
		if (ch == 0xED && i + 1 < s->u.s.len && p[i + 1] >= 0xA0)
			jn_fail(c, "D3140", -1, "Malformed URL passed to $encodeUrl(): %s", s->u.s.p);
		if (isalnum(ch) || (ch < 0x80 && strchr(keep, ch)))
			jb_addc(&b, (char)ch);
		else {
			char h[4];
			snprintf(h, sizeof h, "%%%02X", ch);
			jb_adds(&b, h);
		}
	}
	return jv_str(c, b.p, b.n);
}

JN_NATIVE(jn_f_encodeUrlComponent) { (void)in; (void)e; return url_encode(c, ARG(0), "-_.!~*'()"); }
JN_NATIVE(jn_f_encodeUrl) { (void)in; (void)e; return url_encode(c, ARG(0), "-_.!~*'();/?:@&=+$,#"); }

static int hexv(char ch)
{
	if (ch >= '0' && ch <= '9') return ch - '0';
	if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
	return -1;
}

static jv *url_decode(jn_ctx *c, jv *s, const char *reserved)
{
	if (!s) return NULL;
	jn_buf b = { .c = c };
	jb_add(&b, "", 0);
	const char *p = s->u.s.p;
	size_t n = s->u.s.len;
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '%') { jb_addc(&b, p[i]); continue; }
		int h = i + 2 < n ? hexv(p[i + 1]) : -1, l = i + 2 < n ? hexv(p[i + 2]) : -1;
		if (h < 0 || l < 0)
			jn_fail(c, "D3140", -1, "Malformed URL passed to $decodeUrl(): %s", p);
		char ch = (char)(h * 16 + l);
		if (reserved && (unsigned char)ch < 0x80 && ch && strchr(reserved, ch)) {
			jb_add(&b, p + i, 3);
		} else {
			jb_addc(&b, ch);
		}
		i += 2;
	}
	/* the bytes must be valid UTF-8 */
	const unsigned char *q = (const unsigned char *)b.p;
	for (size_t i = 0; i < b.n;) {
		int k = q[i] < 0x80 ? 0 : (q[i] & 0xE0) == 0xC0 ? 1 : (q[i] & 0xF0) == 0xE0 ? 2 : (q[i] & 0xF8) == 0xF0 ? 3 : -1;
		if (k < 0 || i + (size_t)k >= b.n + (k ? 0 : 1))
			jn_fail(c, "D3140", -1, "Malformed URL passed to $decodeUrl(): %s", p);
		for (int j = 1; j <= k; j++)
			if ((q[i + (size_t)j] & 0xC0) != 0x80)
				jn_fail(c, "D3140", -1, "Malformed URL passed to $decodeUrl(): %s", p);
		i += (size_t)k + 1;
	}
	return jv_str(c, b.p, b.n);
}

JN_NATIVE(jn_f_decodeUrlComponent) { (void)in; (void)e; (void)n; return url_decode(c, ARG(0), NULL); }
JN_NATIVE(jn_f_decodeUrl) { (void)in; (void)e; (void)n; return url_decode(c, ARG(0), ";/?:@&=+$,#"); }

JN_NATIVE(jn_f_formatBase)
{
	(void)in; (void)e;
	jv *v = ARG(0);
	if (!v) return NULL;
	double rd = ARG(1) ? a[1]->u.n : 10;
	if (!(rd >= 2 && rd < 37))
		jn_fail(c, "D3100", -1, "The radix of the formatBase function must be between 2 and 36.  It was given %g", rd);
	int radix = (int)rd;
	double x = v->u.n;
	double r = round(x);
	if (fabs(x - trunc(x)) == 0.5) r = 2.0 * round(x / 2.0);
	bool neg = r < 0;
	double u = fabs(r);
	/* digits from the right, in doubles: any finite value fits 1100 */
	char buf[1200];
	int k = 1199;
	buf[k] = 0;
	do {
		buf[--k] = "0123456789abcdefghijklmnopqrstuvwxyz"[(int)fmod(u, radix)];
		u = floor(u / radix);
	} while (u >= 1 && k > 1);
	if (neg) buf[--k] = '-';
	return jv_cstr(c, buf + k);
}

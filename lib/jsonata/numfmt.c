/* $formatInteger and $parseInteger: XPath F&O integer pictures (decimal
 * digit patterns with grouping in any Unicode digit family, roman
 * numerals, letters, English words, ordinals). datetime.c reuses them for
 * the components of date/time pictures. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jn.h"
#include "numfmt.h"

#define ARG(i) ((i) < n ? a[(i)] : NULL)

static const char *small[] = { "zero", "one", "two", "three", "four", "five", "six", "seven",
	"eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
	"seventeen", "eighteen", "nineteen" };
static const char *tens[] = { "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
	"eighty", "ninety" };
static const struct { const char *w; double v; } scales[] = {
	{ "trillion", 1e12 }, { "billion", 1e9 }, { "million", 1e6 }, { "thousand", 1e3 } };

static void words(jn_buf *b, double n)
{
	if (n < 20) { jb_adds(b, small[(int)n]); return; }
	if (n < 100) {
		jb_adds(b, tens[(int)n / 10]);
		if ((int)n % 10) { jb_addc(b, '-'); jb_adds(b, small[(int)n % 10]); }
		return;
	}
	if (n < 1000) {
		jb_adds(b, small[(int)n / 100]);
		jb_adds(b, " hundred");
		if ((int)n % 100) { jb_adds(b, " and "); words(b, (double)((int)n % 100)); }
		return;
	}
	for (int i = 0; i < 4; i++) {
		if (n < scales[i].v) continue;
		double top = floor(n / scales[i].v);
		double rest = n - top * scales[i].v;
		if (rest < 0) rest = 0;
		words(b, top);
		jb_addc(b, ' ');
		jb_adds(b, scales[i].w);
		if (rest >= 1) {
			jb_adds(b, rest < 100 ? " and " : ", ");
			words(b, rest);
		}
		return;
	}
}

static void ordinal_words(jn_buf *b, size_t start)
{
	/* rewrite the last word as an ordinal */
	size_t i = b->n;
	while (i > start && b->p[i - 1] != ' ' && b->p[i - 1] != '-') i--;
	char last[32];
	snprintf(last, sizeof last, "%s", b->p + i);
	b->n = i;
	static const char *irr[][2] = { { "one", "first" }, { "two", "second" }, { "three", "third" },
		{ "five", "fifth" }, { "eight", "eighth" }, { "nine", "ninth" }, { "twelve", "twelfth" } };
	for (size_t k = 0; k < sizeof irr / sizeof irr[0]; k++)
		if (!strcmp(last, irr[k][0])) { jb_adds(b, irr[k][1]); return; }
	size_t l = strlen(last);
	if (l && last[l - 1] == 'y') { last[l - 1] = 0; jb_adds(b, last); jb_adds(b, "ieth"); return; }
	jb_adds(b, last);
	jb_adds(b, "th");
}

static void roman(jn_buf *b, double n)
{
	static const struct { int v; const char *s; } r[] = { { 1000, "m" }, { 900, "cm" }, { 500, "d" },
		{ 400, "cd" }, { 100, "c" }, { 90, "xc" }, { 50, "l" }, { 40, "xl" }, { 10, "x" },
		{ 9, "ix" }, { 5, "v" }, { 4, "iv" }, { 1, "i" } };
	long v = (long)n;
	for (int i = 0; i < 13; i++)
		while (v >= r[i].v) { jb_adds(b, r[i].s); v -= r[i].v; }
}

static void letters(jn_buf *b, double n)
{
	char tmp[32];
	int k = 31;
	tmp[k] = 0;
	long v = (long)n;
	while (v > 0 && k > 0) {
		v--;
		tmp[--k] = (char)('a' + v % 26);
		v /= 26;
	}
	jb_adds(b, tmp + k);
}

static void put_cp(jn_buf *b, unsigned cp)
{
	char o[4];
	if (cp < 0x80) { o[0] = (char)cp; jb_add(b, o, 1); }
	else if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); jb_add(b, o, 2); }
	else { o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[2] = (char)(0x80 | (cp & 0x3F)); jb_add(b, o, 3); }
}

static unsigned next_cp(const char *s, size_t n, size_t *i)
{
	unsigned char ch = (unsigned char)s[*i];
	unsigned cp;
	int k;
	if (ch < 0x80) { (*i)++; return ch; }
	if ((ch & 0xE0) == 0xC0) { cp = ch & 0x1F; k = 1; }
	else if ((ch & 0xF0) == 0xE0) { cp = ch & 0x0F; k = 2; }
	else { cp = ch & 0x07; k = 3; }
	(*i)++;
	for (int j = 0; j < k && *i < n; j++, (*i)++) cp = cp << 6 | ((unsigned char)s[*i] & 0x3F);
	return cp;
}

/* zero of the Unicode decimal digit family of cp, or -1 */
static const unsigned zeros[] = { 0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66,
	0xBE6, 0xC66, 0xCE6, 0xD66, 0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810,
	0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900,
	0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10 };

static long digit_zero(unsigned cp)
{
	for (size_t i = 0; i < sizeof zeros / sizeof zeros[0]; i++)
		if (cp >= zeros[i] && cp <= zeros[i] + 9) return (long)zeros[i];
	return -1;
}

void jn_picture_parse(jn_ctx *c, const char *pic, size_t plen, jn_ipic *p)
{
	memset(p, 0, sizeof(*p));
	const char *semi = memchr(pic, ';', plen);
	size_t prim = semi ? (size_t)(semi - pic) : plen;
	if (semi) {
		for (const char *q = semi + 1; q < pic + plen; q++)
			if (*q == 'o') p->ordinal = true;
	}
	p->zero = -1;
	if (prim == 0)
		jn_fail(c, "D3130", -1, "empty integer picture");
	if (prim == 1 && (pic[0] == 'A' || pic[0] == 'a')) { p->kind = pic[0] == 'A' ? PK_LETTER_UP : PK_LETTER; return; }
	if (prim == 1 && (pic[0] == 'I' || pic[0] == 'i')) { p->kind = pic[0] == 'I' ? PK_ROMAN_UP : PK_ROMAN; return; }
	if (prim == 1 && pic[0] == 'w') { p->kind = PK_WORDS; return; }
	if (prim == 1 && pic[0] == 'W') { p->kind = PK_WORDS_UP; return; }
	if (prim == 2 && pic[0] == 'W' && pic[1] == 'w') { p->kind = PK_WORDS_TITLE; return; }
	p->kind = PK_DECIMAL;
	/* digits, optional digits, separators; positions counted from the right */
	unsigned cps[128];
	int ncp = 0;
	for (size_t i = 0; i < prim && ncp < 128;)
		cps[ncp++] = next_cp(pic, prim, &i);
	int pos = 0;
	for (int i = ncp - 1; i >= 0; i--) {
		unsigned cp = cps[i];
		long z = digit_zero(cp);
		if (z >= 0) {
			if (p->zero >= 0 && z != p->zero)
				jn_fail(c, "D3131", -1, "In a decimal digit pattern, all digits must be from the same decimal group");
			p->zero = z;
			p->mandatory++;
			pos++;
		} else if (cp == '#') {
			pos++;
		} else {
			if (p->nsep < 16) {
				p->seppos[p->nsep] = pos;
				p->sepch[p->nsep] = cp;
				p->nsep++;
			}
		}
	}
	if (p->zero < 0)
		jn_fail(c, "D3130", -1, "Formatting or parsing an integer as a sequence starting with %.*s is not supported by this implementation", (int)prim, pic);
	p->regular = p->nsep > 0 && p->seppos[0] > 0;
	for (int i = 0; i < p->nsep; i++)
		if (p->sepch[i] != p->sepch[0] || p->seppos[i] != p->seppos[0] * (i + 1))
			p->regular = false;
}

void jn_format_int(jn_buf *b, double v, const jn_ipic *p)
{
	double n = trunc(fabs(v));
	if (v < 0 && n >= 1) jb_addc(b, '-');
	size_t start = b->n;
	if ((p->kind == PK_ROMAN || p->kind == PK_ROMAN_UP) && n > 1e6)
		jn_fail(b->c, "D3130", -1, "%.0f is too large for roman numerals", n);
	if ((p->kind == PK_LETTER || p->kind == PK_LETTER_UP) && n > 1e15)
		jn_fail(b->c, "D3130", -1, "%.0f is too large for a letter sequence", n);
	switch (p->kind) {
	case PK_LETTER: case PK_LETTER_UP:
		letters(b, n);
		if (p->kind == PK_LETTER_UP) for (size_t i = start; i < b->n; i++) b->p[i] = (char)toupper((unsigned char)b->p[i]);
		return;
	case PK_ROMAN: case PK_ROMAN_UP:
		roman(b, n);
		if (p->kind == PK_ROMAN_UP) for (size_t i = start; i < b->n; i++) b->p[i] = (char)toupper((unsigned char)b->p[i]);
		return;
	case PK_WORDS: case PK_WORDS_UP: case PK_WORDS_TITLE:
		words(b, n);
		if (p->ordinal) ordinal_words(b, start);
		if (p->kind == PK_WORDS_UP) {
			for (size_t i = start; i < b->n; i++) b->p[i] = (char)toupper((unsigned char)b->p[i]);
		} else if (p->kind == PK_WORDS_TITLE) {
			for (size_t i = start; i < b->n; i++) {
				bool wstart = i == start || b->p[i - 1] == ' ' || b->p[i - 1] == '-';
				if (wstart && strncmp(b->p + i, "and ", 4) != 0)
					b->p[i] = (char)toupper((unsigned char)b->p[i]);
			}
		}
		return;
	default:
		break;
	}
	char digs[400];
	snprintf(digs, sizeof digs, "%.0f", n);
	int nd = (int)strlen(digs);
	int total = nd > p->mandatory ? nd : p->mandatory;
	/* emit from the left: digit i (0 = leftmost) has position total-i */
	for (int i = 0; i < total; i++) {
		int posr = total - i; /* digits to the right incl. this one */
		int d = i < total - nd ? 0 : digs[i - (total - nd)] - '0';
		put_cp(b, (unsigned)(p->zero + d));
		int after = posr - 1; /* digits remaining to the right */
		if (after > 0) {
			for (int s = 0; s < p->nsep; s++) {
				if ((!p->regular && p->seppos[s] == after) ||
				    (p->regular && s == 0 && after % p->seppos[0] == 0)) {
					put_cp(b, p->sepch[s]);
					break;
				}
			}
		}
	}
	if (p->ordinal) {
		long last2 = (long)fmod(n, 100), last = (long)fmod(n, 10);
		const char *suf = "th";
		if (last2 < 11 || last2 > 13) {
			if (last == 1) suf = "st";
			else if (last == 2) suf = "nd";
			else if (last == 3) suf = "rd";
		}
		jb_adds(b, suf);
	}
}

jv *jn_fn_formatInteger(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	if (!ARG(0) || !ARG(1)) return NULL;
	jn_ipic p;
	jn_picture_parse(c, a[1]->u.s.p, a[1]->u.s.len, &p);
	jn_buf b = { .c = c };
	jb_add(&b, "", 0);
	jn_format_int(&b, a[0]->u.n, &p);
	return jv_str(c, b.p, b.n);
}

static int word_value(const char *w, double *v, bool *scale)
{
	static const char *ord[][2] = { { "first", "one" }, { "second", "two" }, { "third", "three" },
		{ "fifth", "five" }, { "eighth", "eight" }, { "ninth", "nine" }, { "twelfth", "twelve" } };
	char buf[32];
	snprintf(buf, sizeof buf, "%s", w);
	for (size_t k = 0; k < sizeof ord / sizeof ord[0]; k++)
		if (!strcmp(buf, ord[k][0])) snprintf(buf, sizeof buf, "%s", ord[k][1]);
	size_t l = strlen(buf);
	if (l > 4 && !strcmp(buf + l - 4, "ieth")) { strcpy(buf + l - 4, "y"); }
	else if (l > 2 && !strcmp(buf + l - 2, "th")) {
		char t[32];
		snprintf(t, sizeof t, "%.*s", (int)(l - 2), buf);
		double dv; bool sc;
		if (word_value(t, &dv, &sc) == 0) { *v = dv; *scale = sc; return 0; }
	}
	*scale = false;
	for (int i = 0; i < 20; i++) if (!strcmp(buf, small[i])) { *v = i; return 0; }
	for (int i = 2; i < 10; i++) if (!strcmp(buf, tens[i])) { *v = i * 10; return 0; }
	if (!strcmp(buf, "hundred")) { *v = 100; *scale = true; return 0; }
	for (int i = 0; i < 4; i++) if (!strcmp(buf, scales[i].w)) { *v = scales[i].v; *scale = true; return 0; }
	return -1;
}

/* Parses an integer written as p describes; *used gets the bytes read. */
double jn_parse_int(jn_ctx *c, const char *s, size_t len, const jn_ipic *p, size_t *used)
{
	size_t i = 0;
	double v = 0;
	switch (p->kind) {
	case PK_LETTER: case PK_LETTER_UP:
		while (i < len && isalpha((unsigned char)s[i])) {
			v = v * 26 + (tolower((unsigned char)s[i]) - 'a' + 1);
			i++;
		}
		break;
	case PK_ROMAN: case PK_ROMAN_UP: {
		static const char *rs = "ivxlcdm";
		static const int rv[] = { 1, 5, 10, 50, 100, 500, 1000 };
		int prev = 0;
		size_t j = 0;
		while (j < len && strchr(rs, tolower((unsigned char)s[j])) && s[j]) j++;
		for (size_t k = j; k > 0; k--) {
			int x = rv[strchr(rs, tolower((unsigned char)s[k - 1])) - rs];
			if (x < prev) v -= x; else { v += x; prev = x; }
		}
		i = j;
		break;
	}
	case PK_WORDS: case PK_WORDS_UP: case PK_WORDS_TITLE: {
		double total = 0, cur = 0, last_scale = 0;
		while (i < len) {
			size_t before = i;
			while (i < len && (s[i] == ' ' || s[i] == ',' || s[i] == '-')) i++;
			size_t j = i;
			while (j < len && isalpha((unsigned char)s[j])) j++;
			if (j == i) { i = before; break; }
			char w[32];
			snprintf(w, sizeof w, "%.*s", (int)(j - i), s + i);
			for (char *q = w; *q; q++) *q = (char)tolower((unsigned char)*q);
			i = j;
			if (!strcmp(w, "and")) continue;
			double wv;
			bool sc;
			if (word_value(w, &wv, &sc)) { i = before; break; }
			if (!sc) cur += wv;
			else if (wv == 100) cur *= 100;
			else if (wv >= last_scale && last_scale) { total = (total + cur) * wv; cur = 0; last_scale = wv; }
			else { total += (cur ? cur : 1) * wv; cur = 0; last_scale = wv; }
		}
		v = total + cur;
		break;
	}
	default: {
		bool neg = false;
		if (i < len && s[i] == '-') { neg = true; i++; }
		int digits = 0;
		while (i < len) {
			size_t k = i;
			unsigned cp = next_cp(s, len, &k);
			if (cp >= (unsigned)p->zero && cp <= (unsigned)p->zero + 9) {
				v = v * 10 + (cp - (unsigned)p->zero);
				digits++;
				i = k;
				if (p->mandatory && !p->nsep && digits >= p->mandatory && p->fixed) break;
				continue;
			}
			bool sep = false;
			for (int q = 0; q < p->nsep; q++) if (p->sepch[q] == cp) sep = true;
			if (!sep) break;
			i = k;
		}
		if (!digits)
			jn_fail(c, "D3137", -1, "could not parse an integer");
		if (neg) v = -v;
		if (p->ordinal && i + 2 <= len && (!strncmp(s + i, "st", 2) || !strncmp(s + i, "nd", 2) ||
						   !strncmp(s + i, "rd", 2) || !strncmp(s + i, "th", 2)))
			i += 2;
		break;
	}
	}
	if (used) *used = i;
	return v;
}

jv *jn_fn_parseInteger(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	if (!ARG(0) || !ARG(1)) return NULL;
	jn_ipic p;
	jn_picture_parse(c, a[1]->u.s.p, a[1]->u.s.len, &p);
	return jv_num(c, jn_parse_int(c, a[0]->u.s.p, a[0]->u.s.len, &p, NULL));
}

/* ---- $formatNumber: XPath F&O 3.1 format-number pictures ---- */
#define PERCENT_CP 0xE001u
#define PERMILLE_CP 0xE002u

typedef struct nprops {
	unsigned dec, grp, expo, minus, digit, patsep, zero;
	const char *percent, *permille;
} nprops;

static unsigned opt_cp(jv *opts, const char *key, unsigned def)
{
	jv *v = jv_get(opts, key, strlen(key));
	if (!v || v->t != JT_STR || !v->u.s.len) return def;
	size_t i = 0;
	return next_cp(v->u.s.p, v->u.s.len, &i);
}

static const char *opt_str(jv *opts, const char *key, const char *def)
{
	jv *v = jv_get(opts, key, strlen(key));
	return v && v->t == JT_STR && v->u.s.len ? v->u.s.p : def;
}

typedef struct subpic {
	unsigned *pre; int npre;
	unsigned *suf; int nsuf;
	int minint, minfrac, maxfrac, minexp;
	bool has_exp, has_dec, pct, pml, int_has_hash;
	int igrp[32]; int nigrp;
	int fgrp[32]; int nfgrp;
	bool regular; int interval;
} subpic;

static bool is_digit_cp(const nprops *np, unsigned cp) { return cp >= np->zero && cp <= np->zero + 9; }

static bool active(const nprops *np, unsigned cp)
{
	return is_digit_cp(np, cp) || cp == np->digit || cp == np->dec || cp == np->grp;
}

static void analyse(jn_ctx *c, const nprops *np, unsigned *p, int n, subpic *sp)
{
	memset(sp, 0, sizeof(*sp));
	int ndig = 0, npct = 0, npml = 0, ndec = 0;
	for (int i = 0; i < n; i++) {
		if (is_digit_cp(np, p[i]) || p[i] == np->digit) ndig++;
		if (p[i] == PERCENT_CP) npct++;
		if (p[i] == PERMILLE_CP) npml++;
		if (p[i] == np->dec) ndec++;
	}
	if (!ndig)
		jn_fail(c, "D3086", -1, "A sub-picture must contain at least one digit");
	/* the active span: first to last digit/separator, with the exponent */
	int first = -1, last = -1;
	for (int i = 0; i < n; i++)
		if (active(np, p[i])) { if (first < 0) first = i; last = i; }
	int expat = -1;
	for (int i = first + 1; i < n; i++) {
		if (p[i] == np->expo && i > first && active(np, p[i - 1]) && i + 1 < n && (is_digit_cp(np, p[i + 1]) || active(np, p[i + 1]))) {
			expat = i;
			break;
		}
	}
	if (expat >= 0) {
		int j = expat + 1;
		while (j < n && active(np, p[j])) j++;
		last = j - 1;
	}
	for (int i = first; i <= last; i++)
		if (!active(np, p[i]) && i != expat)
			jn_fail(c, "D3086", -1, "A sub-picture must not contain a passive character between active characters");
	if (ndec > 1) jn_fail(c, "D3081", -1, "A sub-picture must not contain more than one decimal-separator");
	if (npct > 1) jn_fail(c, "D3082", -1, "A sub-picture must not contain more than one percent character");
	if (npml > 1) jn_fail(c, "D3083", -1, "A sub-picture must not contain more than one per-mille character");
	if (npct && npml) jn_fail(c, "D3084", -1, "A sub-picture must not contain both a percent and a per-mille character");
	sp->pre = p; sp->npre = first;
	sp->suf = p + last + 1; sp->nsuf = n - last - 1;
	sp->pct = npct > 0; sp->pml = npml > 0;
	int mend = expat >= 0 ? expat : last + 1;
	bool mdig = false;
	for (int i = first; i < mend; i++) if (is_digit_cp(np, p[i]) || p[i] == np->digit) mdig = true;
	if (!mdig) jn_fail(c, "D3085", -1, "The mantissa part of a sub-picture must contain at least one digit");
	int decat = -1;
	for (int i = first; i < mend; i++) if (p[i] == np->dec) decat = i;
	sp->has_dec = decat >= 0;
	int iend = decat >= 0 ? decat : mend;
	for (int i = first; i < iend; i++) {
		if (p[i] == np->grp) {
			if (i + 1 < iend && p[i + 1] == np->grp) jn_fail(c, "D3089", -1, "A sub-picture must not contain two adjacent grouping-separators");
			if (i + 1 == iend) {
				if (decat >= 0) jn_fail(c, "D3087", -1, "A grouping-separator must not be adjacent to the decimal-separator");
				jn_fail(c, "D3088", -1, "The integer part of a sub-picture must not end with a grouping-separator");
			}
		}
	}
	if (decat >= 0 && decat + 1 < mend && p[decat + 1] == np->grp)
		jn_fail(c, "D3087", -1, "A grouping-separator must not be adjacent to the decimal-separator");
	int pos = 0;
	for (int i = iend - 1; i >= first; i--) {
		if (is_digit_cp(np, p[i])) { sp->minint++; pos++; }
		else if (p[i] == np->digit) { pos++; sp->int_has_hash = true; }
		else if (p[i] == np->grp && sp->nigrp < 32) sp->igrp[sp->nigrp++] = pos;
	}
	bool mand = false;
	for (int i = first; i < iend; i++) {
		if (is_digit_cp(np, p[i])) mand = true;
		else if (p[i] == np->digit && mand)
			jn_fail(c, "D3090", -1, "The integer part of a sub-picture must not contain an optional digit after a mandatory digit");
	}
	if (decat >= 0) {
		bool opt = false;
		int fpos = 0;
		for (int i = decat + 1; i < mend; i++) {
			if (is_digit_cp(np, p[i])) {
				if (opt) jn_fail(c, "D3091", -1, "The fractional part of a sub-picture must not contain a mandatory digit after an optional digit");
				sp->minfrac++; sp->maxfrac++; fpos++;
			} else if (p[i] == np->digit) { opt = true; sp->maxfrac++; fpos++; }
			else if (p[i] == np->grp && sp->nfgrp < 32) sp->fgrp[sp->nfgrp++] = fpos;
		}
	}
	if (expat >= 0) {
		sp->has_exp = true;
		for (int i = expat + 1; i <= last; i++) {
			if (!is_digit_cp(np, p[i]))
				jn_fail(c, "D3093", -1, "The exponent part of a sub-picture must consist solely of one or more decimal digits");
			sp->minexp++;
		}
		if (sp->pct || sp->pml)
			jn_fail(c, "D3092", -1, "A sub-picture that contains a percent or per-mille character must not contain an exponent");
	}
	/* grouping: regular when every multiple of the smallest position is there */
	if (sp->nigrp) {
		int g = sp->igrp[0];
		for (int i = 1; i < sp->nigrp; i++) if (sp->igrp[i] < g) g = sp->igrp[i];
		int mx = 0;
		for (int i = 0; i < sp->nigrp; i++) if (sp->igrp[i] > mx) mx = sp->igrp[i];
		sp->regular = g > 0;
		for (int i = 0; i < sp->nigrp; i++) if (sp->igrp[i] % g) sp->regular = false;
		for (int m = g; m <= mx && sp->regular; m += g) {
			bool f = false;
			for (int i = 0; i < sp->nigrp; i++) if (sp->igrp[i] == m) f = true;
			if (!f) sp->regular = false;
		}
		sp->interval = g;
	}
	if (!sp->minint && !sp->has_dec && !sp->has_exp) sp->minint = 1;
	if (sp->has_exp && !sp->minint && !sp->maxfrac) { sp->minfrac = sp->maxfrac = 1; }
	if (!sp->minint && !sp->maxfrac && !sp->has_exp) sp->minint = 1;
}

static void put_str_or_cp(jn_buf *b, unsigned cp, const nprops *np)
{
	if (cp == PERCENT_CP) jb_adds(b, np->percent);
	else if (cp == PERMILLE_CP) jb_adds(b, np->permille);
	else put_cp(b, cp);
}

/* round half to even at `frac` decimals, as decimal text */
static void fixed_digits(double v, int frac, char *out, size_t outsz)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%.15e", v);
	double r = strtod(buf, NULL);
	snprintf(out, outsz, "%.*f", frac, r);
	/* %.*f rounds half to even on the binary value; decide ties on the
	 * decimal text of 15 significant digits */
	char t[80];
	snprintf(t, sizeof t, "%.*f", frac + 1, r);
	size_t l = strlen(t);
	if (t[l - 1] == '5') {
		double scaled = r * pow(10, frac);
		double fl = floor(scaled);
		if (fabs(scaled - fl - 0.5) < 1e-9) {
			double even = fmod(fl, 2) == 0 ? fl : fl + 1;
			snprintf(out, outsz, "%.*f", frac, even / pow(10, frac));
		}
	}
}

jv *jn_fn_formatNumber(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	if (!ARG(0) || !ARG(1)) return NULL;
	jv *opts = ARG(2);
	nprops np = { '.', ',', 'e', '-', '#', ';', '0', "%", "\xe2\x80\xb0" };
	if (opts) {
		np.dec = opt_cp(opts, "decimal-separator", np.dec);
		np.grp = opt_cp(opts, "grouping-separator", np.grp);
		np.expo = opt_cp(opts, "exponent-separator", np.expo);
		np.minus = opt_cp(opts, "minus-sign", np.minus);
		np.digit = opt_cp(opts, "digit", np.digit);
		np.patsep = opt_cp(opts, "pattern-separator", np.patsep);
		np.zero = opt_cp(opts, "zero-digit", np.zero);
		np.percent = opt_str(opts, "percent", np.percent);
		np.permille = opt_str(opts, "per-mille", np.permille);
	}
	const char *ps = a[1]->u.s.p;
	size_t pl = a[1]->u.s.len, pcl = strlen(np.percent), pml = strlen(np.permille);
	unsigned *cps = jn_alloc(c, (pl + 1) * sizeof(unsigned));
	int ncp = 0, sep = -1, nsep = 0;
	for (size_t i = 0; i < pl;) {
		if (pl - i >= pml && !memcmp(ps + i, np.permille, pml)) { cps[ncp++] = PERMILLE_CP; i += pml; continue; }
		if (pl - i >= pcl && !memcmp(ps + i, np.percent, pcl)) { cps[ncp++] = PERCENT_CP; i += pcl; continue; }
		unsigned cp = next_cp(ps, pl, &i);
		if (cp == np.patsep) { nsep++; sep = ncp; }
		cps[ncp++] = cp;
	}
	if (nsep > 1) jn_fail(c, "D3080", -1, "The picture string must not contain more than one pattern separator");
	subpic pos, neg;
	analyse(c, &np, cps, sep >= 0 ? sep : ncp, &pos);
	double v = a[0]->u.n;
	subpic *sp = &pos;
	bool minus_prefix = false;
	if (sep >= 0) {
		analyse(c, &np, cps + sep + 1, ncp - sep - 1, &neg);
		if (v < 0) sp = &neg;
	} else if (v < 0) {
		minus_prefix = true;
	}
	double av = fabs(v);
	if (sp->pct) av *= 100;
	else if (sp->pml) av *= 1000;
	int expo = 0;
	if (sp->has_exp && av != 0) {
		double lg = floor(log10(av));
		expo = (int)lg - (sp->minint - 1);
		if (sp->minint == 0) expo = (int)lg + 1;
		av = av / pow(10, expo);
		/* rounding may carry into another digit */
		char chk[400];
		fixed_digits(av, sp->maxfrac, chk, sizeof chk);
		double rv = strtod(chk, NULL);
		double lim = sp->minint ? pow(10, sp->minint) : 1;
		if (rv >= lim) { expo++; av /= 10; }
	}
	char digs[400];
	fixed_digits(av, sp->maxfrac, digs, sizeof digs);
	char *dot = strchr(digs, '.');
	char ipart[400], fpart[64] = "";
	snprintf(ipart, sizeof ipart, "%.*s", dot ? (int)(dot - digs) : (int)strlen(digs), digs);
	if (dot) snprintf(fpart, sizeof fpart, "%s", dot + 1);
	int fl = (int)strlen(fpart);
	while (fl > sp->minfrac && fpart[fl - 1] == '0') fpart[--fl] = 0;
	if (!strcmp(ipart, "0")) ipart[0] = 0;
	int il = (int)strlen(ipart);
	jn_buf b = { .c = c };
	jb_add(&b, "", 0);
	if (minus_prefix) put_cp(&b, np.minus);
	for (int i = 0; i < sp->npre; i++) put_str_or_cp(&b, sp->pre[i], &np);
	int width = il > sp->minint ? il : sp->minint;
	if (width == 0 && sp->int_has_hash) /* '#' before the point shows a lone 0 */
		width = 1;
	for (int i = 0; i < width; i++) {
		int d = i < width - il ? 0 : ipart[i - (width - il)] - '0';
		put_cp(&b, np.zero + (unsigned)d);
		int after = width - i - 1;
		if (after > 0) {
			bool g = false;
			if (sp->regular) g = after % sp->interval == 0;
			else for (int k = 0; k < sp->nigrp; k++) if (sp->igrp[k] == after) g = true;
			if (g) put_cp(&b, np.grp);
		}
	}
	if (fl > 0 || (sp->has_dec && sp->minfrac > 0)) {
		put_cp(&b, np.dec);
		for (int i = 0; i < fl; i++) {
			for (int k = 0; k < sp->nfgrp; k++) if (sp->fgrp[k] == i && i > 0) put_cp(&b, np.grp);
			put_cp(&b, np.zero + (unsigned)(fpart[i] - '0'));
		}
	}
	if (sp->has_exp) {
		put_cp(&b, np.expo);
		if (expo < 0) put_cp(&b, np.minus);
		char ed[16];
		snprintf(ed, sizeof ed, "%0*d", sp->minexp, abs(expo));
		for (char *q = ed; *q; q++) put_cp(&b, np.zero + (unsigned)(*q - '0'));
	}
	for (int i = 0; i < sp->nsuf; i++) put_str_or_cp(&b, sp->suf[i], &np);
	return jv_str(c, b.p, b.n);
}

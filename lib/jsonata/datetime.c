/* $now, $millis, $fromMillis and $toMillis: ISO 8601 by default, and
 * XPath F&O date/time pictures ([Y0001]-[M01]-[D01], names, words,
 * ordinals, ISO weeks, time zones) both ways. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jn.h"
#include "numfmt.h"

#define ARG(i) ((i) < n ? a[(i)] : NULL)

static const char *months[] = { "January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December" };
static const char *days[] = { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday" };

/* days since 1970-01-01 of a proleptic Gregorian date */
static long days_from_civil(long y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, long *y, int *m, int *d)
{
	z += 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097;
	long doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int iso_dow(long days) { long w = (days + 3) % 7; if (w < 0) w += 7; return (int)w + 1; } /* 1970-01-01 was a Thursday */

/* ---- picture markers ---- */
typedef struct marker {
	char comp;        /* 0 for literal text */
	char pres[64];    /* presentation without modifiers */
	bool explicit_pres, ordinal, tflag;
	int minw, maxw;   /* -1 unspecified */
	bool single_width;
	const char *lit; size_t litlen;
} marker;

/* a width modifier, at most 100 */
static int width(const char *s)
{
	long v = strtol(s, NULL, 10);
	return v < 0 ? 0 : v > 100 ? 100 : (int)v;
}

static int parse_picture(jn_ctx *c, const char *p, size_t n, marker *out, int max)
{
	int k = 0;
	jn_buf lit = { .c = c };
	for (size_t i = 0, open = 0; i < n; i++) {
		if (p[i] == '[' && !open && i + 1 < n && p[i + 1] == '[') { i++; continue; }
		if (p[i] == '[') open = 1;
		if (p[i] == ']') open = 0;
		if (i + 1 == n && open)
			jn_fail(c, "D3135", -1, "No matching closing bracket ']' in date/time picture string");
	}
	for (size_t i = 0; i < n;) {
		if (p[i] == '[' && i + 1 < n && p[i + 1] == '[') { jb_addc(&lit, '['); i += 2; continue; }
		if (p[i] == ']' && i + 1 < n && p[i + 1] == ']') { jb_addc(&lit, ']'); i += 2; continue; }
		if (p[i] != '[') { jb_addc(&lit, p[i]); i++; continue; }
		if (lit.n && k < max) {
			memset(&out[k], 0, sizeof(marker));
			out[k].lit = lit.p; out[k].litlen = lit.n; k++;
			lit = (jn_buf){ .c = c };
		}
		const char *end = memchr(p + i, ']', n - i);
		if (!end)
			jn_fail(c, "D3135", -1, "No matching closing bracket ']' in date/time picture string");
		char spec[64];
		int sl = 0;
		for (const char *q = p + i + 1; q < end; q++)
			if (!isspace((unsigned char)*q) && sl < 63) spec[sl++] = *q;
		spec[sl] = 0;
		i = (size_t)(end - p) + 1;
		if (k >= max || !sl) continue;
		marker *m = &out[k++];
		memset(m, 0, sizeof(*m));
		m->minw = m->maxw = -1;
		m->comp = spec[0];
		if (!strchr("YMDdFWwXxHhPmsfZzCE", m->comp))
			jn_fail(c, "D3132", -1, "Unknown component specifier %c in date/time picture string", m->comp);
		char *comma = strrchr(spec + 1, ',');
		if (comma) {
			*comma = 0;
			char *w = comma + 1, *dash = strchr(w, '-');
			if (dash) *dash = 0;
			m->minw = *w == '*' || !*w ? -1 : width(w);
			if (dash) m->maxw = dash[1] == '*' ? -1 : width(dash + 1);
			else m->single_width = true;
		}
		snprintf(m->pres, sizeof m->pres, "%s", spec + 1);
		size_t pl = strlen(m->pres);
		if (pl && m->pres[pl - 1] == 't' && (m->comp == 'Z' || m->comp == 'z')) m->pres[--pl] = 0, m->tflag = true;
		if (pl > 1 && (m->pres[pl - 1] == 'o' || m->pres[pl - 1] == 'c')) {
			m->ordinal = m->pres[pl - 1] == 'o';
			m->pres[--pl] = 0;
		}
		m->explicit_pres = pl > 0;
		if (!pl) {
			const char *def = strchr("FPCE", m->comp) ? "n" : (m->comp == 'm' || m->comp == 's') ? "01" : m->comp == 'Z' || m->comp == 'z' ? "01:01" : "1";
			snprintf(m->pres, sizeof m->pres, "%s", def);
		}
		bool name = m->pres[0] == 'N' || m->pres[0] == 'n';
		if (name && !strchr("MFxPCE", m->comp))
			jn_fail(c, "D3133", -1, "The %c component cannot be represented as a name", m->comp);
	}
	if (lit.n && k < max) {
		memset(&out[k], 0, sizeof(marker));
		out[k].lit = lit.p; out[k].litlen = lit.n; k++;
	}
	return k;
}

static void put_name(jn_buf *b, const char *name, const marker *m)
{
	size_t start = b->n;
	size_t len = strlen(name);
	if (m->maxw > 0 && (size_t)m->maxw < len) len = (size_t)m->maxw;
	jb_add(b, name, len);
	bool up = m->pres[0] == 'N', title = up && m->pres[1] == 'n';
	for (size_t i = start; i < b->n; i++) {
		if (title) b->p[i] = (char)(i == start ? toupper((unsigned char)b->p[i]) : tolower((unsigned char)b->p[i]));
		else if (up) b->p[i] = (char)toupper((unsigned char)b->p[i]);
		else b->p[i] = (char)tolower((unsigned char)b->p[i]);
	}
}

static void put_tz(jn_ctx *c, jn_buf *b, int off, const marker *m)
{
	if (m->comp == 'z') jb_adds(b, "GMT");
	if (m->tflag && off == 0) { jb_addc(b, 'Z'); return; }
	int digits = 0, before = 0;
	bool colon = false;
	for (const char *q = m->pres; *q; q++) {
		if (isdigit((unsigned char)*q)) { digits++; if (!colon) before++; }
		else colon = true;
	}
	if (digits > 4)
		jn_fail(c, "D3134", -1, "The timezone integer format specifier cannot have more than four digits");
	int a = abs(off), h = a / 60, mi = a % 60;
	char hh[8], mm[8];
	/* hours padded to the pattern's hour digits (at most 2 here) */
	int hw = colon ? before : digits <= 2 ? digits : digits - 2;
	snprintf(hh, sizeof hh, hw >= 2 ? "%02d" : "%d", h % 100);
	snprintf(mm, sizeof mm, "%02d", mi);
	jb_addc(b, off < 0 ? '-' : '+');
	jb_adds(b, hh);
	if (colon || (digits <= 2 && mi)) {
		jb_addc(b, ':');
		jb_adds(b, mm);
	} else if (digits > 2) {
		jb_adds(b, mm);
	}
}

typedef struct dt { long y; int mo, d, h, mi, s, ms; long days; } dt;

static void split(jn_ctx *c, double ms, dt *t)
{
	/* JavaScript dates reach 8.64e15 ms either side of 1970 */
	if (!(fabs(ms) <= 8.64e15))
		jn_fail(c, "D3110", -1, "the timestamp %g is out of range", ms);
	double dd = floor(ms / 86400000.0);
	long rem = (long)(ms - dd * 86400000.0);
	t->days = (long)dd;
	civil_from_days(t->days, &t->y, &t->mo, &t->d);
	t->h = (int)(rem / 3600000);
	t->mi = (int)(rem / 60000 % 60);
	t->s = (int)(rem / 1000 % 60);
	t->ms = (int)(rem % 1000);
}

static void format_dt(jn_ctx *c, jn_buf *b, double ms, const char *pic, size_t plen, int off)
{
	marker mk[64];
	int nm = parse_picture(c, pic, plen, mk, 64);
	dt t;
	split(c, ms + off * 60000.0, &t);
	int dow = iso_dow(t.days);
	long thu = t.days - (dow - 1) + 3;
	long ty; int tm, td;
	civil_from_days(thu, &ty, &tm, &td);
	for (int i = 0; i < nm; i++) {
		marker *m = &mk[i];
		if (!m->comp) { jb_add(b, m->lit, m->litlen); continue; }
		double v = 0;
		switch (m->comp) {
		case 'Y': v = (double)t.y; break;
		case 'X': v = (double)ty; break;
		case 'M': v = t.mo; break;
		case 'D': v = t.d; break;
		case 'd': v = (double)(t.days - days_from_civil(t.y, 1, 1) + 1); break;
		case 'F': v = dow; break;
		case 'W': v = (double)((thu - days_from_civil(ty, 1, 1)) / 7 + 1); break;
		case 'w': v = (td - 1) / 7 + 1; break;
		case 'x': v = tm; break;
		case 'H': v = t.h; break;
		case 'h': v = t.h % 12 == 0 ? 12 : t.h % 12; break;
		case 'm': v = t.mi; break;
		case 's': v = t.s; break;
		case 'f': v = t.ms; break;
		case 'P': put_name(b, t.h < 12 ? "am" : "pm", m); continue;
		case 'C': case 'E': jb_adds(b, "ISO"); continue;
		case 'Z': case 'z': put_tz(c, b, off, m); continue;
		}
		if (m->pres[0] == 'N' || m->pres[0] == 'n') {
			if (m->comp == 'M' || m->comp == 'x') put_name(b, months[(int)v - 1], m);
			else put_name(b, days[(int)v - 1], m);
			continue;
		}
		jn_ipic p;
		jn_picture_parse(c, m->pres, strlen(m->pres), &p);
		p.ordinal = m->ordinal;
		if (m->comp == 'f' && p.kind == PK_DECIMAL) {
			char digs[8];
			snprintf(digs, sizeof digs, "%03d", t.ms);
			int k = p.mandatory > 0 ? p.mandatory : 1;
			if (m->minw > k) k = m->minw;
			for (int j = 0; j < k; j++) jb_addc(b, j < 3 ? digs[j] : '0');
			continue;
		}
		if (p.kind == PK_DECIMAL) {
			if (m->minw > p.mandatory) p.mandatory = m->minw;
			if (m->comp == 'Y') {
				int trunc_to = m->maxw > 0 ? m->maxw : (m->single_width && !m->explicit_pres ? m->minw : -1);
				if (m->maxw < 0 && m->explicit_pres && p.mandatory == 2 && !m->single_width) trunc_to = 2;
				if (trunc_to > 0) {
					v = fmod(v, pow(10, trunc_to));
					if (p.mandatory > trunc_to) p.mandatory = trunc_to;
				}
			}
		}
		jn_format_int(b, v, &p);
	}
}

static int parse_tz(jn_ctx *c, jv *tz)
{
	if (!tz) return 0;
	const char *s = tz->u.s.p;
	int sign = 1;
	if (*s == '+' || *s == '-') { sign = *s == '-' ? -1 : 1; s++; }
	if (strlen(s) != 4 || !isdigit((unsigned char)s[0]))
		jn_fail(c, "D3134", -1, "invalid timezone %s", tz->u.s.p);
	int v = atoi(s);
	return sign * ((v / 100) * 60 + v % 100);
}

#define ISO_PICTURE "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]"

jv *jn_fn_fromMillis(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	if (!ARG(0)) return NULL;
	jn_buf b = { .c = c };
	jb_add(&b, "", 0);
	const char *pic = ARG(1) ? a[1]->u.s.p : ISO_PICTURE;
	size_t pl = ARG(1) ? a[1]->u.s.len : strlen(ISO_PICTURE);
	format_dt(c, &b, a[0]->u.n, pic, pl, parse_tz(c, ARG(2)));
	return jv_str(c, b.p, b.n);
}

jv *jn_fn_now(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	jv *args[3] = { jv_num(c, c->now_ms), ARG(0), ARG(1) };
	return jn_fn_fromMillis(c, args, 3, in, e);
}

static int digits(const char *s, int k, int *out)
{
	int v = 0;
	for (int i = 0; i < k; i++) {
		if (s[i] < '0' || s[i] > '9') return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static jv *iso_parse(jn_ctx *c, jv *s)
{
	const char *p = s->u.s.p;
	size_t len = s->u.s.len;
	int y, mo = 1, d = 1, h = 0, mi = 0, sec = 0, ms = 0, tz = 0;
	size_t i = 0;
	if (len < 4 || digits(p, 4, &y)) goto bad;
	i = 4;
	if (i < len && p[i] == '-') {
		if (i + 3 > len || digits(p + i + 1, 2, &mo)) goto bad;
		i += 3;
		if (i < len && p[i] == '-') {
			if (i + 3 > len || digits(p + i + 1, 2, &d)) goto bad;
			i += 3;
		}
	}
	if (i < len && p[i] == 'T') {
		if (i + 3 > len || digits(p + i + 1, 2, &h)) goto bad;
		i += 3;
		if (i < len && p[i] == ':') {
			if (i + 3 > len || digits(p + i + 1, 2, &mi)) goto bad;
			i += 3;
			if (i < len && p[i] == ':') {
				if (i + 3 > len || digits(p + i + 1, 2, &sec)) goto bad;
				i += 3;
				if (i < len && p[i] == '.') {
					i++;
					int k = 0;
					double frac = 0, scale = 100;
					while (i < len && p[i] >= '0' && p[i] <= '9') {
						frac += (p[i] - '0') * scale;
						scale /= 10;
						i++;
						k++;
					}
					if (!k) goto bad;
					ms = (int)floor(frac + 1e-9);
				}
			}
		}
		if (i < len && p[i] == 'Z') i++;
		else if (i < len && (p[i] == '+' || p[i] == '-')) {
			int th, tm = 0;
			int sign = p[i] == '-' ? -1 : 1;
			if (i + 3 > len || digits(p + i + 1, 2, &th)) goto bad;
			i += 3;
			if (i < len && p[i] == ':') i++;
			if (i + 2 <= len && !digits(p + i, 2, &tm)) i += 2;
			tz = sign * (th * 60 + tm);
		}
	}
	if (i != len || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec > 60)
		goto bad;
	return jv_num(c, (double)days_from_civil(y, mo, d) * 86400000.0 + h * 3600000.0 + mi * 60000.0 + sec * 1000.0 + ms - tz * 60000.0);
bad:
	jn_fail(c, "D3110", -1, "The timestamp %s cannot be parsed", p);
}

static bool match_name(const char *s, size_t len, size_t *i, const char **names, int nn, const marker *m, int *out)
{
	for (int k = 0; k < nn; k++) {
		size_t l = strlen(names[k]);
		if (m->maxw > 0 && (size_t)m->maxw < l) l = (size_t)m->maxw;
		if (*i + l <= len && strncasecmp(s + *i, names[k], l) == 0) {
			*i += l;
			*out = k + 1;
			return true;
		}
	}
	return false;
}

/* $toMillis with a picture: read each component, then require a
 * combination that fixes a point in time (D3136 otherwise). */
static jv *picture_parse(jn_ctx *c, jv *s, jv *pic)
{
	marker mk[64];
	int nm = parse_picture(c, pic->u.s.p, pic->u.s.len, mk, 64);
	const char *p = s->u.s.p;
	size_t len = s->u.s.len, i = 0;
	double val[128];
	bool have[128] = { false };
	int tz = 0;
	bool pm = false, have_p = false;
	for (int k = 0; k < nm; k++) {
		marker *m = &mk[k];
		if (!m->comp) {
			if (i + m->litlen > len || memcmp(p + i, m->lit, m->litlen) != 0) return NULL;
			i += m->litlen;
			continue;
		}
		int v = 0;
		if (m->comp == 'P') {
			if (i + 2 > len) return NULL;
			pm = strncasecmp(p + i, "pm", 2) == 0;
			have_p = true;
			i += 2;
			continue;
		}
		if (m->comp == 'Z' || m->comp == 'z') {
			if (m->comp == 'z' && i + 3 <= len && !strncmp(p + i, "GMT", 3)) i += 3;
			if (i < len && p[i] == 'Z') { i++; continue; }
			if (i >= len || (p[i] != '+' && p[i] != '-')) return NULL;
			int sign = p[i] == '-' ? -1 : 1;
			i++;
			int dg = 0, hh = 0, mm = 0;
			size_t st = i;
			while (i < len && isdigit((unsigned char)p[i])) { dg++; i++; }
			if (dg == 0 || dg > 4)
				return NULL;
			if (i < len && p[i] == ':') {
				hh = atoi(p + st);
				i++;
				if (i + 2 > len || digits(p + i, 2, &mm))
					return NULL;
				i += 2;
			} else if (dg <= 2) {
				hh = atoi(p + st);
			} else {
				int x = atoi(p + st);
				hh = x / 100; mm = x % 100;
			}
			tz = sign * (hh * 60 + mm);
			continue;
		}
		if (m->pres[0] == 'N' || m->pres[0] == 'n') {
			bool ok = (m->comp == 'M' || m->comp == 'x') ? match_name(p, len, &i, months, 12, m, &v)
				  : match_name(p, len, &i, days, 7, m, &v);
			if (!ok) return NULL;
			val[(unsigned char)m->comp] = v;
			have[(unsigned char)m->comp] = true;
			continue;
		}
		jn_ipic ip;
		jn_picture_parse(c, m->pres, strlen(m->pres), &ip);
		ip.ordinal = m->ordinal || ip.kind == PK_DECIMAL;
		size_t used = 0;
		if (ip.kind == PK_DECIMAL) {
			/* read only as many digits as the next literal allows */
			ip.fixed = k + 1 < nm && mk[k + 1].comp;
			if (!ip.fixed && ip.mandatory < 2) ip.mandatory = 0;
			if (m->maxw > 0) { ip.fixed = true; ip.mandatory = m->maxw; }
			if (i >= len || !isdigit((unsigned char)p[i])) return NULL;
		}
		double dv = jn_parse_int(c, p + i, len - i, &ip, &used);
		if (!used) return NULL;
		if (m->comp == 'f') {
			double scale = 1;
			for (size_t q = 0; q < used; q++) scale *= 10;
			dv = floor(dv / scale * 1000);
		}
		i += used;
		val[(unsigned char)m->comp] = dv;
		have[(unsigned char)m->comp] = true;
	}
	if (i != len) return NULL;
	for (int k = 0; k < 128; k++) /* components beyond any calendar */
		if (have[k] && !(fabs(val[k]) < 1e7)) return NULL;
	bool anyc = false;
	for (int k = 0; k < nm; k++) if (mk[k].comp) anyc = true;
	if (!anyc) return NULL;
#define H(ch) have[(unsigned char)(ch)]
#define V(ch) val[(unsigned char)(ch)]
	bool any_date = H('Y') || H('M') || H('D') || H('d') || H('X') || H('W') || H('w') || H('x') || H('F');
	bool any_time = H('H') || H('h') || H('m') || H('s') || H('f');
	/* gaps: a component given while a larger one is missing below it */
	if (H('Y') && !H('M') && H('D')) jn_fail(c, "D3136", -1, "The date/time picture string is missing specifiers required to parse the timestamp");
	if (!H('Y') && H('M') && H('D') && !H('H') && !H('h') && (H('m') || H('s'))) jn_fail(c, "D3136", -1, "The date/time picture string is missing specifiers required to parse the timestamp");
	if (!H('H') && !H('h') && H('m') && H('s')) jn_fail(c, "D3136", -1, "The date/time picture string is missing specifiers required to parse the timestamp");
	if (H('X') || H('W') || H('w') || H('x'))
		jn_fail(c, "D3136", -1, "The date/time picture string is missing specifiers required to parse the timestamp");
	dt now;
	split(c, c->now_ms, &now);
	long y = H('Y') ? (long)V('Y') : (any_date ? now.y : now.y);
	long daynum;
	if (H('d')) {
		daynum = days_from_civil(y, 1, 1) + (long)V('d') - 1;
	} else {
		int mo = H('M') ? (int)V('M') : (any_date ? 1 : now.mo);
		int d = H('D') ? (int)V('D') : (any_date ? 1 : now.d);
		daynum = days_from_civil(y, mo, d);
	}
	double hh = H('H') ? V('H') : H('h') ? fmod(V('h'), 12) + (pm ? 12 : 0) : 0;
	if (!H('H') && !H('h') && have_p && pm) hh += 12;
	double ms = (double)daynum * 86400000.0 + hh * 3600000.0 + (H('m') ? V('m') : 0) * 60000.0 +
		    (H('s') ? V('s') : 0) * 1000.0 + (H('f') ? V('f') : 0) - tz * 60000.0;
	(void)any_time;
	return jv_num(c, ms);
#undef H
#undef V
}

jv *jn_fn_toMillis(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jv *s = ARG(0);
	if (!s) return NULL;
	if (ARG(1))
		return picture_parse(c, s, a[1]);
	return iso_parse(c, s);
}

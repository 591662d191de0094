/* $now, $millis, $fromMillis and $toMillis: ISO 8601 timestamps in UTC
 * (picture strings are not supported yet: they fail with D3133). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "jn.h"

#define ARG(i) ((i) < n ? a[(i)] : NULL)

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

static jv *iso(jn_ctx *c, double ms)
{
	double days = floor(ms / 86400000.0);
	long rem = (long)(ms - days * 86400000.0);
	long y;
	int mo, d;
	civil_from_days((long)days, &y, &mo, &d);
	char buf[64];
	snprintf(buf, sizeof buf, "%04ld-%02d-%02dT%02ld:%02ld:%02ld.%03ldZ", y, mo, d,
		 rem / 3600000, rem / 60000 % 60, rem / 1000 % 60, rem % 1000);
	return jv_cstr(c, buf);
}

jv *jn_fn_fromMillis(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	if (!ARG(0)) return NULL;
	if (ARG(1) || ARG(2))
		jn_fail(c, "D3133", -1, "picture strings in $fromMillis are not supported");
	return iso(c, a[0]->u.n);
}

jv *jn_fn_now(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	if (ARG(0) || ARG(1))
		jn_fail(c, "D3133", -1, "picture strings in $now are not supported");
	return iso(c, c->now_ms);
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

jv *jn_fn_toMillis(jn_ctx *c, jv **a, int n, jv *in, env *e)
{
	(void)in; (void)e;
	jv *s = ARG(0);
	if (!s) return NULL;
	if (ARG(1))
		jn_fail(c, "D3133", -1, "picture strings in $toMillis are not supported");
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
	if (i < len && (p[i] == 'T' || p[i] == ' ')) {
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
	double t = (double)days_from_civil(y, mo, d) * 86400000.0 + h * 3600000.0 + mi * 60000.0 + sec * 1000.0 + ms - tz * 60000.0;
	return jv_num(c, t);
bad:
	jn_fail(c, "D3110", -1, "The timestamp %s cannot be parsed", p);
}

/*
 * timestamp.h - the one RFC 3339 timestamp parser of the project, header
 * only so that the engine (ASL Choice/Wait timestamps, the watch's RDS
 * event dates) and the plugins (the AWS library's credential expirations)
 * share it without linking each other.
 *
 *   YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
 *
 * PW_TS_STRICT is ASL's profile: uppercase T and Z, a zone is required.
 * PW_TS_ZONE_OPTIONAL also takes a missing zone as UTC, as some AWS
 * answers (and credential_process helpers) write Expiration that way.
 * Dates are checked (month lengths, leap years); the result is seconds
 * since the epoch with the fraction kept.
 */
#ifndef PREWARM_TIMESTAMP_H
#define PREWARM_TIMESTAMP_H

#include <stddef.h>

enum { PW_TS_STRICT = 0, PW_TS_ZONE_OPTIONAL = 1 };

static inline int pw_ts_digits_(const char *s, int n, int *out)
{
	int v = 0;
	for (int k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return -1;
		v = v * 10 + (s[k] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static inline long pw_ts_days_from_civil_(long y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* 0 and *epoch_seconds (may be NULL), or -1 when s is not such a time. */
static inline int pw_timestamp_parse_flags(const char *s, int flags,
					   double *epoch_seconds)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	double frac = 0;
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	if (s == NULL)
		return -1;
	for (int k = 0; k < 19; k++)
		if (s[k] == '\0')
			return -1;
	if (pw_ts_digits_(s, 4, &y) || s[4] != '-' || pw_ts_digits_(s + 5, 2, &mo) ||
	    s[7] != '-' || pw_ts_digits_(s + 8, 2, &d) || s[10] != 'T' ||
	    pw_ts_digits_(s + 11, 2, &h) || s[13] != ':' || pw_ts_digits_(s + 14, 2, &mi) ||
	    s[16] != ':' || pw_ts_digits_(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return -1;
	const char *p = s + 19;
	if (*p == '.') {
		double scale = 0.1;
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9') {
			frac += (*p - '0') * scale;
			scale /= 10;
			p++;
		}
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (pw_ts_digits_(p + 1, 2, &oh) || p[3] != ':' ||
		    pw_ts_digits_(p + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		p += 6;
	} else if (!(flags & PW_TS_ZONE_OPTIONAL)) {
		return -1;
	}
	if (*p != '\0')
		return -1;
	double t = (double)pw_ts_days_from_civil_(y, mo, d) * 86400.0 + h * 3600.0 +
		   mi * 60.0 + sec + frac - sign * (oh * 3600.0 + om * 60.0);
	if (epoch_seconds)
		*epoch_seconds = t;
	return 0;
}

/* ASL's profile (Choice Timestamp* rules, Wait Timestamp). */
static inline int pw_timestamp_parse(const char *s, double *epoch_seconds)
{
	return pw_timestamp_parse_flags(s, PW_TS_STRICT, epoch_seconds);
}

#endif

/*
 * backoff.h - the one exponential-backoff formula of the project, header
 * only so that the engine (ASL Retry) and the plugins (the AWS library's
 * per-call retries) share it without linking each other.
 *
 *   delay = min(base * rate^(attempt-1), cap) * rand01
 *
 * attempt 1 is the first retry. cap <= 0 means no cap. rand01 in [0,1]
 * is the jitter factor: pass a uniform random number for full jitter
 * (AWS "FullJitter", the SDKs' standard retry mode, ASL JitterStrategy
 * FULL) or 1.0 for none. Out-of-range factors are clamped; the result is
 * bounded (9e15 ms) even when the exponent overflows.
 */
#ifndef PREWARM_BACKOFF_H
#define PREWARM_BACKOFF_H

#include <stdint.h>

static inline int64_t pw_backoff_ms(double base_ms, double rate, double cap_ms,
				    int attempt, double rand01)
{
	const double limit = 9.0e15;
	double d = base_ms > 0 ? base_ms : 0;
	/* A loop, not pow(): no libm for the plugins, and it stops growing
	 * as soon as the cap (or the limit) is reached. */
	for (int i = 1; i < attempt && rate > 1.0; i++) {
		d *= rate;
		if ((cap_ms > 0 && d >= cap_ms) || !(d < limit))
			break;
	}
	if (cap_ms > 0 && d > cap_ms)
		d = cap_ms;
	if (!(d < limit)) /* also NaN */
		d = limit;
	if (!(rand01 >= 0)) /* also NaN */
		rand01 = 0;
	if (rand01 > 1)
		rand01 = 1;
	return (int64_t)(d * rand01 + 0.5);
}

#endif

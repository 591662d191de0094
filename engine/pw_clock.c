/* pw_clock - real and fake clocks, process cancellation flag. */
#include "pw_clock.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

static volatile sig_atomic_t cancel_flag;

void pw_cancel_request(void)
{
	cancel_flag = 1;
}

void pw_cancel_reset(void)
{
	cancel_flag = 0;
}

int pw_cancel_requested(void)
{
	return cancel_flag != 0;
}

static int64_t ms_of(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t sys_mono(void *ud)
{
	(void)ud;
	return ms_of(CLOCK_MONOTONIC);
}

static int64_t sys_wall(void *ud)
{
	(void)ud;
	return ms_of(CLOCK_REALTIME);
}

/* Sleeps in slices of at most 100 ms so a cancel request ends it soon. */
static int sys_sleep(void *ud, int64_t ms)
{
	(void)ud;
	int64_t end = ms_of(CLOCK_MONOTONIC) + ms;
	for (;;) {
		if (cancel_flag)
			return -1;
		int64_t left = end - ms_of(CLOCK_MONOTONIC);
		if (left <= 0)
			return 0;
		if (left > 100)
			left = 100;
		struct timespec ts = {left / 1000, (left % 1000) * 1000000L};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !cancel_flag)
			;
	}
}

static const struct pw_clock system_clock = {sys_mono, sys_wall, sys_sleep, NULL};

const struct pw_clock *pw_clock_system(void)
{
	return &system_clock;
}

static int64_t fake_mono(void *ud)
{
	return ((struct pw_fake_clock *)ud)->mono;
}

static int64_t fake_wall(void *ud)
{
	return ((struct pw_fake_clock *)ud)->wall;
}

static int fake_sleep(void *ud, int64_t ms)
{
	struct pw_fake_clock *fc = ud;
	if (fc->n_slept < (int)(sizeof(fc->slept) / sizeof(fc->slept[0])))
		fc->slept[fc->n_slept++] = ms;
	fc->mono += ms;
	fc->wall += ms;
	return 0;
}

static int64_t sim_mono(void *ud)
{
	struct pw_sim_clock *sc = ud;
	return sc->base->mono_ms(sc->base->ud) + sc->advanced;
}

static int64_t sim_wall(void *ud)
{
	struct pw_sim_clock *sc = ud;
	return sc->base->wall_ms(sc->base->ud) + sc->advanced;
}

static int sim_sleep(void *ud, int64_t ms)
{
	struct pw_sim_clock *sc = ud;
	if (pw_cancel_requested())
		return -1;
	if (ms > 0)
		sc->advanced += ms;
	return 0;
}

void pw_sim_clock_init(struct pw_sim_clock *sc, const struct pw_clock *base)
{
	sc->clock.mono_ms = sim_mono;
	sc->clock.wall_ms = sim_wall;
	sc->clock.sleep_ms = sim_sleep;
	sc->clock.ud = sc;
	sc->base = base;
	sc->advanced = 0;
}

void pw_fake_clock_init(struct pw_fake_clock *fc, int64_t wall_ms)
{
	fc->clock.mono_ms = fake_mono;
	fc->clock.wall_ms = fake_wall;
	fc->clock.sleep_ms = fake_sleep;
	fc->clock.ud = fc;
	fc->mono = 1000000;
	fc->wall = wall_ms;
	fc->n_slept = 0;
}

void pw_clock_format_rfc3339(int64_t wall_ms, char *buf, unsigned len)
{
	time_t secs = (time_t)(wall_ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n > 0 && n < len)
		snprintf(buf + n, len - n, ".%03dZ", (int)(wall_ms % 1000));
}

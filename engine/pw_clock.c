/* pw_clock - real and fake clocks, process cancellation flag. */
#include "pw_clock.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

/* Set by the signal handler: a lock-free atomic is async-signal-safe. */
static atomic_int cancel_flag;
/* The token of the Map iteration / Parallel branch this thread runs. */
static _Thread_local const struct pw_cancel *thread_token;

void pw_cancel_request(void)
{
	atomic_store(&cancel_flag, 1);
}

void pw_cancel_init(struct pw_cancel *c, const struct pw_cancel *parent)
{
	__atomic_store_n(&c->set, 0, __ATOMIC_RELAXED);
	c->parent = parent;
}

void pw_cancel_set(struct pw_cancel *c)
{
	__atomic_store_n(&c->set, 1, __ATOMIC_RELEASE);
}

int pw_cancel_is_set(const struct pw_cancel *c)
{
	for (; c != NULL; c = c->parent)
		if (__atomic_load_n(&c->set, __ATOMIC_ACQUIRE))
			return 1;
	return 0;
}

const struct pw_cancel *pw_cancel_current(void)
{
	return thread_token;
}

const struct pw_cancel *pw_cancel_enter(const struct pw_cancel *c)
{
	const struct pw_cancel *prev = thread_token;
	thread_token = c;
	return prev;
}

void pw_cancel_reset(void)
{
	cancel_flag = 0;
}

int pw_cancel_requested(void)
{
	return atomic_load(&cancel_flag) != 0 || pw_cancel_is_set(thread_token);
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
		if (pw_cancel_requested())
			return -1;
		int64_t left = end - ms_of(CLOCK_MONOTONIC);
		if (left <= 0)
			return 0;
		if (left > 100)
			left = 100;
		struct timespec ts = {left / 1000, (left % 1000) * 1000000L};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !atomic_load(&cancel_flag))
			;
	}
}

static const struct pw_clock system_clock = {sys_mono, sys_wall, sys_sleep, NULL};

const struct pw_clock *pw_clock_system(void)
{
	return &system_clock;
}

/* One lock for every fake clock: tests are not about its speed. */
static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t fake_mono(void *ud)
{
	pthread_mutex_lock(&fake_lock);
	int64_t v = ((struct pw_fake_clock *)ud)->mono;
	pthread_mutex_unlock(&fake_lock);
	return v;
}

static int64_t fake_wall(void *ud)
{
	pthread_mutex_lock(&fake_lock);
	int64_t v = ((struct pw_fake_clock *)ud)->wall;
	pthread_mutex_unlock(&fake_lock);
	return v;
}

static int fake_sleep(void *ud, int64_t ms)
{
	struct pw_fake_clock *fc = ud;
	pthread_mutex_lock(&fake_lock);
	if (fc->n_slept < (int)(sizeof(fc->slept) / sizeof(fc->slept[0])))
		fc->slept[fc->n_slept++] = ms;
	fc->mono += ms;
	fc->wall += ms;
	pthread_mutex_unlock(&fake_lock);
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

/*
 * pw_clock - the engine's notion of time, injectable so Retry and Wait
 * tests run instantly. A monotonic clock for deadlines and delays, a wall
 * clock for timestamps, and an interruptible sleep.
 * Owner: engine-runtime.
 */
#ifndef PW_CLOCK_H
#define PW_CLOCK_H

#include <stdint.h>

struct pw_clock {
	int64_t (*mono_ms)(void *ud);   /* monotonic milliseconds */
	int64_t (*wall_ms)(void *ud);   /* milliseconds since the epoch */
	/* Sleeps ms milliseconds; returns 0, or -1 when cancelled
	 * (pw_cancel_requested()) before the time was up. */
	int (*sleep_ms)(void *ud, int64_t ms);
	void *ud;
};

/* The real clocks (CLOCK_MONOTONIC, CLOCK_REALTIME, nanosleep). Static
 * storage: never freed. */
const struct pw_clock *pw_clock_system(void);

/* A fake clock for tests: time moves only when something sleeps on it or
 * the test advances it. `clock.ud` points at the struct itself. Its
 * reads and sleeps take a lock: Map iterations may share it. */
struct pw_fake_clock {
	struct pw_clock clock;
	int64_t mono;       /* current monotonic ms */
	int64_t wall;       /* current wall ms */
	int64_t slept[64];  /* the durations passed to sleep_ms, in order */
	int n_slept;
};
void pw_fake_clock_init(struct pw_fake_clock *fc, int64_t wall_ms);

/* A dry run's clock: reads `base` plus the time simulated so far; sleeping
 * advances it at once. `clock.ud` points at the struct itself. */
struct pw_sim_clock {
	struct pw_clock clock;
	const struct pw_clock *base;
	int64_t advanced; /* ms slept so far */
};
void pw_sim_clock_init(struct pw_sim_clock *sc, const struct pw_clock *base);

/* Process-wide cancellation (SIGINT/SIGTERM handler sets it). */
void pw_cancel_request(void);
/* Nonzero when the process was asked to stop, or when the calling
 * thread's current cancel token (below), or one of its parents, is set.
 * Every stop check (between states, in sleeps, a Lua step's hook,
 * host->is_cancelled) goes through it, so a Map iteration or Parallel
 * branch that a sibling's failure cancels stops at its next check. */
int pw_cancel_requested(void);
/* Clears it: `prewarm worker` goes on with its next task after one it
 * had to stop. */
void pw_cancel_reset(void);

/* A cancel token: set once, never cleared. A token whose parent is set
 * counts as set (a nested Map inside a cancelled iteration stops too). */
struct pw_cancel {
	int set;                        /* read and written atomically */
	const struct pw_cancel *parent; /* may be NULL */
};
void pw_cancel_init(struct pw_cancel *c, const struct pw_cancel *parent);
void pw_cancel_set(struct pw_cancel *c);
/* c or one of its parents is set (NULL: 0). Not the process flag. */
int pw_cancel_is_set(const struct pw_cancel *c);
/* The calling thread's token (NULL: none); _enter makes c current and
 * returns the previous one, which the caller restores with _enter. */
const struct pw_cancel *pw_cancel_current(void);
const struct pw_cancel *pw_cancel_enter(const struct pw_cancel *c);

/* Formats wall ms as RFC 3339 UTC with milliseconds
 * ("2026-11-25T10:46:16.123Z") into buf (>= 32 bytes). */
void pw_clock_format_rfc3339(int64_t wall_ms, char *buf, unsigned len);

#endif

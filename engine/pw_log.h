/*
 * pw_log - the engine's logger: readable lines on a terminal, JSON lines
 * otherwise; every line passes through secret redaction.
 * Owner: engine-runtime.
 */
#ifndef PW_LOG_H
#define PW_LOG_H

#include <prewarm/plugin.h>

enum pw_log_format { PW_LOG_AUTO, PW_LOG_TEXT, PW_LOG_JSON };

void pw_log_setup(enum pw_log_format fmt, enum pw_log_level min_level);

/* Logs one line to stderr. `component` is e.g. "engine", "rds". */
void pw_log(enum pw_log_level level, const char *component,
	    const char *fmt, ...) PW_PRINTF(3, 4);

/* Secret registry (process-wide). The string is copied. */
void pw_secret_add(const char *secret);

/* Returns a malloc'd copy of s with every registered secret replaced by
 * "***". Caller frees. */
char *pw_redact(const char *s);

/* Forgets all secrets (tests). */
void pw_secret_clear(void);

#endif

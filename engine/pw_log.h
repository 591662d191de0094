/*
 * pw_log - the engine's logger: readable lines on a terminal, JSON lines
 * otherwise; every line passes through secret redaction.
 * Owner: engine-runtime.
 */
#ifndef PW_LOG_H
#define PW_LOG_H

#include <stdio.h>
#include <prewarm/plugin.h>

#include "pw_redact.h"

enum pw_log_format { PW_LOG_AUTO, PW_LOG_TEXT, PW_LOG_JSON };

void pw_log_setup(enum pw_log_format fmt, enum pw_log_level min_level);

/* Logs one line to stderr. `component` is e.g. "engine", "rds". */
void pw_log(enum pw_log_level level, const char *component,
	    const char *fmt, ...) PW_PRINTF(3, 4);

/* Same with a va_list. */
void pw_logv(enum pw_log_level level, const char *component,
	     const char *fmt, va_list ap) PW_PRINTF(3, 0);

/* Redirects log output (tests); NULL restores stderr. The stream is
 * borrowed: the caller keeps it open while it is set. */
void pw_log_set_stream(FILE *f);

/* Parses "text"/"json"/"auto" and "debug"/"info"/"warn"/"error".
 * 0 or -1 on an unknown word. */
int pw_log_format_parse(const char *s, enum pw_log_format *out);
int pw_log_level_parse(const char *s, enum pw_log_level *out);

/* The secret registry (pw_secret_add, pw_redact) lives in pw_redact.h;
 * every log line is written through pw_out, which redacts it. */

#endif

/*
 * pw_out - the one way out: every byte the engine writes to stdout,
 * stderr (logs included), the journal and the watch state files passes
 * through here and is redacted (every spelling of every registered secret,
 * see pw_redact.h) and made valid UTF-8 (pw_utf8.h) before it is written.
 * Code under engine/ calls no printf/fprintf/fputs/write of its own:
 * tests/unit/check-output-funnel.sh
 * fails the build's tests when one appears (a line that writes no output,
 * e.g. an id into a lock file, carries the marker comment "pw-out-ok").
 * Owner: engine-runtime.
 */
#ifndef PW_OUT_H
#define PW_OUT_H

#include <stdarg.h>
#include <stdio.h>

#include <json-c/json.h>
#include <prewarm/plugin.h>

/* The redacted, valid UTF-8 (pw_utf8_sanitize) form of text, malloc'd;
 * *changed (may be NULL) says whether a secret was removed. NULL when out
 * of memory. */
char *pw_out_safe(const char *text, int *changed);

/* printf to f, redacted as a whole (a secret split over two arguments is
 * caught too). Returns the bytes written or -1. */
int pw_out_printf(FILE *f, const char *fmt, ...) PW_PRINTF(2, 3);
int pw_out_vprintf(FILE *f, const char *fmt, va_list ap) PW_PRINTF(2, 0);

/* Writes text (made safe) to f; no newline added. */
int pw_out_puts(FILE *f, const char *text);

/* v as one JSON line (no "\/" escapes), redacted, then flushed. The
 * secrets v shows by its shape (pw_secret_scan.h) are registered first. */
int pw_out_json(FILE *f, json_object *v);

/* v serialized like pw_out_json (without the newline) and made safe:
 * malloc'd, *changed as for pw_out_safe. For writers that must know
 * whether data was lost (the journal marks such events). */
char *pw_out_json_text(json_object *v, int *changed);

/* Writes text to fd (made safe again, so nothing unsafe can be passed by
 * mistake), retrying on EINTR and short writes. 0 or -1 (errno set). */
int pw_out_write_fd(int fd, const char *text);

/* Writes safe, a text pw_out_json_text already made safe, to fd as it is,
 * retrying on EINTR and short writes. Redacting such a JSON line again as
 * one text would let a secret that spells JSON syntax break it (the
 * journal). 0 or -1 (errno set). */
int pw_out_write_all(int fd, const char *safe);

#endif

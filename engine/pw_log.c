/* pw_log - stderr logger; lines are written (redacted) through pw_out. */
#include "pw_log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "pw_out.h"
#include "pw_secret_scan.h"

static enum pw_log_format log_format = PW_LOG_AUTO;
static enum pw_log_level log_min = PW_LOG_INFO;
static FILE *log_stream;
/* One line at a time: a JSON line is two writes (text, newline), and
 * Map iterations log from several threads. */
static pthread_mutex_t line_lock = PTHREAD_MUTEX_INITIALIZER;

void pw_log_setup(enum pw_log_format fmt, enum pw_log_level min_level)
{
	log_format = fmt;
	log_min = min_level;
}

void pw_log_set_stream(FILE *f)
{
	log_stream = f;
}

int pw_log_format_parse(const char *s, enum pw_log_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = PW_LOG_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = PW_LOG_JSON;
	else if (strcmp(s, "auto") == 0)
		*out = PW_LOG_AUTO;
	else
		return -1;
	return 0;
}

int pw_log_level_parse(const char *s, enum pw_log_level *out)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum pw_log_level)i;
			return 0;
		}
	}
	return -1;
}

static const char *level_name(enum pw_log_level level)
{
	switch (level) {
	case PW_LOG_DEBUG: return "debug";
	case PW_LOG_INFO: return "info";
	case PW_LOG_WARN: return "warn";
	default: return "error";
	}
}

static void timestamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

void pw_logv(enum pw_log_level level, const char *component, const char *fmt,
	     va_list ap)
{
	if (level < log_min)
		return;
	FILE *f = log_stream ? log_stream : stderr;
	char *raw = NULL;
	if (vasprintf(&raw, fmt, ap) < 0)
		return;
	/* A conninfo or URI a message shows (a Lua step's print), or a
	 * secret-named member of a JSON object it quotes (a dry run's
	 * parameters), is a secret in both formats (pw_out scans only JSON
	 * values, not text). Redacted here and
	 * again as a whole line by pw_out, which also makes the line valid
	 * UTF-8 (json-c would copy a bad byte into the JSON line unchanged). */
	pw_secret_scan_message(raw);
	char *msg = pw_redact(raw);
	free(raw);
	if (msg == NULL)
		return;
	char ts[40];
	timestamp(ts, sizeof(ts));
	enum pw_log_format fmt_now = log_format;
	if (fmt_now == PW_LOG_AUTO)
		fmt_now = isatty(fileno(f)) ? PW_LOG_TEXT : PW_LOG_JSON;
	pthread_mutex_lock(&line_lock);
	if (fmt_now == PW_LOG_TEXT) {
		pw_out_printf(f, "%s %-5s %s: %s\n", ts, level_name(level),
			      component ? component : "engine", msg);
	} else {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "time", json_object_new_string(ts));
		json_object_object_add(o, "level",
				       json_object_new_string(level_name(level)));
		json_object_object_add(o, "component",
				       json_object_new_string(component ? component : "engine"));
		json_object_object_add(o, "msg", json_object_new_string(msg));
		pw_out_json(f, o);
		json_object_put(o);
	}
	fflush(f);
	pthread_mutex_unlock(&line_lock);
	free(msg);
}

void pw_log(enum pw_log_level level, const char *component, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pw_logv(level, component, fmt, ap);
	va_end(ap);
}

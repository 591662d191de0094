/* pw_log - stderr logger with secret redaction. */
#include "pw_log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "pw_utf8.h"

static enum pw_log_format log_format = PW_LOG_AUTO;
static enum pw_log_level log_min = PW_LOG_INFO;
static FILE *log_stream;

static char **secrets;
static size_t n_secrets;

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

static void secret_add_one(const char *secret);

/* A secret printed inside JSON (a log line, a journal event, a dry-run
 * plan) appears escaped: json-c writes "/" as "\\/" and quotes as \\".
 * Both spellings are registered, so redaction does not depend on how the
 * text that carries the secret was serialized. */
void pw_secret_add(const char *secret)
{
	if (secret == NULL || strlen(secret) < 4)
		return;
	secret_add_one(secret);
	json_object *js = json_object_new_string(secret);
	const char *esc = js ? json_object_to_json_string_ext(js, JSON_C_TO_STRING_PLAIN) : NULL;
	size_t n = esc ? strlen(esc) : 0;
	if (n >= 2 && (n - 2 != strlen(secret) || strncmp(esc + 1, secret, n - 2) != 0)) {
		char *inner = strndup(esc + 1, n - 2); /* without the quotes */
		if (inner != NULL)
			secret_add_one(inner);
		free(inner);
	}
	json_object_put(js);
}

static void secret_add_one(const char *secret)
{
	if (secret == NULL || strlen(secret) < 4)
		return;
	for (size_t i = 0; i < n_secrets; i++)
		if (strcmp(secrets[i], secret) == 0)
			return;
	char *copy = strdup(secret);
	char **grown = realloc(secrets, (n_secrets + 1) * sizeof(*secrets));
	if (copy == NULL || grown == NULL) {
		free(copy);
		if (grown != NULL)
			secrets = grown;
		return;
	}
	secrets = grown;
	/* Keep the list longest first: when one secret contains another (a
	 * token and its signature), the whole token must be hidden, not just
	 * the part registered first. */
	size_t at = 0, clen = strlen(copy);
	while (at < n_secrets && strlen(secrets[at]) >= clen)
		at++;
	memmove(secrets + at + 1, secrets + at, (n_secrets - at) * sizeof(*secrets));
	secrets[at] = copy;
	n_secrets++;
}

void pw_secret_clear(void)
{
	for (size_t i = 0; i < n_secrets; i++)
		free(secrets[i]);
	free(secrets);
	secrets = NULL;
	n_secrets = 0;
}

/* Replaces every occurrence of one secret in *s (malloc'd) by "***". */
static int redact_one(char **s, const char *secret)
{
	size_t slen = strlen(secret);
	size_t count = 0;
	for (const char *p = strstr(*s, secret); p; p = strstr(p + slen, secret))
		count++;
	if (count == 0)
		return 0;
	size_t len = strlen(*s);
	char *out = malloc(len - count * slen + count * 3 + 1);
	if (out == NULL)
		return -1;
	char *w = out;
	const char *r = *s;
	for (const char *p = strstr(r, secret); p; p = strstr(r, secret)) {
		memcpy(w, r, (size_t)(p - r));
		w += p - r;
		memcpy(w, "***", 3);
		w += 3;
		r = p + slen;
	}
	size_t rest = strlen(r);
	memcpy(w, r, rest + 1);
	free(*s);
	*s = out;
	return 0;
}

char *pw_redact(const char *s)
{
	if (s == NULL)
		return NULL;
	char *out = strdup(s);
	if (out == NULL)
		return NULL;
	/* The list is kept longest first (see pw_secret_add). */
	for (size_t i = 0; i < n_secrets; i++) {
		if (redact_one(&out, secrets[i]) != 0) {
			free(out);
			return NULL;
		}
	}
	return out;
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
	char *redacted = pw_redact(raw);
	free(raw);
	/* Both formats: a text line is UTF-8 too, and json-c would copy a bad
	 * byte into the JSON line unchanged. */
	char *msg = pw_utf8_sanitize(redacted);
	free(redacted);
	if (msg == NULL)
		return;
	char ts[40];
	timestamp(ts, sizeof(ts));
	enum pw_log_format fmt_now = log_format;
	if (fmt_now == PW_LOG_AUTO)
		fmt_now = isatty(fileno(f)) ? PW_LOG_TEXT : PW_LOG_JSON;
	if (fmt_now == PW_LOG_TEXT) {
		fprintf(f, "%s %-5s %s: %s\n", ts, level_name(level),
			component ? component : "engine", msg);
	} else {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "time", json_object_new_string(ts));
		json_object_object_add(o, "level",
				       json_object_new_string(level_name(level)));
		json_object_object_add(o, "component",
				       json_object_new_string(component ? component : "engine"));
		json_object_object_add(o, "msg", json_object_new_string(msg));
		fprintf(f, "%s\n",
			json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	fflush(f);
	free(msg);
}

void pw_log(enum pw_log_level level, const char *component, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pw_logv(level, component, fmt, ap);
	va_end(ap);
}

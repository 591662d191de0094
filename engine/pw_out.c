/* pw_out - redacted output: the only place the engine writes from. */
#include "pw_out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pw_redact.h"
#include "pw_secret_scan.h"
#include "pw_utf8.h"

char *pw_out_safe(const char *text, int *changed)
{
	char *redacted = pw_redact(text);
	if (changed != NULL)
		*changed = redacted != NULL && strcmp(redacted, text) != 0;
	/* Then valid UTF-8 (issue 8 item 10): after redaction, so a secret
	 * holding bytes that are not UTF-8 is still found. */
	char *out = pw_utf8_sanitize(redacted);
	free(redacted);
	return out;
}

int pw_out_puts(FILE *f, const char *text)
{
	char *safe = pw_out_safe(text, NULL);
	if (safe == NULL)
		return -1;
	size_t n = strlen(safe);
	int rc = fwrite(safe, 1, n, f) == n ? (int)n : -1;
	free(safe);
	return rc;
}

int pw_out_vprintf(FILE *f, const char *fmt, va_list ap)
{
	char *raw = NULL;
	if (vasprintf(&raw, fmt, ap) < 0)
		return -1;
	int rc = pw_out_puts(f, raw);
	free(raw);
	return rc;
}

int pw_out_printf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = pw_out_vprintf(f, fmt, ap);
	va_end(ap);
	return rc;
}

/* v's string redacted (and made valid UTF-8) piece by piece between the
 * NULs it may hold, so nothing after a NUL escapes; v itself (one more
 * reference) when nothing changed. NULL when out of memory. */
static json_object *redacted_string(json_object *v, int *changed)
{
	const char *s = json_object_get_string(v);
	size_t len = (size_t)json_object_get_string_len(v), used = 0, cap = len + 1;
	char *buf = malloc(cap);
	int c = 0;
	for (size_t at = 0; buf != NULL && at <= len; at += strlen(s + at) + 1) {
		int piece_changed = 0;
		char *safe = pw_out_safe(s + at, &piece_changed);
		size_t n = safe ? strlen(safe) : 0;
		char *grown = safe && used + n + 1 > cap ? realloc(buf, cap = used + n + 1) : buf;
		if (safe == NULL || grown == NULL) {
			free(safe);
			free(grown == NULL ? buf : grown);
			return NULL;
		}
		buf = grown;
		memcpy(buf + used, safe, n + 1); /* the NUL between pieces too */
		used += n + 1;
		c |= piece_changed;
		free(safe);
	}
	if (buf == NULL)
		return NULL;
	used--; /* the last piece's terminator */
	json_object *out = used == len && memcmp(buf, s, len) == 0
				   ? json_object_get(v)
				   : json_object_new_string_len(buf, (int)used);
	free(buf);
	*changed |= c;
	return out;
}

/* A copy of v with every string and number redacted one by one, so a
 * secret that looks like JSON's own syntax (`","id`, which an input can
 * register) hides only itself and never breaks the
 * line's structure. A number that held a secret becomes its redacted text.
 * NULL when out of memory. */
static json_object *redacted_copy(json_object *v, int *changed)
{
	int c = 0;
	char *safe;
	json_object *out;
	switch (json_object_get_type(v)) {
	case json_type_string:
		return redacted_string(v, changed);
	case json_type_int:
	case json_type_double:
		if ((safe = pw_out_safe(json_object_to_json_string(v), &c)) == NULL)
			return NULL;
		out = c ? json_object_new_string(safe) : json_object_get(v);
		free(safe);
		break;
	case json_type_array:
		out = json_object_new_array_ext((int)json_object_array_length(v));
		for (size_t i = 0; out != NULL && i < json_object_array_length(v); i++) {
			json_object *e = json_object_array_get_idx(v, i), *r = NULL;
			if ((e != NULL && (r = redacted_copy(e, changed)) == NULL) ||
			    json_object_array_add(out, r) != 0) {
				json_object_put(r);
				json_object_put(out);
				return NULL;
			}
		}
		break;
	case json_type_object:
		if ((out = json_object_new_object()) == NULL)
			return NULL;
		/* Member names are the workflow's and the plugins' vocabulary,
		 * and the journal's own structure ("type", "state"): a short
		 * password an input registered must not rename them. */
		json_object_object_foreach(v, key, val)
		{
			json_object *r = NULL;
			if ((val != NULL && (r = redacted_copy(val, changed)) == NULL) ||
			    json_object_object_add(out, key, r) != 0) {
				json_object_put(r);
				json_object_put(out);
				return NULL;
			}
		}
		break;
	default: /* null is never a JSON object here; booleans hold nothing */
		out = json_object_get(v);
		break;
	}
	*changed |= c;
	return out;
}

char *pw_out_json_text(json_object *v, int *changed)
{
	/* Data no plugin vouched for (an input, a Pass Result, a Lua step's
	 * output, a cause) can hold a conninfo or a secret-named member:
	 * registered here, so this output and every later one hides it. */
	pw_secret_scan_json(v);
	int c = 0;
	json_object *copy = v == NULL ? NULL : redacted_copy(v, &c);
	if (v != NULL && copy == NULL)
		return NULL;
	char *text = strdup(json_object_to_json_string_ext(copy, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(copy);
	if (changed != NULL)
		*changed = c;
	return text;
}

int pw_out_json(FILE *f, json_object *v)
{
	char *safe = pw_out_json_text(v, NULL);
	int rc = -1;
	if (safe != NULL) {
		size_t n = strlen(safe);
		rc = fwrite(safe, 1, n, f) == n && fputc('\n', f) != EOF ? (int)n + 1 : -1;
	} else if (fputs("null\n", f) != EOF) {
		rc = 5; /* out of memory: print nothing that could hold a secret */
	}
	free(safe);
	fflush(f);
	return rc;
}

int pw_out_write_all(int fd, const char *safe)
{
	size_t len = strlen(safe), done = 0;
	while (done < len) {
		ssize_t w = write(fd, safe + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		done += (size_t)w;
	}
	return 0;
}

int pw_out_write_fd(int fd, const char *text)
{
	char *safe = pw_out_safe(text, NULL);
	if (safe == NULL) {
		errno = ENOMEM;
		return -1;
	}
	int rc = pw_out_write_all(fd, safe);
	int saved = errno;
	free(safe);
	errno = saved;
	return rc;
}

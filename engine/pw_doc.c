/*
 * pw_doc - one json-c document plus the source position of every node,
 * loaded from YAML, JSON or Lua. Positions live in a json-c object used as
 * a hash table: JSON pointer -> line * LANG_POS_SHIFT + column.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lang_doc.h"
#include "pw_doc.h"
#include "pw_out.h"

#define LANG_POS_SHIFT 1048576LL /* columns beyond 2^20 are clamped */
#define LANG_MAX_FILE (64L * 1024 * 1024)

struct pw_doc {
	char *file;
	json_object *root;
	json_object *pos;
};

/* --- JSON pointers ------------------------------------------------------ */

static int ptr_reserve(struct lang_ptr *p, size_t extra)
{
	if (p->len + extra + 1 <= p->cap)
		return 0;
	size_t cap = p->cap ? p->cap : 64;
	while (cap < p->len + extra + 1)
		cap *= 2;
	char *b = realloc(p->buf, cap);
	if (b == NULL)
		return -1;
	p->buf = b;
	p->cap = cap;
	return 0;
}

size_t lang_ptr_push_key(struct lang_ptr *p, const char *key, size_t keylen)
{
	size_t old = p->len;
	/* worst case every byte doubles ("~0"/"~1") */
	if (ptr_reserve(p, 2 * keylen + 1) != 0)
		return (size_t)-1;
	p->buf[p->len++] = '/';
	for (size_t i = 0; i < keylen; i++) {
		if (key[i] == '~') {
			p->buf[p->len++] = '~';
			p->buf[p->len++] = '0';
		} else if (key[i] == '/') {
			p->buf[p->len++] = '~';
			p->buf[p->len++] = '1';
		} else {
			p->buf[p->len++] = key[i];
		}
	}
	p->buf[p->len] = '\0';
	return old;
}

size_t lang_ptr_push_index(struct lang_ptr *p, size_t index)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%zu", index);
	size_t old = p->len;
	if (ptr_reserve(p, (size_t)n + 1) != 0)
		return (size_t)-1;
	p->buf[p->len++] = '/';
	memcpy(p->buf + p->len, num, (size_t)n);
	p->len += (size_t)n;
	p->buf[p->len] = '\0';
	return old;
}

void lang_ptr_trunc(struct lang_ptr *p, size_t len)
{
	if (p->buf != NULL && len <= p->len) {
		p->len = len;
		p->buf[len] = '\0';
	}
}

void lang_ptr_free(struct lang_ptr *p)
{
	free(p->buf);
	p->buf = NULL;
	p->len = p->cap = 0;
}

int lang_pos_record(json_object *pos, const struct lang_ptr *p, int line,
		    int column)
{
	const char *key = p->buf ? p->buf : "";
	if (json_object_object_get_ex(pos, key, NULL))
		return 1;
	if (column >= LANG_POS_SHIFT)
		column = (int)(LANG_POS_SHIFT - 1);
	json_object_object_add(
		pos, key,
		json_object_new_int64((int64_t)line * LANG_POS_SHIFT + column));
	return 0;
}

/* The one place a pw_diag is filled (lang_diag_set, pw_doc_diag). */
static void diag_vset(pw_diag *diag, const char *file, int line, int column,
		      const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));
static void diag_vset(pw_diag *diag, const char *file, int line, int column,
		      const char *fmt, va_list ap)
{
	snprintf(diag->file, sizeof(diag->file), "%s", file ? file : "");
	diag->line = line;
	diag->column = column;
	vsnprintf(diag->message, sizeof(diag->message), fmt, ap);
}

void lang_diag_set(pw_diag *diag, const char *file, int line, int column,
		   const char *fmt, ...)
{
	if (diag == NULL)
		return;
	va_list ap;
	va_start(ap, fmt);
	diag_vset(diag, file, line, column, fmt, ap);
	va_end(ap);
}

void pw_diag_print(const pw_diag *d, FILE *f)
{
	if (d == NULL || f == NULL)
		return;
	/* One write, so the redaction sees the whole line. */
	char where[64] = "";
	if (d->line > 0 && d->column > 0)
		snprintf(where, sizeof(where), "%d:%d:", d->line, d->column);
	else if (d->line > 0)
		snprintf(where, sizeof(where), "%d:", d->line);
	pw_out_printf(f, "%s%s%s%s%s\n", d->file, d->file[0] ? ":" : "", where,
		      (d->file[0] || d->line > 0) ? " " : "", d->message);
}

/* --- loading ------------------------------------------------------------ */

enum syntax { SYN_JSON, SYN_YAML, SYN_LUA };

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

static enum syntax pick_syntax(const char *name, const char *buf, size_t len)
{
	if (ends_with(name, ".json"))
		return SYN_JSON;
	if (ends_with(name, ".yaml") || ends_with(name, ".yml"))
		return SYN_YAML;
	if (ends_with(name, ".lua"))
		return SYN_LUA;
	/* sniff: JSON if the first non-blank byte opens an object */
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' ||
		    buf[i] == '\n')
			continue;
		return buf[i] == '{' ? SYN_JSON : SYN_YAML;
	}
	return SYN_YAML;
}

int pw_doc_load_buffer(const char *name, const char *buf, size_t len,
		       pw_doc **out, pw_diag *diag)
{
	pw_doc *doc = NULL;
	json_object *root = NULL;
	int rc = -1;

	if (out == NULL)
		return -1;
	*out = NULL;
	if (name == NULL)
		name = "<buffer>";
	if (buf == NULL && len > 0) {
		lang_diag_set(diag, name, 0, 0, "no input");
		return -1;
	}
	doc = calloc(1, sizeof(*doc));
	if (doc == NULL || (doc->file = strdup(name)) == NULL ||
	    (doc->pos = json_object_new_object()) == NULL) {
		lang_diag_set(diag, name, 0, 0, "out of memory");
		goto out;
	}
	switch (pick_syntax(name, buf ? buf : "", len)) {
	case SYN_JSON:
		rc = lang_json_load(name, buf ? buf : "", len, &root, doc->pos,
				    diag);
		break;
	case SYN_YAML:
		rc = lang_yaml_load(name, buf ? buf : "", len, &root, doc->pos,
				    diag);
		break;
	case SYN_LUA:
		rc = lang_lua_load(name, buf ? buf : "", len, &root, diag);
		break;
	}
	if (rc != 0)
		goto out;
	doc->root = root;
	*out = doc;
	doc = NULL;
	rc = 0;
out:
	pw_doc_free(doc);
	return rc;
}

int pw_doc_load_file(const char *path, pw_doc **out, pw_diag *diag)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = -1;

	if (out == NULL)
		return -1;
	*out = NULL;
	if (path == NULL) {
		lang_diag_set(diag, "", 0, 0, "no file name");
		return -1;
	}
	f = fopen(path, "rb");
	if (f == NULL) {
		lang_diag_set(diag, path, 0, 0, "cannot open: %s",
			      strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 8192;
			if ((long)ncap > LANG_MAX_FILE) {
				lang_diag_set(diag, path, 0, 0,
					      "file larger than %ld bytes",
					      LANG_MAX_FILE);
				goto out;
			}
			char *nb = realloc(buf, ncap);
			if (nb == NULL) {
				lang_diag_set(diag, path, 0, 0,
					      "out of memory");
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				lang_diag_set(diag, path, 0, 0,
					      "read error: %s",
					      strerror(errno));
				goto out;
			}
			break;
		}
	}
	rc = pw_doc_load_buffer(path, buf ? buf : "", len, out, diag);
out:
	free(buf);
	fclose(f);
	return rc;
}

json_object *pw_doc_root(const pw_doc *doc)
{
	return doc ? doc->root : NULL;
}

const char *pw_doc_file(const pw_doc *doc)
{
	return doc ? doc->file : NULL;
}

int pw_doc_position(const pw_doc *doc, const char *pointer, int *line,
		    int *column)
{
	json_object *v = NULL;
	int l = 0, c = 0, rc = -1;

	if (doc != NULL && pointer != NULL &&
	    json_object_object_get_ex(doc->pos, pointer, &v)) {
		int64_t packed = json_object_get_int64(v);
		l = (int)(packed / LANG_POS_SHIFT);
		c = (int)(packed % LANG_POS_SHIFT);
		rc = 0;
	}
	if (line)
		*line = l;
	if (column)
		*column = c;
	return rc;
}

void pw_doc_diag(const pw_doc *doc, const char *pointer, pw_diag *diag,
		 const char *fmt, ...)
{
	int line = 0, column = 0;
	char ptr[1024];

	if (diag == NULL)
		return;
	/* an absent node (e.g. a missing field) takes its nearest ancestor's
	 * position, so the message still points somewhere useful */
	snprintf(ptr, sizeof(ptr), "%s", pointer ? pointer : "");
	while (pw_doc_position(doc, ptr, &line, &column) != 0 &&
	       ptr[0] != '\0') {
		char *slash = strrchr(ptr, '/');
		if (slash == NULL)
			break;
		*slash = '\0';
	}
	va_list ap;
	va_start(ap, fmt);
	diag_vset(diag, doc ? doc->file : NULL, line, column, fmt, ap);
	va_end(ap);
}

void pw_doc_free(pw_doc *doc)
{
	if (doc == NULL)
		return;
	json_object_put(doc->root);
	json_object_put(doc->pos);
	free(doc->file);
	free(doc);
}

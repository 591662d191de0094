/* pw_redact - secret registry, the spellings of a secret, the redactor. */
#include "pw_redact.h"
#include "pw_redact_index.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shorter strings would redact common words. */
#define MIN_SECRET 4
/* A bound on one secret's spellings (a long value with every special
 * character gives about 150). */
#define MAX_SPELLINGS 512

struct strlist {
	char **v;
	size_t n, cap;
};

/* Takes s (malloc'd); drops it when already listed or too short. -1 when
 * out of memory (s is freed). */
static int list_take(struct strlist *l, char *s)
{
	if (s == NULL)
		return -1;
	if (strlen(s) < MIN_SECRET || l->n >= MAX_SPELLINGS) {
		free(s);
		return 0;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i], s) == 0) {
			free(s);
			return 0;
		}
	}
	if (l->n + 1 >= l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL) {
			free(s);
			return -1;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
	return 0;
}

static void list_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* --- spellings ------------------------------------------------------------ */

/* libpq conninfo: key='value' with \ and ' backslash-escaped. */
static char *conninfo_quoted(const char *s)
{
	char *out = malloc(2 * strlen(s) + 1), *w = out;
	if (out == NULL)
		return NULL;
	for (; *s; s++) {
		if (*s == '\\' || *s == '\'')
			*w++ = '\\';
		*w++ = *s;
	}
	*w = '\0';
	return out;
}

enum url_style {
	URL_STRICT,     /* curl_easy_escape, quote(safe=""): keep A-Za-z0-9-._~ */
	URL_PLUS,       /* quote_plus: the same with space as + */
	URL_FORM,       /* WHATWG urlencoded: keep A-Za-z0-9*-._, space as + */
	URL_PATH,       /* quote(): keep A-Za-z0-9-._~/ */
	URL_COMPONENT,  /* encodeURIComponent: keep A-Za-z0-9-_.!~*'() */
	URL_URI,        /* encodeURI: encodeURIComponent's and ;,/?:@&=+$# */
	URL_STYLES
};

static int url_keeps(enum url_style st, unsigned char c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		return 1;
	switch (st) {
	case URL_STRICT:
	case URL_PLUS: return strchr("-._~", c) != NULL && c;
	case URL_FORM: return strchr("*-._", c) != NULL && c;
	case URL_PATH: return strchr("-._~/", c) != NULL && c;
	case URL_COMPONENT: return strchr("-_.!~*'()", c) != NULL && c;
	default: return strchr("-_.!~*'();,/?:@&=+$#", c) != NULL && c;
	}
}

static char *url_encoded(const char *s, enum url_style st, int lower)
{
	const char *hex = lower ? "0123456789abcdef" : "0123456789ABCDEF";
	char *out = malloc(3 * strlen(s) + 1), *w = out;
	if (out == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == ' ' && (st == URL_PLUS || st == URL_FORM)) {
			*w++ = '+';
		} else if (url_keeps(st, *p)) {
			*w++ = (char)*p;
		} else {
			*w++ = '%';
			*w++ = hex[*p >> 4];
			*w++ = hex[*p & 15];
		}
	}
	*w = '\0';
	return out;
}

/* Base64 of `pad_before` zero bytes then s. With core, only the characters
 * that depend on s alone (not on the bytes around it in a longer text);
 * else all of them, '='-padded when pad. */
static char *base64(const char *s, int url_safe, int pad_before, int core, int pad)
{
	static const char std[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char url[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *abc = url_safe ? url : std;
	size_t len = strlen(s), total = len + (size_t)pad_before;
	char *out = malloc(4 * (total / 3 + 1) + 1);
	if (out == NULL)
		return NULL;
	size_t w = 0;
	for (size_t i = 0; i < total; i += 3) {
		uint32_t v = 0;
		size_t n = total - i < 3 ? total - i : 3;
		for (size_t k = 0; k < 3; k++) {
			size_t at = i + k;
			unsigned char b = (k < n && at >= (size_t)pad_before)
						  ? (unsigned char)s[at - (size_t)pad_before]
						  : 0;
			v = v << 8 | b;
		}
		for (size_t k = 0; k < n + 1; k++)
			out[w++] = abc[(v >> (18 - 6 * k)) & 63];
		for (size_t k = n + 1; pad && k < 4; k++)
			out[w++] = '=';
	}
	out[w] = '\0';
	if (core) {
		/* Character i holds bits 6i..6i+5: keep those wholly inside
		 * the secret's bits [8*pad_before, 8*total). */
		size_t first = (8 * (size_t)pad_before + 5) / 6, last = 8 * total / 6;
		if (last <= first) {
			out[0] = '\0';
		} else {
			memmove(out, out + first, last - first);
			out[last - first] = '\0';
		}
	}
	return out;
}

/* `prewarm graph` labels (pw_graph.c put_label), each character's
 * spelling in one format; NULL: the character itself. */
enum label_style {
	LABEL_MERMAID,  /* #quot; #lt; #gt; <br/>, a control character \xNN */
	LABEL_DOT,      /* \" \\ \n, a control character \\xNN */
	LABEL_SVG,      /* Graphviz's SVG text of a DOT label */
	LABEL_SVG_AMP,  /* the same where Graphviz kept an & that starts an entity */
	LABEL_STYLES
};

static const char *label_char(enum label_style st, unsigned char c, int after_space)
{
	switch (st) {
	case LABEL_MERMAID:
		return c == '"' ? "#quot;" : c == '<' ? "#lt;" : c == '>' ? "#gt;"
		     : c == '\n' ? "<br/>" : NULL;
	case LABEL_DOT:
		return c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : NULL;
	default:
		return c == '&' ? (st == LABEL_SVG ? "&amp;" : NULL) : c == '<' ? "&lt;"
		     : c == '>' ? "&gt;" : c == '"' ? "&quot;" : c == '\'' ? "&#39;"
		     : c == '-' ? "&#45;" : c == ' ' && after_space ? "&#160;" : NULL;
	}
}

static char *label_escaped(const char *s, enum label_style st)
{
	char *out = malloc(8 * strlen(s) + 1), *w = out;
	if (out == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		const char *e = label_char(st, *p, p > (const unsigned char *)s && p[-1] == ' ');
		if (e != NULL) {
			w += sprintf(w, "%s", e);
		} else if ((*p < 0x20 && *p != '\n') || *p == 0x7f ||
			   (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) {
			/* put_label shows a control character (C0, DEL, and C1
			 * as its UTF-8 second byte) as \xNN (its \ escaped again
			 * in DOT; Graphviz's SVG shows one). */
			if (*p == 0xc2)
				p++;
			w += sprintf(w, "%s%02x", st == LABEL_DOT ? "\\\\x" : "\\x", *p);
		} else {
			*w++ = (char)*p;
		}
	}
	*w = '\0';
	return out;
}

enum ctrl_style { CTRL_JSONC, CTRL_UPPER_U };

static char *json_escaped(const char *s, int slash, enum ctrl_style ctrl)
{
	const char *hex = ctrl == CTRL_JSONC ? "0123456789abcdef" : "0123456789ABCDEF";
	char *out = malloc(6 * strlen(s) + 1), *w = out;
	if (out == NULL)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		const char *shortform = NULL;
		switch (*p) {
		case '"': shortform = "\\\""; break;
		case '\\': shortform = "\\\\"; break;
		case '/': shortform = slash ? "\\/" : NULL; break;
		case '\b': shortform = ctrl == CTRL_JSONC ? "\\b" : NULL; break;
		case '\f': shortform = ctrl == CTRL_JSONC ? "\\f" : NULL; break;
		case '\n': shortform = ctrl == CTRL_JSONC ? "\\n" : NULL; break;
		case '\r': shortform = ctrl == CTRL_JSONC ? "\\r" : NULL; break;
		case '\t': shortform = ctrl == CTRL_JSONC ? "\\t" : NULL; break;
		default: break;
		}
		if (shortform != NULL) {
			size_t n = strlen(shortform);
			memcpy(w, shortform, n);
			w += n;
		} else if (*p < 0x20) {
			w += sprintf(w, "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
		} else {
			*w++ = (char)*p;
		}
	}
	*w = '\0';
	return out;
}

/* Adds the JSON escapings of list[from..to) to the list; `all` adds the
 * control-character variants too. */
static int add_json_escapes(struct strlist *l, size_t from, size_t to, int all)
{
	for (size_t i = from; i < to; i++) {
		for (int slash = 0; slash < 2; slash++) {
			if (list_take(l, json_escaped(l->v[i], slash, CTRL_JSONC)) != 0)
				return -1;
			if (all && list_take(l, json_escaped(l->v[i], slash, CTRL_UPPER_U)) != 0)
				return -1;
		}
	}
	return 0;
}

static int by_length_desc(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);
	return la < lb ? 1 : la > lb ? -1 : strcmp(*(char *const *)a, *(char *const *)b);
}

char **pw_secret_spellings(const char *secret)
{
	struct strlist l = {NULL, 0, 0};
	if (secret == NULL || strlen(secret) < MIN_SECRET)
		return calloc(1, sizeof(char *));
	int rc = list_take(&l, strdup(secret));
	rc = rc ? rc : list_take(&l, conninfo_quoted(secret));
	for (int st = 0; rc == 0 && st < URL_STYLES; st++)
		for (int lower = 0; rc == 0 && lower < 2; lower++)
			rc = list_take(&l, url_encoded(secret, (enum url_style)st, lower));
	for (int url_safe = 0; rc == 0 && url_safe < 2; url_safe++) {
		rc = list_take(&l, base64(secret, url_safe, 0, 0, 1));
		rc = rc ? rc : list_take(&l, base64(secret, url_safe, 0, 0, 0));
		for (int k = 0; rc == 0 && k < 3; k++)
			rc = list_take(&l, base64(secret, url_safe, k, 1, 0));
	}
	size_t bases = l.n;
	rc = rc ? rc : add_json_escapes(&l, 0, bases, 1);
	size_t once = l.n;
	rc = rc ? rc : add_json_escapes(&l, bases, once, 0);
	/* Graph labels are written as they are, never inside JSON. */
	for (int st = 0; rc == 0 && st < LABEL_STYLES; st++)
		rc = list_take(&l, label_escaped(secret, (enum label_style)st));
	if (rc != 0) {
		list_free(&l);
		return NULL;
	}
	if (l.v == NULL)
		return calloc(1, sizeof(char *));
	qsort(l.v, l.n, sizeof(*l.v), by_length_desc);
	return l.v;
}

void pw_spellings_free(char **list)
{
	for (size_t i = 0; list != NULL && list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

/* --- the registry ----------------------------------------------------------- */

/* Every spelling of every secret, longest first: when one secret contains
 * another (a token and its signature), the whole token must be hidden,
 * not just the part registered first. */
static struct strlist registry;
/* Map iterations and Parallel branches register and redact from several
 * threads: a secret one thread registers is redacted in every output
 * written after add_secret() returned, whichever thread writes it. */
static pthread_rwlock_t registry_lock = PTHREAD_RWLOCK_INITIALIZER;
/* The plain values added (owned), whose spellings are all in the
 * registry. */
static struct strset added;
/* Which spellings a text holds (built again after the registry changed,
 * at the next redaction): most texts hold none, and a registry can hold
 * thousands once data shows secrets (a conninfo per Map item). */
static struct pw_redact_index *index_;
/* stars[i]: registry.v[i] holds "***" (built with the index). */
static unsigned char *stars;
/* Set by every change: the registry is sorted (longest first) and its
 * index built at the next redaction, not at each of the many inserts
 * one secret makes. */
static int registry_dirty;

/* An open-addressing hash set of strings (not owned): finds a duplicate
 * in constant time however many secrets data showed. */
struct strset {
	char **slots;
	size_t cap, n;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = UINT64_C(14695981039346656037);
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
	return h;
}

static int strset_has(const struct strset *set, const char *s)
{
	if (set->cap == 0)
		return 0;
	for (size_t at = (size_t)fnv1a(s) & (set->cap - 1); set->slots[at] != NULL;
	     at = (at + 1) & (set->cap - 1))
		if (strcmp(set->slots[at], s) == 0)
			return 1;
	return 0;
}

/* 1 when s is in the set already; else adds it (0), or -1 when out of
 * memory. */
static int strset_add(struct strset *set, char *s)
{
	if (strset_has(set, s))
		return 1;
	if (2 * (set->n + 1) > set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 256;
		char **slots = calloc(cap, sizeof(*slots));
		if (slots == NULL)
			return -1;
		for (size_t i = 0; i < set->cap; i++) {
			if (set->slots[i] == NULL)
				continue;
			size_t at = (size_t)fnv1a(set->slots[i]) & (cap - 1);
			while (slots[at] != NULL)
				at = (at + 1) & (cap - 1);
			slots[at] = set->slots[i];
		}
		free(set->slots);
		set->slots = slots;
		set->cap = cap;
	}
	size_t at = (size_t)fnv1a(s) & (set->cap - 1);
	while (set->slots[at] != NULL)
		at = (at + 1) & (set->cap - 1);
	set->slots[at] = s;
	set->n++;
	return 0;
}

/* free_strings: the set owns its strings. */
static void strset_clear(struct strset *set, int free_strings)
{
	for (size_t i = 0; free_strings && i < set->cap; i++)
		free(set->slots[i]);
	free(set->slots);
	memset(set, 0, sizeof(*set));
}

/* The registry's strings (owned by it), to find duplicates. */
static struct strset seen;

static void registry_insert(char *s)
{
	if (registry.n + 1 >= registry.cap) {
		size_t cap = registry.cap ? registry.cap * 2 : 64;
		char **v = realloc(registry.v, cap * sizeof(*v));
		if (v == NULL) {
			free(s);
			return;
		}
		registry.v = v;
		registry.cap = cap;
	}
	/* A duplicate is dropped; out of memory, the set just misses it
	 * (a spelling listed twice costs a little, one missing leaks). */
	if (strset_add(&seen, s) == 1) {
		free(s);
		return;
	}
	registry.v[registry.n++] = s;
	registry.v[registry.n] = NULL;
	registry_dirty = 1;
}

/* Under the write lock: the registry longest first, its index current
 * (NULL when out of memory: every spelling is then tried). */
static void registry_settle(void)
{
	if (registry.n > 0)
		qsort(registry.v, registry.n, sizeof(*registry.v), by_length_desc);
	pw_redact_index_free(index_);
	index_ = pw_redact_index_build(registry.v, registry.n);
	free(stars);
	stars = malloc(registry.n + 1);
	for (size_t i = 0; stars != NULL && i < registry.n; i++)
		stars[i] = strstr(registry.v[i], "***") != NULL;
	if (stars == NULL) {
		pw_redact_index_free(index_);
		index_ = NULL;
	}
	registry_dirty = 0;
}

/* 1 when secret was added before (pw_out registers what it finds in
 * every line it writes: mostly the same secrets again). */
static int already_added(const char *secret)
{
	pthread_rwlock_rdlock(&registry_lock);
	int found = strset_has(&added, secret);
	pthread_rwlock_unlock(&registry_lock);
	return found;
}

void pw_secret_add(const char *secret)
{
	if (secret == NULL || strlen(secret) < MIN_SECRET || already_added(secret))
		return;
	char **sp = pw_secret_spellings(secret);
	pthread_rwlock_wrlock(&registry_lock);
	if (sp == NULL) {
		/* Out of memory: keep at least the plain value. */
		if (secret != NULL && strlen(secret) >= MIN_SECRET) {
			char *copy = strdup(secret);
			if (copy != NULL)
				registry_insert(copy);
		}
		pthread_rwlock_unlock(&registry_lock);
		return;
	}
	for (size_t i = 0; sp[i] != NULL; i++)
		registry_insert(sp[i]); /* takes it */
	/* Out of memory: the next add of this one just computes its
	 * spellings again. */
	char *copy = strdup(secret);
	if (copy != NULL && strset_add(&added, copy) != 0)
		free(copy);
	pthread_rwlock_unlock(&registry_lock);
	free(sp);
}

void pw_secret_clear(void)
{
	pthread_rwlock_wrlock(&registry_lock);
	list_free(&registry);
	strset_clear(&added, 1);
	strset_clear(&seen, 0);
	pw_redact_index_free(index_);
	index_ = NULL;
	free(stars);
	stars = NULL;
	registry_dirty = 0;
	pthread_rwlock_unlock(&registry_lock);
}

/* Replaces every occurrence of one spelling in *s (malloc'd) by "***";
 * *replaced set to 1 when there was one. */
static int redact_one(char **s, const char *secret, int *replaced)
{
	size_t slen = strlen(secret);
	size_t count = 0;
	for (const char *p = strstr(*s, secret); p; p = strstr(p + slen, secret))
		count++;
	if (count == 0)
		return 0;
	*replaced = 1;
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
	memcpy(w, r, strlen(r) + 1);
	free(*s);
	*s = out;
	return 0;
}

/* 1 when spelling i must be tried on out. found: the index's answer for
 * the text as given. A spelling it lacks can only appear by a replacement
 * before it, next to a "***": only one holding "***" can, and only after
 * a replacement; the index is then asked again (into now) for the text as
 * it is, at most once per replacement, so a text without "***" or without
 * secrets never tries the "***" spellings one strstr each. */
static int worth_trying(size_t i, const char *out, const unsigned char *found,
			unsigned char *now, int *rescan)
{
	if (found == NULL || found[i])
		return 1;
	if (!stars[i])
		return 0;
	if (now == NULL) /* out of memory: strstr after any replacement */
		return *rescan;
	if (*rescan) {
		memset(now, 0, registry.n + 1);
		pw_redact_index_find(index_, out, now);
		*rescan = 0;
	}
	return now[i];
}

char *pw_redact(const char *s)
{
	if (s == NULL)
		return NULL;
	char *out = strdup(s);
	if (out == NULL)
		return NULL;
	pthread_rwlock_rdlock(&registry_lock);
	while (registry_dirty) {
		pthread_rwlock_unlock(&registry_lock);
		pthread_rwlock_wrlock(&registry_lock);
		if (registry_dirty)
			registry_settle();
		pthread_rwlock_unlock(&registry_lock);
		pthread_rwlock_rdlock(&registry_lock);
	}
	unsigned char *found = NULL, *now = NULL;
	if (index_ != NULL && (found = calloc(registry.n + 1, 1)) != NULL) {
		pw_redact_index_find(index_, out, found);
		now = calloc(registry.n + 1, 1); /* none: out is still s */
	}
	int rescan = 0; /* a replacement since the index last read out */
	for (size_t i = 0; i < registry.n; i++) {
		if (!worth_trying(i, out, found, now, &rescan))
			continue;
		if (redact_one(&out, registry.v[i], &rescan) != 0) {
			free(out);
			out = NULL;
			break;
		}
	}
	free(found);
	free(now);
	pthread_rwlock_unlock(&registry_lock);
	return out;
}

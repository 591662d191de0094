/* pgw_sql.c - plain-SELECT check, $n counting, string building. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pgw_sql.h"

/* Words that make a statement more than a plain read. FOR UPDATE/SHARE
 * locks rows; INTO creates a table; the rest change data or state. */
static const char *const forbidden[] = {
	"insert",  "update",  "delete",  "merge",   "into",   "copy",
	"truncate", "alter",  "create",  "drop",    "grant",  "revoke",
	"call",    "do",      "vacuum",  "analyze", "cluster", "reindex",
	"refresh", "notify",  "listen",  "prepare", "execute", "declare",
	NULL,
};

/* Functions with effects a read-only transaction does not stop (signals,
 * locks, sleeps, file access, settings): a query calling one is never run. */
static const char *const forbidden_prefix[] = {
	"pg_terminate", "pg_cancel", "pg_reload", "pg_rotate", "pg_advisory",
	"pg_try_advisory", "pg_sleep", "pg_notify", "pg_read", "pg_ls_",
	"pg_stat_reset", "pg_stat_statements_reset", "pg_wal_replay",
	"pg_promote", "pg_switch_wal", "pg_create", "pg_drop",
	"pg_replication", "pg_log", "pg_file", "pg_import", "pg_backup",
	"set_config", "dblink", "lo_", "nextval", "setval", "txid_current",
	"pg_current_xact", NULL,
};

static int is_word_char(int c)
{
	return isalnum(c) || c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* 0 and a reason when name (len bytes) starts with a denied function
 * prefix. An unquoted name folds to lower case, so it matches in any
 * case; a quoted one is taken as written ("pg_sleep" is pg_sleep,
 * "PG_SLEEP" is another name), as PostgreSQL does. */
static int allowed_name(const char *name, size_t len, int quoted, char *why,
			size_t whysize)
{
	for (size_t i = 0; forbidden_prefix[i] != NULL; i++) {
		size_t pl = strlen(forbidden_prefix[i]);
		if (len < pl)
			continue;
		if (quoted ? strncmp(name, forbidden_prefix[i], pl) == 0
			   : strncasecmp(name, forbidden_prefix[i], pl) == 0) {
			snprintf(why, whysize, "calls %.*s, which has effects",
				 (int)(len > 40 ? 40 : len), name);
			return 0;
		}
	}
	return 1;
}

/* Skips the quoted identifier at p (on its opening '"'); its text, with
 * doubled quotes undone, goes to name (truncated to size - 1: the
 * prefixes checked are short). NULL when unterminated. */
static const char *quoted_ident(const char *p, char *name, size_t size,
				size_t *len)
{
	*len = 0;
	for (p++; *p != '\0'; p++) {
		if (*p == '"') {
			if (p[1] != '"')
				break;
			p++;
		}
		if (*len + 1 < size)
			name[(*len)++] = *p;
	}
	name[*len] = '\0';
	return *p == '"' ? p + 1 : NULL;
}

int pgw_sql_plain_select(const char *sql, int *nparams, char *why,
			 size_t whysize)
{
	*nparams = 0;
	int words = 0, maxparam = 0;
	const char *p = sql;
	while (*p != '\0') {
		unsigned char c = (unsigned char)*p;
		if (isspace(c)) {
			p++;
		} else if (c == '-' && p[1] == '-') {
			while (*p != '\0' && *p != '\n')
				p++;
		} else if (c == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			if (e == NULL) {
				snprintf(why, whysize, "unterminated comment");
				return 0;
			}
			p = e + 2;
		} else if (c == '"') {
			/* A quoted identifier can name a function too
			 * (pg_catalog."pg_sleep"(1)); U&"..." can spell one
			 * with escapes, so it is refused outright. */
			if (p - sql >= 2 && p[-1] == '&' &&
			    (p[-2] == 'u' || p[-2] == 'U')) {
				snprintf(why, whysize,
					 "unicode-escaped identifier U&\"...\"");
				return 0;
			}
			char name[128];
			size_t len;
			p = quoted_ident(p, name, sizeof(name), &len);
			if (p == NULL) {
				snprintf(why, whysize,
					 "unterminated quoted identifier");
				return 0;
			}
			if (!allowed_name(name, len, 1, why, whysize))
				return 0;
		} else if (c == '\'') {
			/* A literal; doubled quotes and E'' backslashes
			 * both stay inside. */
			int esc = p > sql &&
				  (p[-1] == 'E' || p[-1] == 'e');
			p++;
			while (*p != '\0') {
				if (esc && *p == '\\' && p[1] != '\0') {
					p += 2;
					continue;
				}
				if ((unsigned char)*p == c) {
					if ((unsigned char)p[1] == c) {
						p += 2;
						continue;
					}
					break;
				}
				p++;
			}
			if (*p == '\0') {
				snprintf(why, whysize,
					 "unterminated quoted string");
				return 0;
			}
			p++;
		} else if (c == '$' && isdigit((unsigned char)p[1])) {
			long n = strtol(p + 1, (char **)&p, 10);
			if (n > maxparam && n < 65536)
				maxparam = (int)n;
		} else if (c == '$') {
			/* Dollar quoting: $tag$ ... $tag$ */
			const char *e = p + 1;
			while (is_word_char((unsigned char)*e) && *e != '$')
				e++;
			if (*e != '$') {
				p++;
				continue;
			}
			size_t taglen = (size_t)(e - p) + 1;
			char tag[64];
			if (taglen >= sizeof(tag)) {
				snprintf(why, whysize, "dollar quote too long");
				return 0;
			}
			memcpy(tag, p, taglen);
			tag[taglen] = '\0';
			const char *end = strstr(e + 1, tag);
			if (end == NULL) {
				snprintf(why, whysize,
					 "unterminated dollar quote");
				return 0;
			}
			p = end + taglen;
		} else if (c == ';') {
			const char *q = p + 1;
			while (isspace((unsigned char)*q))
				q++;
			if (*q != '\0') {
				snprintf(why, whysize,
					 "more than one statement");
				return 0;
			}
			p = q;
		} else if (isalpha(c) || c == '_') {
			const char *s = p;
			while (is_word_char((unsigned char)*p) && *p != '$')
				p++;
			size_t len = (size_t)(p - s);
			if (words++ == 0 &&
			    !(len == 6 && strncasecmp(s, "select", 6) == 0)) {
				snprintf(why, whysize,
					 "not a plain SELECT (starts with "
					 "%.*s)",
					 (int)(len > 20 ? 20 : len), s);
				return 0;
			}
			if (!allowed_name(s, len, 0, why, whysize))
				return 0;
			for (size_t i = 0; forbidden[i] != NULL; i++) {
				if (strlen(forbidden[i]) == len &&
				    strncasecmp(s, forbidden[i], len) == 0) {
					snprintf(why, whysize,
						 "not a plain SELECT "
						 "(contains %s)",
						 forbidden[i]);
					return 0;
				}
			}
		} else {
			p++;
		}
	}
	if (words == 0) {
		snprintf(why, whysize, "empty statement");
		return 0;
	}
	*nparams = maxparam;
	return 1;
}

static void grow(pgw_buf *b, size_t need)
{
	if (b->oom || b->len + need + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + need + 1)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (s == NULL) {
		b->oom = 1;
		return;
	}
	b->s = s;
	b->cap = cap;
}

void pgw_buf_add(pgw_buf *b, const char *s)
{
	size_t n = strlen(s);
	grow(b, n);
	if (b->oom)
		return;
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

void pgw_buf_addf(pgw_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	grow(b, (size_t)n);
	if (b->oom)
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void pgw_buf_add_array_elem(pgw_buf *b, const char *s, int first)
{
	if (!first)
		pgw_buf_add(b, ",");
	pgw_buf_add(b, "\"");
	for (const char *p = s; *p != '\0'; p++) {
		char ch[3] = {0};
		if (*p == '"' || *p == '\\') {
			ch[0] = '\\';
			ch[1] = *p;
		} else {
			ch[0] = *p;
		}
		pgw_buf_add(b, ch);
	}
	pgw_buf_add(b, "\"");
}

void pgw_buf_free(pgw_buf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

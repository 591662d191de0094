/*
 * lang_json - JSON -> json-c, with node positions. json-c has no node
 * positions, so a small strict RFC 8259 scanner walks the same text first:
 * it rejects what JSON does not allow (comments, trailing commas, single
 * quotes, NaN), finds duplicate keys, and records line/column of every
 * node. json-c then builds the values.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lang_doc.h"

struct jscan {
	const char *name;
	const char *s;
	size_t len;
	size_t i;
	int line;
	size_t line_start;
	json_object *pos;
	pw_diag *diag;
	struct lang_ptr ptr;
	char *key; /* decoded key scratch */
	size_t key_cap;
};

static int col(const struct jscan *c, size_t at)
{
	return (int)(at - c->line_start) + 1;
}

static int jfail(struct jscan *c, size_t at, const char *what)
{
	if (at >= c->len)
		lang_diag_set(c->diag, c->name, c->line, col(c, c->len),
			      "JSON syntax error: unexpected end of input "
			      "(%s)",
			      what);
	else
		lang_diag_set(c->diag, c->name, c->line, col(c, at),
			      "JSON syntax error: %s", what);
	return -1;
}

static void skip_ws(struct jscan *c)
{
	while (c->i < c->len) {
		char ch = c->s[c->i];
		if (ch == '\n') {
			c->line++;
			c->line_start = ++c->i;
		} else if (ch == ' ' || ch == '\t' || ch == '\r') {
			c->i++;
		} else {
			break;
		}
	}
}

static int key_put(struct jscan *c, size_t *n, const char *bytes, size_t k)
{
	if (*n + k + 1 > c->key_cap) {
		size_t cap = c->key_cap ? c->key_cap : 64;
		while (cap < *n + k + 1)
			cap *= 2;
		char *b = realloc(c->key, cap);
		if (b == NULL)
			return -1;
		c->key = b;
		c->key_cap = cap;
	}
	memcpy(c->key + *n, bytes, k);
	*n += k;
	c->key[*n] = '\0';
	return 0;
}

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		char h = p[k];
		v <<= 4;
		if (h >= '0' && h <= '9')
			v |= (unsigned)(h - '0');
		else if (h >= 'a' && h <= 'f')
			v |= (unsigned)(h - 'a' + 10);
		else if (h >= 'A' && h <= 'F')
			v |= (unsigned)(h - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t utf8_encode(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Scans a string at c->i (the opening quote). When decode is set, the
 * decoded text goes to c->key with its length in *klen. */
static int scan_string(struct jscan *c, int decode, size_t *klen)
{
	size_t start = c->i;
	size_t n = 0;
	c->i++;
	if (decode && key_put(c, &n, "", 0) != 0)
		return jfail(c, start, "out of memory");
	for (;;) {
		if (c->i >= c->len)
			return jfail(c, c->len, "unterminated string");
		unsigned char ch = (unsigned char)c->s[c->i];
		if (ch == '"') {
			c->i++;
			break;
		}
		if (ch < 0x20)
			return jfail(c, c->i,
				     "control character in a string (escape "
				     "it)");
		if (ch != '\\') {
			if (decode && key_put(c, &n, (const char *)&ch, 1))
				return jfail(c, c->i, "out of memory");
			c->i++;
			continue;
		}
		if (c->i + 1 >= c->len)
			return jfail(c, c->len, "unterminated string");
		char e = c->s[c->i + 1];
		const char *rep = NULL;
		switch (e) {
		case '"': rep = "\""; break;
		case '\\': rep = "\\"; break;
		case '/': rep = "/"; break;
		case 'b': rep = "\b"; break;
		case 'f': rep = "\f"; break;
		case 'n': rep = "\n"; break;
		case 'r': rep = "\r"; break;
		case 't': rep = "\t"; break;
		case 'u': break;
		default:
			return jfail(c, c->i, "invalid escape in a string");
		}
		if (rep != NULL) {
			if (decode && key_put(c, &n, rep, 1) != 0)
				return jfail(c, c->i, "out of memory");
			c->i += 2;
			continue;
		}
		unsigned cp;
		if (c->i + 6 > c->len || hex4(c->s + c->i + 2, &cp) != 0)
			return jfail(c, c->i, "invalid \\u escape");
		c->i += 6;
		if (cp >= 0xD800 && cp <= 0xDBFF && c->i + 6 <= c->len &&
		    c->s[c->i] == '\\' && c->s[c->i + 1] == 'u') {
			unsigned lo;
			if (hex4(c->s + c->i + 2, &lo) == 0 && lo >= 0xDC00 &&
			    lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) +
				     (lo - 0xDC00);
				c->i += 6;
			}
		}
		if (decode) {
			char u8[4];
			if (cp == 0)
				return jfail(c, c->i - 6,
					     "\\u0000 is not allowed in a key");
			size_t k = utf8_encode(cp, u8);
			if (key_put(c, &n, u8, k) != 0)
				return jfail(c, c->i, "out of memory");
		}
	}
	if (klen)
		*klen = n;
	return 0;
}

/* Steps over a run of decimal digits; returns how many there were. */
static size_t skip_digits(struct jscan *c)
{
	size_t d = c->i;
	while (c->i < c->len && c->s[c->i] >= '0' && c->s[c->i] <= '9')
		c->i++;
	return c->i - d;
}

static int scan_number(struct jscan *c)
{
	size_t start = c->i;
	const char *s = c->s;
	if (c->i < c->len && s[c->i] == '-')
		c->i++;
	if (c->i >= c->len)
		return jfail(c, start, "invalid number");
	if (s[c->i] == '0') {
		c->i++;
	} else if (s[c->i] >= '1' && s[c->i] <= '9') {
		skip_digits(c);
	} else {
		return jfail(c, start, "invalid number");
	}
	if (c->i < c->len && s[c->i] == '.') {
		c->i++;
		if (skip_digits(c) == 0)
			return jfail(c, start, "invalid number");
	}
	if (c->i < c->len && (s[c->i] == 'e' || s[c->i] == 'E')) {
		c->i++;
		if (c->i < c->len && (s[c->i] == '+' || s[c->i] == '-'))
			c->i++;
		if (skip_digits(c) == 0)
			return jfail(c, start, "invalid number");
	}
	/* json-c would clamp what does not fit: refuse it instead */
	size_t n = c->i - start;
	char *tok = strndup(s + start, n);
	if (tok == NULL)
		return jfail(c, start, "out of memory");
	int bad;
	errno = 0;
	if (strpbrk(tok, ".eE") == NULL) {
		(void)strtoll(tok, NULL, 10);
		bad = errno == ERANGE;
	} else {
		bad = !isfinite(strtod(tok, NULL));
	}
	free(tok);
	if (bad)
		return jfail(c, start,
			     "number out of range (integers must fit in 64 "
			     "bits, floats in a double)");
	return 0;
}

static int scan_word(struct jscan *c, const char *w)
{
	size_t n = strlen(w);
	if (c->len - c->i < n || memcmp(c->s + c->i, w, n) != 0)
		return jfail(c, c->i, "unexpected character");
	c->i += n;
	return 0;
}

static int scan_value(struct jscan *c, int depth);

/* Steps over an opening '{' or '['; 1 (and past `close`) when the
 * object or array is empty. */
static int scan_open(struct jscan *c, char close)
{
	c->i++;
	skip_ws(c);
	if (c->i < c->len && c->s[c->i] == close) {
		c->i++;
		return 1;
	}
	return 0;
}

/* An object member's or array element's value and what follows it, shared
 * by scan_object and scan_array: 1 after a ',' (another one comes), 0 after
 * `close`, -1 on an error. Pops the pointer back to `saved`. */
static int scan_member(struct jscan *c, int depth, size_t saved, char close)
{
	if (scan_value(c, depth + 1) != 0)
		return -1;
	lang_ptr_trunc(&c->ptr, saved);
	skip_ws(c);
	if (c->i < c->len && c->s[c->i] == ',') {
		c->i++;
		return 1;
	}
	if (c->i < c->len && c->s[c->i] == close) {
		c->i++;
		return 0;
	}
	return jfail(c, c->i,
		     close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
}

static int scan_object(struct jscan *c, int depth)
{
	if (scan_open(c, '}'))
		return 0;
	for (;;) {
		skip_ws(c);
		if (c->i >= c->len || c->s[c->i] != '"')
			return jfail(c, c->i, "expected a string key");
		size_t at = c->i;
		int line = c->line, column = col(c, at);
		size_t klen = 0;
		if (scan_string(c, 1, &klen) != 0)
			return -1;
		size_t saved = lang_ptr_push_key(&c->ptr, c->key, klen);
		if (saved == (size_t)-1)
			return jfail(c, at, "out of memory");
		if (lang_pos_record(c->pos, &c->ptr, line, column)) {
			lang_diag_set(c->diag, c->name, line, column,
				      "duplicate key \"%s\"", c->key);
			return -1;
		}
		skip_ws(c);
		if (c->i >= c->len || c->s[c->i] != ':')
			return jfail(c, c->i, "expected ':' after a key");
		c->i++;
		skip_ws(c);
		int more = scan_member(c, depth, saved, '}');
		if (more <= 0)
			return more;
	}
}

static int scan_array(struct jscan *c, int depth)
{
	size_t index = 0;
	if (scan_open(c, ']'))
		return 0;
	for (;;) {
		skip_ws(c);
		size_t saved = lang_ptr_push_index(&c->ptr, index++);
		if (saved == (size_t)-1)
			return jfail(c, c->i, "out of memory");
		lang_pos_record(c->pos, &c->ptr, c->line, col(c, c->i));
		int more = scan_member(c, depth, saved, ']');
		if (more <= 0)
			return more;
	}
}

static int scan_value(struct jscan *c, int depth)
{
	if (depth > LANG_MAX_DEPTH)
		return jfail(c, c->i, "nesting deeper than 128 levels");
	if (c->i >= c->len)
		return jfail(c, c->len, "expected a value");
	switch (c->s[c->i]) {
	case '{': return scan_object(c, depth);
	case '[': return scan_array(c, depth);
	case '"': return scan_string(c, 0, NULL);
	case 't': return scan_word(c, "true");
	case 'f': return scan_word(c, "false");
	case 'n': return scan_word(c, "null");
	default:
		if (c->s[c->i] == '-' || (c->s[c->i] >= '0' && c->s[c->i] <= '9'))
			return scan_number(c);
		return jfail(c, c->i, "unexpected character");
	}
}

int lang_json_load(const char *name, const char *buf, size_t len,
		   json_object **root, json_object *pos, pw_diag *diag)
{
	struct jscan c;
	json_tokener *tok = NULL;
	json_object *doc = NULL;
	int rc = -1;

	*root = NULL;
	memset(&c, 0, sizeof(c));
	c.name = name;
	c.s = buf;
	c.len = len;
	c.line = 1;
	c.pos = pos;
	c.diag = diag;
	/* a UTF-8 byte order mark is tolerated */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		c.i = c.line_start = 3;
	skip_ws(&c);
	lang_pos_record(pos, &c.ptr, c.line, col(&c, c.i));
	if (scan_value(&c, 0) != 0)
		goto out;
	skip_ws(&c);
	if (c.i < c.len) {
		jfail(&c, c.i, "unexpected text after the document");
		goto out;
	}

	tok = json_tokener_new_ex(LANG_MAX_DEPTH + 8);
	if (tok == NULL) {
		lang_diag_set(diag, name, 0, 0, "out of memory");
		goto out;
	}
	if (len > (size_t)INT32_MAX / 2) {
		lang_diag_set(diag, name, 0, 0, "JSON document too large");
		goto out;
	}
	{
		size_t skip = c.line_start >= 3 && len >= 3 &&
				      memcmp(buf, "\xEF\xBB\xBF", 3) == 0
			      ? 3
			      : 0;
		doc = json_tokener_parse_ex(tok, buf + skip, (int)(len - skip));
	}
	/* a bare top-level number needs a delimiter to end */
	if (doc == NULL &&
	    json_tokener_get_error(tok) == json_tokener_continue)
		doc = json_tokener_parse_ex(tok, " ", 1);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		/* the scanner accepted it, so this is json-c's own limit */
		lang_diag_set(diag, name, 0, 0, "JSON error: %s",
			      json_tokener_error_desc(
				      json_tokener_get_error(tok)));
		json_object_put(doc);
		doc = NULL;
		goto out;
	}
	*root = doc;
	rc = 0;
out:
	if (tok)
		json_tokener_free(tok);
	lang_ptr_free(&c.ptr);
	free(c.key);
	return rc;
}

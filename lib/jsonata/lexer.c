/* JSONata tokenizer: one token at a time, on demand, so the parser can
 * reposition it (lambda signatures are read as raw text). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lexer.h"

static const char *ops2[] = { "..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??", NULL };
static const char ops1[] = ".[]{}(),@#;:?+-*/%|=<>^&!~";

static void put_utf8(jn_buf *b, unsigned cp)
{
	char o[4];
	if (cp < 0x80) { o[0] = (char)cp; jb_add(b, o, 1); }
	else if (cp < 0x800) {
		o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F));
		jb_add(b, o, 2);
	} else if (cp < 0x10000) {
		o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (char)(0x80 | (cp & 0x3F));
		jb_add(b, o, 3);
	} else {
		o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F));
		jb_add(b, o, 4);
	}
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		char ch = s[i];
		v <<= 4;
		if (ch >= '0' && ch <= '9') v |= (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f') v |= (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F') v |= (unsigned)(ch - 'A' + 10);
		else return -1;
	}
	*out = v;
	return 0;
}

static bool name_char(char ch)
{
	if ((unsigned char)ch <= ' ')
		return false;
	return !strchr(".[]{}(),;:?@#&*/%|=<>^!~\"'`+-", ch);
}

/* Whether a '/' here starts a regex rather than dividing. */
static bool regex_allowed(const jn_tok *prev)
{
	if (prev->kind == TK_NONE)
		return true;
	if (prev->kind == TK_OP)
		return !(prev->len == 1 && strchr(")]}", prev->text[0]));
	return false;
}

void jn_lex(jn_lexer *lx, jn_tok *t)
{
	jn_ctx *c = lx->c;
	const char *s = lx->src;
	size_t i = lx->pos;
	for (;;) {
		while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\v' || s[i] == '\f')
			i++;
		if (s[i] == '/' && s[i + 1] == '*') {
			const char *e = strstr(s + i + 2, "*/");
			if (!e)
				jn_fail(c, "S0106", (int)i, "Comment has no closing tag");
			i = (size_t)(e - s) + 2;
			continue;
		}
		break;
	}
	memset(t, 0, sizeof(*t));
	t->pos = (int)i;
	if (!s[i]) {
		t->kind = TK_END;
		lx->pos = i;
		return;
	}
	char ch = s[i];
	if (ch == '/' && regex_allowed(&lx->prev)) {
		size_t j = i + 1;
		int depth = 0;
		for (;; j++) {
			if (!s[j])
				jn_fail(c, "S0302", (int)i, "No terminating / in regular expression");
			if (s[j] == '\\') { if (s[j + 1]) j++; continue; }
			if (s[j] == '[') depth = 1;
			else if (s[j] == ']') depth = 0;
			else if (s[j] == '/' && !depth) break;
		}
		if (j == i + 1)
			jn_fail(c, "S0301", (int)i, "Empty regular expressions are not allowed");
		size_t k = j + 1;
		while (s[k] == 'i' || s[k] == 'm' || s[k] == 'g')
			k++;
		t->kind = TK_REGEX;
		t->text = s + i + 1;
		t->len = j - i - 1;
		t->flags = jn_strndup(c, s + j + 1, k - j - 1);
		lx->pos = k;
		lx->prev = *t;
		return;
	}
	for (int k = 0; ops2[k]; k++)
		if (s[i] == ops2[k][0] && s[i + 1] == ops2[k][1]) {
			t->kind = TK_OP;
			t->text = s + i;
			t->len = 2;
			lx->pos = i + 2;
			lx->prev = *t;
			return;
		}
	if (ch == '!' && s[i + 1] != '=')
		jn_fail(c, "S0204", (int)i, "Unknown operator: !");
	if (strchr(ops1, ch)) {
		t->kind = TK_OP;
		t->text = s + i;
		t->len = 1;
		lx->pos = i + 1;
		lx->prev = *t;
		return;
	}
	if (ch == '"' || ch == '\'') {
		jn_buf b = { .c = c };
		size_t j = i + 1;
		jb_add(&b, "", 0);
		for (;;) {
			if (!s[j])
				jn_fail(c, "S0101", (int)i, "String literal must be terminated by a matching quote");
			if (s[j] == ch)
				break;
			if (s[j] == '\\') {
				j++;
				switch (s[j]) {
				case '"': case '\\': case '/': case '\'': jb_addc(&b, s[j]); break;
				case 'b': jb_addc(&b, '\b'); break;
				case 'f': jb_addc(&b, '\f'); break;
				case 'n': jb_addc(&b, '\n'); break;
				case 'r': jb_addc(&b, '\r'); break;
				case 't': jb_addc(&b, '\t'); break;
				case 'u': {
					unsigned cp, lo;
					if (hex4(s + j + 1, &cp))
						jn_fail(c, "S0104", (int)j, "The escape sequence \\u must be followed by 4 hex digits");
					j += 4;
					if (cp >= 0xD800 && cp < 0xDC00 && s[j + 1] == '\\' && s[j + 2] == 'u' &&
					    !hex4(s + j + 3, &lo) && lo >= 0xDC00 && lo < 0xE000) {
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
						j += 6;
					}
					put_utf8(&b, cp);
					break;
				}
				default:
					jn_fail(c, "S0103", (int)j, "Unsupported escape sequence: \\%c", s[j]);
				}
				j++;
				continue;
			}
			jb_addc(&b, s[j]);
			j++;
		}
		t->kind = TK_STR;
		t->text = b.p;
		t->len = b.n;
		lx->pos = j + 1;
		lx->prev = *t;
		return;
	}
	if (ch >= '0' && ch <= '9') {
		size_t j = i;
		if (s[j] == '0') j++;
		else while (s[j] >= '0' && s[j] <= '9') j++;
		if (s[j] == '.' && s[j + 1] >= '0' && s[j + 1] <= '9') {
			j++;
			while (s[j] >= '0' && s[j] <= '9') j++;
		}
		if (s[j] == 'e' || s[j] == 'E') {
			size_t k = j + 1;
			if (s[k] == '+' || s[k] == '-') k++;
			if (s[k] >= '0' && s[k] <= '9') {
				while (s[k] >= '0' && s[k] <= '9') k++;
				j = k;
			}
		}
		char *txt = jn_strndup(c, s + i, j - i);
		t->kind = TK_NUM;
		t->num = strtod(txt, NULL);
		if (!isfinite(t->num))
			jn_fail(c, "S0102", (int)i, "Number out of range: %s", txt);
		t->text = s + i;
		t->len = j - i;
		lx->pos = j;
		lx->prev = *t;
		return;
	}
	if (ch == '`') {
		const char *e = strchr(s + i + 1, '`');
		if (!e)
			jn_fail(c, "S0105", (int)i, "Quoted property name must be terminated with a backquote (`)");
		t->kind = TK_NAME;
		t->text = s + i + 1;
		t->len = (size_t)(e - s) - i - 1;
		lx->pos = (size_t)(e - s) + 1;
		lx->prev = *t;
		return;
	}
	size_t j = i;
	if (ch == '$') {
		j++;
		while (name_char(s[j]) && s[j] != '$') j++;
		if (j == i + 1 && s[j] == '$') j++;
		t->kind = TK_VAR;
		t->text = s + i + 1;
		t->len = j - i - 1;
		lx->pos = j;
		lx->prev = *t;
		return;
	}
	while (name_char(s[j])) j++;
	t->text = s + i;
	t->len = j - i;
	lx->pos = j;
	t->kind = TK_NAME;
#define IS(w) (t->len == strlen(w) && memcmp(t->text, w, t->len) == 0)
	if (IS("and") || IS("or") || IS("in") || IS("function") || IS("\xce\xbb"))
		t->kind = TK_OP;
	else if (IS("true") || IS("false") || IS("null"))
		t->kind = TK_VALUE;
#undef IS
	lx->prev = *t;
}

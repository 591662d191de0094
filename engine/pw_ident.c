/*
 * pw_ident - is a string a Step Functions variable name: UTF-8 decoding
 * and a binary search in the generated ID_Start/ID_Continue tables.
 */
#include <string.h>

#include "pw_ident.h"

static int in_table(const struct pw_ident_range *t, size_t n, uint32_t c)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c < t[mid].lo)
			hi = mid;
		else if (c > t[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/* Decodes one well-formed UTF-8 character; its length, or 0. */
static size_t utf8_next(const unsigned char *s, size_t len, uint32_t *c)
{
	if (len == 0)
		return 0;
	if (s[0] < 0x80) {
		*c = s[0];
		return 1;
	}
	size_t n = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
		 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
	if (n == 0 || n > len)
		return 0;
	uint32_t v = s[0] & (0x7F >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	if (v < min[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0; /* overlong, out of range, surrogate */
	*c = v;
	return n;
}

size_t pw_ident_span(const char *s, size_t len, size_t *chars)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n = 0;
	*chars = 0;
	for (;;) {
		uint32_t c;
		size_t k = utf8_next(u + i, len - i, &c);
		if (k == 0)
			break;
		if (n == 0 ? !in_table(pw_ident_start, pw_ident_start_n, c)
			   : !in_table(pw_ident_continue, pw_ident_continue_n, c))
			break;
		i += k;
		n++;
	}
	*chars = n;
	return i;
}

int pw_ident_valid(const char *name)
{
	size_t chars, len = strlen(name);
	return len > 0 && pw_ident_span(name, len, &chars) == len && chars <= PW_IDENT_MAX_CHARS;
}

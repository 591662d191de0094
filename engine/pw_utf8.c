/* pw_utf8 - replace the bytes that are not UTF-8 by U+FFFD. */
#include "pw_utf8.h"

#include <stdlib.h>
#include <string.h>

/* Length of the well-formed sequence at s (at most `left` bytes), or 0
 * when the byte at s does not start one. Table 3-7 of the Unicode
 * standard: the second byte's range depends on the first byte. */
static size_t seq_len(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	if (c >= 0x01 && c <= 0x7f)
		return 1;
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return 0; /* NUL, continuation byte, 0xc0, 0xc1, 0xf5..0xff */
	}
	if (left < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

int pw_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		size_t n = seq_len(p + i, len - i);
		if (n == 0)
			return 0;
		i += n;
	}
	return 1;
}

char *pw_utf8_sanitize(const char *s)
{
	static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
	if (s == NULL)
		return NULL;
	size_t len = strlen(s);
	const unsigned char *p = (const unsigned char *)s;
	size_t bad = 0;
	for (size_t i = 0; i < len;) {
		size_t n = seq_len(p + i, len - i);
		if (n == 0) {
			bad++;
			n = 1;
		}
		i += n;
	}
	char *out = malloc(len + 2 * bad + 1); /* each bad byte grows by 2 */
	if (out == NULL)
		return NULL;
	if (bad == 0) {
		memcpy(out, s, len + 1);
		return out;
	}
	size_t w = 0;
	for (size_t i = 0; i < len;) {
		size_t n = seq_len(p + i, len - i);
		if (n == 0) {
			memcpy(out + w, replacement, 3);
			w += 3;
			i++;
		} else {
			memcpy(out + w, s + i, n);
			w += n;
			i += n;
		}
	}
	out[w] = '\0';
	return out;
}

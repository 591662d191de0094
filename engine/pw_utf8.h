/*
 * pw_utf8 - make text valid UTF-8 before the program writes it.
 *
 * Input (an execution's input, a Lua error's Cause, an AWS reply) may hold
 * bytes that are not UTF-8. json-c copies such bytes into the JSON it
 * serializes unchanged, so stdout, the journal, history and logs would not
 * be valid UTF-8 (nor valid JSON, RFC 8259 section 8.1). Every writer
 * passes its finished text through pw_utf8_sanitize() as the last step.
 *
 * Replacing bytes in serialized JSON keeps it well-formed: the bytes
 * replaced are all >= 0x80, so never a quote, backslash or bracket. NUL
 * never reaches this layer raw: json-c writes a NUL inside a string as
 * \u0000, and C strings end at one.
 */
#ifndef PW_UTF8_H
#define PW_UTF8_H

#include <stddef.h>

/* Nonzero when s[0..len) is well-formed UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF) with no NUL byte. */
int pw_utf8_valid(const char *s, size_t len);

/* A malloc'd, NUL-terminated copy of the NUL-terminated string s in which
 * every byte that does not belong to a well-formed sequence becomes
 * U+FFFD (one replacement per bad byte, as Python's errors="replace"
 * and WHATWG decoders do for lone bytes). NULL when s is NULL or memory
 * runs out. */
char *pw_utf8_sanitize(const char *s);

#endif

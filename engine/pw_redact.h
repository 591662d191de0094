/*
 * pw_redact - the process-wide secret registry and the redactor that
 * pw_out (every byte the engine writes) runs over its text.
 *
 * A secret is registered once, as its plain value; the registry adds every
 * spelling an output can give it (see pw_secret_spellings) and replaces
 * each occurrence, longest spelling first, with "***".
 * Owner: engine-runtime.
 */
#ifndef PW_REDACT_H
#define PW_REDACT_H

#include <stddef.h>

/* Registers a secret (copied). Strings shorter than 4 bytes are ignored:
 * they would redact everything. */
void pw_secret_add(const char *secret);

/* Forgets all secrets (tests). */
void pw_secret_clear(void);

/* Returns a malloc'd copy of s with every spelling of every registered
 * secret replaced by "***". NULL only when out of memory (or s is NULL). */
char *pw_redact(const char *s);

/* The spellings registered for one secret, longest first, as a
 * NULL-terminated malloc'd array of malloc'd strings (free with
 * pw_spellings_free), or NULL when out of memory. They are:
 *  - B, the bases: the plain value; libpq conninfo-quoted (\ and ' get a
 *    backslash); percent-encoded as curl/quote(safe="") (space %20),
 *    quote_plus (space +), the WHATWG form encoder (keeps *, encodes ~),
 *    quote() (keeps /), encodeURIComponent and encodeURI, each in upper
 *    and lower hex; base64 and base64url of the value alone (padded and
 *    not) and, for a value inside a longer base64 text, the characters
 *    that depend only on the value at each of the 3 byte alignments;
 *  - J(B): each base JSON-escaped with and without "\/" for "/", control
 *    characters as json-c writes them (\n, \u001f) and all as \u00XX;
 *  - J(J(B)): each of those escaped once more (JSON inside a JSON
 *    string: a serialized document in a log line's "msg");
 *  - the value as a `prewarm graph` label: Mermaid (#quot; #lt; #gt;
 *    <br/>), DOT (\" \\ \n) and Graphviz's SVG text (&quot; &amp; &lt;
 *    &gt; &#39; &#45; &#160;), control characters as \xNN. */
char **pw_secret_spellings(const char *secret);
void pw_spellings_free(char **list);

#endif

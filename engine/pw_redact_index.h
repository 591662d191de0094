/*
 * pw_redact_index - which of many strings occur in a text, in one pass
 * over the text whatever their lengths (strings bucketed by their first
 * 8 bytes, or 4 when shorter; each position probes one bucket of each
 * and memcmps its few candidates), not one pass per string nor per
 * length: the redactor asks it first,
 * so a registry of thousands of spellings (secrets found in data, one
 * per Map item) costs little on each output.
 * Owner: engine-runtime.
 */
#ifndef PW_REDACT_INDEX_H
#define PW_REDACT_INDEX_H

#include <stddef.h>

struct pw_redact_index;

/* An index of v[0..n) (borrowed: they must outlive it, unchanged). NULL
 * when out of memory. */
struct pw_redact_index *pw_redact_index_build(char *const *v, size_t n);
void pw_redact_index_free(struct pw_redact_index *ix);

/* Sets found[i] to 1 for each v[i] that occurs in text (found has n
 * entries, zeroed by the caller). */
void pw_redact_index_find(const struct pw_redact_index *ix, const char *text,
			  unsigned char *found);

#endif

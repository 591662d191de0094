/*
 * pw_ident - Step Functions variable names: Unicode identifiers (UAX #31)
 * of at most 80 characters, an ID_Start character then ID_Continue ones.
 * The tables are generated (contrib/dev/gen-ident-tables.pl).
 * Owner: engine-language.
 */
#ifndef PW_IDENT_H
#define PW_IDENT_H

#include <stddef.h>
#include <stdint.h>

#define PW_IDENT_MAX_CHARS 80

struct pw_ident_range {
	uint32_t lo, hi;
};
extern const struct pw_ident_range pw_ident_start[];
extern const size_t pw_ident_start_n;
extern const struct pw_ident_range pw_ident_continue[];
extern const size_t pw_ident_continue_n;

/* Length in bytes of the variable name at the start of s[0..len) (0 when
 * s does not start with an ID_Start character); *chars gets its length
 * in characters (may exceed PW_IDENT_MAX_CHARS: the caller says so). */
size_t pw_ident_span(const char *s, size_t len, size_t *chars);

/* Nonzero when all of name is one valid variable name (1-80 characters). */
int pw_ident_valid(const char *name);

#endif
